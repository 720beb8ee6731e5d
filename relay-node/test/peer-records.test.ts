/**
 * Issue 27: relay-nodes hold peer records (src/peer-records): a browser-like
 * node reserved on R1 publishes its signed record into the DHT; a node that
 * knows only R2 gets it; forged, replayed, oversize, unknown-relay and too
 * frequent records are refused and counted; a relay that joins later gets
 * the records it is now among the closest for.
 */
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { describe, expect, it, vi } from 'vitest'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { PEER_RECORD_DHT_OPTIONS, openPeerRecord, peerRecordKey, sealPeerRecord } from '@parley/protocol/peer-record/record'
import { PEER_RECORD_CORRECTIONS_PER_MINUTE, PEER_RECORD_PUTS_PER_MINUTE } from '../src/peer-records/service.ts'
import { circuitOf, collect, dataDir, defer, hasCircuit, metric, relay, stoppedClock, useRelayTestDir } from './helpers.ts'
import type { RelayNode, RelayNodeOptions } from '../src/index.ts'
import type { KadDHTComponents, QueryEvent, SingleKadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

useRelayTestDir()

const WAIT = { timeout: 15_000, interval: 50 }

/**
 * A browser-like node: a DHT client that puts and gets peer records, reserving
 * on the first relay it dials when `reserve`. It dials `dial`, then `also`,
 * and waits until every relay it dialled is in its routing table: a Kademlia
 * query moves only towards its key, so a client that knew one relay of two
 * would put to (or get from) the other only when it is the closer one.
 */
async function recordClient (privateKey: PrivateKey, dial: string, reserve: boolean, also: string[] = []): Promise<Libp2p<{ dht: SingleKadDHT }>> {
  const node = await createLibp2p({
    privateKey,
    addresses: { listen: reserve ? ['/p2p-circuit'] : [] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: {
      identify: identify(),
      ping: ping(),
      // the instance is a SingleKadDHT (it has the routing table); kadDHT() is typed as KadDHT
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: true, peerInfoMapper: passthroughMapper, ...PEER_RECORD_DHT_OPTIONS }) as (components: KadDHTComponents) => SingleKadDHT
    }
  })
  defer(async () => node.stop())
  await node.dial(multiaddr(dial))
  if (reserve) await vi.waitFor(() => { expect(hasCircuit(node)).toBe(true) }, WAIT)
  for (const address of also) await node.dial(multiaddr(address))
  await vi.waitFor(() => { expect(node.services.dht.routingTable.size).toBe(1 + also.length) }, WAIT)
  return node
}

/** The relays that answered a PUT_VALUE of `put` (stored it), and those that reset the stream. */
function outcome (put: { events: QueryEvent[] }): { stored: string[], refused: string[] } {
  return {
    stored: put.events.flatMap(e => e.name === 'PEER_RESPONSE' && e.messageName === 'PUT_VALUE' ? [e.from.toString()] : []).sort(),
    refused: put.events.flatMap(e => e.name === 'QUERY_ERROR' ? [e.from.toString()] : []).sort()
  }
}

/** How many relays stored each of `n` PUT_VALUEs `p` sends one after another, the i-th of `made(i)`'s record under its key. */
async function storedEach (p: Libp2p<{ dht: SingleKadDHT }>, n: number, made: (i: number) => Promise<{ key: Uint8Array, record: Uint8Array }>): Promise<number[]> {
  const stored: number[] = []
  for (let i = 0; i < n; i++) {
    const { key, record } = await made(i)
    stored.push(outcome(await collect(p.services.dht.put(key, record, { signal: AbortSignal.timeout(10_000) }))).stored.length)
  }
  return stored
}

/** One relay, and a browser-like node reserved on it, with its key and circuit address. */
async function onePublisher (options: RelayNodeOptions = {}): Promise<{ r1: RelayNode, ownerKey: PrivateKey, p: Libp2p<{ dht: SingleKadDHT }>, circuit: Multiaddr }> {
  const [r1] = await relays(1, options)
  if (r1 === undefined) throw new Error('relays')
  const ownerKey = await generateKeyPair('Ed25519')
  const p = await recordClient(ownerKey, r1.wsMultiaddrs[0] ?? '', true)
  const circuit = circuitOf(p)
  if (circuit === undefined) throw new Error('no circuit')
  return { r1, ownerKey, p, circuit }
}

