/**
 * Offline delivery through relay-nodes' mailboxes (docs/protocols.md,
 * "Mailboxes"). Outgoing: messages a contact could not take directly are
 * sealed to it and deposited on its mailbox relays (the relays its circuit
 * addresses go through, at most MAX_MAILBOX_RELAYS); once one relay holds a
 * message it is 'stored'. Incoming: the node drains its own relays' mailboxes,
 * opens each item, drops (and counts) anything that does not open, is not
 * from an accepted contact or is not a chat frame, stores messages through the
 * same inbox as direct chat (so each id is stored once), answers each with an
 * ack sealed back to the sender's relays, and deletes what it processed from
 * the relay. Acks arriving this way mark our messages delivered.
 */
import { circuitRelayAddress, circuitRelayId } from '@parley/protocol/multiaddr'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { sha256 } from '@noble/hashes/sha2.js'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { MAX_IDS, MAX_ITEM_BYTES, MailboxRefusedError } from '@parley/protocol/mailbox/codec'
import { setMessageState } from '../../db/messages.ts'
import { ULID_PATTERN, decodeChatFrame, encodeChatFrame } from '@parley/protocol/chat/codec'
import { SealError, open, seal } from '@parley/protocol/mailbox/seal'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { mayExchange } from '../contacts/book.ts'
import { messageFrame } from './frames.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow, MessageId, MessageRow } from '../../db/types.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { Identity } from '../identity/identity.ts'
import type { RelayList } from '../relays/relay-list.ts'
import type { ChatInbox } from './chat-service.ts'
import type { ChatFrame } from '@parley/protocol/chat/codec'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

/** A message is deposited on at most this many of the contact's relays. */
export const MAX_MAILBOX_RELAYS = 3
/** One mailbox request (dial included) gives up after this long. */
export const MAILBOX_REQUEST_TIMEOUT_MS = 10_000
/** Ids listed per LIST request while draining. */
const LIST_PAGE = 64
/** Ids fetched per FETCH request (64 × 160 KiB stays near the relay's 1 MiB reply). */
const FETCH_BATCH = 8
/** Items processed per drain of one relay, so that a drain always ends. */
export const MAX_DRAIN_ITEMS = 5000

/** Why an item fetched from a mailbox was dropped (never stored as a message). */
export type DropReason = 'unreadable' | 'not-a-contact' | 'malformed' | 'not-ours'

export interface CourierStats {
  deposited: number
  received: number
  receipts: number
  dropped: Record<DropReason, number>
}

/** Our relays' mailboxes are looked at this often while the node runs (besides on every relay or contact connection). */
export const MAILBOX_DRAIN_INTERVAL_MS = 30_000

export interface CourierComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'peerId' | 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  identity: Pick<Identity, 'privateKey'>
  inbox: ChatInbox
  contactBook: Pick<ContactBook, 'byPeerId'>
  /** our own relays (full multiaddrs ending in /p2p/<relay>) */
  relayList: Pick<RelayList, 'active'>
}

/** The 16-byte mailbox id of a message: its ULID's 128 bits (so a re-deposit is recognised). */
export function ulidBytes (ulid: string): Uint8Array {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  let value = 0n
  for (const char of ulid) {
    const digit = alphabet.indexOf(char)
    if (digit < 0) throw new Error(`not a ULID: ${ulid}`)
    value = value * 32n + BigInt(digit)
  }
  const out = new Uint8Array(16)
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(value & 0xffn)
    value >>= 8n
  }
  return out
}

/** Most message ids in one receipts item. */
export const MAX_RECEIPT_IDS = 64

/**
 * A mailbox payload that is not a chat frame: the ids of messages the
 * recipient has stored, sent back to their sender in one item.
 */
export interface ReceiptsPayload { type: 'receipts', ids: string[] }

/** The mailbox id of a receipts item: its own id space, so it never collides with a message's. */
export function receiptsId (messageIds: string[]): Uint8Array {
  return sha256(new TextEncoder().encode(`parley/mailbox/receipts/${messageIds.join(',')}`)).subarray(0, 16)
}

