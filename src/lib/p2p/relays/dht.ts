/**
 * The app's side of Parley's DHT (docs/protocols.md, "Finding a peer by
 * PeerID"): libp2p's kad-dht as a client of the relay-nodes. It answers
 * nobody (a browser is not reachable as a DHT server); it asks the relays it
 * is connected to, and through them the rest of the network, for a contact's
 * current circuit addresses (ContactFinder) and for other relays to reserve
 * on when one dies (the circuit relay transport's random walk); and it
 * stores our peer record with the relays closest to its key (RecordPublisher).
 */
import { MessageType, kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { Libp2pRecord } from '@libp2p/record'
import { DEVICE_LIST_DHT_OPTIONS } from '@parley/protocol/devices/dht'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { PEER_RECORD_DHT_OPTIONS, equalBytes } from '@parley/protocol/peer-record/record'
import { peerRoutingSymbol } from '@libp2p/interface'
import type { DisjointPath, KadDHTComponents, KadDHTInit, QueryEvent, SingleKadDHT } from '@libp2p/kad-dht'
import type { PeerId, PeerRouting } from '@libp2p/interface'

export { DHT_PROTOCOL }

/**
 * At most one random walk (a Kademlia lookup of a random key) starts per this
 * interval. The circuit relay transport walks the DHT to find relays for as
 * long as it holds fewer reservations than it listens for, asking for the
 * next random peer as soon as it has looked at the last one; with only one
 * relay in the network (development, a small deployment) that never
 * changes, and unpaced it would send the relay one FIND_NODE after another
 * without pause. 10 s keeps a relay that died replaced well within 30 s.
 */
export const RANDOM_WALK_INTERVAL_MS = 10_000

/**
 * How often the app's DHT looks itself up and would refresh its routing table
 * after the first time, at start (kad-dht's default is every 5 minutes for
 * each; kad-dht 16.4.5 never starts the refresh: see routingTableRefresh). A DHT server needs a fresh view of the peers closest to its own key,
 * because it answers for that key; a browser answers nobody. And each of those
 * lookups dials some 20 relays again once IdleConnections has closed the
 * connections the last one left behind: every 5 minutes, on a phone, and for
 * every browser on every relay of a federation. In between, the routing
 * table keeps the relays it has learnt (kad-dht evicts one only when it fails
 * a ping), and every lookup adds those it meets.
 */
export const DHT_UPKEEP_INTERVAL_MS = 60 * 60_000

/**
 * kad-dht's settings for the app's node, also those of the DHT bench's
 * browser-like clients: client mode, `/parley/kad/1.0.0`, the self-query
 * every {@link DHT_UPKEEP_INTERVAL_MS}, peer records checked on put and get.
 */
export const APP_DHT_INIT = {
  protocol: DHT_PROTOCOL,
  clientMode: true,
  // relays on loopback or a private network (development, a LAN) are real
  // relays here: the browser dials them already (see the connection gater),
  // and kad-dht's default mapper would keep them out of the routing table
  peerInfoMapper: passthroughMapper,
  querySelfInterval: DHT_UPKEEP_INTERVAL_MS,
  // peer records (presence/record-publisher.ts, contact-finder.ts) and device lists (presence/device-lists.ts):
  // checked on put and get, the newest wins
  validators: { ...PEER_RECORD_DHT_OPTIONS.validators, ...DEVICE_LIST_DHT_OPTIONS.validators },
  selectors: { ...PEER_RECORD_DHT_OPTIONS.selectors, ...DEVICE_LIST_DHT_OPTIONS.selectors }
} satisfies KadDHTInit

/**
 * The kad-dht service of the app's node (service name `dht`), with
 * {@link APP_DHT_INIT} and kad-dht's own bounds otherwise (k = 20, α = 10, a
 * routing table of at most 2^6 buckets of 20 peers, 64 outbound streams per
 * connection), kept as a client keeps it ({@link clientUpkeep}). Its peer
 * routing, which libp2p registers for `node.peerRouting`, paces random walks
 * ({@link pacedPeerRouting}).
 */
export function parleyDht (): (components: KadDHTComponents) => SingleKadDHT {
  // kadDHT() is typed as returning KadDHT; the instance is a SingleKadDHT (it has the routing table)
  const create = kadDHT(APP_DHT_INIT) as (components: KadDHTComponents) => SingleKadDHT
  return (components) => {
    const dht = create(components)
    clientUpkeep(dht)
    const router = (dht as unknown as Record<typeof peerRoutingSymbol, PeerRouting>)[peerRoutingSymbol]
    // libp2p reads this once, after the factory returns, to build node.peerRouting
    Object.defineProperty(dht, peerRoutingSymbol, { value: pacedPeerRouting(router, RANDOM_WALK_INTERVAL_MS), configurable: true })
    return dht
  }
}

/**
 * kad-dht's routing-table refresh of `dht` (a lookup of a random key for
 * each bucket): kadDHT() takes no setting for it, and kad-dht 16 keeps it in
 * `routingTableRefresh`, private in its types. `afterStart` runs the first
 * refresh and each refresh schedules the next; `refreshInterval` is read both
 * to schedule it and to skip buckets refreshed within it. kad-dht 16.4.5
 * never starts it (the object has `stop` but no `start`, so libp2p's
 * `start()` passes it by): only `refreshRoutingTable()`, which Parley does
 * not call, runs it (tests/unit/p2p/root/kad-prefixes.test.ts holds this). Throws if kad-dht no
 * longer has them (an upgrade to look at), rather than leave the node
 * refreshing every 5 minutes unnoticed.
 */
export function routingTableRefresh (dht: SingleKadDHT): { refreshInterval: number, afterStart: () => Promise<void> } {
  const refresh: unknown = Reflect.get(dht, 'routingTableRefresh')
  if (typeof refresh !== 'object' || refresh == null || typeof Reflect.get(refresh, 'refreshInterval') !== 'number' || typeof Reflect.get(refresh, 'afterStart') !== 'function') {
    throw new Error('kad-dht has no routingTableRefresh.refreshInterval or .afterStart: see refreshEvery and routingTableRefresh in src/lib/p2p/relays/dht.ts')
  }
  return refresh as { refreshInterval: number, afterStart: () => Promise<void> }
}

/** Sets how often `dht` refreshes its routing table ({@link routingTableRefresh}). */
export function refreshEvery (dht: SingleKadDHT, intervalMs: number): void {
  routingTableRefresh(dht).refreshInterval = intervalMs
}

/**
 * Stops kad-dht's closest-peer tagger in `dht` before it starts. Every 5 s it
 * looks at the 20 routing-table peers closest to our own PeerID and tags
 * those keep-alive, so that libp2p keeps them connected and re-dials them:
 * what a DHT server needs, to be reachable by those who ask for its key. A
 * browser answers nobody: the tags only kept relays it asked one question
 * connected (IdleConnections cleared them), and the timer woke a phone's
 * worker every 5 s. kad-dht 16 keeps the tagger in
 * `routingTable.closestPeerTagger`, private in its types, and starts it with
 * the routing table; this makes its `start` do nothing, so it sets no timer
 * and listens to no ping (its `stop` then has nothing to undo). Throws if
 * kad-dht no longer has it (an upgrade to look at).
 */
export function withoutClosestPeerTags (dht: SingleKadDHT): void {
  const tagger: unknown = Reflect.get(dht.routingTable, 'closestPeerTagger')
  if (typeof tagger !== 'object' || tagger == null || typeof Reflect.get(tagger, 'start') !== 'function' || typeof Reflect.get(tagger, 'stop') !== 'function') {
    throw new Error('kad-dht has no routingTable.closestPeerTagger with start and stop: see withoutClosestPeerTags in src/lib/p2p/relays/dht.ts')
  }
  Object.defineProperty(tagger, 'start', { value: () => {}, configurable: true })
}

/**
 * A DHT client's upkeep for `dht`, before it starts: its routing table
 * refreshed every {@link DHT_UPKEEP_INTERVAL_MS} ({@link refreshEvery}; the
 * self-query's interval is in {@link APP_DHT_INIT}), and no closest-peer
 * tags ({@link withoutClosestPeerTags}).
 */
export function clientUpkeep (dht: SingleKadDHT): void {
  refreshEvery(dht, DHT_UPKEEP_INTERVAL_MS)
  withoutClosestPeerTags(dht)
}

/** kad-dht 16's request to one peer (`routingTable.network.sendRequest`, private in its types). */
export type KadRequest = (to: PeerId, msg: { type: MessageType, key: Uint8Array, record?: Uint8Array }, options: { signal: AbortSignal, path: DisjointPath }) => AsyncGenerator<QueryEvent>

/**
 * kad-dht's request to one peer, without a lookup: the DHT's own network,
 * kept in `routingTable.network`, private in kad-dht 16's types (the relays'
 * re-replication uses it as well): the stream, its limits and its timeout
 * are kad-dht's. Throws if kad-dht no longer has it (an upgrade to look at).
 */
export function kadRequestOf (dht: { readonly routingTable: object }): KadRequest {
  const network: unknown = Reflect.get(dht.routingTable, 'network')
  const sendRequest: unknown = typeof network === 'object' && network != null ? Reflect.get(network, 'sendRequest') : undefined
  if (typeof sendRequest !== 'function') {
    throw new Error('kad-dht has no routingTable.network.sendRequest: see kadRequestOf (putValueTo) in src/lib/p2p/relays/dht.ts')
  }
  return (sendRequest as KadRequest).bind(network)
}

/**
 * Sends `value` under `key` in a PUT_VALUE to `to` alone, without a lookup
 * (kad-dht's `put` always looks the closest peers up first), and resolves
 * whether `to` stored it: its answer echoes the record, which is what
 * kad-dht's `put` checks too ({@link kadRequestOf}).
 */
export async function putValueTo (dht: { readonly routingTable: object }, to: PeerId, key: Uint8Array, value: Uint8Array, signal: AbortSignal): Promise<boolean> {
  const request = kadRequestOf(dht)
  const msg = { type: MessageType.PUT_VALUE, key, record: new Libp2pRecord(key, value, new Date()).serialize() }
  let stored = false
  for await (const event of request(to, msg, { signal, path: { index: -1, queued: 0, running: 0, total: 0 } })) {
    if (event.name === 'PEER_RESPONSE' && event.messageType === MessageType.PUT_VALUE && event.record != null && equalBytes(event.record.value, value)) stored = true
  }
  return stored
}

/**
 * `router` with `getClosestPeers` paced: each call starts at least
 * `intervalMs` after the one before it started (waiting, abortably, when it
 * comes early). In the app only libp2p's random walk calls it; `findPeer`
 * (a contact lookup) passes straight through.
 */
export function pacedPeerRouting (router: PeerRouting, intervalMs: number, now: () => number = Date.now): PeerRouting {
  let nextStartAt = 0
  return {
    findPeer: async (peerId, options) => router.findPeer(peerId, options),
    getClosestPeers: async function * (key, options = {}) {
      const startAt = Math.max(now(), nextStartAt)
      nextStartAt = startAt + intervalMs
      await abortableDelay(startAt - now(), options.signal)
      yield * router.getClosestPeers(key, options)
    }
  }
}

/** Resolves after `ms` (at once when ≤ 0); rejects with the signal's reason when it aborts first. */
async function abortableDelay (ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted()
  if (ms <= 0) return
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason as Error)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
