/**
 * Tombstones (schema v11; docs/security.md, "Replays"): the ids of messages
 * that expired or were deleted here, and the PeerIDs of contacts deleted with
 * their history, kept for as long as a copy could still be taken. A relay
 * keeps what it holds for at most MAILBOX_LIFETIME_MS (its default), so a
 * mailbox item whose message id is older than ITEM_MAX_AGE_MS is refused for
 * its age (`tooOld`), and a tombstone is kept until then: between the two,
 * a message that is gone here never comes back, whoever replays it.
 */
import { ulidTime } from '@parley/protocol/ulid'
import type { Table } from 'dexie'
import type { ParleyDb } from './db.ts'
import type { PeerTombstoneRow, TombstoneRow } from './types.ts'

/** How long a relay keeps a mailbox item by default (relay-node DEFAULT_MAILBOX_TTL_MS). */
export const MAILBOX_LIFETIME_MS = 14 * 24 * 60 * 60 * 1000
/** How far the sender's clock, which made a message id, may be behind ours. */
export const CLOCK_SKEW_MS = 24 * 60 * 60 * 1000
/** A mailbox item whose message id was made longer ago than this is refused. */
export const ITEM_MAX_AGE_MS = MAILBOX_LIFETIME_MS + CLOCK_SKEW_MS
/** At most this many message tombstones are kept (the oldest go first). */
export const MAX_TOMBSTONES = 100_000
/** At most this many contact tombstones are kept (the oldest go first). */
export const MAX_PEER_TOMBSTONES = 1000
/** Tombstones removed per transaction when pruning. */
const PRUNE_BATCH = 1000

/**
 * Whether a mailbox item carrying message id `id` is too old to take at
 * `now`: made (by its id's time) more than ITEM_MAX_AGE_MS ago. An id that is
 * not a ULID has no age here (its codec refuses it).
 */
export function tooOld (id: string, now: number): boolean {
  const time = ulidTime(id)
  return time !== undefined && time < now - ITEM_MAX_AGE_MS
}

/** When a tombstone of `id`, made at `now`, may go: once a copy of it is refused for its age. */
function forgetAt (id: string, now: number): number {
  return Math.max(now, ulidTime(id) ?? now) + ITEM_MAX_AGE_MS
}

/** Tombstones these message ids (call it inside the write that removes them; the transaction must include `tombstones`). */
export async function addTombstones (db: ParleyDb, ids: readonly string[], now: number): Promise<void> {
  if (ids.length === 0) return
  await db.tombstones.bulkPut(ids.map((id): TombstoneRow => ({ id, at: forgetAt(id, now) })))
}

/** Which of these ids are tombstoned (inside a transaction that includes `tombstones`, or on its own). */
export async function tombstoned (db: ParleyDb, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set()
  const rows = await db.tombstones.bulkGet([...ids])
  return new Set(rows.flatMap(row => row === undefined ? [] : [row.id]))
}

/** Notes that the contact `peer` was deleted with its history at `now`, the newest hello taken from it being `helloAt`. */
export async function addPeerTombstone (db: ParleyDb, peer: string, helloAt: number | undefined, now: number): Promise<void> {
  const row: PeerTombstoneRow = { peer, deletedAt: now, at: now + ITEM_MAX_AGE_MS }
  if (helloAt !== undefined) row.helloAt = helloAt
  await db.peerTombstones.put(row)
}

/**
 * Forgets the tombstones whose time is up by `now`, and the oldest beyond
 * MAX_TOMBSTONES / MAX_PEER_TOMBSTONES (`max`, smaller in tests). Resolves
 * how many went.
 */
export async function pruneTombstones (db: ParleyDb, now: number, max: { messages: number, peers: number } = { messages: MAX_TOMBSTONES, peers: MAX_PEER_TOMBSTONES }): Promise<number> {
  return await pruneTable(db, db.tombstones, max.messages, now) + await pruneTable(db, db.peerTombstones, max.peers, now)
}

async function pruneTable<T extends { at: number }> (db: ParleyDb, table: Table<T, string, T>, max: number, now: number): Promise<number> {
  let removed = 0
  for (;;) {
    const gone = await db.transaction('rw', table, async () => {
      const due = await table.where('at').below(now).limit(PRUNE_BATCH).primaryKeys()
      const over = Math.max(0, await table.count() - due.length - max)
      const oldest = over === 0 ? [] : await table.orderBy('at').offset(due.length).limit(Math.min(over, PRUNE_BATCH)).primaryKeys()
      await table.bulkDelete([...due, ...oldest])
      return due.length + oldest.length
    })
    removed += gone
    if (gone < PRUNE_BATCH) return removed
  }
}
