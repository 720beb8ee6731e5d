/**
 * What the receiver of a file writes (docs/protocols.md, "Files"): the offer
 * stored once with its transfer row, the chunk hash list once checked, each
 * verified chunk recorded (alone or a group commit), a resume, and the
 * chunks forgotten after a failed whole-file check. The row's state and
 * reads are in transfers.ts; the sender's writes in transfers-outgoing.ts.
 */
import { HASH_BYTES } from '@parley/protocol/file/constants'
import type { ParleyDb } from './db.ts'
import { withPendingEvents } from './events.ts'
import { requireContact } from './messages.ts'
import { incomingFileRow, type IncomingInput } from './messages-incoming.ts'
import { chunkCountOf, chunkLength, ENDED_STATES, hasChunk } from './transfer-rows.ts'
import { tombstoned } from './tombstones.ts'
import type { FileOffer, MessageId, MessageRow, TransferRow } from './types.ts'

/** Requests per chunk are counted in one byte. */
const MAX_REQUESTS = 255

export interface IncomingFileInput extends IncomingInput {
  /** The offer as received (validated by the caller); `body` is its caption. */
  file: FileOffer
  /** Which chunk store will hold the bytes. */
  store: TransferRow['store']
  /** A group's file (contactId 0): pulled from its author, `fromPeerId`, or from `device` when one is given. */
  group?: Required<Pick<MessageRow, 'groupId' | 'lamport' | 'groupSigned'>>
  /**
   * A contact's file: the device that offered it, its PeerID, when that is
   * not the contact's own (a device its list names); a group's: the linked
   * device of its author that made it (the message's `device`). The file is
   * pulled from that device, which holds it (kept as the transfer's `peer`).
   */
  device?: string
  /**
   * A group's file whose author is our own account, made on another of its
   * devices: stored as ours (direction 'out', state 'sent', as that device's
   * text is: groups/message-row.ts), its transfer still one we pull in.
   */
  ours?: boolean
}

/** The row of a file our account sent from another device: ours, sent (that device delivers it); a `ttl` runs from its sending, as ours do. */
function asOurs (row: MessageRow): MessageRow {
  const { receivedAt: _received, expiresAt: _expires, ...rest } = row
  return { ...rest, direction: 'out', state: 'sent', ...(row.ttl === undefined ? {} : { expiresAt: row.sentAt + row.ttl * 1000 }) }
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
  return db.transaction('rw', [db.contacts, db.messages, db.transfers, db.events, db.tombstones], async () => {
    const [message, existing, gone] = await Promise.all([db.messages.get(input.id), db.transfers.get(input.id), tombstoned(db, [input.id])])
    // stored, or expired or deleted here (db/tombstones.ts)
    if (message !== undefined || existing !== undefined || gone.size > 0) return 'duplicate'
    const { group } = input
    if (group !== undefined) {
      const row = incomingFileRow(input)
      await db.messages.add({ ...(input.ours === true ? asOurs(row) : row), ...group })
      await db.transfers.add({ ...transfer, groupId: group.groupId, peer: input.device ?? input.fromPeerId })
      return 'stored'
    }
    const contact = await requireContact(db, input.contactId)
    // events that came before it: deleted for everyone or here, its file is never fetched
    const [row] = await withPendingEvents(db, [incomingFileRow(input)])
    if (row === undefined) return 'duplicate'
    await db.messages.add(row)
    const offeredBy = input.device !== undefined && input.device !== contact.peerId ? { peer: input.device } : {}
    if (row.file !== undefined) await db.transfers.add({ ...transfer, ...offeredBy })
    return 'stored'
  })
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
