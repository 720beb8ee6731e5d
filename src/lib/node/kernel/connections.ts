import { isCircuitAddress } from '@parley/protocol/multiaddr'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** How we are connected to a peer right now. */
export type PeerPath = 'direct' | 'relayed'

/** A relayed (circuit) connection is limited by the relay; a direct one is not. */
export function isRelayed (connection: Connection): boolean {
  return connection.limits != null || (isCircuitAddress(connection.remoteAddr.toString()) && !isWebRtc(connection))
}

export function isWebRtc (connection: Connection): boolean {
  return connection.remoteAddr.getComponents().some(c => c.name === 'webrtc')
}

/**
 * Direct WebRTC connections that have carried a stream (their probe passed,
 * direct-upgrade.ts). Until then a new one may be a connection whose ICE never
 * connected, so chat, files and the path badge keep to the relayed one.
 */
const carryingData = new WeakSet<Connection>()

/** `connection` carried a stream: from now on it may carry ours. */
export function markCarriesData (connection: Connection): void {
  carryingData.add(connection)
}

/** Open, and not a direct WebRTC connection still waiting for its probe. */
export function isUsable (connection: Connection): boolean {
  if (connection.status !== 'open') return false
  return isRelayed(connection) || !isWebRtc(connection) || carryingData.has(connection)
}

/** The usable connection to use for a peer: a direct one when there is one. */
export function bestConnection (node: Pick<Libp2p, 'getConnections'>, peerId: PeerId): Connection | undefined {
  const usable = node.getConnections(peerId).filter(isUsable)
  return usable.find(c => !isRelayed(c)) ?? usable[0]
}

export function pathTo (node: Pick<Libp2p, 'getConnections'>, peerId: PeerId): PeerPath | undefined {
  const best = bestConnection(node, peerId)
  if (best == null) return undefined
  return isRelayed(best) ? 'relayed' : 'direct'
}
