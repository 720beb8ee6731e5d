/**
 * Offline delivery through relay-nodes' mailboxes (docs/protocols.md,
 * "Mailboxes"). Outgoing: messages a contact could not take directly are
 * sealed to it and deposited on its mailbox relays (the relays its circuit
 * addresses go through, at most MAX_MAILBOX_RELAYS); once one relay holds a
 * message it is 'stored'. Incoming: the node drains its own relays' mailboxes
 * in batches (mailbox-drain.ts), opens each item (mailbox-items.ts), drops
 * (and counts) anything that does not open, is not from an accepted contact
 * or is not a chat frame, stores messages through the same inbox as direct
 * chat (so each id is stored once) a batch in one write (mailbox-intake.ts),
 * deletes what it processed from the relay once it is stored, and after each
 * relay's drain seals the ids it stored back to their senders as receipts. Receipts arriving this way
 * mark our messages delivered. Contact hellos go the same way when the other
 * side cannot be reached: a request (or accept) waits in their mailbox, and
 * a request that arrives this way is answered 'pending' through theirs.
 * Messages and group items for a device whose notification key we hold
 * carry a push hint naming the chat (hints.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { MAX_ITEM_BYTES, MailboxRefusedError } from '@parley/protocol/mailbox/codec'
import { SealOpener } from '@parley/protocol/mailbox/opener'
import { encodeChatFrame } from '@parley/protocol/chat/codec'
import { encodeContactFrame } from '@parley/protocol/contact/codec'
import { seal } from '@parley/protocol/mailbox/seal'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { CLOCK_SKEW_MS, tooOld } from '../../db/tombstones.ts'
import { randomBytes } from '@noble/hashes/utils.js'
import { setWaitingKeys } from '../../db/waiting-keys.ts'
import { notifyKeyOf } from '../../db/notify-keys.ts'
import { authorOf } from '../kernel/author.ts'
import { MAX_MAILBOX_RELAYS, mailboxRelaysOf } from '../kernel/mailboxes.ts'
import { PrekeysAwaitedError } from '../sessions/index.ts'
import { itemFrame, storedFor } from './frames.ts'
import { DepositHints } from './hints.ts'
import { drainMailbox } from './mailbox-drain.ts'
import { MailboxIntake } from './mailbox-intake.ts'
import { MAX_RECEIPT_IDS, encodeReceipts, receiptsId } from './receipts.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactRow } from '../../db/types.ts'
import type { OutboxItem } from './frames.ts'
import type { ContactFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { SyncIntakePort } from '../kernel/ports/sync.ts'
import type { ContactBookPort, ContactHellosPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { MailboxCourierPort } from '../kernel/ports/messaging.ts'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { RelayListPort } from '../kernel/ports/relays.ts'
import type { MailboxBoxesPort, SessionNoticesPort, SessionPinsPort, SessionsPort } from '../kernel/ports/sessions.ts'
import type { Inbox } from './inbox.ts'
import type { MailboxCall } from './mailbox-drain.ts'
import type { DropReason } from './mailbox-items.ts'
import type { HintFor } from './hints.ts'
import type { HintChat } from '@parley/protocol/push/hint'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

export type { DropReason } from './mailbox-items.ts'

/** One mailbox request (dial included) gives up after this long. */
export const MAILBOX_REQUEST_TIMEOUT_MS = 10_000
/** Items listed per drain of one relay, so that a drain always ends (and the receipts gathered meanwhile stay bounded). */
export const MAX_DRAIN_ITEMS = 5000

export interface CourierStats {
  deposited: number
  received: number
  receipts: number
  dropped: Record<DropReason, number>
}

/** Our relays' mailboxes are looked at this often while the node runs (besides on every relay or contact connection). */
export const MAILBOX_DRAIN_INTERVAL_MS = 30_000
/**
 * Drains start at least this far apart: connections that open and close many
 * times a second (a relay's, on a loaded host) drain once per gap, not once
 * per connect, and stay under the relay's rate limit.
 */
export const MAILBOX_DRAIN_GAP_MS = 2_000

