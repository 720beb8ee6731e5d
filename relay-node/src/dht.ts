/**
 * Browsers are DHT clients: they are never in anyone's routing table, so a
 * plain Kademlia FIND_NODE for a browser's PeerID finds nothing. A relay-node
 * knows who holds a reservation on it, though, and how to reach them: through
 * itself. This adds that answer to the relay's FIND_NODE responses — when the
 * key is the PeerID of a peer holding a reservation here (and not the asker),
 * the response's `closer` list carries that peer with the relay's own
 * addresses + `/p2p-circuit`. The rest of the response is Kademlia's own.
 *
 * @libp2p/kad-dht 16.4 has no hook for this; it wraps the FIND_NODE handler
 * of the DHT's RPC (`rpc.handlers.FIND_NODE.handle`). The version is pinned
 * and {@link answerForReservedPeers} throws at start if the shape differs.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
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
    if (response == null || target == null || target.equals(asker) || reservations()?.has(target) !== true) return response
    const id = target.toMultihash().bytes
    if (response.closer.some(p => equalBytes(p.id, id))) return response
    const circuits = node.getMultiaddrs().map(ma => ma.encapsulate('/p2p-circuit').bytes)
    if (circuits.length > 0) response.closer.push({ id, multiaddrs: circuits })
    return response
  }
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}

/**
 * DHT message types a relay-node does not serve: PUT_VALUE and ADD_PROVIDER
 * would store records for anyone, without bound. Parley finds peers by
 * PeerID (FIND_NODE) and needs neither; a request of these types is answered
 * by resetting the stream (the DHT's own behaviour for an unknown type).
 */
export const REFUSED_DHT_MESSAGES = ['PUT_VALUE', 'ADD_PROVIDER'] as const

export function refuseDhtRecords (dht: unknown): void {
  const handlers = (dht as { rpc?: { handlers?: Record<string, unknown> } } | undefined)?.rpc?.handlers
  if (handlers == null) throw new DhtInternalsError('the DHT has no RPC handlers to restrict: has @libp2p/kad-dht changed?')
  for (const type of REFUSED_DHT_MESSAGES) {
    if (!(type in handlers)) throw new DhtInternalsError(`the DHT has no ${type} handler to remove: has @libp2p/kad-dht changed?`)
    delete handlers[type]
  }
}
