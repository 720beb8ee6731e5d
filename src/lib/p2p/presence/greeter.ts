import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { getContact, getContactByPeerId, listContacts, setPresence } from '../../db/contacts.ts'
import { getContactOfPeer } from '../../db/contact-devices.ts'
import { contactsWithOutbox } from '../../db/messages.ts'
import { helloType } from '../contacts/index.ts'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId } from '../../db/types.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { ParleyEvents, ParleyEventTarget } from '../kernel/events.ts'
import type { ContactHellosPort } from '../kernel/ports/contacts.ts'
import type { OutboxPort } from '../kernel/ports/messaging.ts'
import type { ContactDialer, GreeterPort } from '../kernel/ports/presence.ts'
import type { ComponentLogger, Libp2p, Logger, PeerId, PeerStore, Startable } from '@libp2p/interface'

/** How many contacts we dial at once when we come online ("hello"). */
export const GREET_CONCURRENCY = 4
/** At most this many contacts are greeted per coming-online, and planned for a redial. */
export const MAX_GREETED_CONTACTS = 200
/** An unreachable contact is dialled again after ~2 s, doubling up to 5 min (plus jitter). */
export const REDIAL_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 300_000 }

export interface GreeterComponents {
  db: ParleyDb
  logger: ComponentLogger
  events: ParleyEventTarget
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener' | 'hangUp'> & { peerStore: Pick<PeerStore, 'merge'> }
  dialer: Pick<ContactDialer, 'connect'>
  outbox: OutboxPort
  hellos: Pick<ContactHellosPort, 'sendOwed' | 'storeOwed'>
}

/**
 * Who we are connected to: presence from libp2p's connection events;
 * greeting contacts when we come online (so both sides' outboxes flow and
 * owed hellos go out), and dialling offline ones again with bounded back-off;
 * hanging up on a contact blocked or deleted (`contact:blocked`,
 * `contact:deleted`). Never throws out of its event handlers.
 */
export class Greeter implements GreeterPort, Startable {
  readonly #components: GreeterComponents
  readonly #log: Logger
  #started = false
  /** offline contacts waiting to be dialled again, at most MAX_GREETED_CONTACTS */
  readonly #redials: KeyedRetry<ContactId>

