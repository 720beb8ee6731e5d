/**
 * One item drained from a mailbox, read (docs/protocols.md, "Mailboxes",
 * Drain): opened (its seal says who sent it), unboxed when it came in a
 * session box, and decoded into what it carries, a `PreparedItem` that
 * mailbox-intake.ts stores with the rest of its batch. Reading stores
 * nothing: an item that does not open, is not from a contact we exchange
 * messages with (a hello or a group item aside), or is not a chat frame,
 * receipts, a group item, a hello or a reply is dropped here and counted. A
 * session box is opened whoever sealed it; whether the session it started is
 * kept is the commit's to decide. But opening a box costs a key agreement, so
 * a drain opens at most MAX_STRANGER_BOXES_PER_DRAIN boxes from strangers
 * (neither a contact we exchange messages with nor a group peer); past that
 * their boxes are dropped unopened and counted.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { decodeChatFrame } from '@parley/protocol/chat/codec'
import { decodeContactFrame } from '@parley/protocol/contact/codec'
import { SealError } from '@parley/protocol/mailbox/seal'
import { boxItemId } from '@parley/protocol/session/box'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { ulidOf } from '@parley/protocol/ulid'
import { noteRefused } from '../../db/blocks.ts'
import { ITEM_MAX_AGE_MS, tombstoned, tooOld } from '../../db/tombstones.ts'
import { mayExchange } from '../contacts/index.ts'
import { SessionUnreadableError, sessionPeerOf } from '../sessions/index.ts'
import { decodeReceipts, payloadType } from './receipts.ts'
import { decodeGroupItem, GROUP_ITEM_TYPES } from '@parley/protocol/group/wire'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactRow, MessageId } from '../../db/types.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { ChatActionFrame, ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { Opened } from '@parley/protocol/mailbox/seal'
import type { PeerId } from '@libp2p/interface'
import type { GroupItem } from '@parley/protocol/group/wire'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { OpenedBox, SessionPinsPort, SessionsPort } from '../kernel/ports/sessions.ts'
import type { SyncIntakePort } from '../kernel/ports/sync.ts'

/**
 * Boxes from strangers one drain (of one relay) opens at most. A box from
 * someone who is neither a contact we exchange messages with nor a member of
 * a group we hold is still opened (a new member's group item may come before
 * the invitation, a contact request may come boxed), and each one that
 * starts a session costs a key agreement (PQXDH: an ML-KEM decapsulation and
 * four X25519): anyone could make a drain spend seconds of CPU. Past the
 * bound a stranger's box is dropped unopened (counted as not-a-contact) and
 * deleted: its sender's outbox still holds it, and a live delivery later
 * brings it (a contact request is owed until answered).
 */
export const MAX_STRANGER_BOXES_PER_DRAIN = 32

/**
 * Why an item fetched from a mailbox was dropped (never stored as a message).
 * `replayed`: older than any relay keeps an item (its message id's time, or a
 * hello's), or a hello without a time (db/tombstones.ts). `unboxed`: a chat,
 * group, action or receipts payload outside a session box from a peer that
 * speaks sessions (sessions/pins.ts).
 */
export type DropReason = 'unreadable' | 'not-a-contact' | 'malformed' | 'not-ours' | 'replayed' | 'unboxed'

/** What an intake counts, as it happens. */
export interface IntakeCounters {
  dropped(reason: DropReason, detail: unknown): void
  /** a message stored (now, or by an earlier delivery) */
  received(): void
  /** one of our messages marked delivered by a receipt */
  receipt(): void
}

/** What reading an item needs. */
export interface ItemReaderComponents {
  db: ParleyDb
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  /** opens the items in session boxes */
  sessions: Pick<SessionsPort, 'open'>
  /** whether a box's sender is a group peer (not a stranger) */
  groupBook: Pick<GroupBookPort, 'isGroupPeer'>
  /** who is pinned to boxes: nothing but a hello of theirs is taken outside one */
  sessionPins: Pick<SessionPinsPort, 'pinned' | 'refused'>
  /** our account's other devices: their boxes are opened, and the sync items in them go to the sync feature (absent: none taken) */
  syncIntake?: Pick<SyncIntakePort, 'isSibling'>
}

