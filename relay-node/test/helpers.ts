/**
 * Shared by relay-node's tests: a fresh data directory per test, relays and
 * Node clients that are stopped after it, and reading /metrics.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach } from 'vitest'
import { parseConfig } from '../src/config/parse.ts'
import { createRelayNode } from '../src/index.ts'
import type { RelayConfig, RelayNode, RelayNodeOptions } from '../src/index.ts'
import type { QueryEvent } from '@libp2p/kad-dht'
import type { Libp2p, ServiceMap } from '@libp2p/interface'
import type { ServiceFactoryMap } from 'libp2p'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The current test's data directory (a live binding: new for every test). */
export let dataDir = ''
const cleanups: Array<() => Promise<unknown>> = []

/** Runs `fn` after the current test, newest first. */
export function defer (fn: () => Promise<unknown>): void {
  cleanups.push(fn)
}

/** Gives every test of the calling file a fresh data directory and stops what it started. */
export function useRelayTestDir (): void {
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'relay-node-'))
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })
}

/** The default config with free ports and the test's data directory. */
export function config (overrides: Partial<RelayConfig> = {}): RelayConfig {
  return { ...(parseConfig([], {}) as RelayConfig), port: 0, webrtcDirectPort: 0, dataDir, ...overrides }
}

export async function relay (overrides: Partial<RelayConfig> = {}, options: RelayNodeOptions = {}): Promise<RelayNode> {
  const node = await createRelayNode(config(overrides), options)
  defer(async () => node.stop())
  return node
}

/**
 * A clock that stands still, for a relay (`relay(config, { now })`) or a
 * service whose share a test counts: a share of N a minute gives exactly N,
 * however long the requests take on a slow machine (with the wall clock its
 * bucket refills one token every 60/N s).
 */
export function stoppedClock (): () => number {
  const at = Date.now()
  return () => at
}

/** A Node libp2p client like a browser's node: WebSockets or WebRTC-Direct to relays, listening on `/p2p-circuit`. */
export async function client<S extends ServiceMap = { identify: unknown }> (services?: ServiceFactoryMap<S>): Promise<Libp2p<S>> {
  const node = await createLibp2p<S>({
    addresses: { listen: ['/p2p-circuit'] },
    // no ICE servers: host candidates only, nothing leaves loopback
    transports: [webSockets(), webRTCDirect({ rtcConfiguration: { iceServers: [] } }), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: services ?? ({ identify: identify() } as unknown as ServiceFactoryMap<S>)
  })
  defer(async () => node.stop())
  return node
}

/** The value of one sample line of the relay's /metrics, e.g. `parley_relay_reservations`. */
export async function metric (r: { opsUrl?: string }, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${r.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return line == null ? undefined : Number(line.slice(sample.length + 1))
}

/** The node's circuit address through a relay, once it holds a reservation. */
export function circuitOf (node: Libp2p): Multiaddr | undefined {
  return node.getMultiaddrs().find(ma => ma.toString().includes('/p2p-circuit'))
}

export const hasCircuit = (node: Libp2p): boolean => circuitOf(node) != null

/** Every event of a DHT query, and the error it ended with, if any (the DHT's generators end in errors on refusals). */
export async function collect (events: AsyncIterable<QueryEvent>): Promise<{ events: QueryEvent[], error?: Error }> {
  const out: QueryEvent[] = []
  try {
    for await (const event of events) out.push(event)
    return { events: out }
  } catch (err) {
    return { events: out, error: err as Error }
  }
}
