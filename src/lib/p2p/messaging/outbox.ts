import { peerIdFromString } from '@libp2p/peer-id'
import { errorClass } from '../../contract/errors.ts'
import { getContact } from '../../db/contacts.ts'
import { devicesOf } from '../../db/pending-rows.ts'
import { setWaitingKeys } from '../../db/waiting-keys.ts'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { KeyedSingleFlight } from '@parley/protocol/scheduling/single-flight'
import { mayExchange } from '../contacts/index.ts'
import { bestConnection } from '../kernel/connections.ts'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import { ackItem, failedFor, itemFrame, pendingItems, setItemState } from './frames.ts'
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
/** Retries are planned for at most this many (contact, device) pairs at once (the oldest dropped; they retry on the next connect). */
export const MAX_RETRY_TIMERS = 1000

/** The contact's node answered and refused the message (it does not have us as a contact): no mailbox will change that. */
export const RefusedByContactError = errorClass('RefusedByContactError')

/**
 * One (contact, device) pair of the outbox's maps: `<contact id> <device
 * PeerID>` (a PeerID has no space).
 */
type DeviceKey = string

function keyOf (contactId: ContactId, device: string): DeviceKey {
  return `${contactId} ${device}`
}

function pairOf (key: DeviceKey): { contactId: ContactId, device: string } {
  const space = key.indexOf(' ')
  return { contactId: Number(key.slice(0, space)), device: key.slice(space + 1) }
}

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
  /** how a contact's device is reached, by its PeerID (presence's ContactFinder: the DHT when known addresses fail) */
  dialer: Pick<ContactDialer, 'connect'>
  /** where messages go when a device cannot be reached: its mailbox relays */
  courier: Pick<MailboxCourier, 'deposit'>
}

/**
 * The outbox: outgoing messages and events stay in the DB until every device
 * of the contact acked them (db/pending-devices.ts: the row's
 * `pendingDevices`). It delivers per (contact, device): `kick(contactId)`
 * delivers to each of the contact's devices now (its held device list's,
 * else its PeerID alone), `kick(contactId, device)` to one; each reuses an
 * open connection to that device or dials it (by its PeerID: known
 * addresses, else the DHT), sends what waits for it in id order over one
 * chat stream and takes it off each row the device acks (the row is
 * delivered on the first). If the device is unreachable, what waits for it
 * goes to that device's mailbox relays and it is re-tried with bounded
 * exponential back-off; any new connection to it kicks again at once. Runs
 * for one pair never overlap; pairs run side by side. `send(contact, row,
 * stored)` is the fast path for a message just created: it goes out to each
 * connected device while its row is still being written.
 */
export class Outbox implements OutboxPort, Startable {
  readonly #components: OutboxComponents
  readonly #log: Logger
  /** one delivery per (contact, device) at a time, once more if kicked meanwhile */
  readonly #deliveries: KeyedSingleFlight<DeviceKey>
  /** pairs whose delivery failed, re-tried with back-off */
  readonly #retries: KeyedRetry<DeviceKey>
  /**
   * The state writes ("sent", acks) of each pair's last delivery, while
   * under way: a delivery ends with its last answer, not with these writes,
   * and the next run that reads the outbox waits for them first. An entry
   * goes once its writes are done (they never reject), so there are at most
   * as many as runs.
   */
  readonly #writing = new Map<DeviceKey, Promise<void>>()
  #started = false

