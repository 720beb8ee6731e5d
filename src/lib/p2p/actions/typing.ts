/**
 * Typing indicators, sent (docs/protocols.md, "Message actions", typing):
 * only to an accepted contact over a connection that is open now (never
 * queued, stored or put in a mailbox), only while the user keeps them on,
 * and at most one "typing" per TYPING_REPEAT_MS per contact. A message sent
 * ends the typing without a "stopped" of its own (the contact's app stops
 * showing it when the message arrives): the next "typing" goes at once.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { TYPING_REPEAT_MS } from '../../contract/methods/actions.ts'
import { newMessageId } from '../../db/messages.ts'
import { messagingSettings } from '../../db/settings.ts'
import { mayExchange } from '../contacts/book.ts'
import { bestConnection } from '../kernel/connections.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId } from '../../db/types.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { ChatService } from '../messaging/chat-service.ts'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'

/** A typing signal that is not answered within this long is given up (the next one replaces it anyway). */
export const TYPING_SEND_TIMEOUT_MS = 5000
/** Contacts whose last signal is remembered (for the rate limit); the oldest is forgotten first. */
export const MAX_TYPING_CONTACTS = 256

export interface TypingComponents {
  db: ParleyDb
  logger: ComponentLogger
  contactBook: Pick<ContactBook, 'byId'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { chat: Pick<ChatService, 'deliver'> } }
}

/**
 * The last typing signal sent per chat (a contact, a group), oldest first, at
 * most `max`: a "typing" goes at most once per TYPING_REPEAT_MS, a "stopped"
 * only after a "typing".
 */
export class TypingThrottle<K> {
  readonly #last = new Map<K, { typing: boolean, at: number }>()

  constructor (private readonly max: number) {}

  /** Whether `typing` is worth sending for `key` at `now`. */
  due (key: K, typing: boolean, now: number): boolean {
    const last = this.#last.get(key)
    return typing ? !(last?.typing === true && now - last.at < TYPING_REPEAT_MS) : last?.typing === true
  }

  /** `typing` was sent for `key` at `now`. */
  sent (key: K, typing: boolean, now: number): void {
    this.#last.delete(key)
    this.#last.set(key, { typing, at: now })
    if (this.#last.size > this.max) this.#last.delete(this.#last.keys().next().value as K)
  }

  /** A message went to `key` at `now`: it says the typing stopped (no "stopped" is due after it), and the next "typing" is due at once. */
  messageSent (key: K, now: number): void {
    if (this.#last.get(key)?.typing === true) this.sent(key, false, now)
  }
}

export class TypingSender {
  readonly #components: TypingComponents
  readonly #log: Logger
  readonly #last = new TypingThrottle<ContactId>(MAX_TYPING_CONTACTS)

  constructor (components: TypingComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:typing')
  }

  /** A message to the contact was sent: it ends our typing there (`TypingThrottle.messageSent`). */
  messageSent (contactId: ContactId): void {
    this.#last.messageSent(contactId, Date.now())
  }

  /** Tells the contact, when it makes sense now; never throws for the network's sake. */
  async set (contactId: ContactId, typing: boolean): Promise<void> {
    const now = Date.now()
    if (!this.#last.due(contactId, typing, now)) return
    if (!(await messagingSettings(this.#components.db)).typing) return
    const contact = await this.#components.contactBook.byId(contactId)
    if (!mayExchange(contact)) return
    const connection = bestConnection(this.#components.libp2p, peerIdFromString(contact.peerId))
    if (connection == null) return
    this.#last.sent(contactId, typing, now)
    await this.#components.libp2p.services.chat.deliver(connection, [{ type: 'typing', id: newMessageId(now), typing }], {
      signal: AbortSignal.timeout(TYPING_SEND_TIMEOUT_MS),
      // never in a message's way (a sealed signal costs as much as a message to send and to answer)
      lane: 'signals'
    }).catch((err: unknown) => { this.#log('typing signal to contact %d not sent - %e', contactId, err) })
  }
}
