import { connect } from 'node:net'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it, vi } from 'vitest'
import WebSocket from 'ws'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { ConnectionsByIp, RateLimiter, networkOf } from '../src/limits.ts'
import { client, dataDir, hasCircuit, metric, relay, stoppedClock, useRelayTestDir } from './helpers.ts'
import type { RelayNode } from '../src/index.ts'
import type { Socket } from 'node:net'

useRelayTestDir()

const WAIT = { timeout: 15_000, interval: 50 }

describe('networkOf', () => {
  const of = (addr: string, id = 'c1'): string => networkOf({ remoteAddr: multiaddr(addr), id })
  it('takes an IPv4 address as it is, an IPv6 address by its /64, a mapped IPv4 as IPv4, and a connection without an IP as itself', () => {
    expect(of('/ip4/203.0.113.7/tcp/1/ws')).toBe('203.0.113.7')
    expect(of('/ip6/2001:db8:1:2:aaaa::1/tcp/1/ws')).toBe('2001:db8:1:2::/64')
    expect(of('/ip6/2001:db8:1:2:ffff:ffff:ffff:fffe/udp/1/webrtc-direct')).toBe('2001:db8:1:2::/64')
    expect(of('/ip6/2001:db8::1/tcp/1')).toBe('2001:db8:0:0::/64')
    expect(of('/ip6/::1/tcp/1')).toBe('0:0:0:0::/64')
    expect(of('/ip6/::ffff:198.51.100.4/tcp/1')).toBe('198.51.100.4')
    expect(of('/p2p-circuit', 'c9')).toBe('connection c9')
  })
})

/** host and port of the relay's WebSocket listener */
function wsEndpoint (r: RelayNode): { host: string, port: number } {
  const parts = (r.wsMultiaddrs[0] ?? '').split('/')
  return { host: parts[2] ?? '', port: Number(parts[4]) }
}

/** A raw TCP connection to the relay's WebSocket port, resolved once connected; `closed` settles when the relay ends it. */
async function rawSocket (r: RelayNode, localAddress = '127.0.0.1'): Promise<{ socket: Socket, closed: Promise<void> }> {
  const socket = connect({ ...wsEndpoint(r), localAddress })
  const closed = new Promise<void>(resolve => socket.once('close', () => { resolve() }))
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, closed }
}

describe('RateLimiter', () => {
  it('allows a burst of its capacity, then refills at its rate, per address', () => {
    let now = 0
    const limiter = new RateLimiter(3, 1 / 1000, () => now)
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false])
    expect(limiter.take('b')).toBe(true)
    now += 1000
    expect(limiter.take('a')).toBe(true)
    expect(limiter.take('a')).toBe(false)
    now += 10_000
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false])
  })

  it('remembers a bounded number of addresses, forgetting the least recently used', () => {
    const limiter = new RateLimiter(1, 0, () => 0)
    for (let i = 0; i < 70_000; i++) limiter.take(`10.0.${i >> 8}.${i & 255}`)
    expect(limiter.size).toBe(65_536)
  })
})

describe('ConnectionsByIp', () => {
  const peer = async (): Promise<ReturnType<typeof peerIdFromPrivateKey>> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))

  it('counts open connections and their peers per address, and forgets an address when its last connection closes', async () => {
    const [a, b, c] = [await peer(), await peer(), await peer()]
    const conn = (ip: string, port: number, remotePeer: typeof a): { remoteAddr: ReturnType<typeof multiaddr>, remotePeer: typeof a } =>
      ({ remoteAddr: multiaddr(`/ip4/${ip}/tcp/${port}/ws`), remotePeer })
    const byIp = new ConnectionsByIp()
    const a1 = conn('10.0.0.1', 1, a)
    const a2 = conn('10.0.0.1', 2, a)
    const b1 = conn('10.0.0.1', 3, b)
    const c1 = conn('10.0.0.2', 4, c)
    for (const x of [a1, a2, b1, c1]) byIp.opened(x)
    expect(byIp.connections('10.0.0.1')).toBe(3)
    expect(byIp.connections('10.0.0.2')).toBe(1)
    expect([...byIp.peers('10.0.0.1')].map(String).sort()).toEqual([a, b].map(String).sort())
    expect(byIp.addresses).toBe(2)

    byIp.closed(a1)
    expect(byIp.connections('10.0.0.1')).toBe(2)
    expect([...byIp.peers('10.0.0.1')]).toHaveLength(2)
    byIp.closed(a2)
    expect([...byIp.peers('10.0.0.1')].map(String)).toEqual([b.toString()])
    byIp.closed(b1)
    byIp.closed(c1)
    expect(byIp.addresses).toBe(0)
    expect(byIp.connections('10.0.0.1')).toBe(0)
    // a close it never saw opened (or a second close) changes nothing
    byIp.closed(c1)
    byIp.opened(conn('10.0.0.3', 5, c))
    byIp.closed(conn('10.0.0.3', 6, a))
    expect(byIp.connections('10.0.0.3')).toBe(1)
  })

  it('ignores addresses without an IP (relayed connections)', async () => {
    const byIp = new ConnectionsByIp()
    byIp.opened({ remoteAddr: multiaddr('/p2p-circuit'), remotePeer: await peer() })
    expect(byIp.addresses).toBe(0)
  })
})

