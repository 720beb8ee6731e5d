/**
 * Typing indicators to a contact (docs/protocols.md, "Message actions",
 * typing): what kernel/typing.ts says of every chat, and here only to an
 * accepted contact's devices over the connections open now (one per
 * device), sealed in the session like any action.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { newMessageId } from '../../db/messages.ts'
import { devicePeersOf } from '../../db/pending-rows.ts'
import { mayExchange } from '../contacts/index.ts'
import { bestConnection } from '../kernel/connections.ts'
import { TypingSignals } from '../kernel/typing.ts'
import type { ContactId } from '../../db/types.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { ChatPort } from '../kernel/ports/messaging.ts'
import type { TypingSignalsComponents } from '../kernel/typing.ts'
import type { ComponentLogger, Libp2p } from '@libp2p/interface'

/** Contacts whose last signal is remembered (for the rate limit); the oldest is forgotten first. */
export const MAX_TYPING_CONTACTS = 256

export interface TypingComponents extends TypingSignalsComponents {
  logger: ComponentLogger
  contactBook: Pick<ContactBookPort, 'byId'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { chat: ChatPort } }
}

/** The typing signals of contacts' chats, keyed by contact. */
export function contactTyping (components: TypingComponents): TypingSignals<ContactId> {
  const log = components.logger.forComponent('parley:typing')
  return new TypingSignals<ContactId>(components, MAX_TYPING_CONTACTS, async (contactId, typing, now) => {
    const contact = await components.contactBook.byId(contactId)
    if (!mayExchange(contact)) return undefined
    // to each device of the contact's account connected now (its list's, else its PeerID alone)
    const connections = devicePeersOf(contact).flatMap(device => bestConnection(components.libp2p, peerIdFromString(device)) ?? [])
    if (connections.length === 0) return undefined
    const id = newMessageId(now)
    return async (signal) => {
      await Promise.all(connections.map(async connection => components.libp2p.services.chat.deliver(connection, [{ type: 'typing', id, typing }], {
        signal,
        // never in a message's way (a sealed signal costs as much as a message to send and to answer)
        lane: 'signals'
      }).catch((err: unknown) => { log('typing signal to contact %d (%p) not sent - %e', contactId, connection.remotePeer, err) })))
    }
  })
}
