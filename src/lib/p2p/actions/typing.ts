/**
 * Typing indicators, sent (docs/protocols.md, "Message actions", typing):
 * only to an accepted contact over a connection that is open now (never
 * queued, stored or put in a mailbox), only while the user keeps them on,
 * and at most one "typing" per TYPING_REPEAT_MS per contact. A message sent
 * ends the typing without a "stopped" of its own (the contact's app stops
 * showing it when the message arrives): the next "typing" goes at once.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { newMessageId } from '../../db/messages.ts'
import { messagingSettings } from '../../db/settings.ts'
import { mayExchange } from '../contacts/index.ts'
import { bestConnection } from '../kernel/connections.ts'
import { TYPING_SEND_TIMEOUT_MS, TypingThrottle } from '../kernel/typing-throttle.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId } from '../../db/types.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ChatPort } from '../kernel/ports/messaging.ts'
import type { ComponentLogger, Libp2p, Logger } from '@libp2p/interface'
/** Contacts whose last signal is remembered (for the rate limit); the oldest is forgotten first. */
export const MAX_TYPING_CONTACTS = 256

export interface TypingComponents {
  db: ParleyDb
  logger: ComponentLogger
  contactBook: Pick<ContactBookPort, 'byId'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { chat: ChatPort } }
}

export class TypingSender {
  readonly #components: TypingComponents
  readonly #log: Logger
  readonly #last = new TypingThrottle<ContactId>(MAX_TYPING_CONTACTS)

  constructor (components: TypingComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:typing')
  }

  /** A message to the contact was sent (`message:sent`): it ends our typing there (`TypingThrottle.messageSent`). */
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
