/**
 * What the outbox sends: messages and message events (db/events.ts), one
 * queue in id order, each as its chat frame (docs/protocols.md, "Chat" and
 * "Message actions"; an event's as its kind says, db/event-kinds.ts), sent
 * directly or sealed for a mailbox.
 */
import { EVENT_KINDS, eventFrame } from '../../db/event-kinds.ts'
import { outboxEvents, setEventState } from '../../db/events.ts'
import { compareById, outbox, setMessageState } from '../../db/messages.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, EventRow, MessageRow, MessageState } from '../../db/types.ts'
import type { ChatDialerFrame, ChatMessageFrame } from '@parley/protocol/chat/codec'

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
    // a kind with no frame ('hide') is never sent
    ...events.filter(row => EVENT_KINDS[row.kind].wire !== undefined).map(row => ({ table: 'events' as const, row }))
  ]
  return items.sort((a, b) => compareById(a.row, b.row))
}
