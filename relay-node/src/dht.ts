/**
 * Browsers are DHT clients: they are never in anyone's routing table, so a
 * plain Kademlia FIND_NODE for a browser's PeerID finds nothing. A relay-node
 * knows who holds a reservation on it, though, and how to reach them: through
 * itself. This adds that answer to the relay's FIND_NODE responses — when the
 * key is the PeerID of a peer holding a reservation here (and not the asker),
 * the response's `closer` list carries that peer with the relay's own
 * addresses + `/p2p-circuit` (replacing what the peer store remembers). A
 * browser neither reserved nor connected here is left out: what the peer
 * store has for it dates from its last connection and goes stale when it
 * moves to another relay. The rest of the response is Kademlia's own.
 *
 * @libp2p/kad-dht 16.4 has no hook for this; it wraps the FIND_NODE handler
 * of the DHT's RPC (`rpc.handlers.FIND_NODE.handle`). The version is pinned
 * and {@link answerForReservedPeers} throws at start if the shape differs.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import * as Digest from 'multiformats/hashes/digest'
import type { HeldReservations } from './limits.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

interface FindNodeResponse {
  closer: Array<{ id: Uint8Array, multiaddrs: Uint8Array[] }>
}

interface FindNodeHandler {
  handle(peerId: PeerId, msg: { key?: Uint8Array }): Promise<FindNodeResponse | undefined>
}

export class DhtInternalsError extends Error {
  override name = 'DhtInternalsError'
}

/** The PeerID a DHT key names, or undefined when the key is not a PeerID multihash. */
function peerOfKey (key: Uint8Array | undefined): PeerId | undefined {
  if (key == null || key.byteLength > 128) return undefined
  try {
    return peerIdFromMultihash(Digest.decode(key))
  } catch {
    return undefined
  }
}

export function answerForReservedPeers (dht: unknown, node: Libp2p, reservations: () => HeldReservations | undefined): void {
  const handler = (dht as { rpc?: { handlers?: Record<string, Partial<FindNodeHandler> | undefined> } } | undefined)?.rpc?.handlers?.FIND_NODE
  if (typeof handler?.handle !== 'function') throw new DhtInternalsError('the DHT has no FIND_NODE handler to extend: has @libp2p/kad-dht changed?')
  const handle = handler.handle.bind(handler)
  handler.handle = async (asker, msg) => {
    const response = await handle(asker, msg)
    const target = peerOfKey(msg.key)
    if (response == null || target == null || target.equals(asker)) return response
    const id = target.toMultihash().bytes
    const index = response.closer.findIndex(p => equalBytes(p.id, id))
    if (reservations()?.has(target) === true) {
      // reserved here: our circuit addresses are the ones that work now, whatever
      // the peer store remembers from an earlier connection
      const circuits = node.getMultiaddrs().map(ma => ma.encapsulate('/p2p-circuit').bytes)
      if (circuits.length === 0) return response
      if (index >= 0) response.closer.splice(index, 1)
      response.closer.push({ id, multiaddrs: circuits })
      return response
    }
    // Not reserved here. A browser's entry (circuit addresses only) comes from
    // the peer store, i.e. from when it was last connected: once it moved to
    // another relay those addresses are dead, and an asker that takes the first
    // answer would dial them. Only a peer connected here now is vouched for.
    const entry = index >= 0 ? response.closer[index] : undefined
    if (entry != null && node.getConnections(target).length === 0 && entry.multiaddrs.length > 0 && entry.multiaddrs.every(isCircuit)) {
      response.closer.splice(index, 1)
    }
    return response
  }
}

const CIRCUIT_CODE = multiaddr('/p2p-circuit').getComponents()[0]?.code

function isCircuit (bytes: Uint8Array): boolean {
  try {
    return multiaddr(bytes).getComponents().some(c => c.code === CIRCUIT_CODE)
  } catch {
    return false
  }
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}

/**
 * DHT message types a relay-node does not serve: ADD_PROVIDER would store
 * provider records for anyone, without bound, and Parley needs none; a
 * request of this type is answered by resetting the stream (the DHT's own
 * behaviour for an unknown type). PUT_VALUE is served for Parley's peer
 * records alone (peer-records/service.ts).
 */
export const REFUSED_DHT_MESSAGES = ['ADD_PROVIDER'] as const

export function refuseDhtRecords (dht: unknown): void {
  const handlers = (dht as { rpc?: { handlers?: Record<string, unknown> } } | undefined)?.rpc?.handlers
  if (handlers == null) throw new DhtInternalsError('the DHT has no RPC handlers to restrict: has @libp2p/kad-dht changed?')
  for (const type of REFUSED_DHT_MESSAGES) {
    if (!(type in handlers)) throw new DhtInternalsError(`the DHT has no ${type} handler to remove: has @libp2p/kad-dht changed?`)
    delete handlers[type]
  }
}
