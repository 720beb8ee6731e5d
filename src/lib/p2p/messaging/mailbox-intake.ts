/**
 * What the node does with the items it drains from its mailboxes
 * (docs/protocols.md, "Mailboxes", Drain), a batch at a time
 * (mailbox-drain.ts): `prepare` opens every item of a batch at once
 * (WebCrypto, off this thread, where the platform has it) and decodes it;
 * `commit` stores the batch's messages through the inbox in one write and
 * applies its receipts in one write per sender; then the contact hellos
 * (requests and accepts, from anyone: the contact rules decide, as for a live
 * hello) and the replies to ours. Anything that does not open, is not from a
 * contact we exchange messages with (a hello or a group item aside), or is not
 * a chat frame, receipts, a group item, a hello or a reply is dropped and
 * counted, never stored. A session box is opened whoever sealed it; the
 * session it started is kept only with a contact or a group member.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { decodeChatFrame } from '@parley/protocol/chat/codec'
import { decodeContactFrame } from '@parley/protocol/contact/codec'
import { SealError } from '@parley/protocol/mailbox/seal'
import { boxItemId } from '@parley/protocol/session/box'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { noteRefused } from '../../db/blocks.ts'
import { markEventsDelivered } from '../../db/events.ts'
import { MAX_BATCH_ROWS, markDelivered } from '../../db/messages.ts'
import { dropBoxes, sessionTables } from '../../db/sessions.ts'
import { ulidOf } from '@parley/protocol/ulid'
import { mayExchange } from '../contacts/index.ts'
import { SessionUnreadableError, sessionPeerOf } from '../sessions/index.ts'
import { decodeReceipts, payloadType } from './receipts.ts'
import { decodeGroupItem, GROUP_ITEM_TYPES } from '@parley/protocol/group/wire'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow, MessageId } from '../../db/types.ts'
import type { ContactBookPort, ContactHellosPort } from '../kernel/ports/contacts.ts'
import type { ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { Inbox } from './inbox.ts'
import type { DrainSink } from './mailbox-drain.ts'
import type { ChatActionFrame, ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { FetchedItem } from '@parley/protocol/mailbox/codec'
import type { Opened } from '@parley/protocol/mailbox/seal'
import type { PeerId } from '@libp2p/interface'
import type { GroupItem } from '@parley/protocol/group/wire'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { OpenedBox, SessionNoticesPort, SessionsPort } from '../kernel/ports/sessions.ts'

/** Why an item fetched from a mailbox was dropped (never stored as a message). */
export type DropReason = 'unreadable' | 'not-a-contact' | 'malformed' | 'not-ours'

/** What an intake counts, as it happens. */
export interface IntakeCounters {
  dropped(reason: DropReason, detail: unknown): void
  /** a message stored (now, or by an earlier delivery) */
  received(): void
  /** one of our messages marked delivered by a receipt */
  receipt(): void
}

export interface IntakeComponents {
  db: ParleyDb
  inbox: Pick<Inbox, 'receiveMany' | 'receive'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  hellos: Pick<ContactHellosPort, 'receive' | 'settle'>
  /** group items go to the group desk, which checks membership itself (members need not be contacts) */
  groupBook: Pick<GroupBookPort, 'receive' | 'isGroupPeer'>
  /** opens the items in session boxes */
  sessions: SessionsPort
  /** tells a chat whose contact started its session again */
  sessionNotices: SessionNoticesPort
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
  | { kind: 'reply', from: PeerId, contact: ContactRow, status: ContactReplyFrame['status'] }
  | { kind: 'dropped' }

/** The sessions the boxes of `prepared` opened, each with its peer. */
function openedIn (prepared: readonly PreparedItem[]): Array<{ from: PeerId, peer: string, session: OpenedBox }> {
  return prepared.flatMap(item => 'session' in item && item.session !== undefined ? [{ from: item.from, peer: item.from.toString(), session: item.session }] : [])
}

/** How long one group item from a mailbox may take (a sync with its sender included). */
export const GROUP_ITEM_TIMEOUT_MS = 10_000

/** The `type`s of the contact protocol's frames, which a mailbox item may carry too. */
const HELLO_TYPES = new Set(['request', 'accept', 'reply'])

/**
 * The sink of one drain. `stored` gathers, per sender, the ids of the
 * messages stored (now or before), for the receipts sent back after the
 * drain (at most the drain's item count); `requested`, who asked to be our
 * contact and now waits for the user, to be told their request arrived.
 */
export class MailboxIntake implements DrainSink<PreparedItem[]> {
  readonly stored = new Map<ContactId, { contact: ContactRow, ids: string[] }>()
  readonly requested = new Map<ContactId, ContactRow>()
  readonly #components: IntakeComponents
  readonly #opener: { open(sealed: Uint8Array): Promise<Opened> }
  readonly #count: IntakeCounters

  constructor (components: IntakeComponents, opener: { open(sealed: Uint8Array): Promise<Opened> }, counters: IntakeCounters) {
    this.#components = components
    this.#opener = opener
    this.#count = counters
  }

