import { incomingRow, storeIncoming } from '../../db/messages.ts'
import { mayExchange } from '../contacts/book.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { MessageId } from '../../db/types.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { TransferManager } from '../transfers/transfers.ts'
import type { ChatInbox } from './chat-service.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'
import type { PeerId } from '@libp2p/interface'

export interface InboxComponents {
  db: ParleyDb
  events: ParleyEventTarget
  contactBook: Pick<ContactBook, 'byPeerId'>
  transfers: Pick<TransferManager, 'receive'>
}

/**
 * Received messages, from a chat stream or a mailbox: only from contacts we
 * may exchange messages with (contacts/book.ts mayExchange). The tabs hear
 * of a message (`message` event) as its DB write starts; the ack waits for
 * the write. A file offer goes to the transfers, which store it with its
 * transfer row.
 */
export class Inbox implements ChatInbox {
  readonly #components: InboxComponents

  constructor (components: InboxComponents) {
    this.#components = components
  }

  async receive (from: PeerId, message: ChatMessageFrame): Promise<'stored' | 'duplicate' | 'not-a-contact'> {
    const { db, events, contactBook, transfers } = this.#components
    const contact = await contactBook.byPeerId(from.toString())
    if (!mayExchange(contact)) return 'not-a-contact'
    const input = {
      id: message.id as MessageId,
      contactId: contact.id,
      fromPeerId: from.toString(),
      body: message.text,
      sentAt: message.sentAt,
      receivedAt: Date.now()
    }
    if (message.file != null) return transfers.receive({ ...input, file: message.file })
    const stored = storeIncoming(db, input)
    events.safeDispatchEvent('message', { detail: { kind: 'received', message: incomingRow(input) } })
    try {
      return await stored
    } catch (err) {
      events.safeDispatchEvent('message', { detail: { kind: 'dropped', contactId: contact.id, id: input.id } })
      throw err
    }
  }
}
