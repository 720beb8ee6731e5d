import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, vi } from 'vitest'
import { loadOrCreateCertificate } from '../src/certificate.ts'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { IDENTITY_FILE, WEBRTC_DIRECT_CERT_FILE, WEBRTC_DIRECT_CERT_LIFESPAN_MS } from '../src/constants.ts'
import { CertificateError, IdentityError } from '../src/errors.ts'
import { createRelayNode } from '../src/index.ts'
import { client, config, dataDir, defer, hasCircuit, metric, relay, useRelayTestDir } from './helpers.ts'

useRelayTestDir()

describe('limits, /metrics and /healthz', () => {
  it('refuses a reservation beyond the per-IP share, counts it, and keeps relaying for the others', async () => {
    const r = await relay({ maxReservationsPerIp: 1, metricsPort: 0, webrtcDirectPort: null })
    const a = await client()
    await a.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(hasCircuit(a)).toBe(true) }, { timeout: 10_000 })
    expect(await metric(r, 'parley_relay_reservations')).toBe(1)
    expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="per-ip"}')).toBe(0)

    // b comes from the same address (127.0.0.1): its reservation is refused
    const b = await client()
    await b.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="per-ip"}')).toBeGreaterThanOrEqual(1) }, { timeout: 10_000 })
    expect(hasCircuit(b)).toBe(false)
    expect(await metric(r, 'parley_relay_reservations')).toBe(1)
    expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="capacity"}')).toBe(0)

    // a is still reachable through the relay
    const circuit = a.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit'))
    if (circuit == null) throw new Error('a lost its circuit address')
    const connection = await b.dial(circuit)
    expect(connection.remotePeer.equals(a.peerId)).toBe(true)
  })

  it('counts the refusals when every reservation slot is taken', async () => {
    const r = await relay({ maxReservations: 1, maxReservationsPerIp: 10, metricsPort: 0, webrtcDirectPort: null })
    const a = await client()
    await a.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(hasCircuit(a)).toBe(true) }, { timeout: 10_000 })
    const b = await client()
    await b.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="capacity"}')).toBeGreaterThanOrEqual(1) }, { timeout: 10_000 })
    expect(hasCircuit(b)).toBe(false)
    expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="per-ip"}')).toBe(0)
  })

  it('ends a reservation when its peer disconnects, so its place is free at once', async () => {
    const r = await relay({ maxReservations: 1, metricsPort: 0, webrtcDirectPort: null })
    const a = await client()
    await a.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(hasCircuit(a)).toBe(true) }, { timeout: 10_000 })
    // a goes away for good (after a mere hang-up it would reserve again)
    await a.stop()
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_reservations')).toBe(0) }, { timeout: 10_000 })

    const b = await client()
    await b.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(hasCircuit(b)).toBe(true) }, { timeout: 10_000 })
    expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="capacity"}')).toBe(0)
  })

  it('closes the WebSocket of a connection it resets (libp2p asks for close code 1006, which ws refuses to send)', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const a = await client()
    const ours = await a.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(r.node.getConnections(a.peerId)).toHaveLength(1) }, { timeout: 5_000 })
    const [connection] = r.node.getConnections(a.peerId)
    if (connection == null) throw new Error('the relay has no connection from the client')
    connection.abort(new Error('reset by the test'))
    // the client's socket closes with it (libp2p's own ping would only notice after its 10 s interval);
    // the client may then dial again to keep its reservation: that is another connection
    await vi.waitFor(() => { expect(['closed', 'reset']).toContain(ours.status) }, { timeout: 5_000 })
  })

  it('serves libp2p metrics and /healthz on their own port; 404 and 405 for anything else', async () => {
    const r = await relay({ metricsPort: 0, webrtcDirectPort: null })
    expect(r.opsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(r.opsUrl).not.toContain(r.multiaddrs[0]?.split('/')[4] ?? 'none')
    const metrics = await fetch(`${r.opsUrl ?? ''}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    const text = await metrics.text()
    expect(text).toMatch(/^libp2p_/m)
    expect(text).toMatch(/^parley_relay_connections \d+$/m)

    const health = await fetch(`${r.opsUrl ?? ''}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok', peerId: r.peerId, reservations: 0 })
    expect((await fetch(`${r.opsUrl ?? ''}/nope`)).status).toBe(404)
    expect((await fetch(`${r.opsUrl ?? ''}/metrics`, { method: 'POST' })).status).toBe(405)

    const url = r.opsUrl ?? ''
    await r.stop()
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
  })

  it('has no operations server unless asked', async () => {
    const r = await relay({ webrtcDirectPort: null })
    expect(r.opsUrl).toBeUndefined()
  })
})

