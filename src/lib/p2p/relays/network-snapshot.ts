import { circuitRelayAddress, circuitRelayId, isCircuitAddress } from '@parley/protocol/multiaddr'
import { isRelayed, isUsable } from '../kernel/connections.ts'
import type { KeptRelayState } from './relay-keeper.ts'
import type { RelayRow } from '../../db/types.ts'
import type { NetworkConnection, NetworkSnapshot, Reachability, RelayInfo, RelayState } from '../../contract/index.ts'
import type { Connection, Libp2p } from '@libp2p/interface'

/**
 * The Network panel's view of the node, computed from what libp2p knows at
 * the moment of asking (the relays feature's `getNetwork`): nothing here is stored.
 */

/** Connections listed at most (libp2p allows hundreds; the panel shows what a person can read). */
export const MAX_LISTED_CONNECTIONS = 64

/**
 * Whether one relay address (a row: a relay may have several, WebSocket and
 * WebRTC-Direct) is the one we are connected over: an open connection to the
 * relay's PeerID whose own address uses the row's transport. A relay reached
 * over its WebSocket does not make its WebRTC-Direct address "connected".
 */
export function connectedOver (row: Pick<RelayRow, 'multiaddr' | 'peerId'>, connections: ReadonlyArray<Pick<Connection, 'remotePeer' | 'remoteAddr' | 'status'>>): boolean {
  const transport = transportName(row.multiaddr)
  return connections.some(c => c.status === 'open' && c.remotePeer.toString() === row.peerId && transportName(c.remoteAddr.toString()) === transport)
}

/** PeerIDs of the relays our circuit addresses go through: each one holds a reservation of ours. */
export function reservedRelayIds (addresses: readonly string[]): Set<string> {
  const ids = new Set<string>()
  for (const address of addresses) {
    const id = circuitRelayId(address)
    if (id !== undefined) ids.add(id)
  }
  return ids
}

export { circuitRelayAddress }

/** Whether dialling `address` takes WebRTC (a WebRTC-Direct relay address, or a WebRTC one). */
export function needsWebRtc (address: string): boolean {
  const parts = address.split('/')
  return parts.includes('webrtc-direct') || parts.includes('webrtc')
}

/** What is known live of one relay address. */
export interface RelayLive {
  /** the keeper's state for it ('connected': some connection to the relay is open, over this address or another) */
  kept?: KeptRelayState
  /** connected over this address's transport */
  connected: boolean
  reserved: boolean
  /** false where this browser cannot dial it (WebRTC-Direct without WebRTC); unknown counts as true */
  dialable?: boolean
}

/**
 * A relay row with its live state: disabled rows are 'disabled'; an
 * address this browser cannot dial is 'unavailable'; else 'reserved' when
 * one of our circuit addresses goes through it, 'connected', 'standby' (the
 * relay is connected over another of its addresses, so this one is not
 * used), 'failing' (the last attempts failed, none under way), or
 * 'connecting' (a dial under way, or none tried yet).
 */
export function relayInfo (row: RelayRow, live: RelayLive): RelayInfo {
  let state: RelayState
  if (!row.active) state = 'disabled'
  else if (live.dialable === false) state = 'unavailable'
  else if (live.reserved && live.connected) state = 'reserved'
  else if (live.connected) state = 'connected'
  else if (live.kept === 'connected') state = 'standby'
  else if (row.failures > 0 && live.kept !== 'dialing') state = 'failing'
  else state = 'connecting'
  const info: RelayInfo = { multiaddr: row.multiaddr, peerId: row.peerId, source: row.source, active: row.active, state, failures: row.failures }
  if (row.lastConnected !== undefined) info.lastConnected = row.lastConnected
  if (row.lastRtt !== undefined) info.lastRtt = row.lastRtt
  return info
}

/** What the snapshot reads of the node. */
export type SnapshotNode = Pick<Libp2p, 'getMultiaddrs' | 'getConnections' | 'services'>

export interface SnapshotInput {
  rows: readonly RelayRow[]
  /** the keeper's state for a relay address, undefined when it does not keep it */
  kept(multiaddr: string): KeptRelayState | undefined
  /** whether this browser can dial a relay address (not WebRTC-Direct without WebRTC) */
  dialable(multiaddr: string): boolean
  /** a contact's shown name by PeerID, undefined for non-contacts */
  contactName(peerId: string): Promise<string | undefined>
}

