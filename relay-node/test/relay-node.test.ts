import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { loadOrCreateCertificate } from '../src/certificate.ts'
import { parseConfig } from '../src/config.ts'
import {
  DEFAULT_CIRCUIT_DATA_LIMIT_BYTES, DEFAULT_CIRCUIT_DURATION_LIMIT_MS, DEFAULT_MAX_RESERVATIONS, DEFAULT_MAX_RESERVATIONS_PER_IP, DEFAULT_WEBRTC_DIRECT_PORT,
  IDENTITY_FILE, WEBRTC_DIRECT_CERT_FILE, WEBRTC_DIRECT_CERT_LIFESPAN_MS
} from '../src/constants.ts'
import { CertificateError, ConfigError, IdentityError } from '../src/errors.ts'
import { createRelayNode } from '../src/index.ts'
import type { RelayConfig, RelayNode } from '../src/index.ts'
import type { Libp2p } from '@libp2p/interface'

let dataDir: string
const cleanups: Array<() => Promise<unknown>> = []

function config (overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...(parseConfig([], {}) as RelayConfig), port: 0, webrtcDirectPort: 0, dataDir, ...overrides }
}

async function relay (overrides: Partial<RelayConfig> = {}): Promise<RelayNode> {
  const node = await createRelayNode(config(overrides))
  cleanups.push(async () => node.stop())
  return node
}

async function client (): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    // no ICE servers: host candidates only, nothing leaves loopback
    transports: [webSockets(), webRTCDirect({ rtcConfiguration: { iceServers: [] } }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  })
  cleanups.push(async () => node.stop())
  return node
}

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'relay-node-'))
})

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  await rm(dataDir, { recursive: true, force: true })
})

describe('config', () => {
  it('has explicit relay limits, not the js-libp2p defaults', () => {
    const c = parseConfig([], {}) as RelayConfig
    expect(c.host).toBe('127.0.0.1')
    expect(c.maxReservations).toBe(DEFAULT_MAX_RESERVATIONS)
    expect(c.maxReservations).toBeGreaterThanOrEqual(1000)
    expect(c.circuitDataLimitBytes).toBe(DEFAULT_CIRCUIT_DATA_LIMIT_BYTES)
    expect(c.circuitDataLimitBytes).toBeGreaterThan(128 * 1024)
    expect(c.circuitDurationLimitMs).toBe(DEFAULT_CIRCUIT_DURATION_LIMIT_MS)
    expect(c.circuitDurationLimitMs).toBeGreaterThan(2 * 60_000)
  })

  it('flags win over environment variables', () => {
    const c = parseConfig(['--port', '7000', '--max-reservations', '5000'], { PARLEY_RELAY_PORT: '8000', PARLEY_RELAY_HOST: '::1' }) as RelayConfig
    expect(c.port).toBe(7000)
    expect(c.host).toBe('::1')
    expect(c.maxReservations).toBe(5000)
  })

  it('refuses bad values with a sentence naming the option', () => {
    expect(() => parseConfig(['--port', 'abc'], {})).toThrow(/--port .* whole number/)
    expect(() => parseConfig(['--port', '70000'], {})).toThrow(/between 0 and 65535/)
    expect(() => parseConfig([], { PARLEY_RELAY_MAX_RESERVATIONS: '0' })).toThrow(ConfigError)
    expect(() => parseConfig(['--host', 'example.com'], {})).toThrow(/IPv4 or IPv6/)
    expect(() => parseConfig(['--nope'], {})).toThrow(/Unknown option '--nope'.*--help/)
    expect(parseConfig(['--help'], {})).toBe('help')
  })

  it('takes a WebRTC-Direct UDP port, 0 for any, or "off"', () => {
    expect((parseConfig([], {}) as RelayConfig).webrtcDirectPort).toBe(DEFAULT_WEBRTC_DIRECT_PORT)
    expect((parseConfig(['--webrtc-direct-port', '0'], {}) as RelayConfig).webrtcDirectPort).toBe(0)
    expect((parseConfig([], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: '7001' }) as RelayConfig).webrtcDirectPort).toBe(7001)
    expect((parseConfig(['--webrtc-direct-port', 'off'], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: '7001' }) as RelayConfig).webrtcDirectPort).toBeNull()
    expect((parseConfig([], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: 'OFF' }) as RelayConfig).webrtcDirectPort).toBeNull()
    expect(() => parseConfig(['--webrtc-direct-port=-1'], {})).toThrow(/--webrtc-direct-port \(PARLEY_RELAY_WEBRTC_DIRECT_PORT\) must be a whole number.*"off"/)
    expect(() => parseConfig(['--webrtc-direct-port', 'no'], {})).toThrow(ConfigError)
    expect(() => parseConfig([], { PARLEY_RELAY_WEBRTC_DIRECT_PORT: '65536' })).toThrow(/between 0 and 65535.*"off"/)
  })
})

