/**
 * The types that cross the tab ⇄ worker line besides params: the node's
 * status, the Network panel's snapshot, Nearby people, arriving messages.
 * Declared once here; the contract's methods and events name them.
 */
import type { ContactId, ContactState, FileOffer, MessageId, MessageRow } from './rows.ts'

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
  /**
   * not running and will not: another node writes this database (the
   * one-writer lock, p2p/kernel/writer-lock.ts); `error` says why, and the
   * tab asks to reload
   */
  | 'stopped'

export interface RelayStatus {
  multiaddr: string
  /** true while a reservation is held on this relay */
  reserved: boolean
}

/** A coded problem (lib/contract/errors.ts) in the node's status. */
export interface StatusProblem {
  code: string
  params: Record<string, string | number>
}

export interface NodeStatus {
  phase: NodePhase
  /** this device's PeerID on the network (its connections, its reservations, diagnostics); absent without a profile */
  peerId?: string
  /**
   * the account's PeerID (issue 58): who "me" is as the author of rows and
   * as a group member; equal to `peerId` on the device holding the account,
   * the account's on a linked device; absent without a profile
   */
  account?: string
  username?: string
  /** our own reachable multiaddrs (circuit addresses through relays) */
  addresses: string[]
  relays: RelayStatus[]
  /** why the last thing failed, if anything did: a code the tab words (lib/i18n/error-text.ts) */
  error?: StatusProblem
  /** how each connected peer (by PeerID) is reached now; absent = not connected */
  paths: Record<string, 'direct' | 'relayed'>
  /** what this browser can do (kernel/capabilities.ts) */
  capabilities: NodeCapabilities
  /** why a peer reached only over a relay is not reached directly (by PeerID); absent = no reason known */
  direct: Record<string, DirectOutlook>
  /** other running copies of this identity, as our relays see them; absent = none (p2p/instances) */
  elsewhere?: Elsewhere
}

/**
 * Our identity runs in other places too (a backup restored in another
 * browser or on another device while this one runs): the relays keep one
 * reservation per PeerID, so only one copy receives messages.
 */
export interface Elsewhere {
  /** other copies live now, 1 or more (each counted once, however many relays see it) */
  count: number
  /** when the longest-running of them was first seen live by a relay, ms since epoch on this device's clock */
  since: number
  /**
   * this copy was restored from a backup here: it may give way and link this
   * browser as a device of the account instead (the `linkInstead` method)
   */
  restored?: true
}

/**
 * What this browser can do, found out once at start: by the tabs (WebRTC and
 * SharedWorker exist only there) and by the worker. null: not known yet (no
 * tab has said).
 */
export interface NodeCapabilities {
  /** RTCPeerConnection in the tabs: direct connections are possible */
  webrtc: boolean | null
  /** a data channel can be handed to a worker (the channel pump); without it the tab's main thread moves the bytes */
  transferableChannels: boolean | null
  /** SharedWorker: one node for every tab (else the dedicated-Worker fallback) */
  sharedWorker: boolean | null
  /**
   * where files are kept: OPFS or IndexedDB; 'memory' when this browser can
   * keep none on the device (only while the node runs, bounded: files/memory-store.ts);
   * null until the transfers feature opened its store
   */
  fileStorage: 'opfs' | 'idb' | 'memory' | null
  /** WebTransport, for relays that offer it */
  webTransport: boolean
  /** Web Locks, which the dedicated-Worker fallback needs to pick one owner tab */
  webLocks: boolean
}

/** What a tab reports about itself as `{ type: 'tab-capabilities', … }` (rpc/tab-capabilities.ts probes it). */
export type TabCapabilities = { [K in 'webrtc' | 'transferableChannels' | 'sharedWorker']: boolean }

/**
 * Why a peer is reached over a relay: 'trying' (a direct connection is being
 * tried), 'unsupportedHere' (this browser cannot make direct connections),
 * 'unsupportedThere' (theirs cannot), 'failed' (every attempt failed: UDP
 * blocked and no TURN server, say). `attempts` counts this browser's tries.
 */
export interface DirectOutlook {
  state: 'trying' | 'unsupportedHere' | 'unsupportedThere' | 'failed'
  attempts: number
}

/** Where a relay came from (the `relays` table's `source`). */
export type RelaySourceName = 'default' | 'user' | 'discovered'

/**
 * How the node stands with one relay address now: 'reserved' (connected and
 * holding a reservation: contacts reach us through it), 'connected' (no
 * reservation there; two are all the node makes), 'standby' (the relay is
 * connected over another of its addresses: this one is not used),
 * 'connecting' (a dial under way, or none tried yet), 'failing' (the last
 * attempts failed), 'unavailable' (this browser cannot dial it: WebRTC-Direct
 * without WebRTC), 'disabled'.
 */
export type RelayState = 'reserved' | 'connected' | 'standby' | 'connecting' | 'failing' | 'unavailable' | 'disabled'

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
 * Who an invite names, and how they stand with us, before anything is done
 * with it: what the "Add <name>?" card shows.
 */
export interface InvitePreview {
  peerId: string
  /** the name the invite gives (none in the text form or a bare PeerID) */
  name?: string
  /** whether the invite carries addresses (a short link has none: they are found by PeerID) */
  addresses: number
  /** the invite carried no check of the PeerID (a bare PeerID, a short link from before the check): a typo in it would not show */
  unchecked?: true
  /** an existing contact with this PeerID */
  contact?: { contactId: ContactId, state: ContactState, blocked: boolean, name: string }
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

/**
 * A message the node has just received, announced before its DB write commits
 * so that an open chat shows it at once ('received'); 'dropped' follows if
 * that write failed (nothing was acked, so the sender sends it again). The
 * database stays the record: a tab shows an announced message only until its
 * stored row arrives through liveQuery. Messages stored many in one write (a
 * mailbox drain) are told once that write committed ('stored'): the newest of
 * each chat, for notifications; the rows themselves reach the tabs through
 * liveQuery.
 */
export type IncomingMessageEvent =
  | { kind: 'received', message: MessageRow }
  | { kind: 'dropped', contactId: ContactId, id: MessageId }
  | { kind: 'stored', messages: MessageRow[] }


/** A member (`peer`, its PeerID) started (typing: true) or stopped typing in group `groupId`; a message of theirs arriving stops it too (told before it is stored). */
export interface GroupTypingEvent {
  groupId: string
  peer: string
  typing: boolean
}

/** A contact started (typing: true) or stopped typing to us. */
export interface TypingEvent {
  contactId: ContactId
  typing: boolean
}
