/**
 * Contacts' device lists over `/parley/devices/1.0.0` (docs/protocols.md,
 * "A contact's device list"): the account's holder gives each contact it
 * has a session with the account's current signed list, in a box of that
 * session; a contact checks it against the account key it already trusts
 * (the contact's PeerID) and keeps it when its version is greater than the
 * one held (db/contact-devices.ts), so that the devices it names map to the
 * contact (contacts/book.ts).
 *
 * When it goes: to a contact whose identify lists the protocol (every new
 * connection), to every connected contact when our list's version grows
 * (`devices:changed`), and to a device when a session with it forms (either
 * side starting it: a contact befriended with no message yet, whose first
 * comes after a link, on a connection identified already), each time only while the contact's mark (the version
 * it acknowledged, `devicesSent`) is older, and only on a session we already
 * have (a list never starts one). An app that predates the protocol answers
 * `na` to it: nothing is sealed for it and nothing is marked. A contact's
 * other devices (those its list names) get it the same way, with their marks
 * kept in memory (at most MAX_DEVICE_MARKS, the oldest forgotten: it goes
 * again, and is acknowledged as `same`): a linked device looks a contact up
 * in the DHT only when it cannot reach it, so without this it would go on
 * delivering to a device we removed, and never to one we linked.
 *
 * The holder gives the list to its own devices too, and a linked device
 * takes it from the holder (sibling-lists.ts). Every device gives contacts'
 * devices its notification key over the same protocol (notify-offers.ts).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { DeviceListError, openDeviceList } from '@parley/protocol/devices/list'
import { decodeDevicesBoxPayload } from '@parley/protocol/devices/notify'
import {
  decodeDevicesReply, decodeDevicesRequest, DEVICES_EXCHANGE_TIMEOUT_MS, DEVICES_PROTOCOL, DEVICES_REQUESTS_PER_MINUTE,
  encodeDevicesPayload, encodeDevicesReply, MAX_DEVICES_FRAME_BYTES, MAX_DEVICES_PREFIX_BYTES
} from '@parley/protocol/devices/wire'
import { negotiatedRequest } from '@parley/protocol/one-request/client'
import { ulidOf } from '@parley/protocol/ulid'
import { markDevicesSent, storeContactDevices } from '../../db/contact-devices.ts'
import { sessionTables } from '../../db/sessions.ts'
import { mayExchange } from '../contacts/index.ts'
import { DeskService } from '../kernel/desk-service.ts'
import { sessionPeerOf } from './chat-boxes.ts'
import { NotifyOffers } from './notify-offers.ts'
import { SiblingLists } from './sibling-lists.ts'
import { openOrSay } from './unreadable.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { Desk, DeskProtocol } from '../kernel/desk-service.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { Sessions } from './sessions.ts'
import type { SiblingListsComponents } from './sibling-lists.ts'
import type { DevicesReply } from '@parley/protocol/devices/wire'
import type { AbortOptions, ComponentLogger, IdentifyResult, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

/** Exchanges at once per connection, each way. */
export const MAX_DEVICES_STREAMS = 2
/** Offers under way at once, to all contacts (a list change reaches the rest on their next connection). */
export const MAX_DEVICE_OFFERS = 16
/** Contacts' other devices whose acknowledged version this device remembers (in memory). */
export const MAX_DEVICE_MARKS = 1024

const DEVICES: DeskProtocol<Uint8Array, DevicesReply | Uint8Array> = {
  name: 'devices',
  protocol: DEVICES_PROTOCOL,
  timeoutMs: DEVICES_EXCHANGE_TIMEOUT_MS,
  requestsPerMinute: DEVICES_REQUESTS_PER_MINUTE,
  maxStreams: MAX_DEVICES_STREAMS,
  maxFrameBytes: MAX_DEVICES_FRAME_BYTES,
  maxPrefixBytes: MAX_DEVICES_PREFIX_BYTES,
  encode: (frame) => frame instanceof Uint8Array ? frame : encodeDevicesReply(frame),
  decodeRequest: decodeDevicesRequest,
  // the dialer is DeviceListExchange.offer, not the desk service's
  decodeReply: () => { throw new Error('devices replies are read by DeviceListExchange.offer') },
  invalid: { type: 'reject', reason: 'invalid' },
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

export interface DeviceListExchangeComponents extends SiblingListsComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  sessions: Pick<Sessions, 'seal' | 'open' | 'hasSession' | 'ready'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  devices: Pick<DevicesPort, 'account' | 'holder' | 'ownList' | 'takeOwnList'>
  events: Pick<ParleyEventTarget, 'addEventListener' | 'removeEventListener'>
}

