/**
 * "Nobody with this ID" (docs/protocols.md): a contact we asked from an
 * invite that carried no check, never heard from, that the network has not
 * known for NOT_FOUND_AFTER_MS is marked `problem: 'notFound'` when a lookup
 * of it gives up, and its queued messages are marked failed
 * (`failure: 'contactNotFound'`) rather than left waiting; a message written
 * to it afterwards is stored failed at once. When the network finds them
 * after all (a lookup answers, or their hello arrives), the mark goes and
 * those messages go back to the outbox.
 */
import { owedSince } from '../model/request-status.ts'
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow, MessageRow } from './types.ts'

/**
 * How long the network must have known no one with the PeerID, from when we
 * asked them, before the chat says so: long enough for several lookups
 * (the finder's back-off) and for a person who just opened their app to
 * publish their peer record; short enough that a mistyped invite is told
 * while the user still looks at it.
 */
export const NOT_FOUND_AFTER_MS = 120_000

const BY_STATE = '[direction+state+contactId]'

/** Whether `contact` may be marked not found at `now` (it is not yet). */
export function mayBeNotFound (contact: ContactRow, now: number): boolean {
  return contact.state === 'requested' && contact.unchecked === true && contact.lastSeen === undefined &&
    contact.problem === undefined && !contact.blocked && now - owedSince(contact) >= NOT_FOUND_AFTER_MS
}

/**
 * A lookup of `peerId` gave up with no answer at `now`: marks its contact
 * not found when `mayBeNotFound`, and its queued outgoing messages failed.
 *
 * @returns the contact's id when it was marked now, else undefined
 */
export async function markNotFound (db: ParleyDb, peerId: string, now: number): Promise<ContactId | undefined> {
  return db.transaction('rw', db.contacts, db.messages, async () => {
    const contact = await db.contacts.where('peerId').equals(peerId).first()
    if (contact === undefined || !mayBeNotFound(contact, now)) return undefined
    await db.contacts.update(contact.id, { problem: 'notFound' })
    await db.messages.where(BY_STATE).equals(['out', 'queued', contact.id])
      .modify({ state: 'failed', failure: 'contactNotFound' })
    return contact.id
  })
}

/**
 * The network knows `peerId` after all: its contact's not-found mark goes,
 * and the messages failed for it are queued again. Call it inside a
 * transaction over contacts and messages, or alone.
 *
 * @returns the contact's id when a mark was taken away, else undefined
 */
export async function clearNotFound (db: ParleyDb, peerId: string): Promise<ContactId | undefined> {
  return db.transaction('rw', db.contacts, db.messages, async () => {
    const contact = await db.contacts.where('peerId').equals(peerId).first()
    if (contact?.problem === undefined) return undefined
    await db.contacts.where('id').equals(contact.id).modify((row: ContactRow) => { delete row.problem })
    await db.messages.where(BY_STATE).equals(['out', 'failed', contact.id])
      .filter(row => row.failure === 'contactNotFound')
      .modify((row: MessageRow) => {
        row.state = 'queued'
        delete row.failure
      })
    return contact.id
  })
}

/**
 * A message about to be stored for a contact marked not found is stored
 * failed instead of queued (it would only wait for no one). Call it inside
 * the write's transaction over contacts.
 */
export async function failIfNotFound (db: ParleyDb, row: MessageRow): Promise<MessageRow> {
  if (row.groupId !== undefined || row.state !== 'queued') return row
  const contact = await db.contacts.get(row.contactId)
  return contact?.problem === 'notFound' ? { ...row, state: 'failed', failure: 'contactNotFound' } : row
}
