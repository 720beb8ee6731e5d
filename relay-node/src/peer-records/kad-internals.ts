/**
 * The parts of @libp2p/kad-dht 16.4's routing table that peer records use
 * and its public types leave out: finding a peer, the closest peers to a key,
 * its add and remove events, and the network it sends requests through. The
 * version is pinned; {@link routingTableOf} checks the shape at start.
 */
import { DhtInternalsError } from '../dht.ts'
import type { DisjointPath, MessageType, QueryEvent, SingleKadDHT } from '@libp2p/kad-dht'
import type { PeerId } from '@libp2p/interface'

type PeerListener = (event: CustomEvent<PeerId>) => void

export interface KadRoutingTable {
  size: number
  find(peer: PeerId): Promise<PeerId | undefined>
  closestPeers(kadId: Uint8Array, options?: { count?: number }): PeerId[]
  addEventListener(type: 'peer:add' | 'peer:remove', listener: PeerListener): void
  removeEventListener(type: 'peer:add' | 'peer:remove', listener: PeerListener): void
  network: {
    sendRequest(to: PeerId, msg: { type: MessageType, key: Uint8Array, record: Uint8Array }, options: { signal: AbortSignal, path: DisjointPath }): AsyncGenerator<QueryEvent>
  }
}

export function routingTableOf (dht: SingleKadDHT): KadRoutingTable {
  const table = dht.routingTable as Partial<Record<keyof KadRoutingTable, unknown>>
  const methods = ['find', 'closestPeers', 'addEventListener', 'removeEventListener'] as const
  const network = table.network as { sendRequest?: unknown } | undefined
  if (methods.some(m => typeof table[m] !== 'function') || typeof network?.sendRequest !== 'function') {
    throw new DhtInternalsError('the DHT routing table has not the shape peer records use: has @libp2p/kad-dht changed?')
  }
  return table as unknown as KadRoutingTable
}
