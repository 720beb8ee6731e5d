/**
 * Frames of `/parley/mailbox/1.0.0` (docs/protocols.md, "Mailboxes"), pure
 * and shared by relay-node and the app. One request and one reply per
 * stream, each one frame: an unsigned-varint length, then the body below.
 * Integers are big-endian; times are ms since the Unix epoch (u64, < 2^53).
 *
 * Requests (dialer → relay), first byte the operation:
 *   DEPOSIT 0x01 · id (16) · recipientLength (u8, 1..64) · recipient PeerID multihash · item (the rest, 1..MAX_ITEM_BYTES)
 *   DEPOSIT with a hint
 *           0x05 · id (16) · recipientLength (u8, 1..64) · recipient PeerID multihash · hint (HINT_BYTES) · item (the rest)
 *   LIST    0x02 · afterLength (u8, 0 or 16) · after id · limit (u16, 1..MAX_LIST)
 *   FETCH   0x03 · count (u8, 1..MAX_IDS) · ids (16 each)
 *   DELETE  0x04 · count (u8, 1..MAX_IDS) · ids (16 each)
 * Replies (relay → dialer), first byte the status, 0x00 OK or an error code:
 *   OK to DEPOSIT  0x00 · storedAt (u64) · expiresAt (u64) · duplicate (u8, 0 or 1)
 *   OK to LIST     0x00 · more (u8) · count (u16) · count × [id (16) · size (u32) · storedAt (u64) · expiresAt (u64)]
 *   OK to FETCH    0x00 · count (u8) · count × [id (16) · storedAt (u64) · size (u32) · item (size)]
 *   OK to DELETE   0x00 · deleted (u16)
 *   error          code (u8, 1..) · reason (UTF-8, the rest, ≤ MAX_REASON_BYTES)
 * The hint (push/hint.ts) is opaque to the relay: it passes it on in a Web
 * Push payload. Relays before hints answer 0x05 `bad-request`.
 * A deposit's item over MAX_ITEM_BYTES is `too-large` (MailboxTooLargeError),
 * any other malformed request `bad-request` (MailboxFrameError).
 */
import { FrameReader, FrameWriter } from '../frame-bytes.ts'
import { HINT_BYTES } from '../push/hint-plain.ts'

export const MAILBOX_PROTOCOL = '/parley/mailbox/1.0.0'

/** Largest sealed item, in bytes: the largest chat frame (144 KiB) sealed, with room to spare. */
export const MAX_ITEM_BYTES = 160 * 1024
/** Largest request frame: a deposit of the largest item, with a hint. */
export const MAX_REQUEST_BYTES = 1 + 16 + 1 + 64 + HINT_BYTES + MAX_ITEM_BYTES
/** A FETCH reply carries whole items up to about this many bytes (at least one item). */
export const MAX_FETCH_REPLY_BYTES = 1024 * 1024
/** Largest reply frame. */
export const MAX_REPLY_BYTES = MAX_FETCH_REPLY_BYTES + MAX_ITEM_BYTES + 1024
/** Most entries in one LIST reply. */
export const MAX_LIST = 512
/** Most ids in one FETCH or DELETE. */
export const MAX_IDS = 64
export const ID_BYTES = 16
const MAX_RECIPIENT_BYTES = 64
export const MAX_REASON_BYTES = 200

export const Op = { deposit: 0x01, list: 0x02, fetch: 0x03, delete: 0x04 } as const
export type OpName = keyof typeof Op
/** The first byte of a DEPOSIT that carries a push hint (answered as a DEPOSIT). */
export const HINTED_DEPOSIT = 0x05

/** Error codes of a reply; the relay changes nothing when it answers with one. */
export const MailboxErrorCode = {
  'bad-request': 1,
  'too-large': 2,
  'recipient-quota': 3,
  'sender-quota': 4,
  'rate-limited': 5,
  'storage-full': 6,
  conflict: 7,
  unavailable: 8
} as const
export type MailboxErrorName = keyof typeof MailboxErrorCode
const ERROR_NAMES = new Map(Object.entries(MailboxErrorCode).map(([name, code]) => [code, name as MailboxErrorName]))

/** A frame that does not follow the format: the stream is answered with bad-request (where possible) and reset. */
export class MailboxFrameError extends Error {
  override name = 'MailboxFrameError'
}

/**
 * A deposit whose item is over MAX_ITEM_BYTES: a malformed request the relay
 * answers with `too-large` rather than `bad-request`.
 */
export class MailboxTooLargeError extends MailboxFrameError {
  override name = 'MailboxTooLargeError'
}

/** The relay answered with an error code. */
export class MailboxRefusedError extends Error {
  override name = 'MailboxRefusedError'
  constructor (readonly code: MailboxErrorName, readonly reason: string) {
    super(`the mailbox refused: ${code}${reason === '' ? '' : ` (${reason})`}`)
  }
}