  constructor (components: OutboxComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:outbox')
    this.#deliveries = new KeyedSingleFlight<DeviceKey>({
      run: async (key) => this.#run(key),
      onError: (key, err) => { this.#log.error('delivering the outbox of %s failed - %e', key, err) }
    })
    this.#retries = new KeyedRetry<DeviceKey>({ backoff: OUTBOX_BACKOFF, maxKeys: MAX_RETRY_TIMERS, onDue: (key) => { this.#kickDevice(key) } })
  }

  start (): void {
    this.#started = true
  }

  stop (): void {
    this.#started = false
    this.#deliveries.stop()
    this.#retries.stop()
  }

  /** Whether a delivery to `device` of `contactId` is under way or waits its turn (a message sent now waits for it: `send`). */
  delivering (contactId: ContactId, device: string): boolean {
    return this.#deliveries.running(keyOf(contactId, device))
  }

  /** Deliver this contact's outbox to each of its devices (or to `device` alone) as soon as possible. Never throws. */
  kick (contactId: ContactId, device?: string): void {
    if (!this.#started) return
    if (device !== undefined) {
      this.#kickDevice(keyOf(contactId, device))
      return
    }
    getContact(this.#components.db, contactId).then((contact) => {
      if (contact == null) return
      for (const d of devicesOf(contact)) this.#kickDevice(keyOf(contactId, d))
    }, (err: unknown) => { this.#log.error('could not read contact %d to deliver its outbox - %e', contactId, err) })
  }

  #kickDevice (key: DeviceKey): void {
    if (!this.#started) return
    this.#retries.cancel(key)
    void this.#deliveries.request(key)
  }

  /**
   * Delivers `row`, a message just created for `contact`, while its DB write
   * (`stored`) is still under way: to each device of the contact with an
   * open connection where nothing else is being delivered or waiting for a
   * retry, the frame goes out at once, without reading the outbox first. Its
   * state changes (sent, acks) are written only after `stored` resolves.
   * To the other devices it is an ordinary kick once the row is stored.
   * Never throws.
   */
  send (contact: ContactRow, row: MessageRow, stored: Promise<void>): void {
    if (!this.#started) return
    for (const device of devicesOf(contact)) {
      const key = keyOf(contact.id, device)
      const connection = mayExchange(contact) ? bestConnection(this.#components.libp2p, peerIdFromString(device)) : undefined
      if (connection == null || this.#deliveries.running(key) || this.#retries.planned(key)) {
        stored.then(() => { this.#kickDevice(key) }, () => {})
        continue
      }
      void this.#deliveries.request(key, async () => this.#run(key, { connection, item: { table: 'messages', row }, stored }))
    }
  }

  async #run (key: DeviceKey, fresh?: FreshMessage): Promise<void> {
    const { contactId, device } = pairOf(key)
    try {
      const more = fresh == null ? await this.#deliver(contactId, device) : await this.#deliverFresh(contactId, device, fresh)
      this.#retries.succeeded(key)
      if (more) void this.#deliveries.request(key)
    } catch (err) {
      this.#log.error('could not deliver outbox of contact %d to %s - %e', contactId, device, err)
      // unreachable (not refused): its mailbox relays hold the messages until it is back
      if (!(err instanceof RefusedByContactError)) {
        await this.#deposit(contactId, device).catch((e: unknown) => { this.#log.error('mailbox deposit for contact %d to %s failed - %e', contactId, device, e) })
      }
      if (this.#started) this.#retries.failed(key)
    }
  }

  /** What waits for `device` of `contactId` goes to that device's mailbox relays. */
  async #deposit (contactId: ContactId, device: string): Promise<void> {
    const db = this.#components.db
    // what was acked before the failure is not deposited again
    await this.#writing.get(keyOf(contactId, device))
    const contact = await getContact(db, contactId)
    if (contact != null && devicesOf(contact).includes(device)) await this.#components.courier.deposit(contact, await pendingItems(db, contactId, device), device)
  }

  /** @returns true when more messages are waiting than fitted in this batch */
  async #deliver (contactId: ContactId, device: string): Promise<boolean> {
    const db = this.#components.db
    // what the last delivery acked is taken off before the outbox is read again
    await this.#writing.get(keyOf(contactId, device))
    const pending = await pendingItems(db, contactId, device)
    if (pending.length === 0) return false
    const contact = await getContact(db, contactId)
    // a device its newest list no longer names gets nothing (its rows are being let go: db/pending-devices.ts dropDevices)
    if (!mayExchange(contact) || !devicesOf(contact).includes(device)) return false

    const connection = await this.#components.dialer.connect({ peerId: device }, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })

    const batch = pending.slice(0, MAX_BATCH_MESSAGES)
    await this.#deliverBatch(contactId, device, connection, batch, Promise.resolve())
    // they took our items in boxes (their own bundle, once connected): nothing waits for their keys now
    if (contact.waitingKeys === true) await setWaitingKeys(db, contactId, false)
    return pending.length > batch.length
  }

  async #deliverFresh (contactId: ContactId, device: string, { connection, item, stored }: FreshMessage): Promise<boolean> {
    await this.#deliverBatch(contactId, device, connection, [item], stored)
    return false
  }

  /**
   * Sends `batch` to `device` over one chat stream; every state change waits
   * for `stored`. Resolves with the last answer: the state writes go on after
   * it (`#writing`), so that a message sent meanwhile finds no delivery
   * running and goes out at once (`send`), rather than after them and a read
   * of the outbox.
   */
  async #deliverBatch (contactId: ContactId, device: string, connection: Connection, batch: OutboxItem[], stored: Promise<void>): Promise<void> {
    const db = this.#components.db
    const key = keyOf(contactId, device)
    // each state change reads and writes in one transaction and never moves a row backwards,
    // so the order in which they commit does not matter: a "delivered" that commits first wins
    const writes: Array<Promise<unknown>> = []
    const write = (what: string, change: () => Promise<unknown>): void => {
      writes.push(stored.then(change).catch((err: unknown) => { this.#log.error('could not mark %s - %e', what, err) }))
    }
    // "sent" = handed to the network; not awaited before sending, to keep an IndexedDB commit off the message's path
    const queued = batch.filter(m => m.row.state === 'queued')
    if (queued.length > 0) write(`${queued.length} message(s) sent`, async () => Promise.all(queued.map(async m => setItemState(db, m, 'sent'))))
    const frames = batch.map(itemFrame)
    const byId = new Map(batch.map(item => [item.row.id as string, item]))
    try {
      await this.#components.libp2p.services.chat.deliver(connection, frames, {
        signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS + frames.length * 1000),
        onResult: async (result) => {
          const item = byId.get(result.id)
          if (item === undefined) return
          if (result.outcome === 'delivered') {
            write(`${item.row.id} acked by ${device}`, async () => ackItem(db, item, device))
          } else if (result.outcome === 'unsupported' || result.reason === 'not-allowed') {
            // their app has no such frame (chat 1.0.0), or refuses this action for good: sending it again changes nothing
            write(`${item.row.id} refused for good by ${device}`, async () => failedFor(db, item, device))
          } else {
            // the contact does not (yet) accept us: keep it in the outbox, try again later
            throw new RefusedByContactError('contactRefusedMessage', { id: result.id, reason: result.reason ?? 'unknown reason' })
          }
        }
      })
    } finally {
      const before = this.#writing.get(key)
      const done: Promise<void> = Promise.all([before, ...writes]).then(() => {
        if (this.#writing.get(key) === done) this.#writing.delete(key)
      })
      this.#writing.set(key, done)
    }
  }
}
