/**
 * The contract between tabs and the node worker (DESIGN.md §1). Only this
 * module's types cross the tab/worker line; the UI never imports libp2p.
 *
 * Wire format over a MessagePort:
 *   tab → worker  `{ type: 'call', id, method, params }`
 *   worker → tab  `{ type: 'result', id, ok: true, result }` | `{ type: 'result', id, ok: false, error: { name, message } }`
 *   worker → tab  `{ type: 'event', event, payload }`
 *   both ways     `{ type: 'arrive' }` / `{ type: 'welcome' }` / `{ type: 'leave' }` (port handshake)
 *   tab → worker  `{ type: 'cancel', id }` (the caller aborted)
 */

import type { ContactId, FileOffer, MessageId, MessageRow } from '../db/types.ts'
import type { Locale } from '../i18n/index.ts'

/** A preview the tab made of an image it sends (files/media.ts makeThumbnail). */
export type OutgoingThumb = Required<Pick<FileOffer, 'thumb' | 'thumbMime' | 'width' | 'height'>>

export type NodePhase =
  /** the worker is opening the database */
  | 'loading'
  /** no identity yet: the user must choose a name (onboarding) */
  | 'needs-profile'
  /** libp2p is starting */
  | 'starting'
  /** at least one relay reservation is held: contacts can reach us */
  | 'online'
  /** running, but no relay reservation (relays down or unreachable); retrying */
  | 'offline'

export interface RelayStatus {
  multiaddr: string
  /** true while a reservation is held on this relay */
  reserved: boolean
}

export interface NodeStatus {
  phase: NodePhase
  peerId?: string
  username?: string
  /** our own reachable multiaddrs (circuit addresses through relays) */
  addresses: string[]
  relays: RelayStatus[]
  /** human-readable reason for the last failure, if any */
  error?: string
  /** how each connected peer (by PeerID) is reached now; absent = not connected */
  paths: Record<string, 'direct' | 'relayed'>
}

/** Where a relay came from (the `relays` table's `source`). */
export type RelaySourceName = 'default' | 'user' | 'discovered'

/**
 * How the node stands with a relay now: 'reserved' (connected and holding a
 * reservation: contacts reach us through it), 'connected' (no reservation
 * there; two are all the node makes), 'connecting' (kept, not connected, no
 * failure yet), 'failing' (kept, the last attempts failed), 'disabled'.
 */
export type RelayState = 'reserved' | 'connected' | 'connecting' | 'failing' | 'disabled'

/** One relay of the Network panel: its row plus the live state. */
export interface RelayInfo {
  multiaddr: string
  peerId: string
  source: RelaySourceName
  active: boolean
  state: RelayState
  /** ms since epoch */
  lastConnected?: number
  /** ms, of the last connection or test */
  lastRtt?: number
  /** failed attempts since the last success */
  failures: number
}

/**
 * What the node can say about being reachable: 'direct' when it has
 * addresses others can dial directly (never in a browser), 'relayed' when
 * only circuit addresses through relays (direct WebRTC connections are then
 * made after a relayed first contact), 'unreachable' when it has none.
 */
export type Reachability = 'direct' | 'relayed' | 'unreachable'

/** One open connection of the node. */
export interface NetworkConnection {
  peerId: string
  path: 'direct' | 'relayed'
  /** PeerID of the relay a relayed connection goes through */
  relay?: string
  /** the transport, in words: 'WebSocket', 'WebRTC', 'WebRTC-Direct', … */
  transport: string
  /** who the peer is to us */
  role: 'relay' | 'contact' | 'other'
  /** the contact's name, for role 'contact' */
  name?: string
  /** a new direct WebRTC connection whose probe has not passed yet: it carries nothing of ours */
  checking?: true
}

/** The Network panel's view of the node (NodeApi.getNetwork). */
export interface NetworkSnapshot {
  /** every address of ours: circuit addresses through relays, and any direct ones */
  addresses: string[]
  reachability: Reachability
  /** relays holding a reservation of ours now */
  reservations: number
  /** open direct connections (WebRTC upgrades worked through our NAT) */
  directConnections: number
  /** the Kademlia DHT client: absent from the node → not running */
  dht: { running: false } | { running: true, mode?: 'client' | 'server', routingTableSize: number }
  /** at most MAX_LISTED_CONNECTIONS, relays first */
  connections: NetworkConnection[]
  relays: RelayInfo[]
}

/**
 * Someone a relay we share lists as nearby (docs/protocols.md, "Nearby"):
 * opted in, on the same network. The addresses to reach them stay in the node.
 */
export interface NearbyPerson {
  peerId: string
  /** the display name they chose (1 to 64 characters) */
  name: string
}

