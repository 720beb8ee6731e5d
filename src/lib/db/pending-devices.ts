/**
 * What waits for each of a contact's devices (schema v15; docs/protocols.md,
 * "Delivery to an account's devices"). An outgoing message or event to a
 * contact keeps one `state` for the UI (delivered = the first device acked,
 * as Signal shows it) and `pendingDevices`, the PeerIDs of the recipient's
 * devices that have not acked it (a multiEntry index: the outbox reads "what
 * waits for device d"), plus `storedDevices`, those whose mailbox holds it.
 * The devices are the contact's when the row is stored (`devicesOf`): one
 * added later gets only what is sent after it was listed; one removed is
 * dropped from every row at once when the list without it is stored
 * (`dropDevices`, called by contact-devices.ts in the same transaction).
 * An ack from a device takes it off the row; the row's state only moves
 * forward (messages.ts canTransition).
 */
import { EVENT_KINDS } from './event-kinds.ts'
import { canTransition, compareById, isSendable } from './messages.ts'
import type { ParleyDb } from './db.ts'
import type { PendingFields } from './pending-rows.ts'
import type { ContactId, EventRow, MessageFailure, MessageId, MessageRow } from './types.ts'

export { awaitsAcks, devicesOf, withPendingDevices } from './pending-rows.ts'

/** The index name from `schema.ts`, spelled once. */
const BY_DEVICE = 'pendingDevices'

/** `list` without `device`; undefined when nothing is left (the index then holds no entry for the row). */
function without (list: readonly string[] | undefined, device: string): string[] | undefined {
  const left = (list ?? []).filter(d => d !== device)
  return left.length > 0 ? left : undefined
}

/** Sets or removes a list field (a row keeps no empty list). */
function setList (row: PendingFields, key: 'pendingDevices' | 'storedDevices', list: string[] | undefined): void {
  if (list === undefined) delete row[key]
  else row[key] = list
}

/** What waits for one device of a contact, in id (creation) order. */
export interface DevicePending {
  messages: MessageRow[]
  events: EventRow[]
}

/**
 * The outgoing messages and events to `contactId` that `device` has not
 * acked, oldest first: not failed, a message complete enough to send
 * (messages.ts isSendable), an event of a kind that is sent.
 */
export async function pendingForDevice (db: ParleyDb, contactId: ContactId, device: string): Promise<DevicePending> {
  const ours = (row: PendingFields): boolean => row.contactId === contactId && row.direction === 'out' && row.state !== 'failed'
  const [messages, events] = await db.transaction('r', db.messages, db.events, async () => Promise.all([
    db.messages.where(BY_DEVICE).equals(device).filter(row => ours(row) && isSendable(row)).toArray(),
    db.events.where(BY_DEVICE).equals(device).filter(row => ours(row) && EVENT_KINDS[row.kind].wire !== undefined).toArray()
  ]))
  return { messages: messages.sort(compareById), events: events.sort(compareById) }
}

/**
 * `device` acknowledged these ids (live, or in a mailbox receipt): each of
 * our messages and events to `contactId` among them no longer waits for it,
 * and one not yet delivered becomes delivered (the first device's ack).
 * Resolves the ids that are none of ours to that contact.
 */
export async function ackFromDevice (db: ParleyDb, contactId: ContactId, device: string, ids: readonly string[], now = Date.now()): Promise<string[]> {
  if (ids.length === 0) return []
  return db.transaction('rw', db.messages, db.events, async () => {
    const unique = [...new Set(ids)]
    const [messages, events] = await Promise.all([db.messages.bulkGet(unique as MessageId[]), db.events.bulkGet(unique)])
    const notOurs: string[] = []
    const changedMessages: MessageRow[] = []
    const changedEvents: EventRow[] = []
    unique.forEach((id, i) => {
      const row = messages[i] ?? events[i]
      if (row === undefined || row.direction !== 'out' || row.contactId !== contactId) {
        notOurs.push(id)
        return
      }
      const next = acked(row, device, now)
      if (next === undefined) return
      if (messages[i] !== undefined) changedMessages.push(next as MessageRow)
      else changedEvents.push(next as EventRow)
    })
    if (changedMessages.length > 0) await db.messages.bulkPut(changedMessages)
    if (changedEvents.length > 0) await db.events.bulkPut(changedEvents)
    return notOurs
  })
}

