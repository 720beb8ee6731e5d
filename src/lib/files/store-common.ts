/** What the chunk stores (files/chunk-store.ts, files/memory-store.ts) share: their errors and argument checks. */
import { errorClass } from '../contract/errors.ts'

/** A chunk that `assemble` needs is not in the store (its code may reach the UI as a failed transfer's problem). */
export const MissingChunkError = errorClass('MissingChunkError')

/**
 * The memory store is full (`fileMemoryFull`, `max` its bound): a file that
 * does not fit now can be fetched again once others are saved and deleted,
 * or in a browser that keeps files on the device.
 */
export const MemoryFullError = errorClass('MemoryFullError')

/** Transfer ids are ULIDs; anything that could climb out of a directory is refused. */
const TRANSFER_ID = /^[0-9A-Za-z_-]{1,64}$/

export function checkTransferId (transferId: string): void {
  if (!TRANSFER_ID.test(transferId)) throw new RangeError(`not a transfer id: ${JSON.stringify(transferId)}`)
}

export function checkIndex (index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`a chunk index is a whole number ≥ 0, not ${index}`)
}

export function checkCount (count: number): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`a chunk count is a whole number ≥ 0, not ${count}`)
}
