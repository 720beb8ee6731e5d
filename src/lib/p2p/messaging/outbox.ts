import { peerIdFromString } from '@libp2p/peer-id'
import { errorClass } from '../../contract/errors.ts'
import { getContact } from '../../db/contacts.ts'
import { setWaitingKeys } from '../../db/waiting-keys.ts'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { KeyedSingleFlight } from '@parley/protocol/scheduling/single-flight'
import { mayExchange } from '../contacts/index.ts'
import { bestConnection } from '../kernel/connections.ts'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import { itemFrame, pendingItems, setItemState } from './frames.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow, MessageRow } from '../../db/types.ts'
import type { OutboxItem } from './frames.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { OutboxPort } from '../kernel/ports/messaging.ts'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { ChatService } from './chat-service.ts'
import type { MailboxCourier } from './courier.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, Startable } from '@libp2p/interface'

/** Re-try an unreachable contact after ~2 s, doubling up to 60 s (plus jitter). */
export const OUTBOX_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 60_000 }
/** Delivering a batch over an open connection gives up after this long (plus a second per message). */
export const DELIVERY_TIMEOUT_MS = 15_000
/** At most this many queued messages go out in one stream; the rest follow in the next. */
export const MAX_BATCH_MESSAGES = 100
/** Retries are planned for at most this many contacts at once (the oldest dropped; they retry on the next connect). */
export const MAX_RETRY_TIMERS = 1000

/** The contact's node answered and refused the message (it does not have us as a contact): no mailbox will change that. */
export const RefusedByContactError = errorClass('RefusedByContactError')

/** A message sent the moment it was written (see `Outbox.send`). */
interface FreshMessage {
  connection: Connection
  item: OutboxItem
  /** the row's own DB write */
  stored: Promise<void>
}

export interface OutboxComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { chat: Pick<ChatService, 'deliver'> } }
  /** how a contact is reached (presence's ContactFinder: the DHT when known addresses fail) */
  dialer: ContactDialer
  /** where messages go when the contact cannot be reached: its mailbox relays */
  courier: Pick<MailboxCourier, 'deposit'>
}

/**
 * The outbox: outgoing messages stay in the DB in state queued/sent until
 * the contact acks them. `kick(contactId)` delivers that contact's outbox
 * now: it reuses an open connection or dials the contact, sends in id order
 * over one chat stream and marks each acked message delivered. If the
 * contact is unreachable, what waits goes to its mailbox relays and it is
 * re-tried with bounded exponential back-off; any new connection to it kicks
 * again at once. Runs for one contact never overlap. `send(contact, row,
 * stored)` is the fast path for a message just created: it goes out while
 * its row is still being written.
 */
export class Outbox implements OutboxPort, Startable {
  readonly #components: OutboxComponents
  readonly #log: Logger
  /** one delivery per contact at a time, once more if kicked meanwhile */
  readonly #deliveries: KeyedSingleFlight<ContactId>
  /** contacts whose delivery failed, re-tried with back-off */
  readonly #retries: KeyedRetry<ContactId>
  /**
   * The state writes ("sent", "delivered") of each contact's last delivery,
   * while under way: a delivery ends with its last answer, not with these
   * writes, and the next run that reads the outbox waits for them first. An
   * entry goes once its writes are done (they never reject).
   */
  readonly #writing = new Map<ContactId, Promise<void>>()
  #started = false

