/**
 * File transfer rows (docs/protocols.md, "Files"): one `transfers` row per
 * file message, either direction, with the same id as the message; the chunk
 * hash list in `transferHashes`. This module holds what either side does
 * with a row: its state, its reads, its deletion; what only the sender
 * writes is in transfers-outgoing.ts, what only the receiver writes in
 * transfers-incoming.ts. The chunk bytes live in a chunk store
 * (files/chunk-store.ts): OPFS files, or the `fileChunks` / `fileSources`
 * tables when OPFS is unavailable.
 *
 * Each write is one transaction. The worker is the single writer; tabs read
 * the rows through liveQuery for progress.
 */
import Dexie from 'dexie'
import type { ParleyDb } from './db.ts'
import { canTransferTransition } from './transfer-rows.ts'
import type { ContactId, MessageId, StoredProblem, TransferRow, TransferState } from './types.ts'

/** Index names from `schema.ts`, spelled once. */
const BY_CHAT = '[contactId+id]'
const CHUNK_KEY = '[transferId+index]'

/** States a transfer is resumed from at start-up (everything not ended). */
export const UNFINISHED_STATES = [
  'preparing', 'waiting', 'waiting-direct', 'active', 'verifying'
] as const satisfies readonly TransferState[]

/** What `setTransferState` may set along with the state. */
export interface TransferStatePatch {
  problem?: StoredProblem
  cancelledBy?: 'me' | 'peer'
  cancelPending?: boolean
  path?: 'direct' | 'relayed'
  completedAt?: number
}

/**
 * Moves a transfer to `state` when `canTransferTransition` allows it, with
 * the patch's fields. Called with the state the row already has, it applies
 * only the patch: a new `path` while active, or `cancelPending: false` once
 * our cancel reached the peer. On a cancelled row only `cancelPending`
 * changes (the first cancel's reason and author stay); a complete row never
 * changes. Entering complete stamps completedAt (unless the patch has it); a
 * retry (leaving failed) clears the old `problem` (unless the patch has one).
 * Stamps updatedAt whenever something changed.
 *
 * @returns whether the row changed (false also when the id is unknown)
 */
export async function setTransferState (
  db: ParleyDb,
  id: MessageId,
  state: TransferState,
  patch: TransferStatePatch = {},
  now: number = Date.now()
): Promise<boolean> {
  return db.transaction('rw', db.transfers, async () => {
    const row = await db.transfers.get(id)
    if (row === undefined) return false
    let changes: Partial<TransferRow>
    if (row.state === state) {
      if (state === 'complete') return false
      changes = state === 'cancelled'
        ? (patch.cancelPending === undefined ? {} : { cancelPending: patch.cancelPending })
        : { ...patch }
      changes = changedFields(row, changes)
      if (Object.keys(changes).length === 0) return false
    } else {
      if (!canTransferTransition(row.state, state, row.direction)) return false
      changes = { ...patch, state }
      if (state === 'complete') changes.completedAt ??= now
      // a failure's reason stays with a cancel; why it waited for a direct connection ends with the wait
      if (((row.state === 'failed' && state !== 'cancelled') || row.state === 'waiting-direct') && patch.problem === undefined) changes.problem = undefined
    }
    await db.transfers.update(id, { ...changes, updatedAt: now })
    return true
  })
}

/** The transfer row, if any. */
export async function getTransfer (db: ParleyDb, id: MessageId): Promise<TransferRow | undefined> {
  return db.transfers.get(id)
}

/** The chunk hash list of a transfer (32 bytes per chunk), if stored. */
export async function getHashes (db: ParleyDb, id: MessageId): Promise<Uint8Array | undefined> {
  return (await db.transferHashes.get(id))?.hashes
}


/** Transfers that have not ended (preparing … verifying), oldest first: what to resume at start-up. */
export async function unfinishedTransfers (db: ParleyDb): Promise<TransferRow[]> {
  const rows = await db.transfers.where('state').anyOf(UNFINISHED_STATES).toArray()
  return rows.sort((a, b) => a.createdAt - b.createdAt || compareIds(a.id, b.id))
}

/** Our offered files to one contact that wait to be fetched (waiting, or waiting-direct), by the state index. */
export async function waitingOutgoing (db: ParleyDb, contactId: ContactId): Promise<TransferRow[]> {
  return db.transfers
    .where('state').anyOf(['waiting', 'waiting-direct'])
    .filter(row => row.direction === 'out' && row.contactId === contactId)
    .toArray()
}

/** The transfers of one chat, in message id order. */
export async function transfersOfChat (db: ParleyDb, contactId: ContactId): Promise<TransferRow[]> {
  return db.transfers
    .where(BY_CHAT)
    .between([contactId, Dexie.minKey], [contactId, Dexie.maxKey], true, true)
    .toArray()
}

/**
 * Deletes a transfer's rows: the transfer, its hash list and any chunks or
 * source copy kept in IndexedDB, in one transaction. OPFS files are not
 * rows: delete them through the chunk store (`ChunkStore.delete`). The chat
 * message stays.
 */
export async function deleteTransfer (db: ParleyDb, id: MessageId): Promise<void> {
  await db.transaction('rw', [db.transfers, db.transferHashes, db.fileChunks, db.fileSources], async () => {
    await db.transfers.delete(id)
    await db.transferHashes.delete(id)
    await db.fileChunks.where(CHUNK_KEY).between([id, Dexie.minKey], [id, Dexie.maxKey], true, true).delete()
    await db.fileSources.delete(id)
  })
}

// ---------------------------------------------------------------- helpers

/** The fields of `changes` whose value differs from the row's. */
function changedFields (row: TransferRow, changes: Partial<TransferRow>): Partial<TransferRow> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(changes)) {
    if (row[key as keyof TransferRow] !== value) out[key] = value
  }
  return out as Partial<TransferRow>
}

/** ULIDs are fixed-length Crockford base32, so code-unit order is time order. */
function compareIds (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
