/**
 * Message events (schema v7 `events`; docs/protocols.md, "Message actions"):
 * the actions a chat stores (reactions, edits, deletes for everyone, read
 * receipts, timer changes, …: every kind in event-kinds.ts EVENT_KINDS), sent
 * and received like messages. Each is stored once by id; its effect on the
 * message it targets is its kind's last-writer-wins merge (`mergeEvent`), so
 * the same events applied in any order, twice, or before their message
 * arrives, give the same row. An event whose message is not here yet waits in
 * the table and is applied when the message is stored (`withPendingEvents`).
 */
import type { ParleyDb } from './db.ts'
import { EVENT_KINDS, type EventRefusal } from './event-kinds.ts'
import { isLocalEntry } from '../model/local-entries.ts'
import { compareById } from './messages.ts'
import { awaitsAcks, withPendingDevices } from './pending-rows.ts'
import { addTombstones } from './tombstones.ts'
import type { EventRow, MessageId, MessageRow } from './types.ts'

/** The outbox index, as for messages. */
const BY_STATE = '[direction+state+contactId]'
const PENDING_STATES = ['queued', 'sent', 'stored'] as const

export type { EventRefusal }

/** Whether `event` may change `row` at all (undefined: it may): what its kind refuses (event-kinds.ts), then its window. */
export function refusal (row: MessageRow, event: EventRow): EventRefusal | undefined {
  const kind = EVENT_KINDS[event.kind]
  if (isLocalEntry(row) && kind.onLocalEntries !== true) return 'local'
  if (kind.effect.about !== 'messages') return undefined
  const why = kind.effect.refusal?.(row, event)
  if (why !== undefined) return why
  const window = kind.effect.window
  return window !== undefined && event.sentAt - row.sentAt > window.ms ? 'too-late' : undefined
}

/**
 * `row` after `event` (a new object when it changed, `row` itself when not;
 * 'hide' when the user deleted it here, so it should not be stored): its
 * kind's merge. Pure: the caller checked `refusal` where it answers the sender.
 */
export function mergeEvent (row: MessageRow, event: EventRow): MessageRow | 'hide' {
  const effect = EVENT_KINDS[event.kind].effect
  if (effect.about !== 'messages' || refusal(row, event) !== undefined) return row
  return effect.merge(row, event, { id: event.id, sentAt: event.sentAt })
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
 * Stores an event once (by id) and applies it to what it is about, in one
 * transaction, as its kind says (event-kinds.ts): a reaction, edit or delete
 * to its message when it is here (else it waits for it), a read receipt to
 * our messages, a timer to the contact's chat. An event its kind refuses as
 * 'not-allowed' (an edit or delete the message's author may not make) is
 * 'not-allowed' and stored nowhere; so is any event about a message of
 * another chat.
 */
export async function storeEvent (db: ParleyDb, event: EventRow): Promise<EventStoreResult> {
  return db.transaction('rw', [db.events, db.messages, db.contacts, db.tombstones], async () => {
    const result: EventStoreResult = { outcome: 'stored', changed: [], filesGone: [] }
    if (await db.events.get(event.id) !== undefined) return { ...result, outcome: 'duplicate' }
    const effect = EVENT_KINDS[event.kind].effect
    if (effect.about === 'chat') {
      const contact = await db.contacts.get(event.contactId)
      const change = contact === undefined ? undefined : effect.merge(contact, event, { id: event.id, sentAt: event.sentAt })
      if (change !== undefined) await db.contacts.update(event.contactId, change)
    } else {
      const rows = await db.messages.bulkGet(event.targets)
      for (const row of rows) {
        if (row === undefined) continue
        if (row.contactId !== event.contactId || row.groupId !== event.groupId) return { ...result, outcome: 'not-allowed' }
        const why = refusal(row, event)
        if (why !== undefined && effect.refused === 'not-allowed') return { ...result, outcome: 'not-allowed' }
        const next = mergeEvent(row, event)
        if (next === 'hide') {
          await db.messages.delete(row.id)
          // kept gone also once the hide event itself goes (db/tombstones.ts)
          await addTombstones(db, [row.id], event.receivedAt ?? event.sentAt)
          if (row.file !== undefined) result.filesGone.push(row.id)
          continue
        }
        if (next === row) continue
        await db.messages.put(next)
        result.changed.push(next)
        if (row.file !== undefined && next.file === undefined) result.filesGone.push(row.id)
      }
    }
    // ours to a contact waits for each of its devices (pending-rows.ts)
    const contact = awaitsAcks(event) ? await db.contacts.get(event.contactId) : undefined
    await db.events.add(contact === undefined ? event : withPendingDevices(event, contact))
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
