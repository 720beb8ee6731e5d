/**
 * Transfer rows as values (db/transfers*.ts store them): chunk counts and
 * bitmaps, the states a transfer may move between, and a new outgoing row.
 * Pure: no database, so the tab and the tests use them as they are.
 */
import type { FileOffer, MessageRow, TransferDirection, TransferRow, TransferState } from './types.ts'

/** How many chunks a file of `size` bytes has: 0 for an empty file, else ceil(size / chunkSize). */
export function chunkCountOf (size: number, chunkSize: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size must be a whole number ≥ 0, not ${size}`)
  if (!Number.isSafeInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a whole number ≥ 1, not ${chunkSize}`)
  return size === 0 ? 0 : Math.ceil(size / chunkSize)
}

/** Whether bit `index` of a `have` bitmap is set (chunk i is bit i % 8 of byte i >> 3). */
export function hasChunk (have: Uint8Array, index: number): boolean {
  return ((have[index >> 3] ?? 0) & (1 << (index & 7))) !== 0
}

/** Indices of the chunks not in `row.have` yet, ascending. */
export function missingChunks (row: Pick<TransferRow, 'have' | 'chunkCount'>): number[] {
  const missing: number[] = []
  for (let i = 0; i < row.chunkCount; i++) {
    if (!hasChunk(row.have, i)) missing.push(i)
  }
  return missing
}

/**
 * Length of chunk `index` in bytes: `chunkSize`, except the last chunk, which
 * holds the rest of the file.
 *
 * @throws RangeError when the index is not a chunk of this file
 */
export function chunkLength (row: Pick<TransferRow, 'size' | 'chunkSize' | 'chunkCount'>, index: number): number {
  if (!Number.isSafeInteger(index) || index < 0 || index >= row.chunkCount) {
    throw new RangeError(`chunk ${index} is not one of the ${row.chunkCount} chunks`)
  }
  return index === row.chunkCount - 1 ? row.size - row.chunkSize * index : row.chunkSize
}

/**
 * Edges of the transfer lifecycle (see `TransferState` in types.ts), per
 * direction, leaving out the two that every unended state has: → cancelled
 * and → failed.
 */
const FORWARD: Record<TransferDirection, Partial<Record<TransferState, readonly TransferState[]>>> = {
  out: {
    preparing: ['waiting'],
    // The receiver's DONE may arrive after the stream that carried the chunks ended.
    // waiting-direct: only a relayed connection, which does not carry a file this big (p2p/transfers/sender-waits.ts)
    waiting: ['waiting-direct', 'active', 'complete'],
    'waiting-direct': ['waiting', 'active', 'complete'],
    active: ['waiting', 'complete']
  },
  in: {
    // verifying from waiting: every chunk was stored but the app stopped before the check began.
    waiting: ['waiting-direct', 'active', 'verifying'],
    'waiting-direct': ['waiting', 'active', 'verifying'],
    active: ['waiting', 'waiting-direct', 'verifying'],
    // back from verifying: the whole-file check failed and the chunks are fetched again (`resetChunks`).
    verifying: ['waiting', 'waiting-direct', 'active', 'complete']
  }
}

/** States in which chunks no longer move: `recordChunk` and `recordServed` refuse them. */
export const ENDED_STATES: ReadonlySet<TransferState> = new Set(['complete', 'cancelled', 'failed'])

/**
 * Whether a transfer in `direction` may go from `from` to `to` (a different state).
 *
 * - complete and cancelled are final: they never change.
 * - failed waits for the user: only a retry or a cancel leaves it. A retry
 *   goes to waiting, or for an outgoing file that was never hashed (its
 *   hashing failed) back to preparing.
 * - every other state may end as cancelled or failed.
 * - otherwise only the lifecycle's own edges: out preparing → waiting ⇄ active
 *   → complete, waiting ⇄ waiting-direct (too big for the only, relayed,
 *   connection) → active; in waiting ⇄ waiting-direct ⇄ active → verifying → complete,
 *   and verifying back to fetching after a failed whole-file check. An
 *   incoming file is complete only after verifying.
 */
export function canTransferTransition (from: TransferState, to: TransferState, direction: TransferDirection): boolean {
  if (from === to || from === 'complete' || from === 'cancelled') return false
  if (from === 'failed') return to === 'waiting' || to === 'cancelled' || (to === 'preparing' && direction === 'out')
  if (to === 'cancelled' || to === 'failed') return true
  return FORWARD[direction][from]?.includes(to) ?? false
}

/** A new outgoing transfer for a file message made by `outgoingFileRow`: 'preparing' until `offerReady`. */
export function outgoingTransferRow (message: MessageRow, store: TransferRow['store'], now: number = Date.now()): TransferRow {
  const file = fileOf(message)
  return {
    ...(file.key === undefined ? {} : { key: file.key }),
    id: message.id,
    contactId: message.contactId,
    direction: 'out',
    name: file.name,
    size: file.size,
    mime: file.mime,
    sha256: '',
    chunkSize: file.chunkSize,
    chunkCount: file.chunkSize > 0 ? chunkCountOf(file.size, file.chunkSize) : 0,
    state: 'preparing',
    have: new Uint8Array(0),
    chunksDone: 0,
    bytesDone: 0,
    requests: new Uint8Array(0),
    resumes: 0,
    store,
    createdAt: now,
    updatedAt: now
  }
}

/** The offer of a file message, or a RangeError for any other message. */
export function fileOf (message: MessageRow): FileOffer {
  if (message.kind !== 'file' || message.file === undefined) throw new RangeError(`message ${message.id} is not a file message`)
  return message.file
}
