import { RateLimiter } from '@parley/protocol/rate-limit'
import type { Connection, MultiaddrConnection, Libp2p, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Why a reservation was refused (`parley_relay_reservation_rejections_total{reason}`). */
export type ReservationRejection = 'per-ip' | 'capacity' | 'rate' | 'draining'
export const RESERVATION_REJECTIONS: readonly ReservationRejection[] = ['per-ip', 'capacity', 'rate', 'draining']

/** Why an inbound connection was refused or closed early (`parley_relay_connection_rejections_total{reason}`). */
export type ConnectionRejection = 'per-ip' | 'per-peer' | 'rate' | 'pending' | 'pending-per-ip' | 'handshake-timeout' | 'frame-too-large' | 'draining'
export const CONNECTION_REJECTIONS: readonly ConnectionRejection[] = ['per-ip', 'per-peer', 'rate', 'pending', 'pending-per-ip', 'handshake-timeout', 'frame-too-large', 'draining']

/** Why a relayed connection (hop CONNECT) was refused (`parley_relay_circuit_rejections_total{reason}`). */
export type CircuitRejection = 'draining'
export const CIRCUIT_REJECTIONS: readonly CircuitRejection[] = ['draining']

/** The reservations held now (the relay service's PeerMap). */
export interface HeldReservations {
  has(peer: PeerId): boolean
  readonly size: number
}

export interface RelayLimits {
  maxReservations: number
  maxReservationsPerIp: number
  reservationRatePerIp: number
  maxConnectionsPerIp: number
  maxConnectionsPerPeer: number
  connectionRatePerIp: number
}

/** Most addresses a rate limiter remembers; the longest idle is forgotten first (its bucket is full again by then, or nearly). */
export const MAX_TRACKED_ADDRESSES = 65_536

// token buckets by key, shared with the one-request server of @parley/protocol
export { RateLimiter }

/** The IP address in a multiaddr, if it has one. */
export function ipOfAddr (addr: Multiaddr): string | undefined {
  return addr.getComponents().find(c => c.name === 'ip4' || c.name === 'ip6')?.value
}

/** The eight 16-bit groups of an IPv6 address in text (`::` and a dotted IPv4 tail included), or undefined. */
function ipv6Groups (ip: string): number[] | undefined {
  let text = ip.toLowerCase().split('%')[0] ?? ''
  const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  if (v4 != null) {
    const [a, b, c, d] = v4.slice(2).map(Number) as [number, number, number, number]
    text = `${v4[1] ?? ''}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  if (halves.length > 2) return undefined
  const part = (half: string | undefined): string[] => half == null || half === '' ? [] : half.split(':')
  const head = part(halves[0])
  const tail = part(halves[1])
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined
  const groups = [...head, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...tail].map(g => /^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)
  return groups.some(Number.isNaN) ? undefined : groups
}

/**
 * The network a requester speaks from, for limits that PeerIDs (which cost
 * nothing) must not escape: an IPv4 address as it is, an IPv6 address's /64
 * (what one host or home is given), an IPv4-mapped IPv6 address as the IPv4
 * one, and a connection without an IP address (a relayed or in-memory one)
 * as that connection alone.
 */
export function networkOf (connection: Pick<Connection, 'remoteAddr' | 'id'>): string {
  const ip = ipOfAddr(connection.remoteAddr)
  if (ip == null) return `connection ${connection.id}`
  if (!ip.includes(':')) return ip
  const groups = ipv6Groups(ip)
  if (groups == null) return ip
  if (groups.slice(0, 5).every(g => g === 0) && groups[5] === 0xffff) {
    const [hi = 0, lo = 0] = groups.slice(6)
    return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.')
  }
  return `${groups.slice(0, 4).map(g => g.toString(16)).join(':')}::/64`
}

/** The IP address of a peer's first open connection, if any. */
function ipOfPeer (node: Libp2p, peer: PeerId): string | undefined {
  for (const connection of node.getConnections(peer)) {
    const ip = ipOfAddr(connection.remoteAddr)
    if (ip != null) return ip
  }
  return undefined
}

type Counted = Pick<Connection, 'remoteAddr' | 'remotePeer'>

/**
 * The open connections counted by remote IP address, with the peers they
 * belong to: kept up to date from `connection:open` / `connection:close`, so
 * the gater answers "how many from this address" without scanning every
 * connection (at thousands of connections a scan per new connection or
 * reservation request stalls the relay). Holds only open connections.
 */
export class ConnectionsByIp {
  readonly #byIp = new Map<string, { connections: number, peers: Map<string, { peer: PeerId, connections: number }> }>()

  opened (connection: Counted): void {
    const ip = ipOfAddr(connection.remoteAddr)
    if (ip == null) return
    let entry = this.#byIp.get(ip)
    if (entry == null) {
      entry = { connections: 0, peers: new Map() }
      this.#byIp.set(ip, entry)
    }
    entry.connections++
    const key = connection.remotePeer.toString()
    const peer = entry.peers.get(key)
    if (peer == null) entry.peers.set(key, { peer: connection.remotePeer, connections: 1 })
    else peer.connections++
  }

  closed (connection: Counted): void {
    const ip = ipOfAddr(connection.remoteAddr)
    const entry = ip == null ? undefined : this.#byIp.get(ip)
    if (ip == null || entry == null) return
    const key = connection.remotePeer.toString()
    const peer = entry.peers.get(key)
    if (peer == null) return
    entry.connections--
    if (--peer.connections <= 0) entry.peers.delete(key)
    if (entry.connections <= 0) this.#byIp.delete(ip)
  }

  /** Open connections from `ip`. */
  connections (ip: string): number {
    return this.#byIp.get(ip)?.connections ?? 0
  }

  /** The peers with an open connection from `ip`. */
  * peers (ip: string): Iterable<PeerId> {
    for (const { peer } of this.#byIp.get(ip)?.peers.values() ?? []) yield peer
  }

  /** Addresses with at least one open connection. */
  get addresses (): number {
    return this.#byIp.size
  }

  /** Follows `node`'s connections from now on (and counts those already open); returns the unsubscribe. */
  follow (node: Libp2p): () => void {
    for (const connection of node.getConnections()) this.opened(connection)
    const onOpen = (event: CustomEvent<Connection>): void => { this.opened(event.detail) }
    const onClose = (event: CustomEvent<Connection>): void => { this.closed(event.detail) }
    node.addEventListener('connection:open', onOpen)
    node.addEventListener('connection:close', onClose)
    return () => {
      node.removeEventListener('connection:open', onOpen)
      node.removeEventListener('connection:close', onClose)
    }
  }
}

export interface GateState {
  node(): Libp2p | undefined
  /** the node's open connections by IP address (see {@link ConnectionsByIp.follow}) */
  byIp: ConnectionsByIp
  reservations(): HeldReservations | undefined
  draining(): boolean
}

export interface GateCallbacks {
  reservationRefused(reason: ReservationRejection, peer: PeerId, ip: string | undefined): void
  connectionRefused(reason: ConnectionRejection, ip: string | undefined): void
  circuitRefused(reason: CircuitRejection, source: PeerId, destination: PeerId): void
}

/**
 * The relay's connection gater: per-IP and per-peer shares of connections and
 * reservations, per-IP rates of new connections and reservation requests, and
 * refusal of anything new while the node drains. Every refusal is reported
 * with its reason.
 */
export function relayGater (state: GateState, limits: RelayLimits, on: GateCallbacks, now: () => number = Date.now): {
  denyInboundConnection(maConn: MultiaddrConnection): boolean
  denyInboundUpgradedConnection(peer: PeerId): boolean
  denyInboundRelayReservation(peer: PeerId): boolean
  denyOutboundRelayedConnection(source: PeerId, destination: PeerId): boolean
} {
  const connectionRate = new RateLimiter(2 * limits.connectionRatePerIp, limits.connectionRatePerIp / 1000, now)
  const reservationRate = new RateLimiter(limits.reservationRatePerIp, limits.reservationRatePerIp / 60_000, now)

  return {
    denyInboundConnection (maConn) {
      const ip = ipOfAddr(maConn.remoteAddr)
      const refuse = (reason: ConnectionRejection): true => {
        on.connectionRefused(reason, ip)
        return true
      }
      if (state.draining()) return refuse('draining')
      if (ip == null) return false
      if (!connectionRate.take(ip)) return refuse('rate')
      if (state.byIp.connections(ip) >= limits.maxConnectionsPerIp) return refuse('per-ip')
      return false
    },

    denyInboundUpgradedConnection (peer) {
      // the connection being upgraded is not open yet: count the others
      const open = state.node()?.getConnections(peer).length ?? 0
      if (open >= limits.maxConnectionsPerPeer) {
        on.connectionRefused('per-peer', ipOfPeerSafe(state, peer))
        return true
      }
      return false
    },

    denyInboundRelayReservation (peer) {
      const held = state.reservations()
      const node = state.node()
      if (held == null || node == null) return false
      const ip = ipOfPeer(node, peer)
      const refuse = (reason: ReservationRejection): true => {
        on.reservationRefused(reason, peer, ip)
        return true
      }
      if (state.draining()) return refuse('draining')
      if (ip != null && !reservationRate.take(ip)) return refuse('rate')
      // a peer renewing its own reservation keeps it
      if (held.has(peer)) return false
      if (ip != null) {
        // the peers connected from this address (at most its connection share), not every reservation
        let fromIp = 0
        for (const other of state.byIp.peers(ip)) {
          if (held.has(other)) fromIp++
        }
        if (fromIp >= limits.maxReservationsPerIp) return refuse('per-ip')
      }
      // the reservation store refuses it itself (RESERVATION_REFUSED); counted here
      if (held.size >= limits.maxReservations) on.reservationRefused('capacity', peer, ip)
      return false
    },

    denyOutboundRelayedConnection (source, destination) {
      if (!state.draining()) return false
      on.circuitRefused('draining', source, destination)
      return true
    }
  }
}

function ipOfPeerSafe (state: GateState, peer: PeerId): string | undefined {
  const node = state.node()
  return node == null ? undefined : ipOfPeer(node, peer)
}