/** `row` once `device` acked it; undefined when that changes nothing. */
function acked<R extends PendingFields & { deliveredAt?: number }> (row: R, device: string, now: number): R | undefined {
  const next = { ...row }
  let changed = false
  if (row.pendingDevices?.includes(device) === true || row.storedDevices?.includes(device) === true) {
    setList(next, 'pendingDevices', without(row.pendingDevices, device))
    setList(next, 'storedDevices', without(row.storedDevices, device))
    changed = true
  }
  if (canTransition(row.state, 'delivered')) {
    next.state = 'delivered'
    // an event row has no deliveredAt
    if ('body' in row) next.deliveredAt = now
    changed = true
  }
  return changed ? next : undefined
}

/** Which table a row is in. */
export type PendingTable = 'messages' | 'events'

/** A mailbox relay of `device` holds row `id`: marked, and the row 'stored' unless it went further. */
export async function markStoredFor (db: ParleyDb, table: PendingTable, id: string, device: string): Promise<void> {
  await modifyRow(db, table, id, (row) => {
    if (row.pendingDevices?.includes(device) !== true) return false
    row.storedDevices = [...new Set([...(row.storedDevices ?? []), device])]
    if (canTransition(row.state, 'stored')) row.state = 'stored'
    return true
  })
}

/**
 * `device` can never take row `id` (its app has no such frame, or refuses
 * it for good): it no longer waits for it; once no device is left, a row no
 * device took is 'failed' (with `failure`, for a message).
 */
export async function failForDevice (db: ParleyDb, table: PendingTable, id: string, device: string, failure?: MessageFailure): Promise<void> {
  await modifyRow(db, table, id, (row) => {
    if (row.pendingDevices?.includes(device) !== true) return false
    setList(row, 'pendingDevices', without(row.pendingDevices, device))
    setList(row, 'storedDevices', without(row.storedDevices, device))
    if (row.pendingDevices === undefined && canTransition(row.state, 'failed')) {
      row.state = 'failed'
      if (failure !== undefined && table === 'messages') (row as MessageRow).failure = failure
    }
    return true
  })
}

async function modifyRow (db: ParleyDb, table: PendingTable, id: string, change: (row: PendingFields) => boolean): Promise<void> {
  await db.transaction('rw', db.messages, db.events, async () => {
    const row: PendingFields | undefined = table === 'messages' ? await db.messages.get(id as MessageId) : await db.events.get(id)
    if (row === undefined) return
    const next = { ...row }
    if (!change(next)) return
    if (table === 'messages') await db.messages.put(next as MessageRow)
    else await db.events.put(next as EventRow)
  })
}

/**
 * The devices `removed` from `contactId`'s list no longer wait for anything:
 * each taken off every row that names it, in one modify per table. Call
 * inside a transaction over `messages` and `events` (the one that stores the
 * list). A row left with no device keeps its state.
 */
export async function dropDevices (db: ParleyDb, contactId: ContactId, removed: readonly string[]): Promise<void> {
  if (removed.length === 0) return
  const gone = new Set(removed)
  const drop = (row: PendingFields): void => {
    if (row.contactId !== contactId) return
    const pending = (row.pendingDevices ?? []).filter(d => !gone.has(d))
    const stored = (row.storedDevices ?? []).filter(d => !gone.has(d))
    setList(row, 'pendingDevices', pending.length > 0 ? pending : undefined)
    setList(row, 'storedDevices', stored.length > 0 ? stored : undefined)
  }
  await db.messages.where(BY_DEVICE).anyOf([...gone]).modify(drop)
  await db.events.where(BY_DEVICE).anyOf([...gone]).modify(drop)
}
