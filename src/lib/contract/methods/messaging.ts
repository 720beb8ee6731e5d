/** Messages. */
import { method, returns } from '../define.ts'
import { contactId, longText, messageId } from '../ids.ts'
import { v } from '../schema.ts'
import type { MessageId } from '../rows.ts'

export const messagingMethods = {
  /** queue a text message to a contact (an answer to `replyTo`, when given) and try to deliver it; resolves once it is stored */
  sendMessage: method({
    params: v.object({ contactId: contactId(), text: longText(), replyTo: v.optional(messageId()) }),
    result: returns<{ messageId: MessageId }>()
  })
} as const