const refusals = async (r: RelayNode, code: string): Promise<number | undefined> => metric(r, `parley_peer_record_rejections_total{op="put",code="${code}"}`)

/** Relays R1..Rn, each bootstrapped from R1, all in one another's routing tables. */
async function relays (n: number, options: RelayNodeOptions = {}): Promise<RelayNode[]> {
  const common = { webrtcDirectPort: null, metricsPort: 0 }
  const first = await relay({ ...common, dataDir: join(dataDir, 'r1') }, options)
  const out = [first]
  for (let i = 2; i <= n; i++) out.push(await relay({ ...common, dataDir: join(dataDir, `r${i}`), bootstrap: [first.wsMultiaddrs[0] ?? ''] }, options))
  await vi.waitFor(() => { for (const r of out) expect(r.node.services.dht.routingTable.size).toBe(n - 1) }, WAIT)
  return out
}

describe('peer records in the relays\' DHT', () => {
  it('a record published through R1 is found by a node that knows only R2, and bad records are refused and counted', async () => {
    const [r1, r2] = await relays(2)
    if (r1 === undefined || r2 === undefined) throw new Error('relays')
    const ownerKey = await generateKeyPair('Ed25519')
    const owner = peerIdFromPrivateKey(ownerKey)
    const p = await recordClient(ownerKey, r1.wsMultiaddrs[0] ?? '', true, [r2.wsMultiaddrs[0] ?? ''])
    const circuit = circuitOf(p)
    if (circuit === undefined) throw new Error('no circuit')
    const key = peerRecordKey(owner)
    const first = await sealPeerRecord(ownerKey, [circuit], BigInt(Date.now()))
    const published = await collect(p.services.dht.put(key, first, { signal: AbortSignal.timeout(10_000) }))
    expect(outcome(published)).toEqual({ stored: [r1.peerId, r2.peerId].sort(), refused: [] })
    expect(await metric(r1, 'parley_peer_records')).toBe(1)
    expect(await metric(r2, 'parley_peer_records_stored_total')).toBe(1)

    // Q joined through R2, and gets P's record, which opens and names P's circuit through R1
    const q = await recordClient(await generateKeyPair('Ed25519'), r2.wsMultiaddrs[0] ?? '', false, [r1.wsMultiaddrs[0] ?? ''])
    const got = await collect(q.services.dht.get(key, { signal: AbortSignal.timeout(10_000) }))
    expect(got.error).toBeUndefined()
    const value = got.events.flatMap(e => e.name === 'VALUE' ? [e.value] : []).at(-1)
    if (value === undefined) throw new Error('no value')
    const opened = await openPeerRecord(key, value)
    expect(opened.addresses.map(String)).toEqual([circuit.toString()])
    expect(opened.relays).toEqual([r1.peerId])
    expect(await metric(r2, 'parley_peer_record_lookups_total{found="true"}')).toBeGreaterThan(0)

    // a newer record replaces it; the older one sent again (a replay) is refused as stale
    const second = await sealPeerRecord(ownerKey, [circuit], BigInt(Date.now() + 1))
    expect(outcome(await collect(p.services.dht.put(key, second, { signal: AbortSignal.timeout(10_000) }))).stored).toHaveLength(2)
    const replay = outcome(await collect(q.services.dht.put(key, first, { signal: AbortSignal.timeout(10_000) })))
    expect(replay.stored).toEqual([])
    expect(replay.refused).toContain(r2.peerId)
    expect(await refusals(r2, 'stale')).toBe(1)

    // a record under P's key signed by another key (a forgery)
    const otherKey = await generateKeyPair('Ed25519')
    const forged = await sealPeerRecord(otherKey, [multiaddr(`${r2.wsMultiaddrs[0] ?? ''}/p2p-circuit`)], BigInt(Date.now() + 2))
    expect(outcome(await collect(q.services.dht.put(key, forged, { signal: AbortSignal.timeout(10_000) }))).stored).toEqual([])
    expect(await refusals(r2, 'wrong-key')).toBe(1)

    // an oversize one
    expect(outcome(await collect(q.services.dht.put(key, new Uint8Array(4096).fill(7), { signal: AbortSignal.timeout(10_000) }))).stored).toEqual([])
    expect(await refusals(r2, 'too-large')).toBe(1)

    // one through a relay that does not exist (P's own key: only the relay is wrong)
    const nowhere = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const unknown = await sealPeerRecord(ownerKey, [multiaddr(`/ip4/127.0.0.1/tcp/1/ws/p2p/${nowhere.toString()}/p2p-circuit`)], BigInt(Date.now() + 3))
    expect(outcome(await collect(p.services.dht.put(key, unknown, { signal: AbortSignal.timeout(20_000) }))).stored).toEqual([])
    expect(await refusals(r1, 'unknown-relay')).toBe(1)

    // what is held is still the second record, and both relays run on
    const again = await collect(q.services.dht.get(key, { signal: AbortSignal.timeout(10_000) }))
    expect(again.events.flatMap(e => e.name === 'VALUE' ? [e.value] : []).at(-1)).toEqual(second)
    expect(r1.node.status).toBe('started')
    expect(r2.node.status).toBe('started')
  })

  it('refuses a browser that publishes more often than its share, and counts it', async () => {
    const { r1, ownerKey, p, circuit } = await onePublisher({ now: stoppedClock() })
    const key = peerRecordKey(peerIdFromPrivateKey(ownerKey))
    const stored = await storedEach(p, PEER_RECORD_PUTS_PER_MINUTE + 1, async i => ({ key, record: await sealPeerRecord(ownerKey, [circuit], BigInt(Date.now() + i)) }))
    expect(stored).toEqual([...Array<number>(PEER_RECORD_PUTS_PER_MINUTE).fill(1), 0])
    expect(await refusals(r1, 'rate')).toBe(1)
  })

  it('a browser\'s corrections of other peers\' records have their own share, and do not spend its publications', async () => {
    const { r1, ownerKey, p, circuit } = await onePublisher({ now: stoppedClock() })
    // what kad-dht sends after a lookup: other peers' records, each to a relay that held an older one
    const through = multiaddr(`${r1.wsMultiaddrs[0] ?? ''}/p2p-circuit`)
    const corrected = await storedEach(p, PEER_RECORD_CORRECTIONS_PER_MINUTE + 1, async () => {
      const otherKey = await generateKeyPair('Ed25519')
      return { key: peerRecordKey(peerIdFromPrivateKey(otherKey)), record: await sealPeerRecord(otherKey, [through], BigInt(Date.now())) }
    })
    expect(corrected).toEqual([...Array<number>(PEER_RECORD_CORRECTIONS_PER_MINUTE).fill(1), 0])
    expect(await refusals(r1, 'rate')).toBe(1)

    // its own publications are all still there
    const key = peerRecordKey(peerIdFromPrivateKey(ownerKey))
    const published = await storedEach(p, PEER_RECORD_PUTS_PER_MINUTE, async i => ({ key, record: await sealPeerRecord(ownerKey, [circuit], BigInt(Date.now() + i)) }))
    expect(published).toEqual(Array<number>(PEER_RECORD_PUTS_PER_MINUTE).fill(1))
    expect(await refusals(r1, 'rate')).toBe(1)
    expect(await metric(r1, 'parley_peer_records')).toBe(PEER_RECORD_CORRECTIONS_PER_MINUTE + 1)
  })

  it('a relay that joins later is given the records it is now among the closest for', async () => {
    const [r1, r2] = await relays(2)
    if (r1 === undefined || r2 === undefined) throw new Error('relays')
    const ownerKey = await generateKeyPair('Ed25519')
    const p = await recordClient(ownerKey, r1.wsMultiaddrs[0] ?? '', true, [r2.wsMultiaddrs[0] ?? ''])
    const circuit = circuitOf(p)
    if (circuit === undefined) throw new Error('no circuit')
    const record = await sealPeerRecord(ownerKey, [circuit], BigInt(Date.now()))
    expect(outcome(await collect(p.services.dht.put(peerRecordKey(peerIdFromPrivateKey(ownerKey)), record, { signal: AbortSignal.timeout(10_000) }))).stored).toHaveLength(2)

    const r3 = await relay({ webrtcDirectPort: null, metricsPort: 0, dataDir: join(dataDir, 'r3'), bootstrap: [r1.wsMultiaddrs[0] ?? ''] })
    await vi.waitFor(async () => { expect(await metric(r3, 'parley_peer_records')).toBe(1) }, WAIT)
    expect(await metric(r3, 'parley_peer_records_stored_total')).toBe(1)
    const sent = (await metric(r1, 'parley_peer_records_replicated_total{outcome="sent"}') ?? 0) + (await metric(r2, 'parley_peer_records_replicated_total{outcome="sent"}') ?? 0)
    expect(sent).toBeGreaterThanOrEqual(1)
  })
})
