/**
 * Row types of the Parley database. Shared by the worker (the single writer
 * of network data) and the tabs (readers through liveQuery).
 */
import type { ChatEventFrame, ChatEventType } from '@parley/protocol/chat/codec'
import type { SignedDeviceList } from '@parley/protocol/devices/list'
import type { ContactId, ContactProblem, ContactState, EventStamp, MessageDirection, MessageId, MessageState } from '../contract/rows.ts'

/** The message row and what it carries belong to the contract (what crosses the line); named here with the other rows. */
export type * from '../contract/rows.ts'

export interface ProfileRow {
  /** Always 1: there is one profile per browser profile. */
  id: 1
  /** Base58btc string form of the PeerID. */
  peerId: string
  /** libp2p protobuf encoding of the Ed25519 private key (`privateKeyToProtobuf`). */
  privateKey: Uint8Array
  username: string
  createdAt: number
}

export type PresenceStatus = 'online' | 'offline'

export interface ContactRow {
  /** Assigned by the database on insert (`++id`); always set on rows read back. */
  id: ContactId
  peerId: string
  /** The name the contact chose for itself (from its invite). */
  username: string
  /** A local name the user chose; shown instead of username when set. */
  nickname?: string
  /** libp2p protobuf encoding of the contact's public key. */
  publicKey?: Uint8Array
  /** Multiaddrs (strings) where the contact was last reachable. */
  addresses: string[]
  status: PresenceStatus
  lastSeen?: number
  notes: string
  blocked: boolean
  state: ContactState
  /** Our request or accept has not reached them yet: send it on the next connection. */
  helloPending?: boolean
  /** When the user last asked them (added them from an invite): how long our request has been on its way. */
  helloSince?: number
  /** The hello we owe them waits on a mailbox relay of theirs (or ours) until they drain it; still owed until they answer. */
  helloStored?: boolean
  /**
   * The `time` of the newest hello taken from them (their clock, ms): an
   * older or equal one changes nothing (docs/protocols.md, "Freshness").
   */
  helloAt?: number
  /** When the user deleted them (this device's clock): a request made before it does not bring them back. */
  deletedAt?: number
  /** How often they asked again after the user declined (bounded, see MAX_REREQUESTS). */
  rerequests?: number
  /**
   * Added from an invite that carried no check (a bare PeerID, a short link
   * from before the check, docs/protocols.md "The check"): a mistyped PeerID
   * would not have been caught. Set again by each invite they are added from.
   */
  unchecked?: boolean
  /** What the node found wrong in reaching them (db/not-found.ts); absent when nothing. */
  problem?: ContactProblem
  verified: boolean
  /**
   * Their app speaks sessions (their hello said so, docs/protocols.md "Sessions
   * are mandatory"; or we have had a session with them): only boxes go
   * between us, and what they send outside one is refused. Never unset.
   */
  sessions?: true
  /**
   * Our items for them wait for their prekeys: every source asked holds none
   * (db/waiting-keys.ts). Set by the courier, gone once a box for them is made.
   */
  waitingKeys?: true
  /** The chat's disappearing-messages timer (absent: off, never set). */
  timer?: ChatTimer
  /** What blocking them left (absent: never blocked since 2026-11-29); this device's own, not in a backup. */
  block?: BlockRecord
  /**
   * Their account's signed device list, as received (schema v14; docs/protocols.md,
   * "A contact's device list"): opened against their PeerID's key before it
   * was stored, replaced only by one of a greater version (db/contact-devices.ts).
   */
  devices?: SignedDeviceList
  /** `devices`' version (present with it). */
  devicesVersion?: number
  /** The PeerIDs of `devices`' devices (present with it; a multiEntry index): a device's PeerID maps to this contact. */
  devicePeers?: string[]
  /** The version of our own list they acknowledged (docs/protocols.md, "/parley/devices/1.0.0"); this device's own, not in a backup. */
  devicesSent?: number
  /**
   * The notification keys its devices gave us (db/notify-keys.ts; docs/protocols.md, "How a sender
   * learns the key"): device PeerID → base64url key, the contact's own PeerID and its list's devices
   * only. This device's own, not in a backup.
   */
  notifyKeys?: Record<string, string>
  /** Our notification key and the devices of theirs that took it (or refused it for good); this device's own, not in a backup. */
  notifySent?: { key: string, devices: string[] }
  addedAt: number
  updatedAt: number
}

/**
 * The blocks of one contact as this device knows them (docs/protocols.md,
 * "Blocking"): what they send during a block is never shown, also when it
 * reaches us after the unblock. Times are this device's clock.
 */
