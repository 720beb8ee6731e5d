/**
 * What blocking a contact leaves, and the rule it sets (docs/protocols.md,
 * "Blocking"): a message or action a contact sent during a block is never
 * stored, also when it reaches us after the unblock, from a mailbox or from
 * their outbox. Decided by what this device knows: the ids it refused while
 * the block held (a drain drops a blocked contact's items), the spans of its
 * blocks on its own clock, and the time a relay stored a mailbox item; the
 * sender's `sentAt` counts too, but is not all there is to go on.
 */
import type { ParleyDb } from './db.ts'
import type { BlockRecord, ContactId, ContactRow } from './types.ts'

/** Blocks remembered per contact (the oldest goes). */
export const MAX_BLOCK_SPANS = 16
/** Ids refused for a block remembered per contact (the oldest go): more than a mailbox holds for one sender (1000). */
export const MAX_BLOCK_REFUSED_IDS = 2000

/**
 * The record after the user blocked (`blocked`) or unblocked them at `now`
 * (called only when that changes). A block from before records were kept
 * (an older version) began at an unknown time: its span starts at 0, so
 * what they sent before the unblock and we never had stays refused.
 */
export function blockRecordAfter (record: BlockRecord | undefined, blocked: boolean, now: number): BlockRecord {
  const spans = record?.spans ?? []
  const refused = record?.refused ?? []
  if (blocked) return { since: now, spans, refused }
  return { spans: [...spans, { from: record?.since ?? 0, to: now }].slice(-MAX_BLOCK_SPANS), refused }
}

/** What the rule reads of an item: its id, its sender's `sentAt`, and, from a mailbox, when the relay stored it. */
export interface BlockedItem {
  id: string
  sentAt: number
  storedAt?: number
}

/**
 * Whether `item` from `contact` was sent during a block of theirs: refused
 * once already, or its sender's `sentAt` or a relay's `storedAt` within a
 * block that ended (a block in force refuses everything anyway).
 */
export function sentDuringBlock (contact: Pick<ContactRow, 'block'>, item: BlockedItem): boolean {
  const block = contact.block
  if (block === undefined) return false
  if (block.refused.includes(item.id)) return true
  const within = (at: number | undefined): boolean => at !== undefined && block.spans.some(({ from, to }) => at >= from && at <= to)
  return within(item.sentAt) || within(item.storedAt)
}

/** Remembers `ids` as refused for a block of contact `id` (ones already remembered once). */
export async function noteRefused (db: ParleyDb, id: ContactId, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return
  await db.transaction('rw', db.contacts, async () => {
    const row = await db.contacts.get(id)
    if (row === undefined) return
    const record: BlockRecord = row.block ?? { spans: [], refused: [] }
    const known = new Set(record.refused)
    const fresh = [...new Set(ids)].filter(i => !known.has(i))
    if (fresh.length === 0) return
    await db.contacts.update(id, { block: { ...record, refused: [...record.refused, ...fresh].slice(-MAX_BLOCK_REFUSED_IDS) } })
  })
}