describe('identity', () => {
  it('is created on first start and reused after a restart', async () => {
    const first = await createRelayNode(config())
    const peerId = first.peerId
    expect(first.identityCreated).toBe(true)
    await first.stop()
    expect((await stat(join(dataDir, IDENTITY_FILE))).mode & 0o077).toBe(0)

    const second = await relay()
    expect(second.identityCreated).toBe(false)
    expect(second.peerId).toBe(peerId)
  })

  it('refuses a corrupt key file instead of silently replacing the identity', async () => {
    await writeFile(join(dataDir, IDENTITY_FILE), 'not a key')
    await expect(createRelayNode(config())).rejects.toThrow(IdentityError)
  })
})

describe('WebRTC-Direct', () => {
  const webrtcDirect = (peerId: string): RegExp =>
    new RegExp(`^/ip4/127\\.0\\.0\\.1/udp/(\\d+)/webrtc-direct/certhash/(u[A-Za-z0-9_-]+)/p2p/${peerId}$`)

  it('listens on UDP next to WebSockets and lists both, WebSockets first', async () => {
    const r = await relay()
    expect(r.wsMultiaddrs).toHaveLength(1)
    expect(r.webrtcDirectMultiaddrs).toHaveLength(1)
    expect(r.multiaddrs).toEqual([...r.wsMultiaddrs, ...r.webrtcDirectMultiaddrs])
    expect(r.webrtcDirectMultiaddrs[0]).toMatch(webrtcDirect(r.peerId))
    expect(r.webrtcDirectMultiaddrs[0]).toContain(`/certhash/${r.certificate?.certhash ?? 'none'}/`)
  })

  it('has no WebRTC-Direct listener (and no certificate file) when off', async () => {
    const r = await relay({ webrtcDirectPort: null })
    expect(r.multiaddrs).toEqual(r.wsMultiaddrs)
    expect(r.webrtcDirectMultiaddrs).toEqual([])
    expect(r.certificate).toBeUndefined()
    await expect(stat(join(dataDir, WEBRTC_DIRECT_CERT_FILE))).rejects.toThrow(/ENOENT/)
  })

  it('keeps its certificate, and so its certhash, across a restart', async () => {
    const first = await createRelayNode(config())
    const certhash = webrtcDirect(first.peerId).exec(first.webrtcDirectMultiaddrs[0] ?? '')?.[2]
    expect(certhash).toBe(first.certificate?.certhash)
    expect(first.certificate?.created).toBe(true)
    await first.stop()
    expect((await stat(join(dataDir, WEBRTC_DIRECT_CERT_FILE))).mode & 0o077).toBe(0)

    // a new port: node-datachannel does not free a UDP mux port inside the
    // same process (the same port after a process restart is tested below)
    const second = await relay()
    expect(second.certificate?.created).toBe(false)
    expect(webrtcDirect(second.peerId).exec(second.webrtcDirectMultiaddrs[0] ?? '')?.[2]).toBe(certhash)
  })

  it('refuses a corrupt certificate file instead of silently changing the certhash', async () => {
    await writeFile(join(dataDir, WEBRTC_DIRECT_CERT_FILE), 'not a certificate')
    await expect(createRelayNode(config())).rejects.toThrow(CertificateError)

    // a valid certificate with someone else's key is refused too
    const other = await mkdtemp(join(tmpdir(), 'relay-node-other-'))
    defer(async () => rm(other, { recursive: true, force: true }))
    await loadOrCreateCertificate(other)
    const mine = await readFile(join(other, WEBRTC_DIRECT_CERT_FILE), 'utf8')
    await rm(join(other, WEBRTC_DIRECT_CERT_FILE))
    await loadOrCreateCertificate(other)
    const theirs = await readFile(join(other, WEBRTC_DIRECT_CERT_FILE), 'utf8')
    const key = /-----BEGIN PRIVATE KEY-----[^]*?-----END PRIVATE KEY-----/.exec(mine)?.[0] ?? ''
    const cert = /-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/.exec(theirs)?.[0] ?? ''
    await writeFile(join(dataDir, WEBRTC_DIRECT_CERT_FILE), `${key}\n${cert}\n`)
    await expect(createRelayNode(config())).rejects.toThrow(/does not belong to the certificate/)
  })

  it('replaces an expired certificate and says so', async () => {
    const first = await loadOrCreateCertificate(dataDir)
    expect((await loadOrCreateCertificate(dataDir)).certificate.certhash).toBe(first.certificate.certhash)
    const later = await loadOrCreateCertificate(dataDir, Date.now() + WEBRTC_DIRECT_CERT_LIFESPAN_MS + 60_000)
    expect(later.created).toBe(true)
    expect(later.replaced).toMatch(/expired/)
    expect(later.certificate.certhash).not.toBe(first.certificate.certhash)
  })

  it('grants a reservation to a client that reaches it only over WebRTC-Direct', async () => {
    const r = await relay()
    const a = await client()
    const connection = await a.dial(multiaddr(r.webrtcDirectMultiaddrs[0] ?? ''))
    expect(connection.remoteAddr.toString()).toContain('/webrtc-direct')
    await vi.waitFor(() => {
      const circuit = a.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit'))
      expect(circuit?.toString()).toMatch(/\/webrtc-direct\/.*\/p2p-circuit\//)
    }, { timeout: 10_000 })
  })
})

describe('services', () => {
  it('speaks circuit relay v2, the Parley DHT, identify and identify-push, ping and AutoNAT to a client', async () => {
    const r = await relay({ webrtcDirectPort: null })
    const c = await client()
    await c.dial(multiaddr(r.multiaddrs[0] ?? ''))
    // what identify told the client the relay speaks
    await vi.waitFor(async () => {
      expect((await c.peerStore.get(r.node.peerId)).protocols).toEqual(expect.arrayContaining([
        '/libp2p/circuit/relay/0.2.0/hop', DHT_PROTOCOL, '/ipfs/id/1.0.0', '/ipfs/id/push/1.0.0', '/ipfs/ping/1.0.0', '/libp2p/autonat/1.0.0'
      ]))
    }, { timeout: 10_000 })
    expect(r.node.services.dht.getMode()).toBe('server')
  })
})

describe('relaying', () => {
  it('prints full multiaddrs, grants reservations and relays a connection with the configured limits', async () => {
    const r = await relay({ circuitDataLimitBytes: 4 * 1024 * 1024, circuitDurationLimitMs: 300_000 })
    expect(r.multiaddrs[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${r.peerId}$`))

    const a = await client()
    const b = await client()
    await a.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await b.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => {
      expect(a.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))).toBe(true)
      expect(b.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))).toBe(true)
    }, { timeout: 10_000 })

    const circuitAddr = b.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit'))
    if (circuitAddr == null) throw new Error('no circuit address')
    const connection = await a.dial(circuitAddr)
    expect(connection.remotePeer.equals(b.peerId)).toBe(true)
    // limits reports what is left of the budget: the configured 4 MiB minus the handshake so far
    const bytesLeft = connection.limits?.bytes ?? 0n
    expect(bytesLeft).toBeLessThanOrEqual(4n * 1024n * 1024n)
    expect(bytesLeft).toBeGreaterThan(4n * 1024n * 1024n - 64n * 1024n)
    expect(connection.limits?.seconds).toBeDefined()
  })
})