/**
 * One item of a batch, opened and decoded. `session`: it came in a session
 * box, whose new state is kept once the batch is stored (and forgotten when
 * that fails), as chat 2.0.0 does (sessions/chat-boxes.ts).
 */
export type PreparedItem =
  | { kind: 'message', from: PeerId, contact: ContactRow, message: ChatMessageFrame, storedAt: number, session?: OpenedBox }
  | { kind: 'action', from: PeerId, contact: ContactRow, frame: Exclude<ChatActionFrame, { type: 'typing' }>, storedAt: number, session?: OpenedBox }
  | { kind: 'receipts', from: PeerId, contact: ContactRow, ids: string[], session?: OpenedBox }
  /** a boxed item taken before (its id is stored): only a receipt is owed */
  | { kind: 'known', from: PeerId, contact: ContactRow, id: string }
  | { kind: 'hello', from: PeerId, hello: ContactHelloFrame }
  | { kind: 'group', from: PeerId, request: GroupItem, session?: OpenedBox }
  | { kind: 'reply', from: PeerId, contact: ContactRow, reply: ContactReplyFrame }
  /** a sync item of a sibling device's (p2p/sync), its box's plaintext */
  | { kind: 'sync', from: PeerId, plaintext: Uint8Array, session?: OpenedBox }
  | { kind: 'dropped' }

/** The `type`s of the contact protocol's frames, which a mailbox item may carry too. */
const HELLO_TYPES = new Set(['request', 'accept', 'reply'])

/** Reads the items of one drain, each on its own (the batch's items at once). */
export class MailboxItemReader {
  readonly #components: ItemReaderComponents
  readonly #opener: { open(sealed: Uint8Array): Promise<Opened> }
  readonly #count: Pick<IntakeCounters, 'dropped'>
  /** strangers' boxes this drain has opened (MAX_STRANGER_BOXES_PER_DRAIN) */
  #strangerBoxes = 0

  constructor (components: ItemReaderComponents, opener: { open(sealed: Uint8Array): Promise<Opened> }, counters: Pick<IntakeCounters, 'dropped'>) {
    this.#components = components
    this.#opener = opener
    this.#count = counters
  }

  /** One item, opened and decoded, or `dropped` (and counted); `storedAt`, when its relay took it. */
  async read (item: Uint8Array, storedAt: number): Promise<PreparedItem> {
    let from: PeerId
    let payload: Uint8Array
    try {
      const opened = await this.#opener.open(item)
      from = peerIdFromPublicKey(publicKeyFromRaw(opened.senderPublic))
      payload = opened.payload
    } catch (err) {
      this.#count.dropped('unreadable', err instanceof SealError ? err : new Error('no valid sender key'))
      return { kind: 'dropped' }
    }
    const contact = await this.#components.contactBook.byPeerId(from.toString())
    let session: OpenedBox | undefined
    // a blocked contact's item id is remembered: the same item from their outbox is refused after the unblock
    if (contact?.blocked === true && payload[0] === BOX_VERSION) await this.#refusedWhileBlocked(contact, () => ulidOf(boxItemId(payload)))
    if (payload[0] === BOX_VERSION && !await this.#mayOpen(from, contact)) {
      this.#count.dropped('not-a-contact', `${from.toString()}: a stranger's box past the ${MAX_STRANGER_BOXES_PER_DRAIN} a drain opens`)
      return { kind: 'dropped' }
    }
    if (payload[0] === BOX_VERSION) {
      // opened whoever sent it (the seal says who): a group item may come before the invitation
      // that makes its sender a member; what it carries decides, and `commit` whether it is kept
      const unboxed = await this.#unbox(from, contact, payload)
      if (unboxed.kind !== 'opened') return unboxed
      session = unboxed.session
      payload = unboxed.session.plaintext
    }
    const prepared = await this.#prepareOpened(from, contact, payload, storedAt, session !== undefined)
    if (session === undefined) return prepared
    if (prepared.kind === 'message' || prepared.kind === 'action' || prepared.kind === 'receipts' || prepared.kind === 'group' || prepared.kind === 'sync') return { ...prepared, session }
    session.abandon()
    return prepared
  }