export interface CourierComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'peerId' | 'dial' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  identity: Pick<IdentityPort, 'privateKey' | 'require'>
  /** our account: the chat a hint names to our contacts (kernel/author.ts) */
  devices: Pick<DevicesPort, 'account'>
  inbox: Pick<Inbox, 'receiveMany' | 'receive'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  /** takes the hellos and replies that come through our mailboxes */
  hellos: Pick<ContactHellosPort, 'receive' | 'settle'>
  /** our own relays (full multiaddrs ending in /p2p/<relay>) */
  relayList: RelayListPort
  /** where a contact's other devices were last known to be (presence's ContactFinder) */
  dialer: Pick<ContactDialer, 'knownAddresses'>
  /** takes the group items that come through our mailboxes */
  groupBook: Pick<GroupBookPort, 'receive' | 'isGroupPeer'>
  /** boxes chat items for contacts with sessions, and opens theirs */
  chatBoxes: MailboxBoxesPort
  sessions: SessionsPort
  sessionNotices: SessionNoticesPort
  /** peers pinned to boxes: nothing goes to them, nor is taken from them, outside one */
  sessionPins: SessionPinsPort
  /** our other devices' sync items from our mailboxes go to the sync feature (sync/); absent: none taken */
  syncIntake?: SyncIntakePort
}

/**
 * The node's side of the mailboxes. Drains whenever a relay of ours
 * connects, when a contact comes online (it may have left receipts there),
 * and every MAILBOX_DRAIN_INTERVAL_MS.
 */
export class MailboxCourier implements MailboxCourierPort, Startable {
  readonly #components: CourierComponents
  readonly #log: Logger
  readonly #stats: CourierStats = { deposited: 0, received: 0, receipts: 0, dropped: { unreadable: 0, 'not-a-contact': 0, malformed: 0, 'not-ours': 0, replayed: 0, unboxed: 0 } }
  /** one drain at a time; a request during a drain runs once more after it */
  readonly #draining: SingleFlight
  /** push hints on deposits, and the relays that take none */
  readonly #hints = new DepositHints()
  #timer?: ReturnType<typeof setInterval>
  #ownKeys?: { secret: Uint8Array, multihash: Uint8Array }
  #sealOpener?: SealOpener
  /** aborted by stop(): ends a drain in progress */
  #stopping = new AbortController()

  constructor (components: CourierComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:mailbox')
    this.#draining = new SingleFlight(async () => this.#drainAll(), (err) => { this.#log.error('draining the mailboxes failed - %e', err) }, { minGapMs: MAILBOX_DRAIN_GAP_MS })
  }

