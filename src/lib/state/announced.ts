/**
 * Messages the node announced on arrival, before their DB write committed
 * (`IncomingMessageEvent`), held by an open chat until the stored rows reach
 * it through liveQuery. The database stays the record: a stored row always
 * replaces its announcement, and a failed write withdraws it.
 */
import type { ContactId, MessageId, MessageRow } from '../db/types.ts'
import type { IncomingMessageEvent } from '../rpc/protocol.ts'

/** A chat holds at most this many announced messages (the oldest go first). */
export const MAX_ANNOUNCED = 256

/** Display order of a chat: sentAt, then id (as `chatMessages` reads it). */
export function compareMessages (a: MessageRow, b: MessageRow): number {
  return a.sentAt - b.sentAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** `announced` after `event`, for the chat with `contactId` (the same array when nothing changed). */
export function applyAnnounced (announced: readonly MessageRow[], event: IncomingMessageEvent, contactId: ContactId): readonly MessageRow[] {
  // stored already: the rows come through liveQuery, nothing to show ahead of them
  if (event.kind === 'stored') return announced
  if (event.kind === 'dropped') {
    return event.contactId === contactId && announced.some(m => m.id === event.id)
      ? announced.filter(m => m.id !== event.id)
      : announced
  }
  const message = event.message
  if (message.contactId !== contactId || announced.some(m => m.id === message.id)) return announced
  const next = [...announced, message]
  return next.length > MAX_ANNOUNCED ? next.slice(next.length - MAX_ANNOUNCED) : next
}

/**
 * `announced` without the messages `stored` now holds (the same array when
 * none). With `landed`, the ids seen stored are added to it and stay left
 * out: a stored row that goes again (deleted, disappeared) must not bring
 * its announcement back.
 */
export function pruneAnnounced (announced: readonly MessageRow[], stored: readonly MessageRow[], landed?: Set<MessageId>): readonly MessageRow[] {
  if (announced.length === 0) return announced
  const ids = new Set(stored.map(m => m.id))
  for (const m of announced) if (ids.has(m.id)) landed?.add(m.id)
  const gone = (m: MessageRow): boolean => ids.has(m.id) || landed?.has(m.id) === true
  return announced.some(gone) ? announced.filter(m => !gone(m)) : announced
}

/**
 * What a chat shows: its stored messages (the last `limit`, in display order)
 * plus announced ones not stored yet. When `stored` is a full window, an
 * announced message that sorts before it would not be in the window either,
 * so it is left out.
 */
export function mergeMessages (stored: readonly MessageRow[], announced: readonly MessageRow[], limit: number): readonly MessageRow[] {
  if (announced.length === 0) return stored
  const ids = new Set(stored.map(m => m.id))
  const first = stored[0]
  const extra = announced.filter(m => !ids.has(m.id) && (stored.length < limit || first === undefined || compareMessages(m, first) > 0))
  if (extra.length === 0) return stored
  return [...stored, ...extra].sort(compareMessages)
}