/** Decodes a receipts payload; throws when it is not exactly one. */
export function decodeReceipts (payload: Uint8Array): ReceiptsPayload {
  const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
  const { type, ids, ...rest } = (value ?? {}) as Record<string, unknown>
  if (type !== 'receipts' || Object.keys(rest).length > 0 || !Array.isArray(ids) || ids.length < 1 || ids.length > MAX_RECEIPT_IDS ||
      !ids.every((id): id is string => typeof id === 'string' && ULID_PATTERN.test(id)) || new Set(ids).size !== ids.length) {
    throw new Error(`not a receipts payload of 1 to ${MAX_RECEIPT_IDS} distinct message ids`)
  }
  return { type, ids }
}

/**
 * The relays a contact's circuit addresses go through, one dialable address
 * each (`<relay address>/p2p/<relay>`), in the order first listed, at most
 * MAX_MAILBOX_RELAYS.
 */
export function mailboxRelaysOf (contact: Pick<ContactRow, 'addresses'>): string[] {
  const byRelay = new Map<string, string>()
  for (const address of contact.addresses) {
    const relay = circuitRelayAddress(address)
    const relayId = relay === undefined ? undefined : circuitRelayId(address)
    if (relay === undefined || relayId === undefined || byRelay.has(relayId)) continue
    byRelay.set(relayId, relay)
    if (byRelay.size >= MAX_MAILBOX_RELAYS) break
  }
  return [...byRelay.values()]
}

/** The `type` of a JSON payload, if it has a string one. */
function typeOf (payload: Uint8Array): string | undefined {
  try {
    const value: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload))
    const type = (value as { type?: unknown } | null)?.type
    return typeof type === 'string' ? type : undefined
  } catch {
    return undefined
  }
}

/**
 * The node's side of the mailboxes. Drains whenever a relay of ours
 * connects, when a contact comes online (it may have left receipts there),
 * and every MAILBOX_DRAIN_INTERVAL_MS.
 */
export class MailboxCourier implements Startable {
  readonly #components: CourierComponents
  readonly #log: Logger
  readonly #stats: CourierStats = { deposited: 0, received: 0, receipts: 0, dropped: { unreadable: 0, 'not-a-contact': 0, malformed: 0, 'not-ours': 0 } }
  /** one drain at a time; a request during a drain runs once more after it */
  readonly #draining: SingleFlight
  #timer?: ReturnType<typeof setInterval>
  #ownKeys?: { secret: Uint8Array, multihash: Uint8Array }

  constructor (components: CourierComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:mailbox')
    this.#draining = new SingleFlight(async () => this.#drainAll(), (err) => { this.#log.error('draining the mailboxes failed - %e', err) })
  }

  start (): void {
    this.#components.libp2p.addEventListener('peer:connect', this.#onConnect)
    this.#timer = setInterval(() => { void this.drain() }, MAILBOX_DRAIN_INTERVAL_MS)
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('peer:connect', this.#onConnect)
    clearInterval(this.#timer)
    this.#draining.stop()
  }

  /** A relay of ours connected, or a contact did (it may have left receipts there): drain. */
  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    const id = evt.detail.toString()
    if (this.#components.relayList.active().some(r => r.endsWith(`/p2p/${id}`))) {
      void this.drain()
      return
    }
    void this.#components.contactBook.byPeerId(id).then((contact) => { if (contact != null) void this.drain() }, () => {})
  }

  /** Our secret key's 32 bytes (the seal's key agreement) and our multihash, which items are sealed to. */
  #keys (): { secret: Uint8Array, multihash: Uint8Array } {
    this.#ownKeys ??= { secret: this.#components.identity.privateKey().raw.subarray(0, 32), multihash: this.#components.libp2p.peerId.toMultihash().bytes }
    return this.#ownKeys
  }

