/**
 * Row types of the Parley database (DESIGN.md §3). Shared by the worker (the
 * single writer of network data) and the tabs (readers through liveQuery).
 */

/** A message id: a ULID chosen by the sender, sortable by creation time. */
export type MessageId = string & { readonly __messageId: true }

/** Auto-incremented primary key of a contact row. */
export type ContactId = number

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

/**
 * How a contact stands (docs/protocols.md, "Contact requests"):
 * 'requested' we asked them and wait for their accept; 'pending' they asked
 * us and wait for the user; 'accepted' both agreed; 'declined' the user said
 * no to their request (kept to bound re-requests, never shown as a chat);
 * 'deleted' the user deleted the contact but kept the history (hidden; adding
 * them again, or their new request, brings the chat back).
 */
export type ContactState = 'requested' | 'pending' | 'accepted' | 'declined' | 'deleted'
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
  /** How often they asked again after the user declined (bounded, see MAX_REREQUESTS). */
  rerequests?: number
  verified: boolean
  addedAt: number
  updatedAt: number
}

export type MessageDirection = 'in' | 'out'
export type MessageKind = 'text'
export type MessageState = 'queued' | 'sent' | 'delivered' | 'read' | 'failed'

export interface MessageRow {
  id: MessageId
  contactId: ContactId
  direction: MessageDirection
  /** PeerID of the author. */
  fromPeerId: string
  kind: MessageKind
  body: string
  /** Sender's clock, ms since epoch. */
  sentAt: number
  /** Receiver's clock, ms since epoch (incoming messages only). */
  receivedAt?: number
  state: MessageState
  readAt?: number
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
