import { ContactNotFoundError } from '../../db/errors.ts'
import { outgoingRow, storeOutgoing } from '../../db/messages.ts'
import { checkText } from './text.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { Identity } from '../identity/identity.ts'
import type { Outbox } from './outbox.ts'

export interface MessagingHandlerComponents {
  db: ParleyDb
  identity: Pick<Identity, 'require'>
  contactBook: Pick<ContactBook, 'byId'>
  outbox: Pick<Outbox, 'send'>
}

/** The messaging contract methods. */
export function messagingHandlers (components: MessagingHandlerComponents): NodeHandlers<'sendMessage'> {
  return {
    /**
     * Stores the message in the outbox and, while that write is under way,
     * already sends it when the contact is connected (Outbox.send). Resolves
     * once the message is stored.
     */
    sendMessage: async ({ contactId, text }) => {
      const profile = components.identity.require()
      checkText(text)
      const contact = await components.contactBook.byId(contactId)
      if (contact == null) throw new ContactNotFoundError('unknownContact')
      const row = outgoingRow({ contactId, fromPeerId: profile.peerId, body: text })
      const stored = storeOutgoing(components.db, row)
      components.outbox.send(contact, row, stored)
      await stored
      return { messageId: row.id }
    }
  }
}
