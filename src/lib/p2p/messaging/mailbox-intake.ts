/**
 * What the node does with the items it drains from its mailboxes
 * (docs/protocols.md, "Mailboxes", Drain), a batch at a time
 * (mailbox-drain.ts): `prepare` reads every item of a batch at once
 * (mailbox-items.ts: opened with WebCrypto, off this thread, where the
 * platform has it, and decoded); `commit` stores the batch's messages through
 * the inbox in one write and applies its receipts in one write per sender;
 * then the contact hellos (requests and accepts, from anyone: the contact
 * rules decide, as for a live hello) and the replies to ours. What was not
 * dropped while read may still be refused here (the inbox checks each sender
 * again) and is counted then. The session a box started is kept only with a
 * contact or a group member.
 */
import Dexie from 'dexie'
import { MAX_BATCH_ROWS } from '../../db/messages-incoming.ts'
import { ackFromDevice } from '../../db/pending-devices.ts'
import { dropBoxes, sessionTables } from '../../db/sessions.ts'
import { contactReply } from '@parley/protocol/contact/codec'
import { mayExchange } from '../contacts/index.ts'
import { MailboxItemReader } from './mailbox-items.ts'
import type { ContactId, ContactRow } from '../../db/types.ts'
import type { ContactHellosPort } from '../kernel/ports/contacts.ts'
import type { ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { Inbox } from './inbox.ts'
import type { DrainSink } from './mailbox-drain.ts'
import type { IntakeCounters, ItemReaderComponents, PreparedItem } from './mailbox-items.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { FetchedItem } from '@parley/protocol/mailbox/codec'
import type { Opened } from '@parley/protocol/mailbox/seal'
import type { PeerId } from '@libp2p/interface'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { OpenedBox, SessionNoticesPort, SessionsPort } from '../kernel/ports/sessions.ts'
import type { SyncIntakePort } from '../kernel/ports/sync.ts'

export interface IntakeComponents extends ItemReaderComponents {
  inbox: Pick<Inbox, 'receiveMany' | 'receive'>
  hellos: Pick<ContactHellosPort, 'receive' | 'settle'>
  /** group items go to the group desk, which checks membership itself (members need not be contacts) */
  groupBook: Pick<GroupBookPort, 'receive' | 'isGroupPeer'>
  /** opens the items in session boxes, keeps or forgets the sessions they started */
  sessions: SessionsPort
  /** tells a chat whose contact started its session again */
  sessionNotices: SessionNoticesPort
  /** takes our other devices' sync items (absent: none taken) */
  syncIntake?: SyncIntakePort
}

/** The sessions the boxes of `prepared` opened, each with its peer. */
function openedIn (prepared: readonly PreparedItem[]): Array<{ from: PeerId, peer: string, session: OpenedBox }> {
  return prepared.flatMap(item => 'session' in item && item.session !== undefined ? [{ from: item.from, peer: item.from.toString(), session: item.session }] : [])
}

/** How long one group item from a mailbox may take (a sync with its sender included). */
export const GROUP_ITEM_TIMEOUT_MS = 10_000

/**
 * The sink of one drain. `stored` gathers, per sending device (its
 * PeerID: the contact's own, or one its device list names), the ids of the
 * messages stored (now or before), for the receipts sent back to that device
 * after the drain (at most the drain's item count); `requested`, who asked to be our
 * contact and now waits for the user, with the reply that tells them their
 * request arrived.
 */
export class MailboxIntake implements DrainSink<PreparedItem[]> {
  readonly stored = new Map<string, { contact: ContactRow, from: string, ids: string[] }>()
  readonly requested = new Map<ContactId, { contact: ContactRow, reply: ContactReplyFrame }>()
  readonly #components: IntakeComponents
  readonly #reader: MailboxItemReader
  readonly #count: IntakeCounters

  constructor (components: IntakeComponents, opener: { open(sealed: Uint8Array): Promise<Opened> }, counters: IntakeCounters) {
    this.#components = components
    this.#reader = new MailboxItemReader(components, opener, counters)
    this.#count = counters
  }

  async prepare (items: FetchedItem[]): Promise<PreparedItem[]> {
    return Promise.all(items.map(async ({ item, storedAt }) => this.#reader.read(item, storedAt)))
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
    // all at once: after a peer's first, its boxes' commits write nothing (sessions/opened-box.ts);
    // their Dexie promises awaited as such, so that the transaction's zone holds (db/sessions.ts, putSessions)
    await db.transaction('rw', sessionTables(db), () => Dexie.Promise.all(kept.map(({ session }) => session.commit()))).catch((err: unknown) => {
      kept.forEach(({ session }) => { session.abandon() })
      throw err
    })
    for (const peer of new Set(kept.map(({ peer }) => peer))) void this.#components.sessions.ready(peer)
    const restarted = new Set(kept.flatMap(({ peer, session }) => session.replaced ? [peer] : []))
    for (const peer of restarted) await this.#components.sessionNotices.sessionReset(peer)
  }

  /** Whether a session `from` started is kept: it is a contact we exchange messages with, or a member of a group we hold (now that the batch is in). */
  async #maySession (from: PeerId): Promise<boolean> {
    return mayExchange(await this.#components.contactBook.byPeerId(from.toString())) || await this.#components.groupBook.isGroupPeer(from.toString()) ||
      this.#components.syncIntake?.isSibling(from.toString()) === true
  }

  async #commitItems (prepared: PreparedItem[]): Promise<void> {
    const { inbox, db } = this.#components
    const messages: Array<{ from: PeerId, message: ChatMessageFrame, contact: ContactRow, storedAt: number }> = []
    // per sending device: a receipt says which of our items that device holds
    const receipts = new Map<string, { contact: ContactRow, from: string, ids: string[] }>()
    for (const item of prepared) {
      if (item.kind === 'message') messages.push(item)
      if (item.kind === 'known') this.#owe(item.contact, item.from, item.id)
      if (item.kind !== 'receipts') continue
      const from = item.from.toString()
      const entry = receipts.get(from) ?? { contact: item.contact, from, ids: [] }
      entry.ids.push(...item.ids)
      receipts.set(from, entry)
    }
    const outcomes = await inbox.receiveMany(messages)
    messages.forEach(({ from, message, contact }, i) => {
      if (outcomes[i] === 'not-a-contact' || outcomes[i] === 'not-allowed') { // not-allowed: sent during a block; no receipt
        this.#count.dropped('not-a-contact', outcomes[i] === 'not-allowed' ? `${from.toString()}: sent during a block` : from.toString())
        return
      }
      this.#count.received()
      this.#owe(contact, from, message.id)
    })
    await this.#commitActions(prepared)
    await this.#commitGroups(prepared)
    await this.#commitSync(prepared)
    for (const { contact, from, ids } of receipts.values()) {
      for (let i = 0; i < ids.length; i += MAX_BATCH_ROWS) {
        const part = ids.slice(i, i + MAX_BATCH_ROWS)
        // that device no longer waits for them (db/pending-devices.ts); the first device's receipt makes them delivered
        const notOurs = await ackFromDevice(db, contact.id, from, part)
        // delivered: their boxes for that device are not needed any more
        await dropBoxes(db, from, part)
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
      this.#owe(item.contact, item.from, item.frame.id)
    }
  }

  /** A receipt for item `id` is owed to `from`, the device of `contact` that sent it. */
  #owe (contact: ContactRow, from: PeerId, id: string): void {
    const key = from.toString()
    const entry = this.stored.get(key) ?? { contact, from: key, ids: [] }
    entry.ids.push(id)
    this.stored.set(key, entry)
  }

  /** Our other devices' sync items, in the relay's order (the order they were deposited in). */
  async #commitSync (prepared: PreparedItem[]): Promise<void> {
    for (const item of prepared) {
      if (item.kind !== 'sync') continue
      const outcome = await this.#components.syncIntake?.take(item.from.toString(), item.plaintext)
      if (outcome === 'taken') this.#count.received()
      else this.#count.dropped('malformed', 'a sync item that is not valid')
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
        if (status === 'pending' && item.hello.type === 'request' && contact != null) this.requested.set(contact.id, { contact, reply: contactReply(item.hello, 'pending') })
        else if (status === 'refused') this.#count.dropped('not-a-contact', item.from.toString())
      } else if (item.kind === 'reply') {
        const contact = await contactBook.byPeerId(item.from.toString())
        if (contact?.helloPending !== true) {
          this.#count.dropped('not-ours', `a reply from ${item.from.toString()}`)
          continue
        }
        await hellos.settle(contact, item.reply)
      }
    }
  }
}
