import { noteRefused, sentDuringBlock } from '../../db/blocks.ts'
import { MAX_BATCH_ROWS, incomingRow, storeIncoming, storeIncomingMany } from '../../db/messages-incoming.ts'
import { mayExchange } from '../contacts/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { IncomingInput } from '../../db/messages-incoming.ts'
import type { ContactId, ContactRow, MessageId, MessageRow } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ActionIntakePort } from '../kernel/ports/actions.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ChatInbox, InboxOutcome } from '../kernel/ports/messaging.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { ChatDialerFrame, ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { AbortOptions, PeerId } from '@libp2p/interface'

export interface InboxComponents {
  db: ParleyDb
  events: ParleyEventTarget
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  transfers: Pick<TransfersPort, 'receive'>
  /** takes the message actions (reactions, edits, deletes, read receipts, timers, typing) */
  actionIntake: ActionIntakePort
}

/**
 * Received messages, from a chat stream or a mailbox: only from contacts we
 * may exchange messages with (contacts/book.ts mayExchange). The tabs hear
 * of a message (`message` event) just before its DB write starts; the ack
 * waits for the write. A file offer goes to the transfers, which store it with its
 * transfer row. Many messages at once (a mailbox drain, `receiveMany`) are
 * stored in one write and told to the tabs once it committed. What a
 * contact sent during a block of theirs (db/blocks.ts) is refused
 * ('not-allowed') and its id remembered, wherever it comes from.
 */
export type ReceiveOutcome = 'stored' | 'duplicate' | 'not-a-contact' | 'not-allowed'

/** Where a frame came from: a mailbox item says when its relay stored it. */
export interface ReceiveOptions extends AbortOptions {
  storedAt?: number
}

/**
 * The row to store for `message` from `contact`, one we may exchange messages
 * with, received now: from the contact's PeerID (its account's) also when a
 * device its device list names sent it (one chat, one person).
 */
function incomingInput (message: ChatMessageFrame, contact: Pick<ContactRow, 'id' | 'peerId'>): IncomingInput {
  const input: IncomingInput = {
    id: message.id as MessageId,
    contactId: contact.id,
    fromPeerId: contact.peerId,
    body: message.text,
    sentAt: message.sentAt,
    receivedAt: Date.now()
  }
  if (message.replyTo !== undefined) input.replyTo = message.replyTo as MessageId
  if (message.ttl !== undefined) input.ttl = message.ttl
  return input
}

export class Inbox implements ChatInbox {
  readonly #components: InboxComponents

  constructor (components: InboxComponents) {
    this.#components = components
  }

  async receive (from: PeerId, message: ChatDialerFrame, options: ReceiveOptions = {}): Promise<InboxOutcome> {
    const { db, events, contactBook, transfers, actionIntake } = this.#components
    const contact = await contactBook.byPeerId(from.toString())
    if (!mayExchange(contact)) return 'not-a-contact'
    if (message.type !== 'typing' && sentDuringBlock(contact, { id: message.id, sentAt: message.sentAt, storedAt: options.storedAt })) {
      await noteRefused(db, contact.id, [message.id])
      return 'not-allowed'
    }
    if (message.type !== 'message') return actionIntake.receive(contact, message)
    const input = incomingInput(message, contact)
    // pulled from the device that offered it (one the contact's list names, or the contact's own)
    if (message.file != null) return transfers.receive({ ...input, file: message.file, device: from.toString() })
    // the tabs hear of it first: starting the write takes Dexie a while, and the
    // announcement does not depend on it (a failed write withdraws it below)
    events.safeDispatchEvent('message', { detail: { kind: 'received', message: incomingRow(input) } })
    const dropped = (): void => { events.safeDispatchEvent('message', { detail: { kind: 'dropped', contactId: contact.id, id: input.id } }) }
    let outcome: 'stored' | 'duplicate'
    try {
      outcome = await storeIncoming(db, input)
    } catch (err) {
      dropped()
      throw err
    }
    // a copy of one stored before, or of one that disappeared (its tombstone): the announcement goes too,
    // or an open chat would show again a message that is no longer stored
    if (outcome === 'duplicate') dropped()
    return outcome
  }

  /**
   * Stores many messages (at most MAX_BATCH_ROWS), in the order given: text
   * messages in one transaction per run between file offers, each file offer
   * through the transfers. Resolves once all are durable, one outcome per
   * message; then tells the tabs the newest stored message of each chat
   * (`message` event, kind 'stored').
   *
   * @throws whatever a write throws (messages before it in the list may be stored)
   */
  async receiveMany (messages: ReadonlyArray<{ from: PeerId, message: ChatMessageFrame, storedAt?: number }>): Promise<ReceiveOutcome[]> {
    if (messages.length > MAX_BATCH_ROWS) throw new RangeError(`at most ${MAX_BATCH_ROWS} messages at once, not ${messages.length}`)
    const { db, events, contactBook, transfers } = this.#components
    const outcomes: ReceiveOutcome[] = []
    const newest = new Map<ContactId, MessageRow>()
    let run: Array<{ index: number, input: IncomingInput }> = []
    const flush = async (): Promise<void> => {
      if (run.length === 0) return
      const results = await storeIncomingMany(db, run.map(r => r.input))
      run.forEach(({ index, input }, i) => {
        const result = results[i] ?? 'duplicate'
        outcomes[index] = result
        if (result !== 'stored') return
        const row = incomingRow(input)
        const before = newest.get(row.contactId)
        if (before === undefined || before.sentAt < row.sentAt || (before.sentAt === row.sentAt && before.id < row.id)) newest.set(row.contactId, row)
      })
      run = []
    }
    try {
      for (const [index, { from, message, storedAt }] of messages.entries()) {
        const contact = await contactBook.byPeerId(from.toString())
        if (!mayExchange(contact)) {
          outcomes[index] = 'not-a-contact'
          continue
        }
        if (sentDuringBlock(contact, { id: message.id, sentAt: message.sentAt, storedAt })) {
          await noteRefused(db, contact.id, [message.id])
          outcomes[index] = 'not-allowed'
          continue
        }
        const input = incomingInput(message, contact)
        if (message.file == null) {
          run.push({ index, input })
          continue
        }
        await flush()
        outcomes[index] = await transfers.receive({ ...input, file: message.file, device: from.toString() })
      }
      await flush()
    } finally {
      // what was stored, also when a later write failed
      if (newest.size > 0) events.safeDispatchEvent('message', { detail: { kind: 'stored', messages: [...newest.values()] } })
    }
    return outcomes
  }
}
