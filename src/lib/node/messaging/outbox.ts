import { peerIdFromString } from '@libp2p/peer-id'
import { getContact } from '../../db/contacts.ts'
import { outbox, setMessageState } from '../../db/messages.ts'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { bestConnection } from '../kernel/connections.ts'
import { CONTACT_CONNECT_TIMEOUT_MS, plainDialer } from '../presence/contact-finder.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow, MessageId, MessageRow } from '../../db/types.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { ContactDialer } from '../presence/contact-finder.ts'
import type { ParleyNode } from '../kernel/libp2p.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { Connection, Logger } from '@libp2p/interface'

/** Re-try an unreachable contact after ~2 s, doubling up to 60 s (plus jitter). */
export const OUTBOX_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 60_000 }
/** Delivering a batch over an open connection gives up after this long (plus a second per message). */
export const DELIVERY_TIMEOUT_MS = 15_000
/** At most this many queued messages go out in one stream; the rest follow in the next. */
export const MAX_BATCH_MESSAGES = 100
/** Retry timers are kept for at most this many contacts at once (oldest dropped; they retry on the next connect). */
export const MAX_RETRY_TIMERS = 1000

/** The contact's node answered and refused the message (it does not have us as a contact): no mailbox will change that. */
export class RefusedByContactError extends Error {
  override name = 'RefusedByContactError'
}

/** A message sent the moment it was written (see `OutboxSender.send`). */
interface FreshMessage {
  connection: Connection
  row: MessageRow
  /** the row's own DB write */
  stored: Promise<void>
}

interface ContactSlot {
  running: boolean
  again: boolean
  attempt: number
  timer?: ReturnType<typeof setTimeout>
}

/**
 * The outbox (DESIGN.md §4): outgoing messages stay in the DB in state
 * queued/sent until the contact acks them. `kick(contactId)` delivers that
 * contact's outbox now: it reuses an open connection or dials the contact,
 * sends in id order over one chat stream and marks each acked message
 * delivered. If the contact is unreachable it is re-tried with bounded
 * exponential back-off; any new connection to it kicks again at once. Runs for
 * one contact never overlap. `send(contact, row, stored)` is the fast path for
 * a message just created: it goes out while its row is still being written.
 * Dials go through a ContactDialer (in the app, ContactFinder: a contact whose
 * known addresses fail is looked up in the DHT).
 */
export class OutboxSender {
  readonly #db: ParleyDb
  readonly #node: ParleyNode
  readonly #log: Logger
  readonly #slots = new Map<ContactId, ContactSlot>()
  readonly #dialer: ContactDialer
  #stopped = false

  /** called (and awaited) after a failed delivery, before the retry is planned: the mailbox takes over */
  readonly #onUndeliverable?: (contactId: ContactId) => Promise<void>

  constructor (db: ParleyDb, node: ParleyNode, onUndeliverable?: (contactId: ContactId) => Promise<void>, dialer: ContactDialer = plainDialer(node)) {
    this.#db = db
    this.#node = node
    this.#onUndeliverable = onUndeliverable
    this.#dialer = dialer
    this.#log = node.logger.forComponent('parley:outbox')
  }

  stop (): void {
    this.#stopped = true
    for (const slot of this.#slots.values()) clearTimeout(slot.timer)
    this.#slots.clear()
  }

  /** Deliver this contact's outbox as soon as possible. Never throws. */
  kick (contactId: ContactId): void {
    if (this.#stopped) return
    const slot = this.#slot(contactId)
    clearTimeout(slot.timer)
    slot.timer = undefined
    if (slot.running) {
      slot.again = true
      return
    }
    this.#start(contactId, slot)
  }

  /**
   * Delivers `row`, a message just created for `contact`, while its DB write
   * (`stored`) is still under way: when a connection to the contact is open
   * and nothing else is being delivered or waiting for a retry there, the
   * frame goes out at once, without reading the outbox first. Its state
   * changes (sent, delivered) are written only after `stored` resolves.
   * Otherwise it is an ordinary `kick` once the row is stored. Never throws.
   */
  send (contact: ContactRow, row: MessageRow, stored: Promise<void>): void {
    if (this.#stopped) return
    const slot = this.#slot(contact.id)
    const connection = mayReceive(contact) ? bestConnection(this.#node, peerIdFromString(contact.peerId)) : undefined
    if (connection == null || slot.running || slot.timer != null) {
      stored.then(() => { this.kick(contact.id) }, () => {})
      return
    }
    this.#start(contact.id, slot, { connection, row, stored })
  }

  #start (contactId: ContactId, slot: ContactSlot, fresh?: FreshMessage): void {
    slot.running = true
    void this.#run(contactId, slot, fresh).finally(() => {
      slot.running = false
      if (slot.again && !this.#stopped) {
        slot.again = false
        this.kick(contactId)
      }
    })
  }

  #slot (contactId: ContactId): ContactSlot {
    let slot = this.#slots.get(contactId)
    if (slot == null) {
      if (this.#slots.size >= MAX_RETRY_TIMERS) {
        const [oldestId, oldest] = this.#slots.entries().next().value as [ContactId, ContactSlot]
        if (!oldest.running) {
          clearTimeout(oldest.timer)
          this.#slots.delete(oldestId)
        }
      }
      slot = { running: false, again: false, attempt: 0 }
      this.#slots.set(contactId, slot)
    }
    return slot
  }

