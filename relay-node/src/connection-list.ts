/**
 * libp2p 3.3's connection manager lists all connections by concatenating
 * each peer's array onto the result (`conns = conns.concat(c)`), which copies
 * the growing list once per peer: O(n²) per call. It calls that list for every
 * inbound connection (its own max-connections check, and the pruner on each
 * `connection:open`), so with thousands of peers the relay spends seconds per
 * second copying arrays (measured: ~20 s of CPU in 6 minutes at ~3,000
 * connections, with event-loop stalls of several seconds).
 *
 * This replaces that one method on the node's connection manager with a
 * linear one, same result and order. It reaches into libp2p's components,
 * as websocket-guard.ts does, and refuses to start if they have moved.
 */
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

interface ConnectionManagerInternals {
  getConnections(peerId?: PeerId): Connection[]
  getConnectionsMap(): { values(): Iterable<Connection[]> }
}

export class ConnectionManagerInternalsError extends Error {
  override name = 'ConnectionManagerInternalsError'
}

/** Makes `getConnections()` without a peer linear in the number of connections. */
export function linearConnectionList (node: Libp2p): void {
  const manager = (node as unknown as { components?: { connectionManager?: Partial<ConnectionManagerInternals> } }).components?.connectionManager
  if (typeof manager?.getConnections !== 'function' || typeof manager.getConnectionsMap !== 'function') {
    throw new ConnectionManagerInternalsError('libp2p no longer exposes its connection manager\'s getConnections/getConnectionsMap')
  }
  const byPeer = manager.getConnections.bind(manager)
  const all = manager.getConnectionsMap.bind(manager)
  manager.getConnections = (peerId?: PeerId): Connection[] => {
    if (peerId != null) return byPeer(peerId)
    const list: Connection[] = []
    for (const connections of all().values()) {
      for (const connection of connections) list.push(connection)
    }
    return list
  }
}
