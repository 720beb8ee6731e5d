import Dexie from 'dexie'
import { monotonicFactory } from 'ulid'
import { compareByDisplayName } from './contacts.ts'
import type { ParleyDb } from './db.ts'
import { ContactNotFoundError } from './errors.ts'
import { failIfNotFound } from './not-found.ts'
import { withPendingDevices } from './pending-rows.ts'
import type { ContactId, ContactRow, FileOffer, MessageId, MessageRow, MessageState, NoticeKind } from './types.ts'

/** Index names from `schema.ts`, spelled once. */
const BY_CHAT = '[contactId+sentAt+id]'
const BY_STATE = '[direction+state+contactId]'

/** A Dexie collection over `db.messages`. */
type ChatCollection = ReturnType<ParleyDb['messages']['toCollection']>

/** Outgoing states that still wait for the peer's ack. */
const PENDING_STATES = ['queued', 'sent', 'stored'] as const satisfies readonly MessageState[]

/** Made on first use, so that a bundle that never makes ids (the tab's) does not carry the ULID library. */
let nextUlid: ReturnType<typeof monotonicFactory> | undefined

/** With a disappearing-messages timer on (`ttl` seconds), the row (a message, a call or notice kept in the chat) disappears `ttl` after `from` (ms). */
export function withChatTimer (row: MessageRow, ttl: number | undefined, from: number): MessageRow {
  if (ttl !== undefined && ttl > 0) {
    row.ttl = ttl
    row.expiresAt = from + ttl * 1000
  }
  return row
}

/**
 * A new message id. Monotonic within this JS realm: ids made in the same
 * millisecond (or after the clock stepped back) still sort in creation order.
 */
export function newMessageId (now?: number): MessageId {
  nextUlid ??= monotonicFactory()
  return nextUlid(now) as MessageId
}

export interface OutgoingInput {
  contactId: ContactId
  /** Our own PeerID. */
  fromPeerId: string
  body: string
  now?: number
  /** the message it answers */
  replyTo?: MessageId
  /** the chat's disappearing-messages timer, in seconds, when it is on */
  ttl?: number
}

/** A new outgoing text message, not stored yet (see `storeOutgoing`). */
export function outgoingRow (input: OutgoingInput): MessageRow {
  const now = input.now ?? Date.now()
  const row: MessageRow = {
    id: newMessageId(now),
    contactId: input.contactId,
    direction: 'out',
    fromPeerId: input.fromPeerId,
    kind: 'text',
    body: input.body,
    sentAt: now,
    state: 'queued'
  }
  if (input.replyTo !== undefined) row.replyTo = input.replyTo
  return withChatTimer(row, input.ttl, now)
}

export interface OutgoingFileInput {
  contactId: ContactId
  /** Our own PeerID. */
  fromPeerId: string
  /** the chat's disappearing-messages timer, in seconds, when it is on */
  ttl?: number
  /** The offer; on a file still being hashed, `sha256` and `listHash` are '' (see transfers.ts `offerReady`). */
  file: FileOffer
  /** An optional caption; '' for none. */
  body?: string
  now?: number
}

/**
 * A new outgoing file message (kind 'file', body = the caption), not stored
 * yet: store it with its transfer row through transfers.ts `storeOutgoingFile`.
 */
export function outgoingFileRow (input: OutgoingFileInput): MessageRow {
  return { ...outgoingRow({ ...input, body: input.body ?? '' }), kind: 'file', file: { ...input.file } }
}

/**
 * Stores a message we are about to send; the outbox keeps it until every
 * device of the contact acks (`pendingDevices`: the contact's devices as its
 * row names them now, in the same transaction; pending-devices.ts).
 */
export async function storeOutgoing (db: ParleyDb, row: MessageRow): Promise<void> {
  await db.transaction('rw', db.contacts, db.messages, async () => {
    const contact = await requireContact(db, row.contactId)
    await db.messages.add(await failIfNotFound(db, withPendingDevices(row, contact)))
  })
}

/** `outgoingRow` + `storeOutgoing`. */
export async function queueOutgoing (db: ParleyDb, input: OutgoingInput): Promise<MessageRow> {
  const row = outgoingRow(input)
  await storeOutgoing(db, row)
  return row
}

/**
 * Outgoing messages to one contact that were not acked yet, oldest first.
 * A file message whose file is still being hashed (`file.sha256` is '') is
 * left out: its offer is not complete, so it cannot be sent yet. It joins the
 * outbox once transfers.ts `offerReady` fills in the hashes.
 */
export async function outbox (db: ParleyDb, contactId: ContactId): Promise<MessageRow[]> {
  const rows = await db.messages
    .where(BY_STATE)
    .anyOf(PENDING_STATES.map((state) => ['out', state, contactId]))
    .filter(isSendable)
    .toArray()
  return rows.sort(compareById)
}

/**
 * Whether a pending outgoing message is complete enough to send (see
 * `outbox`). One deleted for everyone before it was acked is not: its delete
 * event goes instead, and keeps it from being stored should it have arrived.
 */
export function isSendable (row: MessageRow): boolean {
  if (row.deleted !== undefined) return false
  return row.kind !== 'file' || (row.file !== undefined && row.file.sha256 !== '')
}

/**
 * Contacts that have at least one unacked outgoing message, ascending. A key-only
 * scan, so it also lists a contact whose only pending message is a file still
 * being hashed; `outbox` then returns nothing for it.
 */