  async #run (contactId: ContactId, slot: ContactSlot, fresh?: FreshMessage): Promise<void> {
    try {
      const more = fresh == null ? await this.#deliver(contactId) : await this.#deliverFresh(fresh)
      slot.attempt = 0
      if (more) slot.again = true
    } catch (err) {
      this.#log.error('could not deliver outbox of contact %d - %e', contactId, err)
      // unreachable (not refused): its mailbox relays hold the messages until it is back
      if (!(err instanceof RefusedByContactError)) {
        await this.#onUndeliverable?.(contactId).catch((e: unknown) => { this.#log.error('mailbox deposit for contact %d failed - %e', contactId, e) })
      }
      this.#retryLater(contactId, slot)
    }
  }

  #retryLater (contactId: ContactId, slot: ContactSlot): void {
    if (this.#stopped) return
    const delay = backoffDelay(slot.attempt, OUTBOX_BACKOFF)
    slot.attempt++
    slot.timer = setTimeout(() => {
      slot.timer = undefined
      this.kick(contactId)
    }, delay)
  }

  /** @returns true when more messages are waiting than fitted in this batch */
  async #deliver (contactId: ContactId): Promise<boolean> {
    const pending = await outbox(this.#db, contactId)
    if (pending.length === 0) return false
    const contact = await getContact(this.#db, contactId)
    if (contact == null || !mayReceive(contact)) return false

    const connection = await this.#dialer.connect(contact, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })

    const batch = pending.slice(0, MAX_BATCH_MESSAGES)
    await this.#deliverBatch(connection, batch, Promise.resolve())
    return pending.length > batch.length
  }

  async #deliverFresh ({ connection, row, stored }: FreshMessage): Promise<boolean> {
    await this.#deliverBatch(connection, [row], stored)
    return false
  }

  /** Sends `batch` over one chat stream; every state change waits for `stored`. */
  async #deliverBatch (connection: Connection, batch: MessageRow[], stored: Promise<void>): Promise<void> {
    // "sent" = handed to the network. Not awaited before sending, to keep an
    // IndexedDB commit off the message's path: each state change reads and
    // writes in one transaction and never moves a message backwards, so a
    // "delivered" that commits first simply wins.
    const markedSent = stored
      .then(async () => Promise.all(batch.filter(m => m.state === 'queued').map(async m => setMessageState(this.#db, m.id, 'sent'))))
      .catch((err: unknown) => { this.#log.error('could not mark messages sent - %e', err) })
    const frames: ChatMessageFrame[] = batch.map(m => m.file == null
      ? { type: 'message', id: m.id, text: m.body, sentAt: m.sentAt }
      : { type: 'message', id: m.id, text: m.body, sentAt: m.sentAt, file: m.file })
    try {
      await this.#node.services.chat.deliver(connection, frames, {
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS + frames.length * 1000),
        onResult: async (result) => {
          if (result.outcome === 'delivered') {
            await stored
            await setMessageState(this.#db, result.id as MessageId, 'delivered')
          } else {
            // the contact does not (yet) accept us: keep it in the outbox, try again later
            throw new RefusedByContactError(`contact refused message ${result.id}: ${result.reason ?? 'unknown reason'}`)
          }
        }
      })
    } finally {
      await markedSent
    }
  }
}

/** Messages go only to contacts we accepted or asked, never to blocked, declined or deleted ones. */
function mayReceive (contact: ContactRow): boolean {
  return !contact.blocked && (contact.state === 'accepted' || contact.state === 'requested')
}
