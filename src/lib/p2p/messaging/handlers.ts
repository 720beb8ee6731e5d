import { ContactNotFoundError } from '../../db/errors.ts'
import { outgoingRow, storeOutgoing } from '../../db/messages.ts'
import { authorOf } from '../kernel/author.ts'
import { MessageNotFoundError } from '../kernel/errors.ts'
import { checkText } from './text.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { Outbox } from './outbox.ts'

export type MessagingMethod = 'sendMessage'

export interface MessagingHandlerComponents {
  db: ParleyDb
  identity: Pick<IdentityPort, 'require'>
  /** our rows name the account (kernel/author.ts) */
  devices: Pick<DevicesPort, 'account'>
  contactBook: Pick<ContactBookPort, 'byId'>
  outbox: Pick<Outbox, 'send'>
  /** told `message:sent` (it ends our typing to the contact), and `own:change` once it is stored (our other devices learn it, sync/) */
  events: Pick<ParleyEventTarget, 'safeDispatchEvent'>
}

/** Resolves in a later task (after what this task has queued, microtasks included). */
async function nextTask (): Promise<void> {
  await new Promise<void>((resolve) => { setTimeout(resolve, 0) })
}

/** The messaging contract methods. */
export function messagingHandlers (components: MessagingHandlerComponents): NodeHandlers<MessagingMethod> {
  return {
    /**
     * Stores the message in the outbox and already sends it when the contact
     * is connected (Outbox.send): the frame goes out in this task, the write
     * starts in the next one (started now, Dexie's first steps for it would
     * run in microtasks ahead of the frame). Resolves once the message is
     * stored; nothing is marked sent or delivered before that. It ends our
     * typing to the contact (`message:sent`, actions/typing.ts).
     */
    sendMessage: async ({ contactId, text, replyTo }) => {
      const from = authorOf(components.identity, components.devices)
      checkText(text)
      const contact = await components.contactBook.byId(contactId)
      if (contact == null) throw new ContactNotFoundError('unknownContact')
      if (replyTo !== undefined && (await components.db.messages.get(replyTo))?.contactId !== contactId) throw new MessageNotFoundError('messageNotFound')
      const row = outgoingRow({ contactId, fromPeerId: from, body: text, replyTo, ttl: contact.timer?.ttl })
      const stored = nextTask().then(async () => { await storeOutgoing(components.db, row) })
      components.outbox.send(contact, row, stored)
      components.events.safeDispatchEvent('message:sent', { detail: { contactId } })
      await stored
      components.events.safeDispatchEvent('own:change', { detail: { kind: 'sent', messageId: row.id } })
      return { messageId: row.id }
    }
  }
}
