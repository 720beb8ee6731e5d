import { ContactNotFoundError } from '../../db/errors.ts'
import { sanitizeMime } from '../../files/names.ts'
import { checkText } from '../messaging/index.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import { authorOf } from '../kernel/author.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { TransferManager } from './transfers.ts'
import { checkVoice } from './voice.ts'

export type TransferMethod = 'sendFile' | 'cancelTransfer' | 'retryTransfer' | 'getFile'

export interface TransferHandlerComponents {
  identity: Pick<IdentityPort, 'require'>
  /** our rows name the account (kernel/author.ts) */
  devices: Pick<DevicesPort, 'account'>
  contactBook: Pick<ContactBookPort, 'byId'>
  transfers: TransferManager
}

/** The transfers' contract methods. */
export function transferHandlers (components: TransferHandlerComponents): NodeHandlers<TransferMethod> {
  return {
    /**
     * Offers a file to a contact (TransferManager.sendFile); resolves with its
     * message id once stored. A voice message's note is checked first; while
     * the chat's disappearing-messages timer is on, the file disappears as a
     * text would.
     */
    sendFile: async ({ contactId, file, name, mime, caption, thumb, voice }) => {
      const from = authorOf(components.identity, components.devices)
      const contact = await components.contactBook.byId(contactId)
      if (contact == null) throw new ContactNotFoundError('unknownContact')
      if (caption !== '') checkText(caption)
      const note = voice === undefined ? undefined : checkVoice(voice, sanitizeMime(mime))
      const ttl = contact.timer?.ttl ?? 0
      const messageId = await components.transfers.sendFile({
        contactId,
        file,
        name,
        mime,
        caption,
        fromPeerId: from,
        ...(thumb == null ? {} : { thumb }),
        ...(note === undefined ? {} : { voice: note }),
        ...(ttl > 0 ? { ttl } : {})
      })
      return { messageId }
    },
    cancelTransfer: async ({ id }) => { await components.transfers.cancel(id); return null },
    retryTransfer: async ({ id }) => { await components.transfers.retry(id); return null },
    /** The bytes of a received (complete) or sent file, as a disk-backed Blob for saving or viewing. */
    getFile: async ({ id }) => ({ file: await components.transfers.file(id) })
  }
}
