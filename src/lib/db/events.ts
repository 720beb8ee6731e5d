/**
 * Message events (schema v7 `events`; docs/protocols.md, "Message actions"):
 * reactions, edits, deletes for everyone, read receipts and timer changes,
 * sent and received like messages. Each is stored once by id; its effect on
 * the message it targets is a last-writer-wins merge (`mergeEvent`), so the
 * same events applied in any order, twice, or before their message arrives,
 * give the same row. An event whose message is not here yet waits in the
 * table and is applied when the message is stored (`withPendingEvents`).
 */
import { DELETE_WINDOW_MS, EDIT_WINDOW_MS } from '@parley/protocol/chat/constants'
import type { ParleyDb } from './db.ts'
import { isLocalEntry } from '../model/local-entries.ts'
import { compareById } from './messages.ts'
import type { ContactRow, EventRow, EventStamp, MessageId, MessageRow } from './types.ts'

/** The outbox index, as for messages. */
const BY_STATE = '[direction+state+contactId]'
const PENDING_STATES = ['queued', 'sent', 'stored'] as const

/** Whether `a` is newer than `b`: later `sentAt`, then greater id. */
export function newer (a: EventStamp, b: EventStamp | undefined): boolean {
  return b === undefined || a.sentAt > b.sentAt || (a.sentAt === b.sentAt && a.id > b.id)
}

/**
 * Why an event cannot apply to its message: it is not the author's, or it came after the window;
 * 'local': the message is a call or notice kept in the chat (local-entries.ts), which only "delete for me" touches.
 */
export type EventRefusal = 'not-yours' | 'not-text' | 'too-late' | 'deleted' | 'local'

/** Whether `event` may change `row` at all (undefined: it may). */
export function refusal (row: MessageRow, event: EventRow): EventRefusal | undefined {
  if (isLocalEntry(row) && event.kind !== 'hide') return 'local'
  switch (event.kind) {
    case 'edit':
      if (row.fromPeerId !== event.fromPeerId) return 'not-yours'
      if (row.deleted !== undefined) return 'deleted'
      if (row.kind !== 'text') return 'not-text'
      return event.sentAt - row.sentAt > EDIT_WINDOW_MS ? 'too-late' : undefined
    case 'delete':
      if (row.fromPeerId !== event.fromPeerId) return 'not-yours'
      return event.sentAt - row.sentAt > DELETE_WINDOW_MS ? 'too-late' : undefined
    case 'reaction':
      return row.deleted !== undefined ? 'deleted' : undefined
    case 'read':
      // a read receipt is about messages its author received, never its own
      return row.fromPeerId === event.fromPeerId ? 'not-yours' : undefined
    default:
      return undefined
  }
}

/** `row` with nothing left of its content: what "deleted for everyone" keeps. */
function tombstone (row: MessageRow, stamp: EventStamp): MessageRow {
  const { file: _file, reactions: _reactions, edit: _edit, replyTo: _replyTo, ...rest } = row
  return { ...rest, kind: 'text', body: '', deleted: stamp }
}

/**
 * `row` after `event` (a new object when it changed, `row` itself when not;
 * 'hide' when the user deleted it here, so it should not be stored). Pure:
 * the caller checked `refusal` where it answers the sender.
 */
export function mergeEvent (row: MessageRow, event: EventRow): MessageRow | 'hide' {
  if (event.kind === 'hide') return 'hide'
  if (refusal(row, event) !== undefined) return row
  const stamp: EventStamp = { id: event.id, sentAt: event.sentAt }
  switch (event.kind) {
    case 'reaction': {
      const mine = row.reactions?.find(r => r.from === event.fromPeerId)
      if (mine !== undefined && !newer(stamp, mine)) return row
      const others = (row.reactions ?? []).filter(r => r.from !== event.fromPeerId)
      // in PeerID order, so that the row is the same whatever order the reactions came in
      const reactions = [...others, { ...stamp, from: event.fromPeerId, emoji: event.emoji ?? '' }].sort((a, b) => a.from < b.from ? -1 : a.from > b.from ? 1 : 0)
      return { ...row, reactions }
    }
    case 'edit':
      return newer(stamp, row.edit) ? { ...row, body: event.text ?? row.body, edit: stamp } : row
    case 'delete':
      return row.deleted === undefined ? tombstone(row, stamp) : row
    case 'read':
      if (row.direction !== 'out' || row.state === 'read') return row
      return { ...row, state: 'read', readAt: event.receivedAt ?? event.sentAt }
    default:
      return row
  }
}

/** `row` after every event in `events` (in any order: the merge does not depend on it); undefined when hidden. */
export function withEvents (row: MessageRow, events: readonly EventRow[]): MessageRow | undefined {
  let out = row
  for (const event of events) {
    const next = mergeEvent(out, event)
    if (next === 'hide') return undefined
    out = next
  }
  return out
}

/** The stored events about these messages, by message id (call inside a transaction over `events`). */
export async function eventsAbout (db: ParleyDb, ids: readonly MessageId[]): Promise<Map<MessageId, EventRow[]>> {
  const byTarget = new Map<MessageId, EventRow[]>()
  if (ids.length === 0) return byTarget
  const wanted = new Set<string>(ids)
  const events = await db.events.where('targets').anyOf([...wanted]).toArray()
  for (const event of events) {
    for (const target of event.targets) {
      if (!wanted.has(target)) continue
      const list = byTarget.get(target) ?? []
      list.push(event)
      byTarget.set(target, list)
    }
  }
  return byTarget
}

