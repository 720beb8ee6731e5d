import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { clearHelloPending, getContact, getContactByPeerId, listContacts, receiveHello, setContactState, setPresence } from '../../db/contacts.ts'
import { contactsWithOutbox } from '../../db/messages.ts'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { bestConnection } from '../kernel/connections.ts'
import { CONTACT_CONNECT_TIMEOUT_MS, plainDialer } from './contact-finder.ts'
import { MAX_CONTACT_ADDRESSES } from '@parley/protocol/contact/codec'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow } from '../../db/types.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { ContactDialer } from './contact-finder.ts'
import type { ParleyNode } from '../kernel/libp2p.ts'
import type { OutboxSender } from '../messaging/outbox.ts'
import type { ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { Logger, PeerId } from '@libp2p/interface'

/** How many contacts we dial at once when we come online ("hello"). */
export const HELLO_CONCURRENCY = 4
/** At most this many contacts are greeted per coming-online (and planned for a redial). */
export const MAX_HELLO_CONTACTS = 200
/** At most this many contact requests are sent at once. */
export const MAX_HELLOS_IN_FLIGHT = 64
/** An unreachable contact is dialled again after ~2 s, doubling up to 5 min (plus jitter). */
export const REDIAL_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 300_000 }
/**
 * Connected contacts hear our new addresses this long after the last change
 * of them: libp2p reports a reservation that ends and the one that replaces
 * it as separate updates, which one hello then covers.
 */
export const ADDRESS_HELLO_DEBOUNCE_MS = 2000

export interface GreeterInit {
  db: ParleyDb
  node: ParleyNode
  outbox: OutboxSender
  /** how contacts are dialled: ContactFinder (the DHT when known addresses fail); by default the PeerID only */
  dialer?: ContactDialer
  /** our display name and current (circuit) addresses, for the hellos we send */
  me(): { name: string, addresses: string[] }
}

/**
 * Who we are connected to, and who we owe a word (DESIGN.md §4): presence
 * from libp2p's connection events, the contact requests and accepts of
 * `/parley/contact/1.0.0` both ways, greeting contacts when we come online,
 * and dialling offline ones again with bounded back-off. When our own
 * addresses change (a relay died and another holds our reservation),
 * connected contacts get a hello with the new ones. Never throws out of its
 * event handlers.
 */
export class Greeter {
  readonly #db: ParleyDb
  readonly #node: ParleyNode
  readonly #outbox: OutboxSender
  readonly #dialer: ContactDialer
  readonly #me: GreeterInit['me']
  readonly #log: Logger
  #stopped = false
  /** offline contacts waiting to be dialled again, at most MAX_HELLO_CONTACTS */
  readonly #redials = new Map<ContactId, { attempt: number, timer?: ReturnType<typeof setTimeout> }>()
  /** contacts a request or accept is being sent to right now */
  readonly #hellos = new Set<ContactId>()
  /** the addresses connected contacts were last told (sorted, joined), and the pending announcement */
  #announced = ''
  #announceTimer?: ReturnType<typeof setTimeout>
  #announcing = false
  #announceAgain = false

