/**
 * What the outbox sends: messages and message events (db/events.ts), one
 * queue per device of the contact in id order, each as its chat frame (docs/protocols.md, "Chat" and
 * "Message actions"; an event's as its kind says, db/event-kinds.ts), sent
 * directly or sealed for a mailbox.
 */
import { eventFrame } from '../../db/event-kinds.ts'
import { setEventState } from '../../db/events.ts'
import { compareById, setMessageState } from '../../db/messages.ts'
import { ackFromDevice, failForDevice, markStoredFor, pendingForDevice } from '../../db/pending-devices.ts'
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

/**
 * Everything to `contactId` that `device` (one of its devices) has not acked
 * yet, messages and events, in id (creation) order (db/pending-devices.ts; a
 * kind with no frame, 'hide', is never sent).
 */
export async function pendingItems (db: ParleyDb, contactId: ContactId, device: string): Promise<OutboxItem[]> {
  const { messages, events } = await pendingForDevice(db, contactId, device)
  const items: OutboxItem[] = [
    ...messages.map(row => ({ table: 'messages' as const, row })),
    ...events.map(row => ({ table: 'events' as const, row }))
  ]
  return items.sort((a, b) => compareById(a.row, b.row))
}

/** `device` acked `item` (live, or in a mailbox receipt): it no longer waits for it, and the row is delivered (the first ack). */
export async function ackItem (db: ParleyDb, item: OutboxItem, device: string): Promise<void> {
  await ackFromDevice(db, item.row.contactId, device, [item.row.id])
}

/** A relay of `device`'s mailbox holds `item`. */
export async function storedFor (db: ParleyDb, item: OutboxItem, device: string): Promise<void> {
  await markStoredFor(db, item.table, item.row.id, device)
}

/** `device` can never take `item` (no such frame in its app, or refused for good): it stops waiting; failed once no device is left. */
export async function failedFor (db: ParleyDb, item: OutboxItem, device: string): Promise<void> {
  await failForDevice(db, item.table, item.row.id, device)
}
