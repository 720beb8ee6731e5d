import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { CHAT_PROTOCOL_V2_0 } from '@parley/protocol/chat/constants'
import { MAX_CONTACT_ADDRESSES } from '@parley/protocol/contact/codec'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { clearHelloPending, getContact, getContactByPeerId, listContacts, markSpeaksSessions, receiveHello, setContactState, setHelloStored, setPresence } from '../../db/contacts.ts'
import { nextHelloTime } from '../../db/settings.ts'
import { bestConnection } from '../kernel/connections.ts'
import { CONTACT_CONNECT_TIMEOUT_MS } from '../kernel/ports/presence.ts'
import type { ContactService } from './contact-service.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { HelloInput } from '../../db/contacts.ts'
import type { ContactId, ContactRow } from '../../db/types.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ContactHellosPort } from '../kernel/ports/contacts.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { MailboxCourierPort, OutboxPort } from '../kernel/ports/messaging.ts'
import type { ContactDialer, GreeterPort } from '../kernel/ports/presence.ts'
import type { ContactHelloFrame, ContactReplyFrame } from '@parley/protocol/contact/codec'
import type { ComponentLogger, Libp2p, Logger, PeerId, PeerStore, Startable } from '@libp2p/interface'

/** How many contacts hear our new addresses at once. */
export const HELLO_CONCURRENCY = 4
/** At most this many contacts hear our new addresses per change. */
export const MAX_ANNOUNCED_CONTACTS = 200
/** At most this many contact requests are sent at once. */
export const MAX_HELLOS_IN_FLIGHT = 64
/**
 * Connected contacts hear our new addresses this long after the last change
 * of them: libp2p reports a reservation that ends and the one that replaces
 * it as separate updates, which one hello then covers.
 */
export const ADDRESS_HELLO_DEBOUNCE_MS = 2000

export interface ContactHellosComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'> & {
    peerStore: Pick<PeerStore, 'merge' | 'get'>
    services: { contact: Pick<ContactService, 'send'> }
  }
  identity: Pick<IdentityPort, 'require'>
  status: Pick<StatusBoard, 'current'>
  outbox: OutboxPort
  courier: Pick<MailboxCourierPort, 'depositHello'>
  dialer: Pick<ContactDialer, 'connect'>
  greeter: Pick<GreeterPort, 'redial'>
  events: ParleyEventTarget
}

/**
 * The hellos of `/parley/contact/1.0.0` both ways (docs/protocols.md,
 * "Contact requests"): the requests and accepts that arrive (the contact
 * service's desk), the ones we owe, and telling connected contacts our new
 * addresses when a relay died and another holds our reservation. Never
 * throws out of its event handlers.
 */
export class ContactHellos implements ContactHellosPort, Startable {
  readonly #components: ContactHellosComponents
  readonly #log: Logger
  #started = false
  /** contacts a request or accept is being sent to right now */
  readonly #sending = new Set<ContactId>()
  /** the addresses connected contacts were last told (sorted, joined) */
  #announced = ''
  #announceTimer?: ReturnType<typeof setTimeout>
  readonly #announcing: SingleFlight