/** Methods a tab may call on the node. Each takes one params object (or none). */
export interface NodeApi {
  getStatus(): NodeStatus
  /** onboarding: creates the identity (Ed25519) and the profile, then starts the node */
  createProfile(params: { username: string }): NodeStatus
  /** our invite in its text form (see docs/protocols.md, "Invites") */
  getInvite(): { invite: string }
  /** parse and validate an invite, then add (or update) that contact and send it a contact request */
  addContact(params: { invite: string }): { contactId: ContactId }
  /** accept a waiting contact request */
  acceptContact(params: { contactId: ContactId }): null
  /** decline a waiting contact request (the peer is not told) */
  declineContact(params: { contactId: ContactId }): null
  /** the user's nickname (null removes it) and notes for a contact */
  updateContact(params: { contactId: ContactId, nickname: string | null, notes: string }): null
  /** block (refused at the connection gater, nothing of theirs stored) or unblock a contact */
  setBlocked(params: { contactId: ContactId, blocked: boolean }): null
  /** the safety number of us and a contact: 12 groups of 5 digits, and the QR payload to scan mutually */
  getSafetyNumber(params: { contactId: ContactId }): { groups: string[], qr: string }
  /** compare a scanned safety code with ours; a match marks the contact verified */
  checkSafetyCode(params: { contactId: ContactId, code: string }): { result: 'match' | 'mismatch' | 'not-a-safety-code' }
  /** mark a contact verified (or not) after comparing safety numbers */
  setVerified(params: { contactId: ContactId, verified: boolean }): null
  /** delete a contact, with its chat history or keeping it for when they are added again */
  deleteContact(params: { contactId: ContactId, withHistory: boolean }): null
  /** this identity as a passphrase-encrypted backup file (docs/protocols.md, "Identity backup file") */
  exportIdentity(params: { passphrase: string, includeHistory: boolean }): { file: Uint8Array }
  /** onboarding alternative: restore an identity from a backup file, then start the node */
  importIdentity(params: { file: Uint8Array, passphrase: string }): NodeStatus
  /** queue a text message to a contact and try to deliver it */
  sendMessage(params: { contactId: ContactId, text: string }): { messageId: MessageId }
  /**
   * offer a file to a contact: stored at once (message + transfer 'preparing'),
   * then hashed and offered; `file` is the user's File (a reference, not a copy)
   */
  sendFile(params: { contactId: ContactId, file: Blob, name: string, mime: string, caption: string, thumb: OutgoingThumb | null }): { messageId: MessageId }
  /** cancel a transfer, sending or receiving; the peer is told */
  cancelTransfer(params: { id: MessageId }): null
  /** try a failed transfer again */
  retryTransfer(params: { id: MessageId }): null
  /** a received (complete) or sent file as a disk-backed Blob, to save or view */
  getFile(params: { id: MessageId }): { file: Blob }
  /** diagnostics: push `bytes` (1..64 MiB) to a contact over the direct connection and time it */
  speedTest(params: { contactId: ContactId, bytes: number }): { bytes: number, ms: number }
  /**
   * add a TURN server (at most 4; `url` is `turn:`/`turns:` host[:port][?transport=udp|tcp],
   * see db/turn-servers.ts); every new WebRTC connection uses it after the served iceServers.
   * Tabs list them from the `turnServers` table.
   */
  addTurnServer(params: { url: string, username: string, credential: string }): { id: number }
  /** remove one of the user's TURN servers (already gone is fine) */
  removeTurnServer(params: { id: number }): null
  /**
   * opt this device in to Nearby (our name shown to people on the same network
   * connected to the same relay, theirs to us) or out of it; remembered in the
   * `settings` table, which tabs read
   */
  setNearby(params: { enabled: boolean }): null
  /** the people nearby now (empty while Nearby is off); the Nearby screen asks every few seconds while open */
  listNearby(): { people: NearbyPerson[] }
  /** add someone listed as nearby: the same contact request an invite sends, which they accept or not */
  addNearby(params: { peerId: string }): { contactId: ContactId }
  /** the Network panel: own addresses, reachability, DHT, connections and relays with their live state */
  getNetwork(): NetworkSnapshot
  /** the relays (defaults, the user's, discovered) with their live state */
  listRelays(): { relays: RelayInfo[] }
  /** add a relay the user typed (checked in words; at most 8 of the user's own); the node connects at once */
  addRelay(params: { multiaddr: string }): RelayInfo
  /** dial the relay, check it relays, ping it: the RTT, or an error saying why in words; recorded in its row */
  testRelay(params: { multiaddr: string }): { rtt: number }
  /** enable or disable a relay; disabling hangs up on it */
  setRelayActive(params: { multiaddr: string, active: boolean }): null
  /** remove a relay and hang up on it; a shipped default is disabled instead (see db/relays.ts removeRelay) */
  removeRelay(params: { multiaddr: string }): { outcome: 'removed' | 'disabled' }
  /**
   * the tab's language ('en' or 'ru'), for the errors and status texts the node
   * writes from now on; each tab sends it on every (re)connect and on a change
   * (with several tabs the last one to send wins: they share one language setting)
   */
  setLocale(params: { locale: Locale }): null
}

export type NodeMethod = keyof NodeApi
export type NodeParams<M extends NodeMethod> = Parameters<NodeApi[M]> extends [infer P] ? P : undefined
export type NodeResult<M extends NodeMethod> = ReturnType<NodeApi[M]>

/**
 * A message the node has just received, announced before its DB write commits
 * so that an open chat shows it at once ('received'); 'dropped' follows if
 * that write failed (nothing was acked, so the sender sends it again). The
 * database stays the record: a tab shows an announced message only until its
 * stored row arrives through liveQuery.
 */
export type IncomingMessageEvent =
  | { kind: 'received', message: MessageRow }
  | { kind: 'dropped', contactId: ContactId, id: MessageId }

/** Events the node broadcasts to every connected tab. */
export interface NodeEvents {
  status: NodeStatus
  message: IncomingMessageEvent
}
export type NodeEventName = keyof NodeEvents

export interface RpcErrorShape {
  name: string
  message: string
}

export interface CallMessage { type: 'call', id: number, method: string, params: unknown }
export interface CancelMessage { type: 'cancel', id: number }
export interface ResultOk { type: 'result', id: number, ok: true, result: unknown }
export interface ResultErr { type: 'result', id: number, ok: false, error: RpcErrorShape }
export interface EventMessage { type: 'event', event: string, payload: unknown }
export interface ArriveMessage { type: 'arrive' }
export interface WelcomeMessage { type: 'welcome' }
export interface LeaveMessage { type: 'leave' }

export type TabToWorker = CallMessage | CancelMessage | ArriveMessage | LeaveMessage
export type WorkerToTab = ResultOk | ResultErr | EventMessage | WelcomeMessage