  /** Whether a box from `from` is opened: always from a contact we exchange messages with or a group peer, from a stranger while this drain is under its bound. */
  async #mayOpen (from: PeerId, contact: ContactRow | undefined): Promise<boolean> {
    // asked of every box, so that each item waits here alike (a drain's items are read at once)
    const member = await this.#components.groupBook.isGroupPeer(from.toString())
    if (mayExchange(contact) || member || this.#components.syncIntake?.isSibling(from.toString()) === true) return true
    return ++this.#strangerBoxes <= MAX_STRANGER_BOXES_PER_DRAIN
  }

  /** What an item carries, once opened (and unboxed): a box carries chat frames, receipts and group items only. */
  async #prepareOpened (from: PeerId, contact: ContactRow | undefined, payload: Uint8Array, storedAt: number, boxed: boolean): Promise<PreparedItem> {
    const type = payloadType(payload)
    try {
      // anyone may ask (the contact rules refuse the blocked and the declined too often)
      if (!boxed && (type === 'request' || type === 'accept')) return this.#hello(from, decodeContactFrame(payload, 'dialer'))
      // from a peer that speaks sessions, only hellos and replies come outside a box (no downgrade)
      if (!boxed && type !== 'reply' && await this.#components.sessionPins.pinned(from.toString())) {
        this.#components.sessionPins.refused('mailbox', from.toString(), `a ${type ?? 'payload'} under the static seal alone`)
        this.#count.dropped('unboxed', from.toString())
        return { kind: 'dropped' }
      }
      // group members need not be contacts: the group desk decides, as for a live request
      // a file's key only in a box
      if (type === GROUP_ITEM_TYPES.ops || type === GROUP_ITEM_TYPES.message) return this.#group(from, decodeGroupItem(payload, { boxed }))
      if (boxed && type !== undefined && HELLO_TYPES.has(type)) throw new Error(`a ${type} in a session box`)
      // our own other devices' sync items, in a box only
      if (boxed && type === 'sync' && this.#components.syncIntake?.isSibling(from.toString()) === true) return { kind: 'sync', from, plaintext: payload }
    } catch (err) {
      this.#count.dropped('malformed', err)
      return { kind: 'dropped' }
    }
    const blocked = contact?.blocked === true ? contact : undefined
    if (!mayExchange(contact)) {
      if (blocked !== undefined && !boxed) await this.#refusedWhileBlocked(blocked, () => decodeChatFrame(payload).id)
      this.#count.dropped('not-a-contact', from.toString())
      return { kind: 'dropped' }
    }
    return this.#decode(from, contact, type, payload, storedAt)
  }