  constructor (components: GreeterComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:greeter')
    this.#redials = new KeyedRetry<ContactId>({
      backoff: REDIAL_BACKOFF,
      maxKeys: MAX_GREETED_CONTACTS,
      whenFull: 'refuse',
      onDue: (contactId) => { this.greet([contactId]) }
    })
  }

  /** Presence from an earlier run is stale (nothing is connected yet); known addresses go to libp2p's peer store. */
  async start (): Promise<void> {
    const { db, libp2p, events } = this.#components
    for (const contact of await listContacts(db)) {
      if (contact.status === 'online') await setPresence(db, contact.peerId, 'offline', Date.now())
      if (contact.addresses.length > 0) {
        await libp2p.peerStore.merge(peerIdFromString(contact.peerId), { multiaddrs: contact.addresses.map(a => multiaddr(a)) })
      }
    }
    libp2p.addEventListener('peer:connect', this.#onConnect)
    libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    events.addEventListener('online', this.#onOnline)
    events.addEventListener('contact:blocked', this.#onBlocked)
    events.addEventListener('contact:deleted', this.#onDeleted)
    this.#started = true
  }

  stop (): void {
    this.#started = false
    this.#components.libp2p.removeEventListener('peer:connect', this.#onConnect)
    this.#components.libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#components.events.removeEventListener('online', this.#onOnline)
    this.#components.events.removeEventListener('contact:blocked', this.#onBlocked)
    this.#components.events.removeEventListener('contact:deleted', this.#onDeleted)
    this.#redials.stop()
  }

  /** A contact was added (or added again) from an invite: libp2p learns its addresses, and it is greeted. */
  async introduce (contactId: ContactId, peerId: string, addresses: string[]): Promise<void> {
    if (!this.#started) return
    const { db, libp2p } = this.#components
    const peer = peerIdFromString(peerId)
    await libp2p.peerStore.merge(peer, { multiaddrs: addresses.map(a => multiaddr(a)) })
    if (libp2p.getConnections(peer).length > 0) await setPresence(db, peerId, 'online', Date.now())
    this.greet([contactId])
  }

  /** Closes our connections to a peer (blocked or deleted). Never throws. */
  async hangUp (peerId: string): Promise<void> {
    if (!this.#started) return
    await this.#components.libp2p.hangUp(peerIdFromString(peerId)).catch(() => {})
  }

  /** Stops planning redials of a contact (deleted, say). */
  forget (contactId: ContactId): void {
    this.#redials.forget(contactId)
  }

  /** Dials `contactId` again after the next back-off delay, unless one is already planned. */
  redial (contactId: ContactId): void {
    if (this.#started) this.#redials.failed(contactId)
  }

  /**
   * Dials each contact that is not connected (a failure plans a redial) and,
   * once connected, sends what we owe it and kicks its outbox. Never throws.
   */
  greet (contactIds: ContactId[]): void {
    if (!this.#started) return
    const { db, libp2p, dialer, hellos, outbox } = this.#components
    const queue = [...contactIds]
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id != null; id = queue.shift()) {
        const contact = await getContact(db, id)
        if (contact == null) continue
        if (libp2p.getConnections(peerIdFromString(contact.peerId)).length > 0) {
          if (contact.helloPending === true) await hellos.sendOwed(id)
          outbox.kick(id)
          continue
        }
        if (contact.blocked) continue
        try {
          await dialer.connect(contact, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
        } catch {
          // offline: dial again later; the outbox (if any) retries with back-off too,
          // and what we owe them in the way of a hello waits in their mailbox
          this.redial(id)
          outbox.kick(id)
          if (contact.helloPending === true && contact.helloStored !== true) await hellos.storeOwed(id)
        }
      }
    }
    for (let i = 0; i < GREET_CONCURRENCY; i++) {
      worker().catch((err: unknown) => {
        if (this.#started) this.#log.error('greeting contacts failed - %e', err)
      })
    }
  }

  /** A contact blocked is hung up on; one unblocked is greeted again, so queued messages flow both ways. */
  readonly #onBlocked = ({ detail }: ParleyEvents['contact:blocked']): void => {
    if (detail.blocked) detail.waitUntil(this.hangUp(detail.peerId))
    else this.greet([detail.contactId])
  }

  /** A contact deleted: no more redials, and its connections close (a blocked one has none). */
  readonly #onDeleted = ({ detail }: ParleyEvents['contact:deleted']): void => {
    this.forget(detail.contactId)
    if (!detail.blocked) detail.waitUntil(this.hangUp(detail.peerId))
  }

  /** Coming online: dial our contacts, those we owe messages first, so that both sides' outboxes flow. */
  readonly #onOnline = (): void => {
    this.#greetAll().catch((err: unknown) => {
      if (this.#started) this.#log.error('greeting contacts failed - %e', err)
    })
  }

  async #greetAll (): Promise<void> {
    const db = this.#components.db
    const contacts = (await listContacts(db)).filter(c => helloType(c) != null || (!c.blocked && c.state === 'accepted'))
    const withOutbox = new Set(await contactsWithOutbox(db))
    const ids = contacts.map(c => c.id)
    ids.sort((a, b) => Number(withOutbox.has(b)) - Number(withOutbox.has(a)))
    this.greet(ids.slice(0, MAX_GREETED_CONTACTS))
  }

  readonly #onConnect = (evt: CustomEvent<PeerId>): void => { this.#onPeer(evt.detail, 'online') }
  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => { this.#onPeer(evt.detail, 'offline') }

  #onPeer (peerId: PeerId, status: 'online' | 'offline'): void {
    this.#presence(peerId, status).catch((err: unknown) => {
      if (this.#started) this.#log.error('presence update for %p failed - %e', peerId, err)
    })
  }

  async #presence (peerId: PeerId, status: 'online' | 'offline'): Promise<void> {
    if (!this.#started) return
    const { db, libp2p } = this.#components
    const contact = await getContactByPeerId(db, peerId.toString())
    if (contact == null) {
      // another device of a contact's account (its list names it): what waits for that device goes now
      const owner = status === 'online' ? await getContactOfPeer(db, peerId.toString()) : undefined
      if (owner != null) this.#components.outbox.kick(owner.id, peerId.toString())
      return
    }
    if (status === 'offline' && libp2p.getConnections(peerId).length > 0) return
    await setPresence(db, contact.peerId, status, Date.now())
    if (status === 'online') {
      this.#redials.succeeded(contact.id)
      if (contact.helloPending === true) void this.#components.hellos.sendOwed(contact.id)
      this.#components.outbox.kick(contact.id, contact.peerId)
    } else if (!contact.blocked && (contact.state === 'accepted' || helloType(contact) != null)) {
      // presence without pinging: try again later, backing off
      this.redial(contact.id)
    }
  }
}