  constructor (components: OutboxComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:outbox')
    this.#deliveries = new KeyedSingleFlight<ContactId>({
      run: async (contactId) => this.#run(contactId),
      onError: (contactId, err) => { this.#log.error('delivering the outbox of contact %d failed - %e', contactId, err) }
    })
    this.#retries = new KeyedRetry<ContactId>({ backoff: OUTBOX_BACKOFF, maxKeys: MAX_RETRY_TIMERS, onDue: (contactId) => { this.kick(contactId) } })
  }

  start (): void {
    this.#started = true
  }

  stop (): void {
    this.#started = false
    this.#deliveries.stop()
    this.#retries.stop()
  }

  /** Whether a delivery to `contactId` is under way or waits its turn (a message sent now waits for it: `send`). */
  delivering (contactId: ContactId): boolean {
    return this.#deliveries.running(contactId)
  }

  /** Deliver this contact's outbox as soon as possible. Never throws. */
  kick (contactId: ContactId): void {
    if (!this.#started) return
    this.#retries.cancel(contactId)
    void this.#deliveries.request(contactId)
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
    if (!this.#started) return
    const connection = mayExchange(contact) ? bestConnection(this.#components.libp2p, peerIdFromString(contact.peerId)) : undefined
    if (connection == null || this.delivering(contact.id) || this.#retries.planned(contact.id)) {
      stored.then(() => { this.kick(contact.id) }, () => {})
      return
    }
    void this.#deliveries.request(contact.id, async () => this.#run(contact.id, { connection, item: { table: 'messages', row }, stored }))
  }

  async #run (contactId: ContactId, fresh?: FreshMessage): Promise<void> {
    try {
      const more = fresh == null ? await this.#deliver(contactId) : await this.#deliverFresh(contactId, fresh)
      this.#retries.succeeded(contactId)
      if (more) void this.#deliveries.request(contactId)
    } catch (err) {
      this.#log.error('could not deliver outbox of contact %d - %e', contactId, err)
      // unreachable (not refused): its mailbox relays hold the messages until it is back
      if (!(err instanceof RefusedByContactError)) {
        await this.#deposit(contactId).catch((e: unknown) => { this.#log.error('mailbox deposit for contact %d failed - %e', contactId, e) })
      }
      if (this.#started) this.#retries.failed(contactId)
    }
  }

  /** What waits for `contactId` goes to its mailbox relays. */
  async #deposit (contactId: ContactId): Promise<void> {
    const db = this.#components.db
    // what was acked before the failure is not deposited again
    await this.#writing.get(contactId)
    const contact = await getContact(db, contactId)
    if (contact != null) await this.#components.courier.deposit(contact, await pendingItems(db, contactId))
  }

  /** @returns true when more messages are waiting than fitted in this batch */
  async #deliver (contactId: ContactId): Promise<boolean> {
    const db = this.#components.db
    // what the last delivery acked is marked delivered before the outbox is read again
    await this.#writing.get(contactId)
    const pending = await pendingItems(db, contactId)
    if (pending.length === 0) return false
    const contact = await getContact(db, contactId)
    if (!mayExchange(contact)) return false

    const connection = await this.#components.dialer.connect(contact, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })

    const batch = pending.slice(0, MAX_BATCH_MESSAGES)
    await this.#deliverBatch(contactId, connection, batch, Promise.resolve())
    // they took our items in boxes (their own bundle, once connected): nothing waits for their keys now
    if (contact.waitingKeys === true) await setWaitingKeys(db, contactId, false)
    return pending.length > batch.length
  }

  async #deliverFresh (contactId: ContactId, { connection, item, stored }: FreshMessage): Promise<boolean> {
    await this.#deliverBatch(contactId, connection, [item], stored)
    return false
  }

  /**
   * Sends `batch` over one chat stream; every state change waits for
   * `stored`. Resolves with the last answer: the state writes go on after it
   * (`#writing`), so that a message sent meanwhile finds no delivery running
   * and goes out at once (`send`), rather than after them and a read of the
   * outbox.
   */
  async #deliverBatch (contactId: ContactId, connection: Connection, batch: OutboxItem[], stored: Promise<void>): Promise<void> {
    const db = this.#components.db
    // each state change reads and writes in one transaction and never moves a message backwards,
    // so the order in which they commit does not matter: a "delivered" that commits first wins
    const writes: Array<Promise<unknown>> = []
    const mark = (items: OutboxItem[], state: 'sent' | 'delivered' | 'failed'): void => {
      writes.push(stored
        .then(async () => Promise.all(items.map(async m => setItemState(db, m, state))))
        .catch((err: unknown) => { this.#log.error('could not mark %d message(s) %s - %e', items.length, state, err) }))
    }
    // "sent" = handed to the network; not awaited before sending, to keep an IndexedDB commit off the message's path
    mark(batch.filter(m => m.row.state === 'queued'), 'sent')
    const frames = batch.map(itemFrame)
    const byId = new Map(batch.map(item => [item.row.id as string, item]))
    try {
      await this.#components.libp2p.services.chat.deliver(connection, frames, {
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS + frames.length * 1000),
        onResult: async (result) => {
          const item = byId.get(result.id)
          if (item === undefined) return
          if (result.outcome === 'delivered') {
            mark([item], 'delivered')
          } else if (result.outcome === 'unsupported' || result.reason === 'not-allowed') {
            // their app has no such frame (chat 1.0.0), or refuses this action for good: sending it again changes nothing
            mark([item], 'failed')
          } else {
            // the contact does not (yet) accept us: keep it in the outbox, try again later
            throw new RefusedByContactError('contactRefusedMessage', { id: result.id, reason: result.reason ?? 'unknown reason' })
          }
        }
      })
    } finally {
      const before = this.#writing.get(contactId)
      const done: Promise<void> = Promise.all([before, ...writes]).then(() => {
        if (this.#writing.get(contactId) === done) this.#writing.delete(contactId)
      })
      this.#writing.set(contactId, done)
    }
  }
}
