/**
 * The rows that cross the tab ⇄ worker line as they are stored: a message
 * (announced on arrival, `IncomingMessageEvent`) and the ids and states it
 * carries. The database stores them (db/types.ts re-exports them with its
 * other rows); the contract names them here, so it needs nothing of the
 * database.
 */
import type { FileOffer } from '@parley/protocol/chat/codec'

/** A file as offered in a chat message: the wire type of @parley/protocol (docs/protocols.md, "Files"). */
export type { FileOffer }

/** A message id: a ULID chosen by the sender, sortable by creation time. */
export type MessageId = string & { readonly __messageId: true }

/** Auto-incremented primary key of a contact row. */
export type ContactId = number

/**
 * How a contact stands (docs/protocols.md, "Contact requests"):
 * 'requested' we asked them and wait for their accept; 'pending' they asked
 * us and wait for the user; 'accepted' both agreed; 'declined' the user said
 * no to their request (kept to bound re-requests, never shown as a chat);
 * 'deleted' the user deleted the contact but kept the history (hidden; adding
 * them again, or their new request, brings the chat back).
 */
export type ContactState = 'requested' | 'pending' | 'accepted' | 'declined' | 'deleted'

/**
 * What the node found wrong in reaching a contact (a code; the tab words it).
 * 'notFound': we asked them from an invite that carried no check (a bare
 * PeerID, a short link from before the check), never heard from them, and the
 * network has known no one with this PeerID for NOT_FOUND_AFTER_MS
 * (db/not-found.ts): the PeerID was probably mistyped (docs/protocols.md,
 * "Nobody with this ID").
 */
export type ContactProblem = 'notFound'

/**
 * Why an outgoing message is 'failed', when the node knows.
 * 'contactNotFound': its contact is 'notFound' (ContactProblem); it goes back
 * to the outbox should they be found after all.
 */
export type MessageFailure = 'contactNotFound'

export type MessageDirection = 'in' | 'out'
/**
 * 'text': body is the text. 'file': an offered file, `file` says what it is and body is an optional caption.
 * 'call': a call with the contact, as this device saw it (`call`; body ''): written here when the call
 * ends, never sent. Ours (direction 'out') are 'delivered', theirs 'delivered' (unread) when missed, else 'read'.
 * 'notice': something this device tells the user about the chat (`notice`; body ''), never sent:
 * written 'in' from the contact, 'read'.
 */
export type MessageKind = 'text' | 'file' | 'call' | 'notice'

/**
 * A notice in a chat (MessageRow kind 'notice'). 'session-reset': the secure
 * session with the contact was started again (p2p/sessions/notices.ts).
 * 'device-added' / 'device-removed': a newer device list of the contact's
 * account names a device the one before did not, or no longer names one
 * (p2p/sessions/device-lists.ts); one notice per device.
 */
export type NoticeKind = 'session-reset' | 'device-added' | 'device-removed'

/**
 * How a call in the chat ended, from this side: answered; for a call to us,
 * missed (rang out, or the caller gave up), declined (by us, here or on
 * another device of our account) or answered-elsewhere (on another device of
 * our account: it rang here too); for ours,
 * declined (by them), unanswered, cancelled (by us before an answer), busy,
 * or failed (could not reach them, or they take no calls from us).
 */
export type CallOutcome = 'answered' | 'missed' | 'declined' | 'unanswered' | 'cancelled' | 'busy' | 'failed' | 'answered-elsewhere'

/** A call kept in the chat (MessageRow kind 'call'). */
export interface CallRecord {
  video: boolean
  outcome: CallOutcome
  /** an answered call: how long it lasted, ms (a group call: from its start to its end) */
  durationMs?: number
  /** a group call: its id, and the members (account PeerIDs) who took part */
  callId?: string
  participants?: string[]
}
/**
 * An outgoing message goes queued → sent (handed to a connection) → stored
 * (held by at least one of the recipient's mailbox relays) → delivered (the
 * recipient has it) → read; 'failed' when it cannot be sent at all.
 */
export type MessageState = 'queued' | 'sent' | 'stored' | 'delivered' | 'read' | 'failed'

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
  /** Outgoing: when the recipient's ack or receipt arrived (our clock); for the message's Info. */
  deliveredAt?: number
  /** Outgoing 'failed' only: why, when the node knows (MessageFailure). */
  failure?: MessageFailure
  /** kind 'file' only: the offer (docs/protocols.md, "Files"); its transfer row has the same id. */
  file?: FileOffer
  /** kind 'call' only: how the call went */
  call?: CallRecord
  /** kind 'notice' only: what it tells */
  notice?: NoticeKind
  /** The message this one answers (either side's); the chat shows a quote of it. */
  replyTo?: MessageId
  /**
   * Reactions, at most one per person (the newest by `sentAt`, then `id`,
   * wins). A removed reaction stays as `emoji: ''` so that an older one
   * arriving late does not bring it back; the chat shows only non-empty ones.
   */
  reactions?: Reaction[]
  /** The newest edit applied to the text (body holds the edited text); the chat says "edited". */
  edit?: EventStamp
  /** Deleted for everyone by its author: body is '', the file and its chunks are gone, nothing is searchable. */
  deleted?: EventStamp
  /** Disappearing messages: the timer in seconds this message was sent with (outgoing: carried on the wire as `ttl`). */
  ttl?: number
  /** When it disappears from this device, ms since epoch (sentAt + ttl here for ours, receivedAt + ttl for theirs). */
  expiresAt?: number
  /** A group message (then `contactId` is 0): its group, its place in the group's order and the author's signed envelope (group-types.ts). */
  groupId?: string
  lamport?: number
  groupSigned?: { body: string, sig: string }
  /**
   * Outgoing to a contact, not yet acked by every device (schema v15;
   * db/pending-devices.ts): the PeerIDs of the recipient's devices that have
   * not acked it; absent once none is left. This device's own delivery state.
   */
  pendingDevices?: string[]
  /** Outgoing to a contact: the devices among `pendingDevices` whose mailbox holds it (not indexed). */
  storedDevices?: string[]
}

/** Which event of the other side (or ours) last changed a message: its id and its author's clock. */
export interface EventStamp {
  id: string
  sentAt: number
}

/** One person's reaction to a message. */
export interface Reaction extends EventStamp {
  /** PeerID of who reacted. */
  from: string
  /** The emoji; '' once they took it back. */
  emoji: string
}