export interface BlockRecord {
  /** when the block in force began (absent while they are not blocked) */
  since?: number
  /** the blocks that ended, oldest first, at most MAX_BLOCK_SPANS */
  spans: Array<{ from: number, to: number }>
  /** ids of the messages and actions of theirs refused for a block, newest last, at most MAX_BLOCK_REFUSED_IDS */
  refused: string[]
}

/**
 * What a message event does (docs/protocols.md, "Message actions"): one of
 * the chat's actions a receiver stores, named as on the wire (reaction to
 * `targets[0]`, edit of our/their text, delete for everyone, read of the
 * listed messages, timer of the chat's disappearing messages); and 'hide',
 * the user's "delete for me", which is never sent: it keeps the message from
 * being stored again should it be delivered once more. What each kind does
 * is described once, in event-kinds.ts EVENT_KINDS.
 */
export type EventKind = ChatEventType | 'hide'

/** The fields of an action frame that an event row keeps as they are (all but its type, id, time and target or targets). */
type OwnFields<F> = F extends unknown ? Omit<F, 'type' | 'id' | 'sentAt' | 'target' | 'targets'> : never
type AllOf<U> = (U extends unknown ? (u: U) => void : never) extends (all: infer I) => void ? I : never
/**
 * Each kind's own fields, as its frame carries them (@parley/protocol
 * chat/actions.ts: a reaction's `emoji`, '' removes; an edit's new `text`; a
 * timer's `ttl` in seconds, 0 = off); on the row, only its kind's are set.
 */
export type EventFields = Partial<AllOf<OwnFields<ChatEventFrame>>>

/**
 * A message event (schema v7 `events`): sent, queued, acked and mailboxed
 * like a message (outgoing states as MessageState; incoming are 'delivered'),
 * stored once by id. An event whose target has not arrived yet waits here
 * and is applied when it does.
 */
export interface EventRow extends EventFields {
  id: string
  contactId: ContactId
  direction: MessageDirection
  /** PeerID of the author. */
  fromPeerId: string
  kind: EventKind
  /** The messages it is about: one for reaction/edit/delete, 1..64 for read, none for timer. */
  targets: MessageId[]
  sentAt: number
  receivedAt?: number
  state: MessageState
  /** an event in a group (contactId 0): its group, and (ours) the author's signed envelope the members are sent */
  groupId?: string
  groupSigned?: { body: string, sig: string }
  /** Outgoing to a contact: its devices that have not acked it, and those whose mailbox holds it (as on MessageRow; schema v15). */
  pendingDevices?: string[]
  storedDevices?: string[]
}

/** The chat's disappearing-messages timer as both sides agreed it: the newest change wins. */
export interface ChatTimer extends EventStamp {
  /** seconds; 0 = off */
  ttl: number
  /** PeerID of who set it */
  by: string
}

export type TransferDirection = 'in' | 'out'

/**
 * Why something failed, as a row keeps it: a code of the catalog
 * (lib/contract/error-codes) and its params, never a sentence, so the tab
 * words it in the language it shows now.
 */
export interface StoredProblem {
  code: string
  params: Record<string, string | number>
}

/**
 * Where a transfer stands. out: preparing → waiting → (waiting-direct) → active → complete.
 * in: waiting → (waiting-direct) → active → verifying → complete.
 * Either side may end it as cancelled; failed means it cannot go on without
 * the user (retry), and `problem` says why (a code the tab words).
 */
export type TransferState =
  /** out: hashing the file before it is offered */
  | 'preparing'
  /** out: offered, the receiver is not pulling right now. in: waits for a free slot or for the sender to be reachable */
  | 'waiting'
  /**
   * too big for a relayed connection (`problem` says so when that is the reason); in: starts as soon as a
   * direct one exists; out: the only connection to the receiver is relayed, and its relay does not carry the file
   */
  | 'waiting-direct'
  /** chunks are moving */
  | 'active'
  /** in: every chunk is stored, the whole-file hash is being checked */
  | 'verifying'
  | 'complete'
  | 'cancelled'
  | 'failed'