/**
 * `rows` (about to be stored) with the events that arrived before them
 * applied; a hidden one is left out. Call inside a transaction over `events`.
 */
export async function withPendingEvents (db: ParleyDb, rows: readonly MessageRow[]): Promise<Array<MessageRow | undefined>> {
  const pending = await eventsAbout(db, rows.map(r => r.id))
  return rows.map(row => withEvents(row, pending.get(row.id) ?? []))
}

/** The chat timer after a `timer` event (the newest change wins); undefined when it does not change. */
export function mergeTimer (contact: ContactRow, event: EventRow): ContactRow['timer'] | undefined {
  const stamp: EventStamp = { id: event.id, sentAt: event.sentAt }
  if (event.kind !== 'timer' || !newer(stamp, contact.timer)) return undefined
  return { ...stamp, ttl: event.ttl ?? 0, by: event.fromPeerId }
}

/** Outgoing events to one contact that were not acked yet, oldest first (the outbox sends them with its messages). */
export async function outboxEvents (db: ParleyDb, contactId: number): Promise<EventRow[]> {
  const rows = await db.events.where(BY_STATE).anyOf(PENDING_STATES.map(state => ['out', state, contactId])).toArray()
  return rows.sort(compareById)
}

/** What storing an event did: its outcome, and the message rows it changed (as now stored). */
export interface EventStoreResult {
  outcome: 'stored' | 'duplicate' | 'not-allowed'
  changed: MessageRow[]
  /** messages it deleted that had a file (the caller removes the bytes and the transfer) */
  filesGone: MessageId[]
}

/**
 * Stores an event once (by id) and applies it to what it targets, in one
 * transaction: a reaction, edit or delete to its message when it is here
 * (else it waits for it), a read receipt to our messages, a timer to the
 * contact's chat. An edit or delete the message's author may not make
 * (refusal) is 'not-allowed' and stored nowhere; so is any event about a
 * message of another chat.
 */
export async function storeEvent (db: ParleyDb, event: EventRow): Promise<EventStoreResult> {
  return db.transaction('rw', [db.events, db.messages, db.contacts], async () => {
    const result: EventStoreResult = { outcome: 'stored', changed: [], filesGone: [] }
    if (await db.events.get(event.id) !== undefined) return { ...result, outcome: 'duplicate' }
    if (event.kind === 'timer') {
      const contact = await db.contacts.get(event.contactId)
      const timer = contact === undefined ? undefined : mergeTimer(contact, event)
      if (timer !== undefined) await db.contacts.update(event.contactId, { timer })
    } else {
      const rows = await db.messages.bulkGet(event.targets)
      for (const row of rows) {
        if (row === undefined) continue
        if (row.contactId !== event.contactId || row.groupId !== event.groupId) return { ...result, outcome: 'not-allowed' }
        const why = refusal(row, event)
        if (why !== undefined && event.kind !== 'reaction' && event.kind !== 'read') return { ...result, outcome: 'not-allowed' }
        const next = mergeEvent(row, event)
        if (next === 'hide') {
          await db.messages.delete(row.id)
          if (row.file !== undefined) result.filesGone.push(row.id)
          continue
        }
        if (next === row) continue
        await db.messages.put(next)
        result.changed.push(next)
        if (row.file !== undefined && next.file === undefined) result.filesGone.push(row.id)
      }
    }
    await db.events.add(event)
    return result
  })
}

/** Removes these messages' events (with the messages: a deleted chat, disappeared messages). */
export async function deleteEventsAbout (db: ParleyDb, ids: readonly MessageId[]): Promise<void> {
  if (ids.length === 0) return
  await db.events.where('targets').anyOf([...ids]).delete()
}

/** Moves an outgoing event forward as the outbox sends it (never backwards: queued → sent → stored → delivered; failed is final). */
export async function setEventState (db: ParleyDb, id: string, state: EventRow['state']): Promise<void> {
  const order = ['queued', 'sent', 'stored', 'delivered', 'read']
  await db.transaction('rw', db.events, async () => {
    const row = await db.events.get(id)
    if (row === undefined || row.state === 'failed') return
    if (state !== 'failed' && order.indexOf(state) <= order.indexOf(row.state)) return
    await db.events.update(id, { state })
  })
}

/**
 * Marks our events to `contactId` with these ids delivered (mailbox
 * receipts, after `markDelivered` took the messages among them). Resolves
 * the ids that are not events we sent that contact.
 */
export async function markEventsDelivered (db: ParleyDb, contactId: number, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return []
  return db.transaction('rw', db.events, async () => {
    const rows = await db.events.bulkGet([...ids])
    const notOurs: string[] = []
    for (const [i, row] of rows.entries()) {
      if (row === undefined || row.direction !== 'out' || row.contactId !== contactId) {
        notOurs.push(ids[i] ?? '')
      } else if (row.state === 'queued' || row.state === 'sent' || row.state === 'stored') {
        await db.events.update(row.id, { state: 'delivered' })
      }
    }
    return notOurs
  })
}
