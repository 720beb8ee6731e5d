import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** How we are connected to a peer right now. */
export type PeerPath = 'direct' | 'relayed'

/** A relayed (circuit) connection is limited by the relay; a direct one is not. */
export function isRelayed (connection: Connection): boolean {
  return connection.limits != null || (connection.remoteAddr.toString().includes('/p2p-circuit') && !isWebRtc(connection))
}

export function isWebRtc (connection: Connection): boolean {
  return connection.remoteAddr.getComponents().some(c => c.name === 'webrtc')
}

/** The open connection to use for a peer: a direct one when there is one. */
export function bestConnection (node: Libp2p, peerId: PeerId): Connection | undefined {
  const open = node.getConnections(peerId).filter(c => c.status === 'open')
  return open.find(c => !isRelayed(c)) ?? open[0]
}

export function pathTo (node: Libp2p, peerId: PeerId): PeerPath | undefined {
  const best = bestConnection(node, peerId)
  if (best == null) return undefined
  return isRelayed(best) ? 'relayed' : 'direct'
}