  start (): void {
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController()
    this.#components.libp2p.addEventListener('peer:connect', this.#onConnect)
    this.#timer = setInterval(() => { void this.drain() }, MAILBOX_DRAIN_INTERVAL_MS)
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('peer:connect', this.#onConnect)
    clearInterval(this.#timer)
    this.#draining.stop()
    this.#stopping.abort()
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

  /** Opens the items sealed to us (WebCrypto where the platform has it). */
  #opener (): SealOpener {
    const { secret, multihash } = this.#keys()
    this.#sealOpener ??= new SealOpener(secret, multihash)
    return this.#sealOpener
  }

  get stats (): CourierStats {
    return { ...this.#stats, dropped: { ...this.#stats.dropped } }
  }

  async #connect (relay: string): Promise<Connection> {
    return this.#components.libp2p.dial(multiaddr(relay), { signal: AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS) })
  }

  /**
   * Where items for `to` go: its mailbox relays, or, when we know none of
   * them (added from a short link while it was offline), our own: people who
   * use one app use its relays, and a node drains its own relays' mailboxes.
   */
  #relaysFor (to: Pick<ContactRow, 'addresses'>, known: readonly string[] = []): string[] {
    const theirs = known.length > 0 ? known.slice(0, MAX_MAILBOX_RELAYS) : mailboxRelaysOf(to)
    return theirs.length > 0 ? theirs : this.#components.relayList.active().slice(0, MAX_MAILBOX_RELAYS)
  }

  /**
   * Seals a payload to someone who need not be a contact (a group member) and
   * deposits it on `mailboxes` (the relays it named), else on the relays its
   * known addresses go through, else on ours; resolves how many relays hold it.
   */
  async depositFor (to: { peerId: string, addresses?: string[], mailboxes?: readonly string[] }, payload: Uint8Array, chat?: HintChat): Promise<number> {
    const hint = chat === undefined ? undefined : await this.#hintFor(to.peerId, chat)
    const stored = await this.#depositPayload({ peerId: to.peerId, addresses: to.addresses ?? [] }, payload, to.mailboxes, hint)
    if (stored > 0) this.#stats.deposited++
    return stored
  }

  /**
   * Seals `payload` to `to` and deposits it on its mailbox relays; resolves
   * how many relays hold it. Each relay gets a seal of its own under a random
   * deposit id of its own: relays that compare what they hold find neither
   * the same id nor the same bytes, and an id tells nothing of when the item
   * was made. The recipient knows a copy by the id inside (a box's item id,
   * a frame's id), never by the deposit id.
   */
  async #depositPayload (to: Pick<ContactRow, 'peerId' | 'addresses'>, payload: Uint8Array, mailboxes: readonly string[] = [], hint?: HintFor): Promise<number> {
    const recipient = peerIdFromString(to.peerId)
    if (recipient.publicKey == null) return 0
    const keys = { senderSecret: this.#keys().secret, recipientPublic: recipient.publicKey.raw, recipientMultihash: recipient.toMultihash().bytes }
    const results = await Promise.allSettled(this.#relaysFor(to, mailboxes).map(async (relay) => {
      const item = seal(payload, keys)
      if (item.byteLength > MAX_ITEM_BYTES) throw new Error(`a sealed message of ${item.byteLength} bytes is over the mailbox limit of ${MAX_ITEM_BYTES}`)
      const connection = await this.#connect(relay)
      const id = randomBytes(16)
      await this.#hints.deposit(relay, hint, async (sealed) => {
        const request = sealed === undefined ? { op: 'deposit' as const, id, recipient: recipient.toMultihash().bytes, item } : { op: 'deposit' as const, id, recipient: recipient.toMultihash().bytes, item, hint: sealed }
        await mailboxRequest(connection, request, { signal: AbortSignal.timeout(MAILBOX_REQUEST_TIMEOUT_MS) })
      })
    }))
    for (const result of results) {
      if (result.status === 'rejected') this.#log('deposit for %s failed - %e', to.peerId, result.reason)
    }
    return results.filter(r => r.status === 'fulfilled').length
  }

  /**
   * The hint for an item to `device` naming `chat`, when `device` is a device
   * of a contact that gave us its notification key (db/notify-keys.ts).
   */
  async #hintFor (device: string, chat: HintChat): Promise<HintFor | undefined> {
    const contact = await this.#components.contactBook.byPeerId(device).catch(() => undefined)
    const key = contact === undefined ? undefined : notifyKeyOf(contact, device)
    return key === undefined ? undefined : { chat, key }
  }

  /**
   * Where `device`, one of `contact`'s devices, is known to be: the contact
   * row's addresses for its own PeerID, else what the peer store or the last
   * DHT lookup (its peer record) said of the device.
   */
  async #deviceAt (contact: ContactRow, device: string): Promise<Pick<ContactRow, 'peerId' | 'addresses'>> {
    if (device === contact.peerId) return contact
    return { peerId: device, addresses: await this.#components.dialer.knownAddresses(device).catch(() => []) }
  }

  /**
   * Deposits messages and events for `device` (one of `contact`'s devices:
   * its PeerID, or one its device list names) that no relay of that device
   * holds yet (db/pending-devices.ts `storedDevices`), each sealed to the
   * device in a box of our session with it, on the device's own mailbox
   * relays, and marks each one a relay took stored for it. Returns the ids
   * stored.
   * Nothing for someone who has not accepted us yet: their node would drop
   * it; our messages wait, queued, until their accept comes (live, or from
   * our mailbox).
   */
  async deposit (contact: ContactRow, items: OutboxItem[], device: string = contact.peerId): Promise<string[]> {
    const stored: string[] = []
    if (contact.state !== 'accepted') return stored
    const to = await this.#deviceAt(contact, device)
    // the author is asked only when a hint is to be made (a node without a profile yet has none)
    const key = notifyKeyOf(contact, device)
    const hint = key === undefined ? undefined : { chat: { kind: 'contact' as const, chat: authorOf(this.#components.identity, this.#components.devices) }, key }
    for (const item of items) {
      const { row } = item
      if (row.direction !== 'out' || row.storedDevices?.includes(device) === true) continue
      // made longer ago than a relay keeps an item: the receiver would take it for a replay; it waits for a direct delivery
      if (tooOld(row.id, Date.now() + CLOCK_SKEW_MS)) continue
      const frame = itemFrame(item)
      // in a box of our session with the device when it has sessions, else as it is
      let box: Uint8Array | undefined
      try {
        box = await this.#components.chatBoxes.mailboxBox(peerIdFromString(device), frame, { signal: this.#stopping.signal })
      } catch (err) {
        // they speak sessions and no source holds their keys: what waits stays queued, never unboxed
        if (!(err instanceof PrekeysAwaitedError)) throw err
        this.#log('items for %s wait for its prekeys - %e', device, err.cause)
        await setWaitingKeys(this.#components.db, contact.id, true)
        break
      }
      if (box !== undefined && contact.waitingKeys === true) await setWaitingKeys(this.#components.db, contact.id, false)
      const payload = box ?? encodeChatFrame(frame)
      if (await this.#depositPayload(to, payload, [], hint) === 0) break
      this.#stats.deposited++
      await storedFor(this.#components.db, item, device)
      stored.push(row.id)
    }
    return stored
  }

  /**
   * Leaves a contact hello (our request or accept) or our reply to theirs
   * in `to`'s mailbox (once per hello owed: a copy taken twice changes
   * nothing); resolves how many relays hold it.
   */
  async depositHello (to: ContactRow, frame: ContactFrame): Promise<number> {
    const stored = await this.#depositPayload(to, encodeContactFrame(frame))
    if (stored > 0) this.#stats.deposited++
    return stored
  }

  /**
   * Fetches what our relays hold for us, stores it, acks it back and deletes
   * it from the relays. Runs one at a time, starts MAILBOX_DRAIN_GAP_MS apart;
   * never throws.
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
    const call: MailboxCall = async (request, signal) => mailboxRequest(connection, request, { signal })
    const intake = new MailboxIntake(this.#components, this.#opener(), {
      dropped: (reason, detail) => { this.#drop(reason, detail) },
      received: () => { this.#stats.received++ },
      receipt: () => { this.#stats.receipts++ }
    })
    try {
      // a relay holding more than one drain takes is drained again, MAILBOX_DRAIN_GAP_MS later
      const more = (): void => { void this.drain() }
      await drainMailbox(call, intake, { maxItems: MAX_DRAIN_ITEMS, requestTimeoutMs: MAILBOX_REQUEST_TIMEOUT_MS, signal: this.#stopping.signal, more })
    } finally {
      // what was stored, also when the drain broke off; then the next batches, from the next drain
      await this.#sendReceipts([...intake.stored.values()])
      await this.#sendReplies(intake.requested.values())
    }
  }

  #drop (reason: DropReason, detail: unknown): void {
    this.#stats.dropped[reason]++
    this.#log('dropped a mailbox item (%s) - %s', reason, detail instanceof Error ? detail.message : String(detail))
  }

  /**
   * The receipts go back the way the messages came, after a relay's drain,
   * to the device that sent them (docs/protocols.md, "Delivery to an
   * account's devices"), one item per sending device and MAX_RECEIPT_IDS
   * ids, in a box of our session with that device when we have one; if no relay of theirs takes it, a later
   * direct delivery acks again.
   */
  async #sendReceipts (batches: Array<{ contact: ContactRow, from: string, ids: string[] }>): Promise<void> {
    for (const { contact, from, ids } of batches) {
      // to the device that sent them (the contact's own PeerID, or one its list names)
      const to = await this.#deviceAt(contact, from)
      for (let i = 0; i < ids.length; i += MAX_RECEIPT_IDS) {
        if (this.#stopping.signal.aborted) return
        const part = ids.slice(i, i + MAX_RECEIPT_IDS)
        const payload = encodeReceipts(part)
        await this.#components.chatBoxes.mailboxPayloadBox(peerIdFromString(from), receiptsId(), payload)
          .then(async (box) => {
            // a peer that speaks sessions takes receipts in a box only: without a session, a later direct delivery acks
            if (box === undefined && await this.#components.sessionPins.pinned(from)) return
            await this.#depositPayload(to, box ?? payload)
          })
          .catch((err: unknown) => { this.#log('could not send receipts to %s - %e', from, err) })
      }
    }
  }

  /** Tells whoever asked to be our contact through a mailbox that the request arrived and waits for the user ('pending'). */
  async #sendReplies (askers: Iterable<{ contact: ContactRow, reply: ContactReplyFrame }>): Promise<void> {
    for (const { contact, reply } of askers) {
      if (this.#stopping.signal.aborted) return
      await this.depositHello(contact, reply)
        .catch((err: unknown) => { this.#log('could not tell %s its request arrived - %e', contact.peerId, err) })
    }
  }

  /** True when a relay refused because the item can never be stored there (not a transient failure). */
  static isPermanent (err: unknown): boolean {
    return err instanceof MailboxRefusedError && (err.code === 'bad-request' || err.code === 'too-large')
  }
}