export class DeviceListExchange implements Startable, Desk<Uint8Array, DevicesReply> {
  readonly #components: DeviceListExchangeComponents
  readonly #log: Logger
  /** the contacts an offer is under way to, at most MAX_DEVICE_OFFERS */
  readonly #offering = new Set<string>()
  /** those of them asked again meanwhile (a session formed while the offer found none): offered again once it ends */
  readonly #again = new Set<string>()
  /** a contact's device other than its account → the version it acknowledged, at most MAX_DEVICE_MARKS, oldest first */
  readonly #deviceMarks = new Map<string, number>()
  /** our own devices' half: the holder's list to them, theirs from it */
  readonly #siblings: SiblingLists
  /** our notification key to contacts' devices, and theirs from them */
  readonly #notify: NotifyOffers
  #desk: DeskService<Uint8Array, DevicesReply | Uint8Array> | undefined
  #shutdown = new AbortController()

  constructor (components: DeviceListExchangeComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sessions:devices')
    this.#siblings = new SiblingLists(components, this.#log)
    this.#notify = new NotifyOffers(components, this.#log)
  }

  async start (): Promise<void> {
    this.#shutdown = new AbortController()
    this.#siblings.start()
    this.#desk = new DeskService({ registrar: this.#components.libp2p, logger: this.#components.logger }, DEVICES, this)
    await this.#desk.start()
    this.#components.libp2p.addEventListener('peer:identify', this.#onIdentify)
    this.#components.events.addEventListener('devices:changed', this.#onChanged)
  }

  async stop (): Promise<void> {
    this.#shutdown.abort()
    this.#components.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    this.#components.events.removeEventListener('devices:changed', this.#onChanged)
    await this.#desk?.stop()
    this.#desk = undefined
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (!evt.detail.protocols.includes(DEVICES_PROTOCOL)) return
    const peer = evt.detail.peerId.toString()
    void this.offer(peer)
    void this.#notify.offer(peer, this.#shutdown.signal)
  }