  get stats (): CourierStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } }
  }

  async #connect (relay: string): Promise<Connection> {
    return this.#components.libp2p.dial(multiaddr(relay), { signal: AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS) })
  }

  /** Seals `payload` to `to` and deposits it on its mailbox relays; resolves how many relays hold it. */
  async #depositPayload (to: ContactRow, id: Uint8Array, payload: Uint8Array): Promise<number> {
    const recipient = peerIdFromString(to.peerId)
    if (recipient.publicKey == null) return 0
    const item = seal(payload, { senderSecret: this.#keys().secret, recipientPublic: recipient.publicKey.raw, recipientMultihash: recipient.toMultihash().bytes })
    if (item.byteLength > MAX_ITEM_BYTES) throw new Error(`a sealed message of ${item.byteLength} bytes is over the mailbox limit of ${MAX_ITEM_BYTES}`)
    const results = await Promise.allSettled(mailboxRelaysOf(to).map(async (relay) => {
      const connection = await this.#connect(relay)
      await mailboxRequest(connection, { op: 'deposit', id, recipient: recipient.toMultihash().bytes, item }, { signal: AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS) })
    }))
    for (const result of results) {
      if (result.status === 'rejected') this.#log('deposit for %s failed - %e', to.peerId, result.reason)
    }
    return results.filter(r => r.status === 'fulfilled').length
  }

  /**
   * Deposits messages for `contact` that no relay holds yet (state queued or
   * sent) and marks each one a relay took 'stored'. Returns the ids stored.
   */
  async deposit (contact: ContactRow, rows: MessageRow[]): Promise<MessageId[]> {
    const stored: MessageId[] = []
    for (const row of rows) {
      if (row.direction !== 'out' || (row.state !== 'queued' && row.state !== 'sent')) continue
      if (await this.#depositPayload(contact, ulidBytes(row.id), encodeChatFrame(messageFrame(row))) === 0) break
      this.#stats.deposited++
      await setMessageState(this.#components.db, row.id, 'stored')
      stored.push(row.id)
    }
    return stored
  }

  /**
   * Fetches what our relays hold for us, stores it, acks it back and deletes
   * it from the relays. Runs one at a time; never throws.
   */
  async drain (): Promise<void> {
    return this.#draining.request()
  }

  async #drainAll (): Promise<void> {
    await Promise.all(this.#components.relayList.active().map(async relay => this.#drainRelay(relay).catch((err: unknown) => {
      this.#log('could not drain the mailbox at %s - %e', relay, err)
    })))
  }

  async #drainRelay (relay: string): Promise<void> {
    const relayId = /\/p2p\/([^/]+)$/.exec(relay)?.[1]
    // drain only relays we are connected to: the others are down, or not yet dialled
    if (relayId == null || this.#components.libp2p.getConnections(peerIdFromString(relayId)).length === 0) return
    const connection = await this.#connect(relay)
    const signal = (): AbortSignal => AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS)
    let processed = 0
    let after: Uint8Array | undefined
    for (;;) {
      const page = await mailboxRequest(connection, after == null ? { op: 'list', limit: LIST_PAGE } : { op: 'list', limit: LIST_PAGE, after }, { signal: signal() })
      const ids = page.items.map(i => i.id)
      // the ids of messages stored from this page, by sender: sent back in one receipts item each
      const receipts = new Map<ContactId, { contact: ContactRow, ids: string[] }>()
      for (let i = 0; i < ids.length; i += FETCH_BATCH) {
        const batch = ids.slice(i, i + FETCH_BATCH)
        const fetched = await mailboxRequest(connection, { op: 'fetch', ids: batch }, { signal: signal() })
        const done: Uint8Array[] = []
        for (const { id, item } of fetched.items) {
          const stored = await this.#receive(item)
          if (stored != null) {
            const entry = receipts.get(stored.contact.id) ?? { contact: stored.contact, ids: [] }
            entry.ids.push(stored.id)
            receipts.set(stored.contact.id, entry)
          }
          done.push(id)
        }
        // processed ones go, whether stored or dropped; a missing one was deleted or expired meanwhile
        for (let j = 0; j < done.length; j += MAX_IDS) {
          await mailboxRequest(connection, { op: 'delete', ids: done.slice(j, j + MAX_IDS) }, { signal: signal() })
        }
        processed += done.length
      }
      await this.#sendReceipts([...receipts.values()])
      if (!page.more || ids.length === 0 || processed >= MAX_DRAIN_ITEMS) return
      after = ids[ids.length - 1]
    }
  }

  #drop (reason: DropReason, detail: unknown): void {
    this.#stats.dropped[reason]++
    this.#log('dropped a mailbox item (%s) - %s', reason, detail instanceof Error ? detail.message : String(detail))
  }

  /**
   * The receipts go back the way the messages came, one item per sender and
   * page; if no relay of theirs takes it, a later direct delivery acks again.
   */
  async #sendReceipts (batches: Array<{ contact: ContactRow, ids: string[] }>): Promise<void> {
    for (const { contact, ids } of batches) {
      for (let i = 0; i < ids.length; i += MAX_RECEIPT_IDS) {
        const part = ids.slice(i, i + MAX_RECEIPT_IDS)
        const payload: ReceiptsPayload = { type: 'receipts', ids: part }
        await this.#depositPayload(contact, receiptsId(part), new TextEncoder().encode(JSON.stringify(payload)))
          .catch((err: unknown) => { this.#log('could not send receipts to %s - %e', contact.peerId, err) })
      }
    }
  }

  /** Marks our messages to `contact` delivered; ids of messages we did not send it are dropped (counted). */
  async #applyReceipts (contact: ContactRow, ids: string[]): Promise<void> {
    for (const id of ids) {
      const row = await this.#components.db.messages.get(id as MessageId)
      if (row == null || row.direction !== 'out' || row.contactId !== contact.id) {
        this.#drop('not-ours', id)
        continue
      }
      this.#stats.receipts++
      await setMessageState(this.#components.db, row.id, 'delivered')
    }
  }

  /**
   * Opens one item and stores or applies what it carries. Resolves the
   * message stored (now or before), for its receipt.
   */
  async #receive (item: Uint8Array): Promise<{ contact: ContactRow, id: string } | undefined> {
    let from: PeerId
    let payload: Uint8Array
    try {
      const { secret, multihash } = this.#keys()
      const opened = open(item, secret, multihash)
      from = peerIdFromPublicKey(publicKeyFromRaw(opened.senderPublic))
      payload = opened.payload
    } catch (err) {
      this.#drop('unreadable', err instanceof SealError ? err : new Error('no valid sender key'))
      return undefined
    }
    const contact = await this.#components.contactBook.byPeerId(from.toString())
    if (!mayExchange(contact)) {
      this.#drop('not-a-contact', from.toString())
      return undefined
    }
    let frame: ChatFrame | ReceiptsPayload
    try {
      frame = typeOf(payload) === 'receipts' ? decodeReceipts(payload) : decodeChatFrame(payload)
    } catch (err) {
      this.#drop('malformed', err)
      return undefined
    }
    if (frame.type === 'message') {
      const result = await this.#components.inbox.receive(from, frame, { signal: AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS) })
      if (result === 'not-a-contact') {
        this.#drop('not-a-contact', from.toString())
        return undefined
      }
      this.#stats.received++
      return { contact, id: frame.id }
    }
    if (frame.type === 'receipts') {
      await this.#applyReceipts(contact, frame.ids)
      return undefined
    }
    if (frame.type === 'ack') {
      await this.#applyReceipts(contact, [frame.id])
      return undefined
    }
    this.#drop('malformed', `a ${frame.type} frame`)
    return undefined
  }

  /** True when a relay refused because the item can never be stored there (not a transient failure). */
  static isPermanent (err: unknown): boolean {
    return err instanceof MailboxRefusedError && (err.code === 'bad-request' || err.code === 'too-large')
  }
}