/** One file transfer, sending or receiving. Its id is the id of the chat message that offers the file. */
export interface TransferRow {
  id: MessageId
  contactId: ContactId
  direction: TransferDirection
  name: string
  /**
   * out: the name the user's file had, when it had to be made safe to send
   * (files/names.ts; `name` is what was sent and what the contact sees).
   * Kept on this device only.
   */
  givenName?: string
  size: number
  mime: string
  /** '' while preparing */
  sha256: string
  chunkSize: number
  chunkCount: number
  state: TransferState
  /**
   * why it failed, or why it waits for a direct connection ('waiting-direct':
   * too big for the relay): a code and its params (lib/contract/error-codes),
   * which the tab words
   */
  problem?: StoredProblem
  cancelledBy?: 'me' | 'peer'
  /** our cancel has not reached the peer yet: tell it on the next connection */
  cancelPending?: boolean
  /**
   * in: chunks verified and stored, one bit per chunk (chunk i is bit i % 8
   * of byte i >> 3). out: unused (empty).
   */
  have: Uint8Array
  /** in: chunks verified and stored (the bits set in `have`). out: chunks served. */
  chunksDone: number
  /** in: bytes verified and stored. out: bytes served (may exceed size after resumes). */
  bytesDone: number
  /** in: chunk requests sent per chunk, saturating at 255 (proof of what was fetched twice) */
  requests: Uint8Array
  /** in: `have` as it was when the latest resume began (absent before the first resume) */
  resumedHave?: Uint8Array
  /** in: how many times the transfer started again after an interruption */
  resumes: number
  /** the path of the connection it last moved over */
  path?: 'direct' | 'relayed'
  /** where the bytes are kept: OPFS files, IndexedDB blobs, or memory while the node runs (files/chunk-store.ts) */
  store: 'opfs' | 'idb' | 'memory'
  createdAt: number
  updatedAt: number
  completedAt?: number
  /**
   * a group's file (contactId 0): its group, and (in) the member it is pulled
   * from, its author; (in) a contact's file offered by a device of its
   * account other than its own PeerID: that device, which it is pulled from
   */
  groupId?: string
  peer?: string
  /**
   * the file's key (32 bytes), when its offer has one (a contact's file;
   * docs/protocols.md, "Keyed files"): it moves over `/parley/file/1.1.0`,
   * sealed with it. A copy of the offer's; not indexed.
   */
  key?: Uint8Array
}

/**
 * The chunk hash list of one transfer: SHA-256 of each chunk, 32 bytes each,
 * in index order (its SHA-256 is the offer's `listHash`). Kept apart from the
 * transfer row so per-chunk progress updates do not rewrite it.
 */
export interface TransferHashesRow {
  /** The transfer's id. */
  id: MessageId
  hashes: Uint8Array
}

/** One received chunk, kept in IndexedDB when OPFS is unavailable (files/chunk-store.ts). */
export interface FileChunkRow {
  /** The transfer's id (a MessageId). */
  transferId: string
  /** Chunk index, 0-based. */
  index: number
  /** The chunk's bytes (a Blob, which browsers keep on disk rather than in the row). */
  data: Blob
}

/** The sender's own copy of a file it offered, kept in IndexedDB when OPFS is unavailable. */
export interface FileSourceRow {
  /** The transfer's id (a MessageId). */
  id: string
  blob: Blob
}

export type RelaySource = 'default' | 'user' | 'discovered'

export interface RelayRow {
  /** Full multiaddr including `/p2p/<relay peer id>`. */
  multiaddr: string
  peerId: string
  source: RelaySource
  active: boolean
  lastConnected?: number
  lastRtt?: number
  failures: number
}

/**
 * A TURN server the user added in Settings (db/turn-servers.ts), used for
 * WebRTC next to the served `iceServers`. Kept on this device only: not in
 * identity backups.
 */
export interface TurnServerRow {
  /** Assigned by the database on insert (`++id`); the list is in this order. */
  id: number
  /** `turn:` or `turns:` URL (RFC 7065), checked by `turnServerProblems`. */
  url: string
  username: string
  /** The TURN password or token. Never logged; the UI shows it as dots. */
  credential: string
  addedAt: number
}

/** The rows of the `settings` table, one kind per key (setting-types.ts). */
export type * from './setting-types.ts'

/**
 * A message id that expired or was deleted here (schema v11, db/tombstones.ts):
 * a copy of it that comes again (a relay replaying it) is not stored.
 */
export interface TombstoneRow {
  id: string
  /** when the row may be forgotten: by then a copy is refused for its age */
  at: number
}

/**
 * A contact deleted with its history (schema v11): what a hello from them
 * must be newer than to make them a request again.
 */
export interface PeerTombstoneRow {
  peer: string
  /** the `time` of the newest hello taken from them, if any */
  helloAt?: number
  /** when the user deleted them (this device's clock) */
  deletedAt: number
  /** when the row may be forgotten */
  at: number
}

export type * from './group-types.ts'