describe('config: limits and the operations port', () => {
  it('has a per-IP share of reservations and no metrics port by default', () => {
    const c = parseConfig([], {}) as RelayConfig
    expect(c.maxReservations).toBeGreaterThanOrEqual(5000)
    expect(c.maxReservationsPerIp).toBe(DEFAULT_MAX_RESERVATIONS_PER_IP)
    expect(c.metricsPort).toBeNull()
  })

  it('takes --max-reservations-per-ip and --metrics-port (a port, 0 for any, or off)', () => {
    const c = parseConfig(['--max-reservations-per-ip', '3', '--metrics-port', '9100'], {}) as RelayConfig
    expect(c.maxReservationsPerIp).toBe(3)
    expect(c.metricsPort).toBe(9100)
    expect((parseConfig([], { PARLEY_RELAY_METRICS_PORT: '0' }) as RelayConfig).metricsPort).toBe(0)
    expect((parseConfig(['--metrics-port', 'off'], { PARLEY_RELAY_METRICS_PORT: '9100' }) as RelayConfig).metricsPort).toBeNull()
  })

  it.each<[string[], Record<string, string>, RegExp]>([
    [['--max-reservations-per-ip', '0'], {}, /--max-reservations-per-ip \(PARLEY_RELAY_MAX_RESERVATIONS_PER_IP\) must be between 1 and/],
    [[], { PARLEY_RELAY_MAX_RESERVATIONS_PER_IP: 'many' }, /--max-reservations-per-ip .* must be a whole number, got "many"/],
    [['--metrics-port', '70000'], {}, /--metrics-port \(PARLEY_RELAY_METRICS_PORT\) must be between 0 and 65535.*"off"/],
    [[], { PARLEY_RELAY_METRICS_PORT: 'yes' }, /--metrics-port .* must be a whole number, got "yes".*"off"/]
  ])('refuses %j %j with a sentence naming the option', (argv, env, message) => {
    expect(() => parseConfig(argv, env)).toThrow(message)
    expect(() => parseConfig(argv, env)).toThrow(ConfigError)
  })
})

describe('config file and announce addresses', () => {
  async function configFile (content: unknown): Promise<string> {
    const path = join(dataDir, 'relay.json')
    await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content))
    return path
  }

  it('reads options from a JSON file keyed by flag name; environment and flags win over it', async () => {
    const path = await configFile({ port: 7100, 'max-reservations': 6000, 'metrics-port': 'off', announce: ['/dns4/relay.example.org/tcp/443/wss'] })
    const fromFile = parseConfig(['--config', path], {}) as RelayConfig
    expect(fromFile).toMatchObject({ port: 7100, maxReservations: 6000, metricsPort: null, announce: ['/dns4/relay.example.org/tcp/443/wss'] })
    const overridden = parseConfig(['--config', path, '--port', '7200'], { PARLEY_RELAY_MAX_RESERVATIONS: '7000' }) as RelayConfig
    expect(overridden).toMatchObject({ port: 7200, maxReservations: 7000 })
    expect((parseConfig([], { PARLEY_RELAY_CONFIG: path }) as RelayConfig).port).toBe(7100)
  })

  it.each<[string, unknown, RegExp]>([
    ['not JSON', '{"port": ', /the config file .* is not valid JSON/],
    ['a list', '[1, 2]', /must hold a JSON object of options/],
    ['an unknown option', { prot: 9000 }, /unknown option "prot" \(options are the flag names without "--"\)/],
    ['a nested value', { port: { value: 9000 } }, /"port" must be a number or a string/],
    ['a bad value', { 'max-reservations': -5 }, /--max-reservations \(PARLEY_RELAY_MAX_RESERVATIONS\) must be a whole number, got "-5"/],
    ['an announce address with /p2p/', { announce: '/dns4/a.example/tcp/443/wss/p2p/12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj' }, /without \/p2p\/<id>/],
    ['an announce address that is not a multiaddr', { announce: ['relay.example.org:443'] }, /--announce .* "relay.example.org:443" is not one/]
  ])('refuses a config file with %s, naming what is wrong', async (_name, content, message) => {
    const path = await configFile(content)
    expect(() => parseConfig(['--config', path], {})).toThrow(message)
    expect(() => parseConfig(['--config', path], {})).toThrow(ConfigError)
  })

  it('refuses a config file it cannot read', () => {
    expect(() => parseConfig(['--config', join(dataDir, 'missing.json')], {})).toThrow(/cannot read the config file .*missing\.json/)
  })

  it('advertises the announce addresses instead of the listen addresses', async () => {
    const r = await relay({ announce: ['/dns4/relay.example.org/tcp/443/wss'], webrtcDirectPort: null })
    expect(r.multiaddrs).toEqual([`/dns4/relay.example.org/tcp/443/wss/p2p/${r.peerId}`])
  })
})