  /**
   * A session with `peer` was just started, by either side (sessions.ts): it
   * may take our account's list (on the holder) and our notification key now.
   * Never throws.
   */
  async sessionStarted (peer: string): Promise<void> {
    if (this.#shutdown.signal.aborted) return
    await Promise.all([this.offer(peer), this.#notify.offer(peer, this.#shutdown.signal)])
  }

  readonly #onChanged = (): void => {
    this.#siblings.noteList()
    const peers = new Set(this.#components.libp2p.getConnections().filter(c => c.status === 'open').map(c => c.remotePeer.toString()))
    for (const peer of peers) void this.offer(peer)
  }

  /**
   * Gives `peer` our account's list when we hold the account key, it is a
   * contact we exchange messages with, has not acknowledged this version,
   * we have a session with it and are connected. Never throws: what fails
   * goes again on the next connection or list change.
   */
  async offer (peer: string): Promise<void> {
    const { devices, contactBook, sessions, libp2p, db } = this.#components
    const list = devices.ownList()
    if (!devices.holder || list === undefined) return
    if (this.#offering.has(peer)) {
      this.#again.add(peer)
      return
    }
    if (this.#offering.size >= MAX_DEVICE_OFFERS) return
    this.#offering.add(peer)
    try {
      if (this.#siblings.targets(peer)) {
        await this.#offerSibling(peer)
        return
      }
      const contact = await contactBook.byPeerId(peer)
      // the contact's account (its mark on the row) or one of its other devices (a mark in memory)
      if (!mayExchange(contact)) return
      const account = contact.peerId === peer
      const sent = account ? (contact.devicesSent ?? 0) : (this.#deviceMarks.get(peer) ?? 0)
      if (sent >= list.version) return
      if (!await sessions.hasSession(peer)) return
      const peerId = peerIdFromString(peer)
      const connection = libp2p.getConnections(peerId).find(c => c.status === 'open')
      if (connection === undefined) return
      const signal = AbortSignal.any([AbortSignal.timeout(DEVICES_EXCHANGE_TIMEOUT_MS), this.#shutdown.signal])
      const none = new Error('a device list never starts a session')
      const reply = await negotiatedRequest({
        protocols: [DEVICES_PROTOCOL],
        maxReplyBytes: 64,
        maxPrefixBytes: 1,
        defaultTimeoutMs: DEVICES_EXCHANGE_TIMEOUT_MS,
        runOnLimitedConnection: true
      }, connection, {
        request: async () => {
          const itemId = crypto.getRandomValues(new Uint8Array(16))
          return sessions.seal(sessionPeerOf(peerId), ulidOf(itemId), itemId, encodeDevicesPayload(list.signed), async () => { throw none }, { keep: false })
        },
        reply: async (bytes) => decodeDevicesReply(bytes)
      }, { signal })
      this.#log('%s answered our list of version %d: %o', peer, list.version, reply)
      // taken, or one it will never take: not again until the next version
      if (reply.type === 'ack' || reply.reason === 'invalid') {
        if (account) await markDevicesSent(db, contact.id, list.version)
        else this.#markDevice(peer, list.version)
      }
    } catch (err) {
      this.#log('could not give %s our device list - %e', peer, err)
    } finally {
      this.#offering.delete(peer)
      if (this.#again.delete(peer)) void this.offer(peer)
    }
  }

  #markDevice (peer: string, version: number): void {
    this.#deviceMarks.delete(peer)
    this.#deviceMarks.set(peer, version)
    for (const oldest of this.#deviceMarks.keys()) {
      if (this.#deviceMarks.size <= MAX_DEVICE_MARKS) break
      this.#deviceMarks.delete(oldest)
    }
  }

  /** One of our own devices, when connected (sibling-lists.ts). */
  async #offerSibling (peer: string): Promise<void> {
    const connection = this.#components.libp2p.getConnections(peerIdFromString(peer)).find(c => c.status === 'open')
    if (connection === undefined) return
    const signal = AbortSignal.any([AbortSignal.timeout(DEVICES_EXCHANGE_TIMEOUT_MS), this.#shutdown.signal])
    await this.#siblings.offer(peer, connection, signal)
  }

  /**
   * The listener: a box from `from` carrying its account's list (our own
   * account's, from its holder: sibling-lists.ts), or the notification key
   * of `from`, a device of a contact (notify-offers.ts).
   */
  async receive (from: PeerId, box: Uint8Array, _options: AbortOptions): Promise<DevicesReply> {
    const { db, contactBook, sessions } = this.#components
    const peer = from.toString()
    if (this.#siblings.fromOurAccount(peer)) return this.#siblings.receive(from, box)
    const contact = await contactBook.byPeerId(peer)
    if (!mayExchange(contact)) return { type: 'reject', reason: 'not-a-contact' }
    const opened = await openOrSay(async () => sessions.open(sessionPeerOf(from), box), this.#log, `a devices box from ${peer}`)
    if (opened === 'malformed') return { type: 'reject', reason: 'invalid' }
    // this very box, opened and taken before (a retry)
    if (opened === 'duplicate') return { type: 'ack', status: 'same' }
    if (opened === 'session') return { type: 'reject', reason: 'session' }
    let payload
    try {
      payload = decodeDevicesBoxPayload(opened.plaintext)
    } catch (err) {
      opened.abandon()
      if (!(err instanceof Error && err.name === 'InvalidMessageError')) throw err
      this.#log('refused a devices box from %s - %e', peer, err)
      return { type: 'reject', reason: 'invalid' }
    }
    if (payload.type === 'notify') return this.#notify.receive(contact, peer, payload.key, opened)
    // only the account's own device (its holder) speaks for the list, so far
    if (contact.peerId !== peer) {
      opened.abandon()
      return { type: 'reject', reason: 'not-a-contact' }
    }
    let outcome
    try {
      const list = openDeviceList(payload.list, { account: contact.peerId })
      outcome = await db.transaction('rw', [...sessionTables(db), db.contacts, db.messages, db.events], async () => {
        const stored = await storeContactDevices(db, contact.id, list)
        await opened.commit()
        return stored.outcome
      })
    } catch (err) {
      opened.abandon()
      if (!(err instanceof DeviceListError) && !(err instanceof Error && err.name === 'InvalidMessageError')) throw err
      this.#log('refused a device list from %s - %e', peer, err)
      return { type: 'reject', reason: 'invalid' }
    }
    void sessions.ready(peer)
    this.#log('a device list from %s: %s', peer, outcome)
    if (outcome === 'newer') return { type: 'ack', status: 'stored' }
    if (outcome === 'same' || outcome === 'older') return { type: 'ack', status: outcome }
    // 'conflict' (two lists of one version) or the contact gone meanwhile
    return { type: 'reject', reason: outcome === 'conflict' ? 'invalid' : 'not-a-contact' }
  }
}