  async prepare (items: FetchedItem[]): Promise<PreparedItem[]> {
    return Promise.all(items.map(async ({ item, storedAt }) => this.#prepareOne(item, storedAt)))
  }

  async #prepareOne (item: Uint8Array, storedAt: number): Promise<PreparedItem> {
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
    if (prepared.kind === 'message' || prepared.kind === 'action' || prepared.kind === 'receipts' || prepared.kind === 'group') return { ...prepared, session }
    session.abandon()
    return prepared
  }

  /**
   * A batch the drain gave up before its commit: it stays on the relay, and
   * the states its boxes opened are let go (read again from the database),
   * so that the next drain opens the same boxes again rather than find their
   * keys used and drop them as copies.
   */
  discard (prepared: PreparedItem[]): void {
    for (const { session } of openedIn(prepared)) session.abandon()
  }

  /** What an item carries, once opened (and unboxed): a box carries chat frames, receipts and group items only. */
  async #prepareOpened (from: PeerId, contact: ContactRow | undefined, payload: Uint8Array, storedAt: number, boxed: boolean): Promise<PreparedItem> {
    const type = payloadType(payload)
    try {
      // anyone may ask (the contact rules refuse the blocked and the declined too often)
      if (!boxed && (type === 'request' || type === 'accept')) return { kind: 'hello', from, hello: decodeContactFrame(payload, 'dialer') }
      // group members need not be contacts: the group desk decides, as for a live request
      // a file's key only in a box
      if (type === GROUP_ITEM_TYPES.ops || type === GROUP_ITEM_TYPES.message) return { kind: 'group', from, request: decodeGroupItem(payload, { boxed }) }
      if (boxed && type !== undefined && HELLO_TYPES.has(type)) throw new Error(`a ${type} in a session box`)
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
    const [message, event] = await Promise.all([db.messages.get(id as MessageId), db.events.get(id)])
    const stored = message ?? event
    if (stored !== undefined) return stored.groupId === undefined && contact !== undefined && mayExchange(contact) ? { kind: 'known', from, contact, id } : { kind: 'dropped' }
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
      if (type === 'reply') return { kind: 'reply', from, contact, status: decodeContactFrame(payload, 'listener').status }
      if (type !== undefined && HELLO_TYPES.has(type)) throw new Error(`a ${type} frame`)
      if (type === 'receipts') return { kind: 'receipts', from, contact, ids: decodeReceipts(payload).ids }
      const frame = decodeChatFrame(payload)
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

  /**
   * Stores the batch's messages (one write; the inbox checks each sender
   * again), then applies its receipts (one write per sender).
   */
  async commit (batches: PreparedItem[][]): Promise<void> {
    const prepared = batches.flat()
    try {
      await this.#commitItems(prepared)
    } catch (err) {
      this.discard(prepared)
      throw err
    }
    const opened = openedIn(prepared)
    if (opened.length === 0) return
    // a session someone started is kept only with a contact or a group member (a stranger's
    // boxes were opened, and what they carried refused, but it leaves no session behind)
    const keep = new Map<string, boolean>()
    for (const { from, peer, session } of opened) {
      if (!session.started || keep.has(peer)) continue
      keep.set(peer, await this.#maySession(from))
    }
    const kept = opened.filter(({ peer }) => keep.get(peer) !== false)
    for (const [peer, yes] of keep) if (!yes) this.#components.sessions.forget(peer)
    if (kept.length === 0) return
    // what the boxes carried is stored: their sessions' new states are kept (sessions/chat-boxes.ts says why after)
    const { db } = this.#components
    await db.transaction('rw', sessionTables(db), async () => { for (const { session } of kept) await session.commit() }).catch((err: unknown) => {
      kept.forEach(({ session }) => { session.abandon() })
      throw err
    })
    for (const peer of new Set(kept.map(({ peer }) => peer))) void this.#components.sessions.ready(peer)
    const restarted = new Set(kept.flatMap(({ peer, session }) => session.replaced ? [peer] : []))
    for (const peer of restarted) await this.#components.sessionNotices.sessionReset(peer)
  }

  /** Whether a session `from` started is kept: it is a contact we exchange messages with, or a member of a group we hold (now that the batch is in). */
  async #maySession (from: PeerId): Promise<boolean> {
    return mayExchange(await this.#components.contactBook.byPeerId(from.toString())) || await this.#components.groupBook.isGroupPeer(from.toString())
  }

  async #commitItems (prepared: PreparedItem[]): Promise<void> {
    const { inbox, db } = this.#components
    const messages: Array<{ from: PeerId, message: ChatMessageFrame, contact: ContactRow, storedAt: number }> = []
    const receipts = new Map<ContactId, { contact: ContactRow, ids: MessageId[] }>()
    for (const item of prepared) {
      if (item.kind === 'message') messages.push(item)
      if (item.kind === 'known') {
        const entry = this.stored.get(item.contact.id) ?? { contact: item.contact, ids: [] }
        entry.ids.push(item.id)
        this.stored.set(item.contact.id, entry)
      }
      if (item.kind !== 'receipts') continue
      const entry = receipts.get(item.contact.id) ?? { contact: item.contact, ids: [] }
      entry.ids.push(...item.ids as MessageId[])
      receipts.set(item.contact.id, entry)
    }
    const outcomes = await inbox.receiveMany(messages)
    messages.forEach(({ from, message, contact }, i) => {
      if (outcomes[i] === 'not-a-contact' || outcomes[i] === 'not-allowed') { // not-allowed: sent during a block; no receipt
        this.#count.dropped('not-a-contact', outcomes[i] === 'not-allowed' ? `${from.toString()}: sent during a block` : from.toString())
        return
      }
      this.#count.received()
      const entry = this.stored.get(contact.id) ?? { contact, ids: [] }
      entry.ids.push(message.id)
      this.stored.set(contact.id, entry)
    })
    await this.#commitActions(prepared)
    await this.#commitGroups(prepared)
    for (const { contact, ids } of receipts.values()) {
      for (let i = 0; i < ids.length; i += MAX_BATCH_ROWS) {
        const part = ids.slice(i, i + MAX_BATCH_ROWS)
        const notOurs = await markEventsDelivered(db, contact.id, await markDelivered(db, contact.id, part))
        // delivered: their boxes are not needed any more
        await dropBoxes(db, contact.peerId, part)
        for (const id of notOurs) this.#count.dropped('not-ours', id)
        for (let n = part.length - notOurs.length; n > 0; n--) this.#count.receipt()
      }
    }
    await this.#commitHellos(prepared)
  }

  /**
   * The message actions of a batch, after its messages (so an action about a
   * message in the same batch finds it), one at a time and in order. Each
   * one taken, or refused for good ('not-allowed'), is acknowledged in the
   * receipts, so that the sender stops sending it.
   */
  async #commitActions (prepared: PreparedItem[]): Promise<void> {
    for (const item of prepared) {
      if (item.kind !== 'action') continue
      const outcome = await this.#components.inbox.receive(item.from, item.frame, { storedAt: item.storedAt })
      if (outcome === 'not-a-contact') {
        this.#count.dropped('not-a-contact', item.from.toString())
        continue
      }
      if (outcome === 'not-allowed') this.#count.dropped('malformed', `a ${item.frame.type} that is not allowed`)
      else this.#count.received()
      const entry = this.stored.get(item.contact.id) ?? { contact: item.contact, ids: [] }
      entry.ids.push(item.frame.id)
      this.stored.set(item.contact.id, entry)
    }
  }

  /**
   * The group items of a batch: operations first (a message names the
   * operations its author held), then messages, each as a live request.
   */
  async #commitGroups (prepared: PreparedItem[]): Promise<void> {
    const items = prepared.filter((item): item is Extract<PreparedItem, { kind: 'group' }> => item.kind === 'group')
    items.sort((a, b) => (a.request.type === 'ops' ? 0 : 1) - (b.request.type === 'ops' ? 0 : 1))
    // items come in the relay's order: one refused for a group not held yet may fit once another
    // item brought it (an invitation listed after a member's operations), so go again while that helps
    let pending = items
    let refused: string[] = []
    for (let pass = 0; pass < 4 && pending.length > 0; pass++) {
      const again: typeof items = []
      refused = []
      for (const item of pending) {
        const reply = await this.#components.groupBook.receive(item.from, item.request, { signal: AbortSignal.timeout(GROUP_ITEM_TIMEOUT_MS) })
        if (reply.type !== 'reject') {
          this.#count.received()
        } else if (reply.reason === 'invalid') {
          this.#count.dropped('malformed', 'a group item that is not valid')
        } else {
          again.push(item)
          refused.push(reply.reason)
        }
      }
      if (again.length === pending.length) break
      pending = again
    }
    for (const reason of refused) this.#count.dropped('not-a-contact', `a group item: ${reason}`)
  }

  /**
   * The hellos and replies of a batch, one at a time and in order, as a live
   * hello or reply would be taken: a request left waiting for the user is
   * answered 'pending' after the drain (`requested`); a reply to our request
   * settles it. A reply from someone we owe no hello is dropped.
   */
  async #commitHellos (prepared: PreparedItem[]): Promise<void> {
    const { hellos, contactBook } = this.#components
    for (const item of prepared) {
      if (item.kind === 'hello') {
        const status = await hellos.receive(item.from, item.hello)
        const contact = await contactBook.byPeerId(item.from.toString())
        if (status === 'pending' && item.hello.type === 'request' && contact != null) this.requested.set(contact.id, contact)
        else if (status === 'refused') this.#count.dropped('not-a-contact', item.from.toString())
      } else if (item.kind === 'reply') {
        const contact = await contactBook.byPeerId(item.from.toString())
        if (contact?.helloPending !== true) {
          this.#count.dropped('not-ours', `a reply from ${item.from.toString()}`)
          continue
        }
        await hellos.settle(contact, item.status)
      }
    }
  }
}
