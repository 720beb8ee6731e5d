import { isCircuitAddress } from '@parley/protocol/multiaddr'
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

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

/**
 * libp2p's dial of `peerId` (by PeerID or at `target`'s addresses), except
 * that a dial that fails while a usable connection to the peer is open gives
 * that connection. libp2p joins every dial to one peer into one; when the
 * connection it makes repeats the address of one already open (a WebRTC
 * dial's signalling circuit, say), the first caller it is handed back to
 * closes it ("Duplicate multiaddr connection") and takes the open one, and
 * the others get it closed ("Remote closed connection during opening").
 */
export async function dialPeer (node: Pick<Libp2p, 'dial' | 'getConnections'>, peerId: PeerId, target: PeerId | Multiaddr[], signal: AbortSignal, log?: Logger): Promise<Connection> {
  try {
    return await node.dial(target, { signal })
  } catch (err) {
    const open = signal.aborted ? undefined : bestConnection(node, peerId)
    if (open == null) throw err
    log?.('the dial of %p failed, but a connection to it is open: using that - %e', peerId, err)
    return open
  }
}

export function pathTo (node: Pick<Libp2p, 'getConnections'>, peerId: PeerId): PeerPath | undefined {
  const best = bestConnection(node, peerId)
  if (best == null) return undefined
  return isRelayed(best) ? 'relayed' : 'direct'
}
