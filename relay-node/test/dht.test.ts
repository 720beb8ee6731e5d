/**
 * Issue 6: relay-nodes bootstrap each other and form one DHT
 * (`/parley/kad/1.0.0`), in which a browser is found through the relay it
 * holds a reservation on.
 */
import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { describe, expect, it, vi } from 'vitest'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { loadOrCreateIdentity } from '../src/identity.ts'
import { createRelayNode } from '../src/index.ts'
import { createLogger } from '../src/log.ts'
import { client, collect, config, dataDir, defer, hasCircuit, metric, relay, useRelayTestDir } from './helpers.ts'
import type { RelayConfig, RelayNode } from '../src/index.ts'
import type { Identify } from '@libp2p/identify'
import type { KadDHTComponents, SingleKadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PeerId, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

useRelayTestDir()

const WAIT = { timeout: 10_000, interval: 50 }

/** The Kademlia id of a peer: SHA-256 of its PeerID multihash, as @libp2p/kad-dht computes it. */
function kadId (peer: PeerId): Buffer {
  return createHash('sha256').update(peer.toMultihash().bytes).digest()
}

/** True when `a` is closer than `b` to `target` in XOR distance. */
function closer (a: PeerId, b: PeerId, target: PeerId): boolean {
  const [t, x, y] = [kadId(target), kadId(a), kadId(b)]
  for (let i = 0; i < t.length; i++) {
    const dx = (x[i] ?? 0) ^ (t[i] ?? 0)
    const dy = (y[i] ?? 0) ^ (t[i] ?? 0)
    if (dx !== dy) return dx < dy
  }
  return false
}

/**
 * A key whose PeerID is closer to `near` than to `far`. A Kademlia lookup
 * only moves towards its key: a querier that knows only `far` asks `near`
 * only if `near` is the closer of the two.
 */
async function keyCloserTo (near: string, far: string): Promise<PrivateKey> {
  const [nearId, farId] = [peerIdFromString(near), peerIdFromString(far)]
  for (let i = 0; i < 200; i++) {
    const key = await generateKeyPair('Ed25519')
    if (closer(nearId, farId, peerIdFromPrivateKey(key))) return key
  }
  throw new Error('no key closer to the near relay in 200 tries')
}

/** A browser-like node (WebSockets + circuit relay, no DHT) that reserves on `relayAddr`. */
async function reservingPeer (privateKey: PrivateKey, relayAddr: string): Promise<Libp2p<{ identify: Identify, ping: Ping }>> {
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: ['/p2p-circuit'] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), ping: ping() }
  })
  defer(async () => node.stop())
  await node.dial(multiaddr(relayAddr))
  await vi.waitFor(() => { expect(hasCircuit(node)).toBe(true) }, WAIT)
  return node
}

/** A browser-like DHT client: it asks the relays, answers nobody. */
async function dhtClient (): Promise<Libp2p<{ identify: Identify, ping: Ping, dht: SingleKadDHT }>> {
  return client({
    identify: identify(),
    ping: ping(),
    // the relays listen on loopback: keep their private addresses
    // the instance is a SingleKadDHT (it has the routing table); kadDHT() is typed as KadDHT
    dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: true, peerInfoMapper: passthroughMapper }) as (components: KadDHTComponents) => SingleKadDHT
  })
}