describe('limits, /metrics and /healthz', () => {
  /** The value of one sample line of the relay's /metrics, e.g. `parley_relay_reservations`. */
  async function metric (r: RelayNode, sample: string): Promise<number | undefined> {
    const text = await (await fetch(`${r.opsUrl ?? ''}/metrics`)).text()
    const line = text.split('\n').find(l => l.startsWith(`${sample} `))
    return line == null ? undefined : Number(line.slice(sample.length + 1))
  }

  const hasCircuit = (node: Libp2p): boolean => node.getMultiaddrs().some(ma => ma.toString().includes('/p2p-circuit'))

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
    cleanups.push(async () => rm(other, { recursive: true, force: true }))
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

describe('process', () => {
  async function runRelay (...args: string[]): Promise<{ ready: { peerId: string, multiaddrs: string[] }, output: () => string, stop: () => Promise<number | null> }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay-node/src/bin.ts', '--data-dir', dataDir, ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
    cleanups.push(async () => { child.kill('SIGKILL'); await exited })
    await vi.waitFor(() => { expect(out).toMatch(/relay-node ready \{/) }, { timeout: 20_000, interval: 50 })
    const ready = JSON.parse(/relay-node ready (.*)\n/.exec(out)?.[1] ?? '{}') as { peerId: string, multiaddrs: string[] }
    return { ready, output: () => out, stop: async () => { child.kill('SIGTERM'); return await exited } }
  }

  it('prints its ready line and stops cleanly on SIGTERM', async () => {
    const relay = await runRelay('--port', '0', '--webrtc-direct-port', '0')
    const { ready } = relay
    expect(ready.multiaddrs[0]).toContain(`/p2p/${ready.peerId}`)
    expect(ready.multiaddrs[0]).toContain('/ws/')
    expect(ready.multiaddrs[1]).toMatch(/\/udp\/\d+\/webrtc-direct\/certhash\/u[\w-]+\/p2p\//)
    expect(relay.output()).toMatch(/created a new WebRTC-Direct certificate, certhash u/)
    expect(await relay.stop()).toBe(0)
    expect(relay.output()).toContain('relay-node stopped')
  })

  it('listens on the same addresses, certhash included, after a process restart', async () => {
    const first = await runRelay('--port', '0', '--webrtc-direct-port', '0')
    const [ws, wrd] = first.ready.multiaddrs
    expect(await first.stop()).toBe(0)
    const second = await runRelay('--port', ws?.split('/')[4] ?? '', '--webrtc-direct-port', wrd?.split('/')[4] ?? '')
    expect(second.ready.multiaddrs).toEqual(first.ready.multiaddrs)
    expect(second.output()).toMatch(/loaded its WebRTC-Direct certificate/)
    expect(await second.stop()).toBe(0)
  })

  async function exitOf (...args: string[]): Promise<{ code: number | null, err: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay-node/src/bin.ts', ...args], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const code = await new Promise<number | null>(resolve => child.on('exit', c => { resolve(c) }))
    return { code, err }
  }

  it('exits with code 2 and a clear message on a bad flag', async () => {
    const { code, err } = await exitOf('--port', 'x')
    expect(code).toBe(2)
    expect(err).toContain('--port (PARLEY_RELAY_PORT) must be a whole number')
  })

  it('exits with code 2 and a clear message on a bad config file', async () => {
    const path = join(dataDir, 'relay.json')
    await writeFile(path, JSON.stringify({ port: 9000, 'max-connections': 3 }))
    const { code, err } = await exitOf('--config', path)
    expect(code).toBe(2)
    expect(err).toContain('--max-connections (PARLEY_RELAY_MAX_CONNECTIONS) must be between 16 and')
  })
})
