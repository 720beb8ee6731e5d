/**
 * What this device has still to tell each sibling device (schema v16;
 * docs/protocols.md, "Own devices in step"; p2p/sync): one row per item and
 * sibling, the item's plaintext as it goes in its box. A sibling's items
 * leave in the order they were made (their ULIDs) and each is deleted once
 * the sibling acknowledged it; one left in the sibling's mailbox is marked
 * so (not deposited again) and stays until the sibling acknowledges it live
 * (taking an item twice changes nothing). Bounded: past MAX_SYNC_QUEUE items for one
 * sibling, its oldest are dropped (a device away that long gets what it
 * missed of the history by linking again, not from the queue).
 */
import type { ParleyDb } from './db.ts'

/** Items kept for one sibling at most. */
export const MAX_SYNC_QUEUE = 1000

export interface SyncQueueRow {
  /** the sibling's PeerID */
  peer: string
  /** the item's ULID (the order they go in) */
  id: string
  /** the item, encoded (@parley/protocol sync/wire `encodeSyncItem`) */
  item: Uint8Array
  /** a mailbox relay of the sibling holds it */
  deposited?: true
}

/** Queues `item` (ULID `id`) for each of `peers`, and drops what passes the bound; resolves how many were dropped. */
export async function queueSyncItem (db: ParleyDb, peers: readonly string[], id: string, item: Uint8Array, max = MAX_SYNC_QUEUE): Promise<number> {
  if (peers.length === 0) return 0
  return db.transaction('rw', db.syncQueue, async () => {
    let dropped = 0
    for (const peer of peers) {
      await db.syncQueue.put({ peer, id, item })
      const mine = db.syncQueue.where('[peer+id]').between([peer, ''], [peer, '\uffff'])
      const over = await mine.count() - max
      if (over > 0) {
        await mine.limit(over).delete()
        dropped += over
      }
    }
    return dropped
  })
}

/** `peer`'s oldest items, at most `limit`. */
export async function syncItemsFor (db: ParleyDb, peer: string, limit: number): Promise<SyncQueueRow[]> {
  return db.syncQueue.where('[peer+id]').between([peer, ''], [peer, '\uffff']).limit(limit).toArray()
}

/** `peer`'s oldest items that no mailbox relay of its holds, at most `limit`. */
export async function undepositedFor (db: ParleyDb, peer: string, limit: number): Promise<SyncQueueRow[]> {
  return db.syncQueue.where('[peer+id]').between([peer, ''], [peer, '\uffff']).filter(row => row.deposited !== true).limit(limit).toArray()
}

/** A mailbox relay of `peer` holds item `id`. */
export async function syncItemDeposited (db: ParleyDb, peer: string, id: string): Promise<void> {
  await db.syncQueue.update([peer, id], { deposited: true })
}

/** `peer` took item `id` (or will never take it). */
export async function syncItemDone (db: ParleyDb, peer: string, id: string): Promise<void> {
  await db.syncQueue.delete([peer, id])
}

/** The siblings with items waiting. */
export async function siblingsWithItems (db: ParleyDb): Promise<string[]> {
  const keys = await db.syncQueue.toCollection().primaryKeys()
  return [...new Set(keys.map(([peer]) => peer))]
}

/** Drops the items of every device but `siblings` (a device no longer on the list gets nothing more). */
export async function keepSyncFor (db: ParleyDb, siblings: readonly string[]): Promise<void> {
  const keep = new Set(siblings)
  await db.syncQueue.filter(row => !keep.has(row.peer)).delete()
}
