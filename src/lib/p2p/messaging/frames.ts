/**
 * What the outbox sends: messages and message events (db/events.ts), one
 * queue in id order, each as its chat frame (docs/protocols.md, "Chat" and
 * "Message actions"), sent directly or sealed for a mailbox.
 */
import { outboxEvents, setEventState } from '../../db/events.ts'
import { compareById, outbox, setMessageState } from '../../db/messages.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, EventRow, MessageRow, MessageState } from '../../db/types.ts'
import type { ChatActionFrame, ChatDialerFrame, ChatMessageFrame } from '@parley/protocol/chat/codec'

/** One queued item of the outbox: a message, or an event about one. */
export type OutboxItem = { table: 'messages', row: MessageRow } | { table: 'events', row: EventRow }

/** The chat frame of a stored outgoing message, as the outbox sends it directly and the courier seals it for a mailbox. */
export function messageFrame (row: MessageRow): ChatMessageFrame {
  const frame: ChatMessageFrame = row.file == null
    ? { type: 'message', id: row.id, text: row.body, sentAt: row.sentAt }
    : { type: 'message', id: row.id, text: row.body, sentAt: row.sentAt, file: row.file }
  if (row.replyTo !== undefined) frame.replyTo = row.replyTo
  if (row.ttl !== undefined) frame.ttl = row.ttl
  return frame
}

/** The chat frame of a stored outgoing event ('hide' is never sent and never queued). */
export function eventFrame (row: EventRow): Exclude<ChatActionFrame, { type: 'typing' }> {
  const { id, sentAt } = row
  const target = row.targets[0] ?? ''
  switch (row.kind) {
    case 'reaction': return { type: 'reaction', id, sentAt, target, emoji: row.emoji ?? '' }
    case 'edit': return { type: 'edit', id, sentAt, target, text: row.text ?? '' }
    case 'delete': return { type: 'delete', id, sentAt, target }
    case 'read': return { type: 'read', id, sentAt, targets: row.targets }
    case 'timer': return { type: 'timer', id, sentAt, ttl: row.ttl ?? 0 }
    case 'hide': throw new Error(`event ${id} is local and never sent`)
  }
}

export function itemFrame (item: OutboxItem): ChatDialerFrame {
  return item.table === 'messages' ? messageFrame(item.row) : eventFrame(item.row)
}

/** Moves an item forward (never backwards; see db canTransition / setEventState). */
export async function setItemState (db: ParleyDb, item: OutboxItem, state: MessageState): Promise<void> {
  if (item.table === 'messages') await setMessageState(db, item.row.id, state)
  else await setEventState(db, item.row.id, state)
}

/** Everything queued for `contactId` that was not acked yet, messages and events, in id (creation) order. */
export async function pendingItems (db: ParleyDb, contactId: ContactId): Promise<OutboxItem[]> {
  const [messages, events] = await Promise.all([outbox(db, contactId), outboxEvents(db, contactId)])
  const items: OutboxItem[] = [
    ...messages.map(row => ({ table: 'messages' as const, row })),
    ...events.filter(row => row.kind !== 'hide').map(row => ({ table: 'events' as const, row }))
  ]
  return items.sort((a, b) => compareById(a.row, b.row))
}
