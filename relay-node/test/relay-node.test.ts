import { spawn } from 'node:child_process'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parseConfig } from '../src/config.ts'
import {
  DEFAULT_CIRCUIT_DATA_LIMIT_BYTES, DEFAULT_CIRCUIT_DURATION_LIMIT_MS, DEFAULT_MAX_RESERVATIONS, IDENTITY_FILE
} from '../src/constants.ts'
import { ConfigError, IdentityError } from '../src/errors.ts'
import { createRelayNode } from '../src/index.ts'
import type { RelayConfig, RelayNode } from '../src/index.ts'
import type { Libp2p } from '@libp2p/interface'

let dataDir: string
const cleanups: Array<() => Promise<unknown>> = []

function config (overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...(parseConfig([], {}) as RelayConfig), port: 0, dataDir, ...overrides }
}

async function relay (overrides: Partial<RelayConfig> = {}): Promise<RelayNode> {
  const node = await createRelayNode(config(overrides))
  cleanups.push(async () => node.stop())
  return node
}

async function client (): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
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
  it('prints its ready line and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay-node/src/bin.ts', '--port', '0', '--data-dir', dataDir], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
    await vi.waitFor(() => { expect(out).toMatch(/relay-node ready \{/) }, { timeout: 20_000, interval: 50 })
    const ready = JSON.parse(/relay-node ready (.*)\n/.exec(out)?.[1] ?? '{}') as { peerId: string, multiaddrs: string[] }
    expect(ready.multiaddrs[0]).toContain(`/p2p/${ready.peerId}`)
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out).toContain('relay-node stopped')
  })

  it('exits with code 2 and a clear message on a bad flag', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'relay-node/src/bin.ts', '--port', 'x'], {
      cwd: join(import.meta.dirname, '..', '..'),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const code = await new Promise<number | null>(resolve => child.on('exit', c => { resolve(c) }))
    expect(code).toBe(2)
    expect(err).toContain('--port (PARLEY_RELAY_PORT) must be a whole number')
  })
})
