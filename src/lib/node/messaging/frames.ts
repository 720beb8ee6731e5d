import type { MessageRow } from '../../db/types.ts'
import type { ChatMessageFrame } from '@parley/protocol/chat/codec'

/** The chat frame of a stored outgoing message, as the outbox sends it directly and the courier seals it for a mailbox. */
export function messageFrame (row: MessageRow): ChatMessageFrame {
  return row.file == null
    ? { type: 'message', id: row.id, text: row.body, sentAt: row.sentAt }
    : { type: 'message', id: row.id, text: row.body, sentAt: row.sentAt, file: row.file }
}