  /**
   * A hello from a mailbox must say when it was made, within the time a relay
   * keeps an item (docs/protocols.md, "Freshness"): one without a time could
   * be a replay from any time, so only a live one (which no relay can replay)
   * is taken without it.
   */
  #hello (from: PeerId, hello: ContactHelloFrame): PreparedItem {
    if (hello.time === undefined || hello.time < Date.now() - ITEM_MAX_AGE_MS) {
      this.#count.dropped('replayed', `a ${hello.type} from ${from.toString()} ${hello.time === undefined ? 'without a time' : 'made too long ago'}`)
      return { kind: 'dropped' }
    }
    return { kind: 'hello', from, hello }
  }

  /** A group item; a message older than any relay keeps an item (by its id's time) is a replay. */
  #group (from: PeerId, request: GroupItem): PreparedItem {
    const id = request.type === 'message' ? groupMessageId(request.message.body) : undefined
    if (id !== undefined && tooOld(id, Date.now())) {
      this.#count.dropped('replayed', `a group message of ${from.toString()} made too long ago`)
      return { kind: 'dropped' }
    }
    return { kind: 'group', from, request }
  }

  /** Remembers the id (`id` reads it) of a blocked contact's item: its copy from their outbox is refused after the unblock (db/blocks.ts). */
  async #refusedWhileBlocked (contact: ContactRow, id: () => string): Promise<void> {
    let itemId: string
    try {
      itemId = id()
    } catch {
      return
    }
    await noteRefused(this.#components.db, contact.id, [itemId])
  }

  /**
   * A boxed item: stored before (a receipt is owed for a chat item; a group
   * item owes none), opened, or dropped (and counted) when it does not open.
   */
  async #unbox (from: PeerId, contact: ContactRow | undefined, box: Uint8Array): Promise<{ kind: 'opened', session: OpenedBox } | Extract<PreparedItem, { kind: 'known' | 'dropped' }>> {
    const { db, sessions } = this.#components
    let id: string
    try {
      id = ulidOf(boxItemId(box))
    } catch (err) {
      this.#count.dropped('malformed', err)
      return { kind: 'dropped' }
    }
    const [message, event, gone] = await Promise.all([db.messages.get(id as MessageId), db.events.get(id), tombstoned(db, [id])])
    const stored = message ?? event
    if (stored !== undefined) return stored.groupId === undefined && contact !== undefined && mayExchange(contact) ? { kind: 'known', from, contact, id } : { kind: 'dropped' }
    // expired or deleted here: stays gone (a chat item is acknowledged as stored, as it was)
    if (gone.size > 0) return contact !== undefined && mayExchange(contact) ? { kind: 'known', from, contact, id } : { kind: 'dropped' }
    try {
      return { kind: 'opened', session: await sessions.open(sessionPeerOf(from), box) }
    } catch (err) {
      // its key was used: a copy from another relay of an item opened before. A message or an
      // action was stored then (found above), so this is a payload that stores nothing (receipts)
      // or one refused then: nothing is owed for it (a receipt for receipts would come back as one)
      if (err instanceof SessionUnreadableError && err.reason === 'duplicate') return { kind: 'dropped' }
      this.#count.dropped('unreadable', err)
      return { kind: 'dropped' }
    }
  }

  /** What a payload (opened, and unboxed) from a contact we exchange messages with carries. */
  #decode (from: PeerId, contact: ContactRow, type: string | undefined, payload: Uint8Array, storedAt: number): PreparedItem {
    try {
      if (type === 'reply') return { kind: 'reply', from, contact, reply: decodeContactFrame(payload, 'listener') }
      if (type !== undefined && HELLO_TYPES.has(type)) throw new Error(`a ${type} frame`)
      if (type === 'receipts') return { kind: 'receipts', from, contact, ids: decodeReceipts(payload).ids }
      const frame = decodeChatFrame(payload)
      // a message or an action (an ack's id is of our message): by its own id's time
      if (frame.type !== 'ack' && frame.type !== 'reject' && 'id' in frame && tooOld(frame.id, Date.now())) {
        this.#count.dropped('replayed', `a ${frame.type} of ${from.toString()} made too long ago`)
        return { kind: 'dropped' }
      }
      if (frame.type === 'message') return { kind: 'message', from, contact, message: frame, storedAt }
      if (frame.type === 'ack') return { kind: 'receipts', from, contact, ids: [frame.id] }
      // typing is never put in a mailbox, and a reject answers nothing here
      if (frame.type !== 'typing' && frame.type !== 'reject') return { kind: 'action', from, contact, frame, storedAt }
      this.#count.dropped('malformed', `a ${frame.type} frame`)
    } catch (err) {
      this.#count.dropped('malformed', err)
    }
    return { kind: 'dropped' }
  }
}

/** The message id in a signed group message's body (`frame.id`), read without checking it (the group desk does). */
function groupMessageId (body: string): string | undefined {
  try {
    const value: unknown = JSON.parse(body)
    const frame: unknown = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['frame'] : undefined
    const id: unknown = typeof frame === 'object' && frame !== null ? (frame as Record<string, unknown>)['id'] : undefined
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}
