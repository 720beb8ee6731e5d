import type { RejectionReason } from './ops.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** The reservations held now (the relay service's PeerMap). */
export interface HeldReservations {
  has(peer: PeerId): boolean
  keys(): Iterable<PeerId>
  readonly size: number
}

export interface ReservationLimits {
  maxReservations: number
  maxReservationsPerIp: number
}

/**
 * The connection gater's `denyInboundRelayReservation`: refuses a new
 * reservation when the client's IP address already holds its share
 * (`maxReservationsPerIp`), and counts the refusals the reservation store is
 * about to make because every slot is taken. A peer renewing its own
 * reservation is never refused here.
 */
export function reservationGate (
  node: () => Libp2p | undefined,
  reservations: () => HeldReservations | undefined,
  limits: ReservationLimits,
  onReject: (reason: RejectionReason) => void
): (peer: PeerId) => boolean {
  return (peer) => {
    const held = reservations()
    const libp2p = node()
    if (held == null || held.has(peer)) return false
    const ip = libp2p == null ? undefined : ipOf(libp2p, peer)
    if (ip != null && libp2p != null) {
      let fromIp = 0
      for (const other of held.keys()) {
        if (ipOf(libp2p, other) === ip) fromIp++
      }
      if (fromIp >= limits.maxReservationsPerIp) {
        onReject('per-ip')
        return true
      }
    }
    if (held.size >= limits.maxReservations) onReject('capacity')
    return false
  }
}

/** The IP address of a peer's first open direct connection, if any. */
function ipOf (node: Libp2p, peer: PeerId): string | undefined {
  for (const connection of node.getConnections(peer)) {
    const ip = connection.remoteAddr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')
    if (ip?.value != null) return ip.value
  }
  return undefined
}
