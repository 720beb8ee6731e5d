/**
 * File transfer rows (docs/protocols.md, "Files"): one `transfers` row per
 * file message, either direction, with the same id as the message; the chunk
 * hash list in `transferHashes`. The chunk bytes live in a chunk store
 * (files/chunk-store.ts): OPFS files, or the `fileChunks` / `fileSources`
 * tables when OPFS is unavailable.
 *
 * Each write is one transaction. The worker is the single writer; tabs read
 * the rows through liveQuery for progress.
 */
import Dexie from 'dexie'
import type { ParleyDb } from './db.ts'
import { withPendingEvents } from './events.ts'
import { incomingFileRow, requireContact, type IncomingInput } from './messages.ts'
import { canTransferTransition, chunkCountOf, chunkLength, fileOf, hasChunk } from './transfer-rows.ts'
import type { ContactId, FileOffer, MessageId, MessageRow, StoredProblem, TransferRow, TransferState } from './types.ts'

/** SHA-256 digest length: one entry of a chunk hash list. */
const HASH_BYTES = 32
/** Requests per chunk are counted in one byte. */
const MAX_REQUESTS = 255
const SHA256_HEX = /^[0-9a-f]{64}$/

/** Index names from `schema.ts`, spelled once. */
const BY_CHAT = '[contactId+id]'
const CHUNK_KEY = '[transferId+index]'

/** States a transfer is resumed from at start-up (everything not ended). */
export const UNFINISHED_STATES = [
  'preparing', 'waiting', 'waiting-direct', 'active', 'verifying'
] as const satisfies readonly TransferState[]

/** States in which chunks no longer move: `recordChunk` and `recordServed` refuse them. */
const ENDED_STATES: ReadonlySet<TransferState> = new Set(['complete', 'cancelled', 'failed'])

// ---------------------------------------------------------------- sending

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
    // a group's file belongs to no contact (group-types.ts)
    if (message.groupId === undefined) await requireContact(db, message.contactId)
    await db.messages.add(message)
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

// ---------------------------------------------------------------- receiving

export interface IncomingFileInput extends IncomingInput {
  /** The offer as received (validated by the caller); `body` is its caption. */
  file: FileOffer
  /** Which chunk store will hold the bytes. */
  store: TransferRow['store']
  /** A group's file (contactId 0): pulled from its author, `fromPeerId`. */
  group?: Required<Pick<MessageRow, 'groupId' | 'lamport' | 'groupSigned'>>
}

/**
 * Stores a received file offer exactly once: the message (kind 'file') and its
 * transfer (in, waiting, nothing stored yet) in one transaction. A second copy
 * with the same id changes nothing; the caller acks it again either way.
 *
 * @throws ContactNotFoundError; RangeError when size or chunkSize is not a valid count
 */
export async function storeIncomingFile (db: ParleyDb, input: IncomingFileInput): Promise<'stored' | 'duplicate'> {
  const { file } = input
  const chunkCount = chunkCountOf(file.size, file.chunkSize)
  const transfer: TransferRow = {
    id: input.id,
    contactId: input.contactId,
    direction: 'in',
    name: file.name,
    size: file.size,
    mime: file.mime,
    sha256: file.sha256,
    chunkSize: file.chunkSize,
    chunkCount,
    state: 'waiting',
    have: new Uint8Array(Math.ceil(chunkCount / 8)),
    chunksDone: 0,
    bytesDone: 0,
    requests: new Uint8Array(chunkCount),
    resumes: 0,
    store: input.store,
    createdAt: input.receivedAt,
    updatedAt: input.receivedAt
  }
  if (file.key !== undefined) transfer.key = file.key
  return db.transaction('rw', [db.contacts, db.messages, db.transfers, db.events], async () => {
    const [message, existing] = await Promise.all([db.messages.get(input.id), db.transfers.get(input.id)])
    if (message !== undefined || existing !== undefined) return 'duplicate'
    const { group } = input
    if (group !== undefined) {
      await db.messages.add({ ...incomingFileRow(input), ...group })
      await db.transfers.add({ ...transfer, groupId: group.groupId, peer: input.fromPeerId })
      return 'stored'
    }
    await requireContact(db, input.contactId)
    // events that came before it: deleted for everyone or here, its file is never fetched
    const [row] = await withPendingEvents(db, [incomingFileRow(input)])
    if (row === undefined) return 'duplicate'
    await db.messages.add(row)
    if (row.file !== undefined) await db.transfers.add(transfer)
    return 'stored'
  })
}