export type MailboxRequest =
  /** `hint`: a sealed push hint of HINT_BYTES (sent as 0x05) */
  | { op: 'deposit', id: Uint8Array, recipient: Uint8Array, item: Uint8Array, hint?: Uint8Array }
  | { op: 'list', after?: Uint8Array, limit: number }
  | { op: 'fetch', ids: Uint8Array[] }
  | { op: 'delete', ids: Uint8Array[] }

export interface ListedItem { id: Uint8Array, size: number, storedAt: number, expiresAt: number }
export interface FetchedItem { id: Uint8Array, storedAt: number, item: Uint8Array }

export type MailboxReply =
  | { op: 'deposit', storedAt: number, expiresAt: number, duplicate: boolean }
  | { op: 'list', more: boolean, items: ListedItem[] }
  | { op: 'fetch', items: FetchedItem[] }
  | { op: 'delete', deleted: number }

const Writer = FrameWriter

/** Reads a mailbox frame; any overrun is a MailboxFrameError. */
class Reader extends FrameReader {
  constructor (buf: Uint8Array, what: string) {
    super(buf, what, message => new MailboxFrameError(message))
  }
}

function flag (value: number, field: string): boolean {
  if (value !== 0 && value !== 1) throw new MailboxFrameError(`a mailbox reply: ${field} is 0 or 1, not ${value}`)
  return value === 1
}

function idList (r: Reader, what: string): Uint8Array[] {
  const count = r.u8('the id count')
  if (count < 1 || count > MAX_IDS) throw new MailboxFrameError(`${what}: between 1 and ${MAX_IDS} ids, not ${count}`)
  const ids = Array.from({ length: count }, (_, i) => r.bytes(ID_BYTES, `id ${i + 1}`))
  r.end()
  return ids
}

function checkIds (ids: Uint8Array[]): void {
  if (ids.length < 1 || ids.length > MAX_IDS) throw new MailboxFrameError(`between 1 and ${MAX_IDS} ids, not ${ids.length}`)
  if (ids.some(id => id.byteLength !== ID_BYTES)) throw new MailboxFrameError(`an id is ${ID_BYTES} bytes`)
}

export function encodeRequest (request: MailboxRequest): Uint8Array {
  const w = new Writer().u8(request.op === 'deposit' && request.hint !== undefined ? HINTED_DEPOSIT : Op[request.op])
  switch (request.op) {
    case 'deposit':
      if (request.id.byteLength !== ID_BYTES) throw new MailboxFrameError(`an id is ${ID_BYTES} bytes`)
      if (request.recipient.byteLength < 1 || request.recipient.byteLength > MAX_RECIPIENT_BYTES) throw new MailboxFrameError('a recipient is 1 to 64 bytes')
      if (request.hint !== undefined && request.hint.byteLength !== HINT_BYTES) throw new MailboxFrameError(`a hint is ${HINT_BYTES} bytes`)
      if (request.item.byteLength < 1) throw new MailboxFrameError(`an item is 1 to ${MAX_ITEM_BYTES} bytes`)
      if (request.item.byteLength > MAX_ITEM_BYTES) throw new MailboxTooLargeError(`an item is 1 to ${MAX_ITEM_BYTES} bytes`)
      w.bytes(request.id).u8(request.recipient.byteLength).bytes(request.recipient)
      if (request.hint !== undefined) w.bytes(request.hint)
      return w.bytes(request.item).finish()
    case 'list':
      if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > MAX_LIST) throw new MailboxFrameError(`a list asks for 1 to ${MAX_LIST} entries`)
      if (request.after != null && request.after.byteLength !== ID_BYTES) throw new MailboxFrameError(`an id is ${ID_BYTES} bytes`)
      return (request.after == null ? w.u8(0) : w.u8(ID_BYTES).bytes(request.after)).u16(request.limit).finish()
    case 'fetch':
    case 'delete':
      checkIds(request.ids)
      w.u8(request.ids.length)
      for (const id of request.ids) w.bytes(id)
      return w.finish()
  }
}