export async function networkSnapshot (node: SnapshotNode, input: SnapshotInput): Promise<NetworkSnapshot> {
  const addresses = node.getMultiaddrs().map(ma => ma.toString())
  const reserved = reservedRelayIds(addresses)
  const open = node.getConnections().filter(c => c.status === 'open')
  const relays = input.rows.map(row => {
    const connected = connectedOver(row, open)
    // the reservation rides on the open connection: shown on the address that has it
    return relayInfo(row, { kept: input.kept(row.multiaddr), connected, reserved: connected && reserved.has(row.peerId), dialable: input.dialable(row.multiaddr) })
  })
  const relayIds = new Set(input.rows.map(row => row.peerId))

  const connections: NetworkConnection[] = []
  for (const connection of open.slice(0, MAX_LISTED_CONNECTIONS)) {
    connections.push(await describeConnection(connection, relayIds, input.contactName))
  }
  // relays first, then contacts, then others; stable within each
  const rank = { relay: 0, contact: 1, other: 2 } as const
  connections.sort((a, b) => rank[a.role] - rank[b.role])

  const direct = addresses.filter(a => !isCircuitAddress(a) && !isLoopbackOnly(a))
  const reachability: Reachability = direct.length > 0 ? 'direct' : reserved.size > 0 ? 'relayed' : 'unreachable'
  return {
    addresses,
    reachability,
    reservations: reserved.size,
    directConnections: open.filter(c => !isRelayed(c) && isUsable(c) && !relayIds.has(c.remotePeer.toString())).length,
    dht: dhtStatus(node),
    connections,
    relays
  }
}

async function describeConnection (connection: Connection, relayIds: ReadonlySet<string>, contactName: SnapshotInput['contactName']): Promise<NetworkConnection> {
  const peerId = connection.remotePeer.toString()
  const remote = connection.remoteAddr.toString()
  const relayed = isRelayed(connection)
  const out: NetworkConnection = { peerId, path: relayed ? 'relayed' : 'direct', transport: transportName(remote), role: 'other' }
  if (relayed) {
    const relay = circuitRelayAddress(remote)?.split('/').at(-1)
    if (relay !== undefined) out.relay = relay
  } else if (!isUsable(connection)) {
    out.checking = true
  }
  if (relayIds.has(peerId)) {
    out.role = 'relay'
  } else {
    const name = await contactName(peerId)
    if (name !== undefined) {
      out.role = 'contact'
      out.name = name
    }
  }
  return out
}

/** The transport of a remote address, in words. */
export function transportName (address: string): string {
  const parts = address.split('/')
  if (parts.includes('webrtc')) return 'WebRTC'
  if (parts.includes('p2p-circuit')) return 'circuit relay'
  if (parts.includes('webrtc-direct')) return 'WebRTC-Direct'
  if (parts.includes('webtransport')) return 'WebTransport'
  if (parts.includes('wss') || (parts.includes('tls') && parts.includes('ws'))) return 'secure WebSocket'
  if (parts.includes('ws')) return 'WebSocket'
  if (parts.includes('tcp')) return 'TCP'
  return 'other'
}

/** `/webrtc` listen addresses without a circuit in front are not addresses anyone can dial. */
function isLoopbackOnly (address: string): boolean {
  return address === '/webrtc' || address.startsWith('/webrtc/')
}

/**
 * The DHT client, when the node runs one (a service named `dht`, read
 * defensively: the node may be built without it).
 */
export function dhtStatus (node: Pick<Libp2p, 'services'>): NetworkSnapshot['dht'] {
  const dht = (node.services as Record<string, unknown>).dht
  if (typeof dht !== 'object' || dht === null) return { running: false }
  const service = dht as { isStarted?: unknown, getMode?: unknown, routingTable?: { size?: unknown } }
  if (typeof service.isStarted === 'function' && service.isStarted.call(dht) === false) return { running: false }
  const size = service.routingTable?.size
  const status: { running: true, mode?: 'client' | 'server', routingTableSize: number } = {
    running: true,
    routingTableSize: typeof size === 'number' && Number.isFinite(size) ? size : 0
  }
  const mode: unknown = typeof service.getMode === 'function' ? service.getMode.call(dht) : undefined
  if (mode === 'client' || mode === 'server') status.mode = mode
  return status
}