  constructor (init: GreeterInit) {
    this.#db = init.db
    this.#node = init.node
    this.#outbox = init.outbox
    this.#dialer = init.dialer ?? plainDialer(init.node)
    this.#me = init.me
    this.#log = init.node.logger.forComponent('parley:greeter')
    init.node.addEventListener('self:peer:update', this.#onSelfUpdate)
  }

  stop (): void {
    this.#stopped = true
    this.#node.removeEventListener('self:peer:update', this.#onSelfUpdate)
    clearTimeout(this.#announceTimer)
    for (const redial of this.#redials.values()) clearTimeout(redial.timer)
    this.#redials.clear()
  }

  /** Stops planning redials of a contact (deleted, say). */
  forget (contactId: ContactId): void {
    clearTimeout(this.#redials.get(contactId)?.timer)
    this.#redials.delete(contactId)
  }

  /**
   * A contact request or acceptance from a peer (the contact service's desk).
   * Only addresses of the peer itself are kept; an accepted contact's outbox
   * flows at once.
   */
  async receive (from: PeerId, frame: ContactHelloFrame): Promise<ContactReplyFrame['status']> {
    const addresses = ownAddresses(from, frame.addresses)
    const status = await receiveHello(this.#db, { peerId: from.toString(), type: frame.type, name: frame.name, addresses })
    if (status === 'refused') return status
    await this.#node.peerStore.merge(from, { multiaddrs: addresses.map(a => multiaddr(a)) })
    const contact = await getContactByPeerId(this.#db, from.toString())
    if (contact != null) {
      if (this.#node.getConnections(from).length > 0) await setPresence(this.#db, contact.peerId, 'online', Date.now())
      if (status === 'accepted') {
        this.#outbox.kick(contact.id)
        // our own request or accept may still be owed (both added each other at once)
        if (contact.helloPending === true) void this.#sendHello(contact.id)
      }
    }
    return status
  }

  /** libp2p's peer:connect / peer:disconnect, for presence. Never throws. */
  onPeer (peerId: PeerId, status: 'online' | 'offline'): void {
    this.#onPeer(peerId, status).catch((err: unknown) => {
      if (!this.#stopped) this.#log.error('presence update for %p failed - %e', peerId, err)
    })
  }

  /** Coming online: dial our contacts so that both sides' outboxes flow ("hello"). Never throws. */
  greetAll (): void {
    this.#greetAll().catch((err: unknown) => {
      if (!this.#stopped) this.#log.error('greeting contacts failed - %e', err)
    })
  }

  /** libp2p's self:peer:update: our addresses may have changed; connected contacts hear of it once they settle. */
  readonly #onSelfUpdate = (): void => {
    if (this.#stopped) return
    clearTimeout(this.#announceTimer)
    this.#announceTimer = setTimeout(() => {
      this.#announceTimer = undefined
      this.#announce().catch((err: unknown) => {
        if (!this.#stopped) this.#log.error('telling contacts our new addresses failed - %e', err)
      })
    }, ADDRESS_HELLO_DEBOUNCE_MS)
  }

  /**
   * Sends our current addresses in an `accept` hello (which the node of a
   * contact that has us as accepted takes as a refresh of our name and
   * addresses) to each accepted contact we are connected to, when they differ
   * from what we told last: at most MAX_HELLO_CONTACTS contacts,
   * HELLO_CONCURRENCY at a time, one round at a time (a change during a round
   * is told in the next). Contacts not connected now find us through the DHT;
   * contacts owed a request or accept get our addresses with it.
   */
  async #announce (): Promise<void> {
    if (this.#stopped) return
    if (this.#announcing) {
      this.#announceAgain = true
      return
    }
    const me = this.#me()
    const addresses = me.addresses.slice(0, MAX_CONTACT_ADDRESSES)
    const key = [...addresses].sort().join(' ')
    if (addresses.length === 0 || key === this.#announced) return
    this.#announcing = true
    this.#announced = key
    try {
      const queue = (await listContacts(this.#db))
        .filter(c => !c.blocked && c.state === 'accepted' && c.helloPending !== true)
        .flatMap(contact => {
          const connection = bestConnection(this.#node, peerIdFromString(contact.peerId))
          return connection == null ? [] : [{ contact, connection }]
        })
        .slice(0, MAX_HELLO_CONTACTS)
      const worker = async (): Promise<void> => {
        for (let next = queue.shift(); next != null && !this.#stopped; next = queue.shift()) {
          try {
            await this.#node.services.contact.send(next.connection, { type: 'accept', name: me.name, addresses })
          } catch (err) {
            // it finds us through the DHT instead, once the connection is gone
            this.#log('could not tell contact %d our new addresses - %e', next.contact.id, err)
          }
        }
      }
      await Promise.all(Array.from({ length: HELLO_CONCURRENCY }, worker))
    } finally {
      this.#announcing = false
    }
    if (this.#announceAgain) {
      this.#announceAgain = false
      await this.#announce()
    }
  }

  /**
   * Sends the request or accept we owe `contactId`, if any, over an open
   * connection or a new dial. The answer settles it: 'accepted' makes them a
   * contact, 'pending' means it arrived, 'refused' ends the asking. Failures
   * leave it owed for the next connection. Never throws.
   */
  async #sendHello (contactId: ContactId): Promise<void> {
    const node = this.#node
    if (this.#stopped || this.#hellos.has(contactId) || this.#hellos.size >= MAX_HELLOS_IN_FLIGHT) return
    this.#hellos.add(contactId)
    try {
      const contact = await getContact(this.#db, contactId)
      const type = helloType(contact)
      if (contact == null || type == null) return
      const connection = await this.#dialer.connect(contact, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
      const me = this.#me()
      const status = await node.services.contact.send(connection, {
        type,
        name: me.name,
        addresses: me.addresses.slice(0, MAX_CONTACT_ADDRESSES)
      })
      if (status === 'accepted') {
        await setContactState(this.#db, contactId, 'accepted', false)
        this.#outbox.kick(contactId)
      } else {
        // only the hello is settled: their accept may have arrived meanwhile
        await clearHelloPending(this.#db, contactId)
      }
    } catch (err) {
      if (this.#stopped) return
      this.#log.error('could not send the contact request to %d - %e', contactId, err)
      // still owed: try again after a back-off (a new connection also sends it)
      this.#scheduleRedial(contactId)
    } finally {
      this.#hellos.delete(contactId)
    }
  }

  async #onPeer (peerId: PeerId, status: 'online' | 'offline'): Promise<void> {
    if (this.#stopped) return
    const db = this.#db
    const contact = await getContactByPeerId(db, peerId.toString())
    if (contact?.id == null) return
    if (status === 'offline' && (this.#node.getConnections(peerId).length) > 0) return
    await setPresence(db, contact.peerId, status, Date.now())
    if (status === 'online') {
      const redial = this.#redials.get(contact.id)
      clearTimeout(redial?.timer)
      this.#redials.delete(contact.id)
      if (contact.helloPending === true) void this.#sendHello(contact.id)
      this.#outbox.kick(contact.id)
    } else if (!contact.blocked && (contact.state === 'accepted' || helloType(contact) != null)) {
      // presence without pinging: try again later, backing off (DESIGN.md §4)
      this.#scheduleRedial(contact.id)
    }
  }

  /** Dials `contactId` again after the next back-off delay, unless one is already planned. */
  #scheduleRedial (contactId: ContactId): void {
    if (this.#stopped) return
    let redial = this.#redials.get(contactId)
    if (redial?.timer != null) return
    if (redial == null) {
      if (this.#redials.size >= MAX_HELLO_CONTACTS) return
      redial = { attempt: 0 }
      this.#redials.set(contactId, redial)
    }
    const entry = redial
    entry.timer = setTimeout(() => {
      entry.timer = undefined
      entry.attempt++
      this.greet([contactId])
    }, backoffDelay(entry.attempt, REDIAL_BACKOFF))
  }

  async #greetAll (): Promise<void> {
    const contacts = (await listContacts(this.#db)).filter(c => helloType(c) != null || (!c.blocked && c.state === 'accepted'))
    const withOutbox = new Set(await contactsWithOutbox(this.#db))
    const ids = contacts.flatMap(c => c.id == null ? [] : [c.id])
    // contacts we owe messages first
    ids.sort((a, b) => Number(withOutbox.has(b)) - Number(withOutbox.has(a)))
    this.greet(ids.slice(0, MAX_HELLO_CONTACTS))
  }

  /**
   * Dials each contact that is not connected (a failure plans a redial) and,
   * once connected, sends what we owe it and kicks its outbox. Never throws.
   */
  greet (contactIds: ContactId[]): void {
    const node = this.#node
    if (this.#stopped) return
    const queue = [...contactIds]
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id != null; id = queue.shift()) {
        const contact = await getContact(this.#db, id)
        if (contact == null) continue
        const peerId = peerIdFromString(contact.peerId)
        if (node.getConnections(peerId).length > 0) {
          if (contact.helloPending === true) await this.#sendHello(id)
          this.#outbox.kick(id)
          continue
        }
        if (contact.blocked) continue
        try {
          await this.#dialer.connect(contact, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
        } catch {
          // offline: dial again later; the outbox (if any) retries with back-off too
          this.#scheduleRedial(id)
          this.#outbox.kick(id)
        }
      }
    }
    for (let i = 0; i < HELLO_CONCURRENCY; i++) {
      worker().catch((err: unknown) => {
        if (!this.#stopped) this.#log.error('greeting contacts failed - %e', err)
      })
    }
  }
}

/** What we owe a contact: a request (we asked), an accept (we accepted), or nothing. */
function helloType (contact: ContactRow | undefined): 'request' | 'accept' | undefined {
  if (contact == null || contact.blocked || contact.helloPending !== true) return undefined
  if (contact.state === 'requested') return 'request'
  if (contact.state === 'accepted') return 'accept'
  return undefined
}

/** The addresses in a hello that lead to `peer` itself (others are dropped), each ending in its /p2p. */
function ownAddresses (peer: PeerId, addresses: string[]): string[] {
  const out: string[] = []
  for (const raw of addresses) {
    try {
      const ma = multiaddr(raw)
      const last = ma.getComponents().at(-1)
      if (last?.name === 'p2p') {
        if (last.value === peer.toString()) out.push(ma.toString())
      } else {
        out.push(ma.encapsulate(`/p2p/${peer.toString()}`).toString())
      }
    } catch {
      // not an address: dropped
    }
  }
  return out
}