export function decodeRequest (frame: Uint8Array): MailboxRequest {
  const r = new Reader(frame, 'a mailbox request')
  const op = r.u8('the operation')
  switch (op) {
    case Op.deposit:
    case HINTED_DEPOSIT: {
      const id = r.bytes(ID_BYTES, 'the id')
      const length = r.u8('the recipient length')
      if (length < 1 || length > MAX_RECIPIENT_BYTES) throw new MailboxFrameError(`a mailbox request: the recipient is 1 to ${MAX_RECIPIENT_BYTES} bytes, not ${length}`)
      const recipient = r.bytes(length, 'the recipient')
      const hint = op === HINTED_DEPOSIT ? r.bytes(HINT_BYTES, 'the hint') : undefined
      const item = r.rest()
      if (item.byteLength < 1) throw new MailboxFrameError('a mailbox request: the item is empty')
      if (item.byteLength > MAX_ITEM_BYTES) throw new MailboxTooLargeError(`a mailbox request: the item is over ${MAX_ITEM_BYTES} bytes`)
      return hint === undefined ? { op: 'deposit', id, recipient, item } : { op: 'deposit', id, recipient, item, hint }
    }
    case Op.list: {
      const afterLength = r.u8('the cursor length')
      if (afterLength !== 0 && afterLength !== ID_BYTES) throw new MailboxFrameError(`a mailbox request: the cursor is 0 or ${ID_BYTES} bytes, not ${afterLength}`)
      const after = afterLength === 0 ? undefined : r.bytes(ID_BYTES, 'the cursor')
      const limit = r.u16('the limit')
      if (limit < 1 || limit > MAX_LIST) throw new MailboxFrameError(`a mailbox request: the limit is 1 to ${MAX_LIST}, not ${limit}`)
      r.end()
      return after == null ? { op: 'list', limit } : { op: 'list', after, limit }
    }
    case Op.fetch: return { op: 'fetch', ids: idList(r, 'a mailbox fetch') }
    case Op.delete: return { op: 'delete', ids: idList(r, 'a mailbox delete') }
    default: throw new MailboxFrameError(`a mailbox request: unknown operation ${op}`)
  }
}

export function encodeReply (reply: MailboxReply): Uint8Array {
  const w = new Writer().u8(0)
  switch (reply.op) {
    case 'deposit': return w.u64(reply.storedAt).u64(reply.expiresAt).u8(reply.duplicate ? 1 : 0).finish()
    case 'list':
      w.u8(reply.more ? 1 : 0).u16(reply.items.length)
      for (const item of reply.items) w.bytes(item.id).u32(item.size).u64(item.storedAt).u64(item.expiresAt)
      return w.finish()
    case 'fetch':
      w.u8(reply.items.length)
      for (const item of reply.items) w.bytes(item.id).u64(item.storedAt).u32(item.item.byteLength).bytes(item.item)
      return w.finish()
    case 'delete': return w.u16(reply.deleted).finish()
  }
}

export function encodeError (code: MailboxErrorName, reason: string): Uint8Array {
  let text = new TextEncoder().encode(reason)
  if (text.byteLength > MAX_REASON_BYTES) text = text.subarray(0, MAX_REASON_BYTES)
  return new Writer().u8(MailboxErrorCode[code]).bytes(text).finish()
}

/**
 * Decodes the reply to a request of `op`.
 *
 * @throws MailboxRefusedError for an error reply, MailboxFrameError for a malformed one
 */
export function decodeReply (op: OpName, frame: Uint8Array): MailboxReply {
  const r = new Reader(frame, `a mailbox reply to ${op}`)
  const status = r.u8('the status')
  if (status !== 0) {
    const name = ERROR_NAMES.get(status as never)
    if (name == null) throw new MailboxFrameError(`a mailbox reply: unknown status ${status}`)
    const reason = r.rest()
    if (reason.byteLength > MAX_REASON_BYTES) throw new MailboxFrameError('a mailbox reply: the reason is too long')
    throw new MailboxRefusedError(name, new TextDecoder('utf-8', { fatal: false }).decode(reason))
  }
  switch (op) {
    case 'deposit': {
      const reply = { op, storedAt: r.u64('storedAt'), expiresAt: r.u64('expiresAt'), duplicate: flag(r.u8('duplicate'), 'duplicate') } as const
      r.end()
      return reply
    }
    case 'list': {
      const more = flag(r.u8('more'), 'more')
      const count = r.u16('the count')
      if (count > MAX_LIST) throw new MailboxFrameError(`a mailbox reply: more than ${MAX_LIST} entries`)
      const items = Array.from({ length: count }, (_, i) => ({
        id: r.bytes(ID_BYTES, `entry ${i + 1}`), size: r.u32('a size'), storedAt: r.u64('storedAt'), expiresAt: r.u64('expiresAt')
      }))
      r.end()
      return { op, more, items }
    }
    case 'fetch': {
      const count = r.u8('the count')
      if (count > MAX_IDS) throw new MailboxFrameError(`a mailbox reply: more than ${MAX_IDS} items`)
      const items = Array.from({ length: count }, (_, i) => {
        const id = r.bytes(ID_BYTES, `item ${i + 1}`)
        const storedAt = r.u64('storedAt')
        const size = r.u32('a size')
        if (size < 1 || size > MAX_ITEM_BYTES) throw new MailboxFrameError(`a mailbox reply: an item of ${size} bytes`)
        return { id, storedAt, item: r.bytes(size, 'an item') }
      })
      r.end()
      return { op, items }
    }
    case 'delete': {
      const deleted = r.u16('deleted')
      r.end()
      return { op, deleted }
    }
  }
}
