import { ContactNotFoundError } from '../../db/errors.ts'
import { checkText } from '../messaging/text.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import type { ContactBook } from '../contacts/book.ts'
import type { Identity } from '../identity/identity.ts'
import type { TransferManager } from './transfers.ts'

export interface TransferHandlerComponents {
  identity: Pick<Identity, 'require'>
  contactBook: Pick<ContactBook, 'byId'>
  transfers: TransferManager
}

/** The transfers' contract methods. */
export function transferHandlers (components: TransferHandlerComponents): NodeHandlers<'sendFile' | 'cancelTransfer' | 'retryTransfer' | 'getFile'> {
  return {
    /** Offers a file to a contact (TransferManager.sendFile); resolves with its message id once stored. */
    sendFile: async ({ contactId, file, name, mime, caption, thumb }) => {
      const profile = components.identity.require()
      const contact = await components.contactBook.byId(contactId)
      if (contact == null) throw new ContactNotFoundError('unknownContact')
      if (caption !== '') checkText(caption)
      const messageId = await components.transfers.sendFile({
        contactId, file, name, mime, caption, fromPeerId: profile.peerId, ...(thumb == null ? {} : { thumb })
      })
      return { messageId }
    },
    cancelTransfer: async ({ id }) => { await components.transfers.cancel(id); return null },
    retryTransfer: async ({ id }) => { await components.transfers.retry(id); return null },
    /** The bytes of a received (complete) or sent file, as a disk-backed Blob for saving or viewing. */
    getFile: async ({ id }) => ({ file: await components.transfers.file(id) })
  }
}