/** Two relays (own data directories), the second bootstrapped from the first's `via` address. */
async function relayPair (via: 'ws' | 'tcp', extra: Partial<RelayConfig> = {}): Promise<[RelayNode, RelayNode]> {
  const common = { webrtcDirectPort: null, metricsPort: 0, ...extra }
  const r1 = await relay({ ...common, dataDir: join(dataDir, 'r1'), ...(via === 'tcp' ? { tcpPort: 0 } : {}) })
  const bootstrap = via === 'tcp' ? r1.tcpMultiaddrs[0] : r1.wsMultiaddrs[0]
  expect(bootstrap).toMatch(via === 'tcp' ? /\/tcp\/\d+\/p2p\// : /\/ws\/p2p\//)
  const r2 = await relay({ ...common, dataDir: join(dataDir, 'r2'), bootstrap: [bootstrap ?? ''] })
  // each has the other, the only peer it knows, in its routing table
  await vi.waitFor(() => {
    expect(r1.node.services.dht.routingTable.size).toBe(1)
    expect(r2.node.services.dht.routingTable.size).toBe(1)
  }, WAIT)
  expect(r1.node.getConnections(r2.node.peerId).length).toBeGreaterThan(0)
  expect(await metric(r1, 'parley_relay_dht_peers')).toBe(1)
  expect(await metric(r2, 'parley_relay_dht_peers')).toBe(1)
  return [r1, r2]
}

describe('relay-nodes share one DHT', () => {
  it.each(['ws', 'tcp'] as const)('finds a peer reserved on R2 through R1 (bootstrap over %s), and the circuit carries a ping', async (via) => {
    const [r1, r2] = await relayPair(via)
    // P's key is picked so that R1 is closer to it than R2: a lookup then finds P only
    // because Q, like any DHT client, has joined the DHT and learnt R2 (Kademlia walks only
    // towards the key, and the reservation is known to R2 alone)
    const p = await reservingPeer(await keyCloserTo(r1.peerId, r2.peerId), r2.wsMultiaddrs[0] ?? '')

    // R1 has never heard of P: whatever Q learns comes from the DHT walk to R2
    expect(await r1.node.peerStore.has(p.peerId)).toBe(false)
    expect(r1.node.getConnections(p.peerId)).toHaveLength(0)

    // Q is given R1 only; its own start-up lookup through R1 brings R2 into its routing table
    const q = await dhtClient()
    await q.dial(multiaddr(r1.wsMultiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(q.services.dht.routingTable.size).toBe(2) }, { timeout: 20_000, interval: 50 })

    const found = await q.peerRouting.findPeer(p.peerId, { signal: AbortSignal.timeout(10_000) })
    expect(found.id.equals(p.peerId)).toBe(true)
    // R2's answer (src/dht.ts): its own addresses + /p2p-circuit. (P, like the app's node, runs no
    // identify-push, so R2's peer store has no address of P that Kademlia could answer with itself.)
    expect(found.multiaddrs.map(String).sort()).toEqual(r2.node.getMultiaddrs().map(ma => `${ma.toString()}/p2p-circuit`).sort())

    const rtt = await q.services.ping.ping(p.peerId, { signal: AbortSignal.timeout(10_000) })
    expect(rtt).toBeGreaterThanOrEqual(0)
    const [connection] = q.getConnections(p.peerId)
    expect(connection?.remoteAddr.toString()).toContain(`/p2p/${r2.peerId}/p2p-circuit`)
    expect(connection?.limits).toBeDefined()
  })

  it('answers with the relay a peer moved to, not the addresses its peer store kept from before the move', async () => {
    const [r1, r2] = await relayPair('ws')
    const p = await reservingPeer(await generateKeyPair('Ed25519'), r1.wsMultiaddrs[0] ?? '')
    const viaR1 = `/p2p/${r1.peerId}/p2p-circuit`
    const viaR2 = `/p2p/${r2.peerId}/p2p-circuit`
    // P meets R2 while reserved on R1: R2's peer store keeps P's circuit addresses through R1
    await p.dial(multiaddr(r2.wsMultiaddrs[0] ?? ''))
    await vi.waitFor(async () => {
      const stored = (await r2.node.peerStore.get(p.peerId)).addresses.map(a => a.multiaddr.toString())
      expect(stored.some(a => a.includes(viaR1))).toBe(true)
    }, WAIT)

    // R1 goes away: P's relay transport reserves on R2 instead (P runs no identify-push, so R2's peer store is now stale)
    await r1.stop()
    await vi.waitFor(() => { expect(p.getMultiaddrs().some(a => a.toString().includes(viaR2))).toBe(true) }, { timeout: 20_000, interval: 50 })

    const q = await dhtClient()
    await q.dial(multiaddr(r2.wsMultiaddrs[0] ?? ''))
    const found = await q.peerRouting.findPeer(p.peerId, { signal: AbortSignal.timeout(10_000) })
    expect(found.multiaddrs.length).toBeGreaterThan(0)
    expect(found.multiaddrs.every(a => a.toString().includes(viaR2))).toBe(true)
    expect(await q.services.ping.ping(p.peerId, { signal: AbortSignal.timeout(10_000) })).toBeGreaterThanOrEqual(0)
  })

  it('leaves out a browser that is neither reserved nor connected on this relay (its stored addresses may be stale)', async () => {
    const [r1, r2] = await relayPair('ws')
    const p = await reservingPeer(await generateKeyPair('Ed25519'), r1.wsMultiaddrs[0] ?? '')
    // P met R2 once, then left: R2 remembers its addresses but cannot vouch for them
    await p.dial(multiaddr(r2.wsMultiaddrs[0] ?? ''))
    await vi.waitFor(async () => { expect(await r2.node.peerStore.has(p.peerId)).toBe(true) }, WAIT)
    await p.hangUp(r2.node.peerId)
    await vi.waitFor(() => { expect(r2.node.getConnections(p.peerId)).toHaveLength(0) }, WAIT)

    const q = await dhtClient()
    await q.dial(multiaddr(r2.wsMultiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(q.services.dht.routingTable.size).toBe(2) }, { timeout: 20_000, interval: 50 })
    const lookup = await collect(q.services.dht.findPeer(p.peerId, { signal: AbortSignal.timeout(10_000) }))
    const answers = lookup.events.flatMap(e => e.name === 'PEER_RESPONSE' && e.messageName === 'FIND_NODE' ? [e] : [])
    const named = (from: RelayNode): string[][] => answers.filter(e => e.from.equals(from.node.peerId))
      .map(e => e.closer.filter(c => c.id.equals(p.peerId)).flatMap(c => c.multiaddrs.map(String)))
    // R2 answered, without P
    expect(named(r2)).not.toHaveLength(0)
    expect(named(r2).flat()).toEqual([])
    // R1, which holds P's reservation, answers for it with its own circuit addresses
    expect(named(r1).flat()).not.toHaveLength(0)
    expect(named(r1).flat().every(a => a.includes(`/p2p/${r1.peerId}/p2p-circuit`))).toBe(true)
  })

  it('answers a lookup for an unknown peer with "not found", promptly, and refuses PUT_VALUE without falling over', async () => {
    const [r1, r2] = await relayPair('ws')
    const q = await dhtClient()
    await q.dial(multiaddr(r1.wsMultiaddrs[0] ?? ''))
    await vi.waitFor(() => { expect(q.services.dht.routingTable.size).toBeGreaterThanOrEqual(1) }, WAIT)

    const nobody = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const started = Date.now()
    // the DHT's own generator: an abort would end it with AbortError, exhaustion with NotFoundError
    const lookup = await collect(q.services.dht.findPeer(nobody, { signal: AbortSignal.timeout(10_000) }))
    expect(lookup.error?.name).toBe('NotFoundError')
    expect(Date.now() - started).toBeLessThan(5_000)
    expect(lookup.events.some(e => e.name === 'FINAL_PEER')).toBe(false)
    expect(lookup.events.some(e => e.name === 'PEER_RESPONSE' && e.from.equals(r1.node.peerId))).toBe(true)

    // PUT_VALUE: every relay resets the stream; nothing answers it
    const put = await collect(q.services.dht.put(new TextEncoder().encode('/parley-test/key'), new TextEncoder().encode('value'), { signal: AbortSignal.timeout(10_000) }))
    const putTo = put.events.filter(e => e.name === 'SEND_QUERY' && e.messageName === 'PUT_VALUE').map(e => e.name === 'SEND_QUERY' ? e.to.toString() : '')
    expect(putTo).toContain(r1.peerId)
    expect(put.events.some(e => e.name === 'PEER_RESPONSE' && e.messageName === 'PUT_VALUE')).toBe(false)
    const refusals = put.events.flatMap(e => e.name === 'QUERY_ERROR' ? [{ from: e.from.toString(), error: e.error.name }] : [])
    expect(refusals).toContainEqual({ from: r1.peerId, error: 'StreamResetError' })
    expect(refusals.every(r => r.error === 'StreamResetError')).toBe(true)
    expect(r1.node.services.dht.routingTable.size).toBe(1)

    // the relays keep running, and R1 still answers FIND_NODE
    expect(r1.node.status).toBe('started')
    expect(r2.node.status).toBe('started')
    const again = await collect(q.services.dht.getClosestPeers(nobody.toMultihash().bytes, { signal: AbortSignal.timeout(10_000) }))
    expect(again.error).toBeUndefined()
    expect(again.events.some(e => e.name === 'PEER_RESPONSE' && e.messageName === 'FIND_NODE' && e.from.equals(r1.node.peerId))).toBe(true)
  })

  it('R2 finds R1 again after R1 restarts with the same data directory and ports (TCP bootstrap)', async () => {
    // over TCP only: a failed WebSocket dial rejects with the `ws` error event, not an Error,
    // and libp2p's reconnect queue (p-retry) then gives up at once
    const r1Dir = join(dataDir, 'r1')
    const first = await createRelayNode(config({ webrtcDirectPort: null, tcpPort: 0, dataDir: r1Dir }))
    let firstStopped = false
    defer(async () => { if (!firstStopped) await first.stop() })
    const portOf = (ma: string | undefined): number => Number(ma?.split('/')[4])
    const [port, tcpPort] = [portOf(first.wsMultiaddrs[0]), portOf(first.tcpMultiaddrs[0])]
    // its redials of the lost R1 at most 2 s apart: R1's restart may take seconds on a busy machine,
    // and the default (up to 5 minutes, doubling from 1 s) could then wait past the check below
    const r2 = await relay({ webrtcDirectPort: null, dataDir: join(dataDir, 'r2'), bootstrap: [first.tcpMultiaddrs[0] ?? ''] }, { bootstrapRetryMaxMs: 2000 })
    await vi.waitFor(() => { expect(r2.node.services.dht.routingTable.size).toBe(1) }, WAIT)
    // the DHT tags its closest peers keep-alive (every 5 s); libp2p redials those when they drop
    await vi.waitFor(async () => {
      expect([...(await r2.node.peerStore.get(first.node.peerId)).tags.keys()]).toContain('keep-alive-kad-dht')
    }, { timeout: 12_000, interval: 100 })

    await first.stop()
    firstStopped = true
    await vi.waitFor(() => { expect(r2.node.getConnections(first.node.peerId)).toHaveLength(0) }, WAIT)
    const second = await relay({ webrtcDirectPort: null, dataDir: r1Dir, port, tcpPort })
    expect(second.peerId).toBe(first.peerId)
    expect(second.identityCreated).toBe(false)
    // nobody told the new R1 about R2: R2 dialled it
    await vi.waitFor(() => {
      expect(r2.node.getConnections(second.node.peerId).length).toBeGreaterThan(0)
      expect(second.node.services.dht.routingTable.size).toBe(1)
    }, { timeout: 15_000, interval: 100 })
    expect(second.node.getConnections(r2.node.peerId).every(c => c.direction === 'inbound')).toBe(true)
  })
})

describe('bootstrap', () => {
  it('joins the DHT when its bootstrap relay comes up only later, and again after that relay restarts (WebSocket)', async () => {
    // R1's identity and port are known before it runs
    const r1Dir = join(dataDir, 'r1')
    const r1Id = peerIdFromPrivateKey((await loadOrCreateIdentity(r1Dir)).privateKey).toString()
    const port = await freePort()
    const lines: Array<Record<string, unknown>> = []
    const log = createLogger('debug', (line) => { lines.push(JSON.parse(line) as Record<string, unknown>) })
    const r2 = await createRelayNode(config({ webrtcDirectPort: null, dataDir: join(dataDir, 'r2'), bootstrap: [`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${r1Id}`] }), { log, bootstrapRetryMaxMs: 2000 })
    defer(async () => r2.stop())
    await vi.waitFor(() => { expect(lines.filter(l => l.msg === 'cannot reach a bootstrap relay; will try again').length).toBeGreaterThanOrEqual(2) }, { timeout: 20_000, interval: 50 })
    expect(lines.find(l => l.msg === 'cannot reach a bootstrap relay; will try again')?.level).toBe('warn')

    const first = await createRelayNode(config({ webrtcDirectPort: null, dataDir: r1Dir, port }))
    let firstStopped = false
    defer(async () => { if (!firstStopped) await first.stop() })
    expect(first.peerId).toBe(r1Id)
    await vi.waitFor(() => {
      expect(r2.node.services.dht.routingTable.size).toBe(1)
      expect(first.node.services.dht.routingTable.size).toBe(1)
    }, { timeout: 20_000, interval: 50 })
    expect(lines.some(l => l.msg === 'connected to the bootstrap relay again')).toBe(true)

    await first.stop()
    firstStopped = true
    await vi.waitFor(() => { expect(lines.some(l => l.msg === 'lost the connection to a bootstrap relay; dialling it again')).toBe(true) }, WAIT)
    const second = await relay({ webrtcDirectPort: null, dataDir: r1Dir, port })
    await vi.waitFor(() => {
      expect(r2.node.getConnections(second.node.peerId).length).toBeGreaterThan(0)
      expect(second.node.services.dht.routingTable.size).toBe(1)
    }, { timeout: 20_000, interval: 50 })
  })
})

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise(resolve => server.close(resolve))
  if (address == null || typeof address === 'string') throw new Error('no port')
  return address.port
}