  constructor (components: ContactHellosComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:hellos')
    this.#announcing = new SingleFlight(async () => this.#announce(), (err) => {
      if (this.#started) this.#log.error('telling contacts our new addresses failed - %e', err)
    })
  }

  start (): void {
    this.#started = true
    this.#components.libp2p.addEventListener('self:peer:update', this.#onSelfUpdate)
  }

  stop (): void {
    this.#started = false
    this.#components.libp2p.removeEventListener('self:peer:update', this.#onSelfUpdate)
    clearTimeout(this.#announceTimer)
    this.#announcing.stop()
  }

  /**
   * A contact request or acceptance from a peer (the contact service's desk).
   * Only addresses of the peer itself are kept; an accepted contact's outbox
   * flows at once.
   */
  async receive (from: PeerId, frame: ContactHelloFrame): Promise<ContactReplyFrame['status']> {
    if (!this.#started) return 'refused'
    const { db, libp2p } = this.#components
    const addresses = ownAddresses(from, frame.addresses)
    const before = await getContactByPeerId(db, from.toString())
    const input: HelloInput = { peerId: from.toString(), type: frame.type, name: frame.name, addresses, ...(frame.sessions === true ? { sessions: true } : {}) }
    if (frame.time !== undefined) input.time = frame.time
    const status = await receiveHello(db, input)
    // a replay (docs/protocols.md, "Freshness"): changes nothing, the answer is how we stand
    if (status === 'stale') return standing(before)
    if (status === 'refused') return status
    await libp2p.peerStore.merge(from, { multiaddrs: addresses.map(a => multiaddr(a)) })
    const contact = await getContactByPeerId(db, from.toString())
    if (contact != null) {
      if (libp2p.getConnections(from).length > 0) await setPresence(db, contact.peerId, 'online', Date.now())
      if (status === 'accepted') {
        if (before?.state !== 'accepted') this.#accepted(contact.peerId)
        this.#components.outbox.kick(contact.id)
        // our own request or accept may still be owed (both added each other at once)
        if (contact.helloPending === true) void this.sendOwed(contact.id)
      }
    }
    return status
  }

  /** They accepted us: tell the node's features (the upgrader goes direct). */
  #accepted (peerId: string): void {
    this.#components.events.safeDispatchEvent('contact:accepted', { detail: { peerId } })
  }

  /**
   * Sends the request or accept we owe `contactId`, if any, over an open
   * connection or a new dial. The answer settles it ({@link settle}). When
   * they cannot be reached, the hello is sealed into their mailbox (once per
   * hello owed: `helloStored`), where their node finds it when it comes
   * online; it stays owed until an answer comes, live or from a mailbox. The
   * greeter dials again after a back-off, and the next connection sends it.
   * Never throws.
   */
  async sendOwed (contactId: ContactId): Promise<void> {
    if (!this.#started || this.#sending.has(contactId) || this.#sending.size >= MAX_HELLOS_IN_FLIGHT) return
    const { db, dialer, libp2p } = this.#components
    this.#sending.add(contactId)
    let owed: { contact: ContactRow, hello: ContactHelloFrame } | undefined
    try {
      const contact = await getContact(db, contactId)
      const type = helloType(contact)
      if (contact == null || type == null) return
      owed = { contact, hello: { type, ...await this.#me() } }
      const connection = await dialer.connect(contact, { signal: AbortSignal.timeout(CONTACT_CONNECT_TIMEOUT_MS) })
      await this.settle(contact, await libp2p.services.contact.send(connection, owed.hello))
    } catch (err) {
      if (!this.#started) return
      this.#log.error('could not send the contact request to %d - %e', contactId, err)
      if (owed != null && owed.contact.helloStored !== true) await this.#store(owed.contact, owed.hello)
      this.#components.greeter.redial(contactId)
    } finally {
      this.#sending.delete(contactId)
    }
  }

  /**
   * Their answer to our hello, live or from a mailbox: 'accepted' makes them
   * a contact (and their outbox flows), 'pending' means it arrived, 'refused'
   * ends the asking. A reply that says their app speaks sessions marks the
   * contact first, for good: nothing goes to them outside a box, also when
   * this reply is what makes them a contact (docs/security.md, "Sessions are
   * mandatory"). So does a reply without it (an app of 2026-11-29 before
   * replies said it) from a peer whose identify listed chat 2.0.0 before it
   * was our contact again (then nothing marked it: SessionPins marks only
   * contacts).
   */
  async settle (contact: ContactRow, { status, sessions }: Pick<ContactReplyFrame, 'status' | 'sessions'>): Promise<void> {
    const db = this.#components.db
    if (contact.sessions !== true && (sessions === true || await this.#identifiedWithSessions(contact.peerId))) await markSpeaksSessions(db, contact.peerId)
    if (status === 'accepted') {
      await setContactState(db, contact.id, 'accepted', false)
      if (contact.state !== 'accepted') this.#accepted(contact.peerId)
      this.#components.outbox.kick(contact.id)
    } else {
      // only the hello is settled: their accept may have arrived meanwhile
      await clearHelloPending(db, contact.id)
    }
  }

  /** Whether `peer`'s identify (over Noise: its own word), whenever it came, listed chat 2.0.0. */
  async #identifiedWithSessions (peer: string): Promise<boolean> {
    try {
      return (await this.#components.libp2p.peerStore.get(peerIdFromString(peer))).protocols.includes(CHAT_PROTOCOL_V2_0)
    } catch {
      // never identified
      return false
    }
  }

  /**
   * `contactId` cannot be reached now (the greeter's dial failed): the
   * request or accept we owe it, if any and not there yet, goes to its
   * mailbox. Never throws.
   */
  async storeOwed (contactId: ContactId): Promise<void> {
    if (!this.#started || this.#sending.has(contactId)) return
    const contact = await getContact(this.#components.db, contactId).catch(() => undefined)
    const type = helloType(contact)
    if (contact == null || type == null || contact.helloStored === true) return
    await this.#store(contact, { type, ...await this.#me() })
  }

  /** Leaves the hello we owe `contact` in its mailbox; it stays owed (a live answer, or theirs from a mailbox, settles it). */
  async #store (contact: ContactRow, hello: ContactHelloFrame): Promise<void> {
    try {
      if (await this.#components.courier.depositHello(contact, hello) > 0) await setHelloStored(this.#components.db, contact.id)
    } catch (err) {
      this.#log.error('could not leave the contact request for %d on a relay - %e', contact.id, err)
    }
  }

  /** Our display name and current circuit addresses, as a hello carries them, its time (later than any hello made before), and that we speak sessions. */
  async #me (): Promise<{ name: string, addresses: string[], time: number, sessions: true }> {
    return {
      name: this.#components.identity.require().username,
      addresses: this.#components.status.current.addresses.slice(0, MAX_CONTACT_ADDRESSES),
      time: await nextHelloTime(this.#components.db),
      sessions: true
    }
  }

  /** Our current circuit addresses, as many as a hello carries. */
  #addresses (): string[] {
    return this.#components.status.current.addresses.slice(0, MAX_CONTACT_ADDRESSES)
  }

  /** libp2p's self:peer:update: our addresses may have changed; connected contacts hear of it once they settle. */
  readonly #onSelfUpdate = (): void => {
    if (!this.#started) return
    clearTimeout(this.#announceTimer)
    this.#announceTimer = setTimeout(() => {
      this.#announceTimer = undefined
      void this.#announcing.request()
    }, ADDRESS_HELLO_DEBOUNCE_MS)
  }

  /**
   * Sends our current addresses in an `accept` hello (which the node of a
   * contact that has us as accepted takes as a refresh of our name and
   * addresses) to each accepted contact we are connected to, when they differ
   * from what we told last: at most MAX_ANNOUNCED_CONTACTS contacts,
   * HELLO_CONCURRENCY at a time, one round at a time (a change during a round
   * is told in the next). Contacts not connected now find us through the DHT;
   * contacts owed a request or accept get our addresses with it.
   */
  async #announce (): Promise<void> {
    const addresses = this.#addresses()
    const key = [...addresses].sort().join(' ')
    if (addresses.length === 0 || key === this.#announced) return
    this.#announced = key
    const me = await this.#me()
    const { db, libp2p } = this.#components
    const queue = (await listContacts(db))
      .filter(c => !c.blocked && c.state === 'accepted' && c.helloPending !== true)
      .flatMap(contact => {
        const connection = bestConnection(libp2p, peerIdFromString(contact.peerId))
        return connection == null ? [] : [{ contact, connection }]
      })
      .slice(0, MAX_ANNOUNCED_CONTACTS)
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next != null && this.#started; next = queue.shift()) {
        try {
          await libp2p.services.contact.send(next.connection, { type: 'accept', ...me })
        } catch (err) {
          // it finds us through the DHT instead, once the connection is gone
          this.#log('could not tell contact %d our new addresses - %e', next.contact.id, err)
        }
      }
    }
    await Promise.all(Array.from({ length: HELLO_CONCURRENCY }, worker))
  }
}

/** What we owe a contact: a request (we asked), an accept (we accepted), or nothing. */
export function helloType (contact: ContactRow | undefined): 'request' | 'accept' | undefined {
  if (contact == null || contact.blocked || contact.helloPending !== true) return undefined
  if (contact.state === 'requested') return 'request'
  if (contact.state === 'accepted') return 'accept'
  return undefined
}

/** How we stand with a contact (`before`, as it was) whose stale hello changed nothing. */
function standing (before: ContactRow | undefined): ContactReplyFrame['status'] {
  if (before?.blocked === true) return 'refused'
  if (before?.state === 'accepted') return 'accepted'
  return before?.state === 'pending' ? 'pending' : 'refused'
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