describe('limits', () => {
  it('refuses more connections from one PeerID than its share and counts them', async () => {
    const r = await relay({ maxConnectionsPerPeer: 2, metricsPort: 0, webrtcDirectPort: null })
    const a = await client()
    const address = multiaddr(r.multiaddrs[0] ?? '')
    await a.dial(address)
    await a.dial(address, { force: true })
    // the client may finish its side of the upgrade before the relay refuses: then the relay closes it at once
    await a.dial(address, { force: true }).catch(() => {})
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_connection_rejections_total{reason="per-peer"}')).toBe(1) }, WAIT)
    await vi.waitFor(() => { expect(a.getConnections(r.node.peerId)).toHaveLength(2) }, WAIT)
    expect(r.node.getConnections(a.peerId)).toHaveLength(2)
  })

  it('refuses reservation requests beyond the per-IP rate', async () => {
    const r = await relay({ reservationRatePerIp: 2, metricsPort: 0, webrtcDirectPort: null }, { now: stoppedClock() })
    const clients = [await client(), await client(), await client()]
    for (const c of clients) await c.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_reservation_rejections_total{reason="rate"}')).toBe(1) }, WAIT)
    await vi.waitFor(() => { expect(clients.filter(hasCircuit)).toHaveLength(2) }, WAIT)
    expect(await metric(r, 'parley_relay_reservations')).toBe(2)
  })

  it('refuses new connections beyond the per-IP rate and the per-IP share', async () => {
    const rated = await relay({ connectionRatePerIp: 1, metricsPort: 0, webrtcDirectPort: null }, { now: stoppedClock() })
    // a bucket of twice the rate: the third connection within a second (the relay's clock stands still) is refused
    const results = await Promise.allSettled([1, 2, 3].map(async () => (await client()).dial(multiaddr(rated.multiaddrs[0] ?? ''))))
    expect(results.filter(x => x.status === 'rejected')).toHaveLength(1)
    expect(await metric(rated, 'parley_relay_connection_rejections_total{reason="rate"}')).toBe(1)

    const shared = await relay({ maxConnectionsPerIp: 2, metricsPort: 0, webrtcDirectPort: null, dataDir: join(dataDir, 'shared') })
    await (await client()).dial(multiaddr(shared.multiaddrs[0] ?? ''))
    await (await client()).dial(multiaddr(shared.multiaddrs[0] ?? ''))
    await expect((await client()).dial(multiaddr(shared.multiaddrs[0] ?? ''))).rejects.toThrow()
    expect(await metric(shared, 'parley_relay_connection_rejections_total{reason="per-ip"}')).toBe(1)
    expect(shared.node.getConnections()).toHaveLength(2)
  })

  it('allows a bounded number of inbound streams of one protocol per connection', async () => {
    const r = await relay({ maxInboundStreams: 4, webrtcDirectPort: null })
    const c = await client({ identify: identify(), ping: ping() })
    const connection = await c.dial(multiaddr(r.multiaddrs[0] ?? ''))
    // the DHT protocol: the relay serves it, the client registers no handler of its own (which would set its own outbound limit)
    const opened = await Promise.allSettled(Array.from({ length: 8 }, async () => connection.newStream(DHT_PROTOCOL, { maxOutboundStreams: 16 })))
    const streams = opened.flatMap(o => o.status === 'fulfilled' ? [o.value] : [])
    // the relay resets the streams beyond its limit as they arrive
    await vi.waitFor(() => { expect(streams.filter(s => s.status === 'open')).toHaveLength(4) }, WAIT)
    const inbound = r.node.getConnections(c.peerId).flatMap(conn => conn.streams).filter(s => s.protocol === DHT_PROTOCOL && s.direction === 'inbound')
    expect(inbound).toHaveLength(4)
    // and the connection itself lives on
    for (const stream of streams) stream.abort(new Error('done'))
    expect(await c.services.ping.ping(r.node.peerId)).toBeGreaterThanOrEqual(0)
  })

  it('closes a WebSocket that sends a message over the frame limit, and counts it', async () => {
    const r = await relay({ wsMaxFrameBytes: 128 * 1024, metricsPort: 0, webrtcDirectPort: null })
    const { host, port } = wsEndpoint(r)
    const ws = new WebSocket(`ws://${host}:${port}`)
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })
    const closed = new Promise<number>(resolve => ws.once('close', (code) => { resolve(code) }))
    ws.send(new Uint8Array(1024 * 1024))
    expect(await closed).toBe(1009)
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_connection_rejections_total{reason="frame-too-large"}')).toBe(1) }, WAIT)
  })

  it('closes sockets that stay silent, or stall in the HTTP upgrade, after the handshake timeout', async () => {
    const r = await relay({ handshakeTimeoutMs: 1000, metricsPort: 0, webrtcDirectPort: null })
    const honest = await client()
    await honest.dial(multiaddr(r.multiaddrs[0] ?? ''))
    const silent = await rawSocket(r)
    const slow = await rawSocket(r)
    slow.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n')
    const started = Date.now()
    await Promise.all([silent.closed, slow.closed])
    expect(Date.now() - started).toBeLessThan(8000)
    expect(await metric(r, 'parley_relay_connection_rejections_total{reason="handshake-timeout"}')).toBe(2)
    // a client that finished its handshakes long ago is not touched
    expect(r.node.getConnections(honest.peerId)).toHaveLength(1)
    await honest.stop()

    // a WebSocket that never starts its Noise handshake is closed by libp2p's upgrade timeout
    const { host, port } = wsEndpoint(r)
    const ws = new WebSocket(`ws://${host}:${port}`)
    const closed = new Promise<void>(resolve => ws.once('close', () => { resolve() }))
    ws.on('error', () => {})
    await closed
    expect(r.node.getConnections()).toHaveLength(0)
  })

  it('refuses sockets beyond the pending-handshake limits at once: per IP address, and in all', async () => {
    const r = await relay({ maxPendingConnections: 4, maxPendingConnectionsPerIp: 2, metricsPort: 0, webrtcDirectPort: null })
    const refusedFor = async (reason: string): Promise<number | undefined> => metric(r, `parley_relay_connection_rejections_total{reason="${reason}"}`)
    // two WebSockets from one address that finished the upgrade but never start Noise still hold its share
    const { host, port } = wsEndpoint(r)
    const upgraded = [0, 1].map(() => new WebSocket(`ws://${host}:${port}`, { localAddress: '127.0.0.2' }))
    await Promise.all(upgraded.map(async ws => new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject) })))
    const third = await rawSocket(r, '127.0.0.2')
    await third.closed
    await vi.waitFor(async () => { expect(await refusedFor('pending-per-ip')).toBe(1) }, WAIT)
    // other addresses take the other slots, up to the total
    const held = [await rawSocket(r, '127.0.0.3'), await rawSocket(r, '127.0.0.4')]
    const extra = await rawSocket(r, '127.0.0.5')
    await extra.closed
    await vi.waitFor(async () => { expect(await refusedFor('pending')).toBe(1) }, WAIT)
    expect(await refusedFor('pending-per-ip')).toBe(1)
    for (const ws of upgraded) ws.terminate()
    for (const h of held) h.socket.destroy()
    await Promise.all(held.map(async h => h.closed))
    // with the slots free again, a real client gets in
    const c = await client()
    await c.dial(multiaddr(r.multiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(hasCircuit(c)).toBe(true) }, WAIT)
  })

  it('holds the plain TCP listener\'s silent sockets to the same per-IP share, and cuts them after the handshake timeout', async () => {
    const r = await relay({ tcpPort: 0, maxPendingConnectionsPerIp: 2, handshakeTimeoutMs: 1000, metricsPort: 0, webrtcDirectPort: null })
    const [, , host, , port] = (r.tcpMultiaddrs[0] ?? '').split('/')
    const silent = (): Socket => {
      const socket = connect({ host, port: Number(port), localAddress: '127.0.0.2' })
      socket.on('error', () => {})
      return socket
    }
    const closed = [silent(), silent(), silent()].map(async s => new Promise<number>(resolve => { s.once('close', () => { resolve(Date.now()) }) }))
    await vi.waitFor(async () => { expect(await metric(r, 'parley_relay_connection_rejections_total{reason="pending-per-ip"}')).toBe(1) }, WAIT)
    await Promise.all(closed)
    expect(await metric(r, 'parley_relay_connection_rejections_total{reason="handshake-timeout"}')).toBe(2)
  })
})
