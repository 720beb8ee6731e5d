/**
 * What the sender of a file writes (docs/protocols.md, "Files"): the file
 * message and its transfer row stored together while the file is hashed,
 * the offer completed once it is (which puts the message in the outbox),
 * and each chunk served counted. The row's state and reads are in
 * transfers.ts; the receiver's writes in transfers-incoming.ts.
 */
import { HASH_BYTES } from '@parley/protocol/file/constants'
import type { ParleyDb } from './db.ts'
import { requireContact } from './messages.ts'
import { failIfNotFound } from './not-found.ts'
import { withPendingDevices } from './pending-rows.ts'
import { chunkCountOf, ENDED_STATES, fileOf } from './transfer-rows.ts'
import type { FileOffer, MessageId, MessageRow, TransferRow } from './types.ts'

const SHA256_HEX = /^[0-9a-f]{64}$/

/**
 * Stores a file message we are about to offer with its transfer row, in one
 * transaction. The message stays out of the outbox until `offerReady` (its
 * `file.sha256` is '' while preparing).
 *
 * @throws ContactNotFoundError; RangeError when the rows do not belong together
 */
export async function storeOutgoingFile (db: ParleyDb, message: MessageRow, transfer: TransferRow): Promise<void> {
  fileOf(message)
  if (transfer.id !== message.id || transfer.contactId !== message.contactId || transfer.direction !== 'out' || message.direction !== 'out') {
    throw new RangeError(`transfer ${transfer.id} is not the outgoing transfer of message ${message.id}`)
  }
  await db.transaction('rw', [db.contacts, db.messages, db.transfers], async () => {
    // a group's file belongs to no contact (group-types.ts); a contact's waits for each of its devices (pending-rows.ts)
    const row = message.groupId === undefined ? withPendingDevices(message, await requireContact(db, message.contactId)) : message
    await db.messages.add(await failIfNotFound(db, row))
    await db.transfers.add(message.groupId === undefined ? transfer : { ...transfer, groupId: message.groupId })
  })
}

/** What hashing an outgoing file found (files/hashing.ts `hashFile`). */
export interface OfferHashes {
  /** SHA-256 of the whole file, 64 lowercase hex digits. */
  sha256: string
  /** SHA-256 of `hashes`, 64 lowercase hex digits. */
  listHash: string
  chunkSize: number
  chunkCount: number
  /** The chunk hashes, 32 bytes each, in index order. */
  hashes: Uint8Array
}

/**
 * The sender finished hashing: completes the offer in the message
 * (`file.sha256`, `listHash`, `chunkSize`, which puts it in the outbox),
 * completes the transfer (`sha256`, `chunkSize`, `chunkCount`, preparing →
 * waiting) and stores the hash list, in one transaction.
 *
 * @returns false, changing nothing, when the transfer or its message is gone
 *   or no longer preparing (cancelled while it was hashed)
 * @throws RangeError when the hashes do not fit the file
 */
export async function offerReady (db: ParleyDb, id: MessageId, ready: OfferHashes, now: number = Date.now()): Promise<boolean> {
  if (!SHA256_HEX.test(ready.sha256) || !SHA256_HEX.test(ready.listHash)) {
    throw new RangeError('sha256 and listHash must be 64 lowercase hex digits')
  }
  return db.transaction('rw', [db.messages, db.transfers, db.transferHashes], async () => {
    const [transfer, message] = await Promise.all([db.transfers.get(id), db.messages.get(id)])
    if (transfer === undefined || message?.file === undefined) return false
    if (transfer.state !== 'preparing') return false
    if (ready.chunkCount !== chunkCountOf(transfer.size, ready.chunkSize) || ready.hashes.byteLength !== ready.chunkCount * HASH_BYTES) {
      throw new RangeError(`${ready.chunkCount} chunks of ${ready.chunkSize} bytes with ${ready.hashes.byteLength} bytes of hashes do not fit a file of ${transfer.size} bytes`)
    }
    const file: FileOffer = { ...message.file, sha256: ready.sha256, listHash: ready.listHash, chunkSize: ready.chunkSize }
    await db.messages.update(id, { file })
    await db.transfers.update(id, {
      sha256: ready.sha256, chunkSize: ready.chunkSize, chunkCount: ready.chunkCount, state: 'waiting', updatedAt: now
    })
    await db.transferHashes.put({ id, hashes: ready.hashes })
    return true
  })
}

/**
 * Counts a chunk served to the receiver (out): chunksDone + 1, bytesDone + bytes.
 *
 * @returns the updated row, or undefined when the transfer is gone or ended
 *   (complete, cancelled, failed): the caller stops serving
 * @throws RangeError for an incoming transfer
 */
export async function recordServed (db: ParleyDb, id: MessageId, bytes: number, now: number = Date.now()): Promise<TransferRow | undefined> {
  return db.transaction('rw', db.transfers, async () => {
    const row = await db.transfers.get(id)
    if (row === undefined || ENDED_STATES.has(row.state)) return undefined
    if (row.direction !== 'out') throw new RangeError(`transfer ${id} is not outgoing`)
    row.chunksDone += 1
    row.bytesDone += bytes
    row.updatedAt = now
    await db.transfers.put(row)
    return row
  })
}