export async function contactsWithOutbox (db: ParleyDb): Promise<ContactId[]> {
  const ids = new Set<ContactId>()
  await db.transaction('r', db.messages, async () => {
    for (const state of PENDING_STATES) {
      const keys = await db.messages
        .where(BY_STATE)
        .between(['out', state, Dexie.minKey], ['out', state, Dexie.maxKey])
        .uniqueKeys()
      for (const key of keys) {
        const contactId = Array.isArray(key) ? key[2] : undefined
        // group messages (contact 0) have their own outbox: p2p/groups
        if (typeof contactId === 'number' && contactId !== 0) ids.add(contactId)
      }
    }
  })
  return [...ids].sort((a, b) => a - b)
}

const STATE_RANK: Record<Exclude<MessageState, 'failed'>, number> = {
  queued: 0,
  sent: 1,
  stored: 2,
  delivered: 3,
  read: 4
}

/**
 * Whether a message may go from `from` to `to`. States only move forward
 * (queued < sent < stored < delivered < read). 'failed' is entered only from
 * queued, sent or stored, and left only for delivered or read: a late ack proves the peer has
 * the message, while going back to queued/sent is a retry, not a receipt.
 */
export function canTransition (from: MessageState, to: MessageState): boolean {
  if (from === to) return false
  if (to === 'failed') return from === 'queued' || from === 'sent' || from === 'stored'
  if (from === 'failed') return to === 'delivered' || to === 'read'
  return STATE_RANK[to] > STATE_RANK[from]
}

/**
 * Moves a message forward (see `canTransition`); stamps deliveredAt on
 * 'delivered' and readAt on 'read'.
 * Receipts arrive out of order and twice, so a stale one is simply ignored.
 *
 * @returns whether the row changed (false also when the id is unknown).
 */
export async function setMessageState (
  db: ParleyDb,
  id: MessageId,
  state: MessageState,
  now: number = Date.now()
): Promise<boolean> {
  return db.transaction('rw', db.messages, async () => {
    const row = await db.messages.get(id)
    if (row === undefined || !canTransition(row.state, state)) return false
    const changes: Partial<MessageRow> = state === 'read' ? { state, readAt: now } : state === 'delivered' ? { state, deliveredAt: now } : { state }
    await db.messages.update(id, changes)
    return true
  })
}

/** How many messages a chat view reads (the newest). */
export const CHAT_WINDOW = 200

/** The last `limit` messages of one chat, in display order (sentAt, then id). */
export async function chatMessages (db: ParleyDb, contactId: ContactId, limit = CHAT_WINDOW): Promise<MessageRow[]> {
  if (limit <= 0) return []
  const newestFirst = await chatRange(db, contactId).reverse().limit(limit).toArray()
  return newestFirst.reverse()
}

export interface ChatSummary {
  contact: ContactRow
  /** The last message in display order; absent for a chat with no messages. */
  lastMessage?: MessageRow
}

/**
 * One entry per contact for the chats list: most recent activity first
 * (receivedAt of an incoming last message, else its sentAt, so a peer with a
 * clock in the future cannot pin its chat to the top), then contacts without
 * messages by display name.
 */
export async function chatSummaries (db: ParleyDb): Promise<ChatSummary[]> {
  const summaries = await db.transaction('r', db.contacts, db.messages, async () => {
    const contacts = await db.contacts.toArray()
    return Promise.all(contacts.map(async (contact): Promise<ChatSummary> => {
      const lastMessage = await chatRange(db, contact.id).last()
      return lastMessage === undefined ? { contact } : { contact, lastMessage }
    }))
  })
  return summaries.sort(compareSummaries)
}

function compareSummaries (a: ChatSummary, b: ChatSummary): number {
  const aAt = a.lastMessage === undefined ? undefined : activityAt(a.lastMessage)
  const bAt = b.lastMessage === undefined ? undefined : activityAt(b.lastMessage)
  if (aAt !== undefined && bAt !== undefined && aAt !== bAt) return bAt - aAt
  if (aAt !== undefined && bAt === undefined) return -1
  if (aAt === undefined && bAt !== undefined) return 1
  return compareByDisplayName(a.contact, b.contact)
}

function activityAt (message: MessageRow): number {
  return message.receivedAt ?? message.sentAt
}

function chatRange (db: ParleyDb, contactId: ContactId): ChatCollection {
  return db.messages
    .where(BY_CHAT)
    .between([contactId, Dexie.minKey, Dexie.minKey], [contactId, Dexie.maxKey, Dexie.maxKey], true, true)
}

/** ULIDs are fixed-length Crockford base32, so code-unit order is time order. */
/** Id order (ULIDs: creation order), for rows of messages and of events. */
export function compareById (a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/**
 * The contact, or a throw when it does not exist; for writes that add rows
 * pointing at a contact (here and in transfers.ts). Call it inside the
 * write's transaction.
 *
 * @throws ContactNotFoundError
 */
export async function requireContact (db: ParleyDb, contactId: ContactId): Promise<ContactRow> {
  const contact = await db.contacts.get(contactId)
  if (contact === undefined) {
    throw new ContactNotFoundError('unknownContact', {}, { cause: `No contact with id ${contactId}` })
  }
  return contact
}

/** The chat row of a notice in `contact`'s chat (not stored yet): from the contact, read, never sent; with the chat's timer it disappears like a message. */
export function noticeRow (contact: Pick<ContactRow, 'id' | 'peerId' | 'timer'>, notice: NoticeKind, now: number): MessageRow {
  const row: MessageRow = {
    id: newMessageId(now),
    contactId: contact.id,
    direction: 'in',
    fromPeerId: contact.peerId,
    kind: 'notice',
    body: '',
    sentAt: now,
    receivedAt: now,
    state: 'read',
    readAt: now,
    notice
  }
  return withChatTimer(row, contact.timer?.ttl, now)
}