/**
 * Records a verified, stored chunk (in): sets its bit in `have` (the first
 * time also chunksDone + 1 and bytesDone + its length), sets its request
 * count to `requests` (saturating at 255) and stamps updatedAt. One read and
 * one write of a small row: it runs once per chunk.
 *
 * @param requests how many times this chunk has been requested so far
 * @returns the updated row, or undefined when the transfer is gone or ended
 *   (complete, cancelled, failed): the caller stops
 * @throws RangeError when `index` is not a chunk of the file, or the transfer is outgoing
 */
export async function recordChunk (
  db: ParleyDb,
  id: MessageId,
  index: number,
  requests: number,
  now: number = Date.now()
): Promise<TransferRow | undefined> {
  return recordChunks(db, id, [{ index, requests }], now)
}

/**
 * {@link recordChunk} for several chunks in one transaction (a group commit:
 * the chunks whose bytes became durable while the previous record was being
 * written).
 */
export async function recordChunks (
  db: ParleyDb,
  id: MessageId,
  chunks: ReadonlyArray<{ index: number, requests: number }>,
  now: number = Date.now()
): Promise<TransferRow | undefined> {
  return db.transaction('rw', db.transfers, async () => {
    const row = await db.transfers.get(id)
    if (row === undefined || ENDED_STATES.has(row.state)) return undefined
    if (row.direction !== 'in') throw new RangeError(`transfer ${id} is not incoming`)
    for (const { index, requests } of chunks) {
      const length = chunkLength(row, index)
      if (!hasChunk(row.have, index)) {
        row.have[index >> 3] = (row.have[index >> 3] ?? 0) | (1 << (index & 7))
        row.chunksDone += 1
        row.bytesDone += length
      }
      row.requests[index] = Math.max(0, Math.min(MAX_REQUESTS, Math.floor(requests)))
    }
    row.updatedAt = now
    await db.transfers.put(row)
    return row
  })
}

/**
 * The transfer starts again after an interruption (in): resumes + 1, and
 * `resumedHave` = a copy of `have` (what was already there, for the record).
 *
 * @returns the updated row, or undefined when the transfer is gone
 */
export async function markResumed (db: ParleyDb, id: MessageId, now: number = Date.now()): Promise<TransferRow | undefined> {
  return db.transaction('rw', db.transfers, async () => {
    const row = await db.transfers.get(id)
    if (row === undefined) return undefined
    row.resumes += 1
    row.resumedHave = row.have.slice()
    row.updatedAt = now
    await db.transfers.put(row)
    return row
  })
}

/**
 * Forgets every stored chunk after a failed whole-file check (in): `have`
 * zeroed, chunksDone and bytesDone 0. `requests` is kept, so the record shows
 * what was fetched twice. The chunk store's bytes are overwritten as the
 * chunks arrive again.
 *
 * @returns the updated row, or undefined when the transfer is gone
 */
export async function resetChunks (db: ParleyDb, id: MessageId, now: number = Date.now()): Promise<TransferRow | undefined> {
  return db.transaction('rw', db.transfers, async () => {
    const row = await db.transfers.get(id)
    if (row === undefined) return undefined
    row.have = new Uint8Array(row.have.byteLength)
    row.chunksDone = 0
    row.bytesDone = 0
    row.updatedAt = now
    await db.transfers.put(row)
    return row
  })
}

// ---------------------------------------------------------------- either side

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

/**
 * Stores the chunk hash list of a transfer (the receiver, once it fetched the
 * list and checked it against the offer's `listHash`).
 *
 * @returns false, storing nothing, when the transfer is gone
 * @throws RangeError when the list does not hold exactly one hash per chunk
 */
export async function saveHashes (db: ParleyDb, id: MessageId, hashes: Uint8Array): Promise<boolean> {
  return db.transaction('rw', [db.transfers, db.transferHashes], async () => {
    const row = await db.transfers.get(id)
    if (row === undefined) return false
    if (hashes.byteLength !== row.chunkCount * HASH_BYTES) {
      throw new RangeError(`${hashes.byteLength} bytes of hashes for ${row.chunkCount} chunks`)
    }
    await db.transferHashes.put({ id, hashes })
    return true
  })
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
