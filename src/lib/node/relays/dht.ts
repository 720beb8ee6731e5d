/**
 * The app's side of Parley's DHT (docs/protocols.md, "Finding a peer by
 * PeerID"): libp2p's kad-dht as a client of the relay-nodes. It answers
 * nobody (a browser is not reachable as a DHT server); it asks the relays it
 * is connected to, and through them the rest of the network, for a contact's
 * current circuit addresses (ContactFinder) and for other relays to reserve
 * on when one dies (the circuit relay transport's random walk).
 */
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { PEER_RECORD_DHT_OPTIONS } from '@parley/protocol/peer-record/record'
import { peerRoutingSymbol } from '@libp2p/interface'
import type { KadDHTComponents, SingleKadDHT } from '@libp2p/kad-dht'
import type { PeerRouting } from '@libp2p/interface'

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
 * The kad-dht service of the app's node (service name `dht`): client mode,
 * `/parley/kad/1.0.0`, kad-dht's own bounds otherwise (k = 20, α = 10, a
 * routing table of at most 2^6 buckets of 20 peers, 64 outbound streams per
 * connection). Its peer routing, which libp2p registers for
 * `node.peerRouting`, paces random walks ({@link pacedPeerRouting}).
 */
export function parleyDht (): (components: KadDHTComponents) => SingleKadDHT {
  // kadDHT() is typed as returning KadDHT; the instance is a SingleKadDHT (it has the routing table)
  const create = kadDHT({
    protocol: DHT_PROTOCOL,
    clientMode: true,
    // relays on loopback or a private network (development, a LAN) are real
    // relays here: the browser dials them already (see the connection gater),
    // and kad-dht's default mapper would keep them out of the routing table
    peerInfoMapper: passthroughMapper,
    // peer records (presence/record-publisher.ts, contact-finder.ts): checked on put and get, the newest wins
    ...PEER_RECORD_DHT_OPTIONS
  }) as (components: KadDHTComponents) => SingleKadDHT
  return (components) => {
    const dht = create(components)
    const router = (dht as unknown as Record<typeof peerRoutingSymbol, PeerRouting>)[peerRoutingSymbol]
    // libp2p reads this once, after the factory returns, to build node.peerRouting
    Object.defineProperty(dht, peerRoutingSymbol, { value: pacedPeerRouting(router, RANDOM_WALK_INTERVAL_MS), configurable: true })
    return dht
  }
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
