/**
 * Frames of `/parley/prekeys/1.0.0` (docs/protocols.md, "Prekeys"), pure and
 * shared by relay-node and the app. One request and one reply per stream,
 * each one frame: an unsigned-varint length, then the body below. Integers
 * are big-endian. A record is session/records.ts's (EC 109 B, PQ 1261 B).
 *
 * Requests (owner or requester → relay), first byte the operation:
 *   PUBLISH 0x01 · signed EC record (kind 1) · PQ last-resort record (kind 2) · count (u16, 0..MAX_PUBLISH_ONE_TIME) · count × one-time record (kind 3 or 4)
 *   STATUS  0x02
 *   FETCH   0x03 · ownerLength (u8, 1..64) · owner PeerID multihash
 *   CLEAR   0x04
 * Replies (relay → dialer), first byte the status, 0x00 OK or an error code:
 *   OK to PUBLISH, STATUS  0x00 · signedId (u32, 0 none) · lastResortId (u32, 0 none) · PQ one-time count (u16) · EC one-time count (u16)
 *   OK to FETCH            0x00 · signed record (kind 1) · PQ record (kind 3, else 2) · hasEc (u8, 0 or 1) · [EC one-time record (kind 4)]
 *   OK to CLEAR            0x00
 *   error                  code (u8, 1..) · reason (UTF-8, the rest, ≤ MAX_REASON_BYTES)
 * Within one PUBLISH the one-time ids of a kind are distinct. The codec
 * checks shapes and kinds only; signatures are checked by the relay on
 * PUBLISH and by the app on a fetched bundle (client.ts verifyBundle).
 */
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../session/constants.ts'
import { decodeRecord, encodeRecord } from '../session/records.ts'
import type { PrekeyKind, PrekeyRecord } from '../session/records.ts'
import type { OneRequestProtocol } from '../one-request/server.ts'

export const PREKEYS_PROTOCOL = '/parley/prekeys/1.0.0'

/** One-time records a relay keeps per owner and kind (PQ, EC); one PUBLISH carries at most both. */
export const MAX_ONE_TIME_PER_KIND = 100
/** One-time records in one PUBLISH. */
export const MAX_PUBLISH_ONE_TIME = 2 * MAX_ONE_TIME_PER_KIND
/**
 * Largest request frame, in bytes: 163 922, the mailbox's (1 + 16 + 1 + 64 +
 * 160 KiB), so a relay bounds both protocols alike. The largest PUBLISH a
 * relay can accept is 1 + 109 + 1261 + 2 + 100 × 1261 + 100 × 109 =
 * 138 373 B; 200 PQ one-time records (253 573 B) do not fit and would be
 * past the quota anyway.
 */
export const MAX_REQUEST_BYTES = 163_922
/** Largest reply frame: a bundle is 1 + 109 + 1261 + 1 + 109 = 1481 B, an error 201 B. */
export const MAX_REPLY_BYTES = 4096
export const MAX_REASON_BYTES = 200
export const MAX_OWNER_BYTES = 64

export const Op = { publish: 0x01, status: 0x02, fetch: 0x03, clear: 0x04 } as const
export type OpName = keyof typeof Op

/** Error codes of a reply; the relay changes nothing when it answers with one. */
export const PrekeysErrorCode = {
  'bad-request': 1,
  'not-found': 2,
  quota: 3,
  'rate-limited': 4,
  unavailable: 5,
  forbidden: 6
} as const
export type PrekeysErrorName = keyof typeof PrekeysErrorCode
const ERROR_NAMES = new Map(Object.entries(PrekeysErrorCode).map(([name, code]) => [code, name as PrekeysErrorName]))

/** A frame that does not follow the format: the relay answers bad-request and resets the stream. */
export class PrekeysFrameError extends Error {
  static readonly NAME = 'PrekeysFrameError'
  override readonly name = PrekeysFrameError.NAME
}

/** The relay answered with an error code. */
export class PrekeysRefusedError extends Error {
  static readonly NAME = 'PrekeysRefusedError'
  override readonly name = PrekeysRefusedError.NAME
  constructor (readonly code: PrekeysErrorName, readonly reason: string) {
    super(`the prekey store refused: ${code}${reason === '' ? '' : ` (${reason})`}`)
  }
}

/** What an owner publishes: its signed prekey, its PQ last-resort prekey, and one-time prekeys to add. */
export interface PrekeyUpload { signed: PrekeyRecord, lastResort: PrekeyRecord, oneTime: PrekeyRecord[] }
/** What a relay holds for an owner: the ids of its signed and last-resort records (0 none) and the one-time counts. */
export interface PrekeyStatus { signedId: number, lastResortId: number, pqOneTime: number, ecOneTime: number }
/** One FETCH's bundle: the PQ record is a one-time one (kind 3) while any is left, else the last-resort (kind 2). */
export interface FetchedBundle { signed: PrekeyRecord, pq: PrekeyRecord, ecOneTime?: PrekeyRecord }

export type PrekeysRequest =
  | ({ op: 'publish' } & PrekeyUpload)
  | { op: 'status' }
  | { op: 'fetch', owner: Uint8Array }
  | { op: 'clear' }

export type PrekeysReply =
  | { op: 'publish', status: PrekeyStatus }
  | { op: 'status', status: PrekeyStatus }
  | { op: 'fetch', bundle: FetchedBundle }
  | { op: 'clear' }

const KIND_NAMES: Record<PrekeyKind, string> = {
  [PREKEY_SIGNED_EC]: 'signed EC',
  [PREKEY_PQ_LAST_RESORT]: 'PQ last-resort',
  [PREKEY_PQ_ONE_TIME]: 'PQ one-time',
  [PREKEY_EC_ONE_TIME]: 'EC one-time'
}

function checkKind (record: PrekeyRecord, kinds: readonly PrekeyKind[], what: string): void {
  if (!kinds.includes(record.kind)) {
    throw new PrekeysFrameError(`${what} is a ${kinds.map(k => KIND_NAMES[k]).join(' or ')} record (kind ${kinds.join(' or ')}), not kind ${record.kind}`)
  }
}

/** Refuses a one-time list over the limit, of another kind, or with an id twice in one kind. */
function checkOneTime (records: readonly PrekeyRecord[], what: string): void {
  if (records.length > MAX_PUBLISH_ONE_TIME) throw new PrekeysFrameError(`${what}: at most ${MAX_PUBLISH_ONE_TIME} one-time records, not ${records.length}`)
  const seen = new Set<string>()
  for (const [i, record] of records.entries()) {
    checkKind(record, [PREKEY_PQ_ONE_TIME, PREKEY_EC_ONE_TIME], `${what}: one-time record ${i + 1}`)
    const key = `${record.kind}/${record.id}`
    if (seen.has(key)) throw new PrekeysFrameError(`${what}: the ${KIND_NAMES[record.kind]} id ${record.id} is there twice`)
    seen.add(key)
  }
}

/** Concatenates parts, in order. */
function join (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const part of parts) { out.set(part, at); at += part.byteLength }
  return out
}

const u16 = (n: number): Uint8Array => Uint8Array.of(n >>> 8, n & 0xff)
const u32 = (n: number): Uint8Array => Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff)

/** encodeRecord with its errors in this protocol's words. */
function recordBytes (record: PrekeyRecord, what: string): Uint8Array {
  try {
    return encodeRecord(record)
  } catch (err) {
    throw new PrekeysFrameError(`${what}: ${(err as Error).message}`)
  }
}

/** Reads frames field by field; any overrun or bad record is a PrekeysFrameError. */
class Reader {
  #at = 0
  constructor (private readonly buf: Uint8Array, private readonly what: string) {}
  #take (n: number, field: string): Uint8Array {
    if (this.#at + n > this.buf.byteLength) throw new PrekeysFrameError(`${this.what}: the frame ends inside ${field}`)
    const out = this.buf.subarray(this.#at, this.#at + n)
    this.#at += n
    return out
  }

  u8 (field: string): number { return this.#take(1, field)[0] ?? 0 }
  u16 (field: string): number { const b = this.#take(2, field); return ((b[0] ?? 0) << 8) | (b[1] ?? 0) }
  u32 (field: string): number { const b = this.#take(4, field); return new DataView(b.buffer, b.byteOffset, 4).getUint32(0) }
  bytes (n: number, field: string): Uint8Array { return this.#take(n, field).slice() }
  /** the bytes left (a copy), which are then consumed */
  rest (): Uint8Array { const out = this.buf.subarray(this.#at).slice(); this.#at = this.buf.byteLength; return out }
  record (kinds: readonly PrekeyKind[], field: string): PrekeyRecord {
    let decoded: ReturnType<typeof decodeRecord>
    try {
      decoded = decodeRecord(this.buf.subarray(this.#at))
    } catch (err) {
      throw new PrekeysFrameError(`${this.what}: ${field}: ${(err as Error).message}`)
    }
    checkKind(decoded.record, kinds, `${this.what}: ${field}`)
    this.#at += decoded.length
    return decoded.record
  }

  end (): void {
    const left = this.buf.byteLength - this.#at
    if (left !== 0) throw new PrekeysFrameError(`${this.what}: ${left} bytes after the last field`)
  }
}

export function encodeRequest (request: PrekeysRequest): Uint8Array {
  switch (request.op) {
    case 'publish': {
      const what = 'a prekeys publish'
      checkKind(request.signed, [PREKEY_SIGNED_EC], `${what}: the signed record`)
      checkKind(request.lastResort, [PREKEY_PQ_LAST_RESORT], `${what}: the last-resort record`)
      checkOneTime(request.oneTime, what)
      const frame = join([
        Uint8Array.of(Op.publish),
        recordBytes(request.signed, `${what}: the signed record`),
        recordBytes(request.lastResort, `${what}: the last-resort record`),
        u16(request.oneTime.length),
        ...request.oneTime.map((r, i) => recordBytes(r, `${what}: one-time record ${i + 1}`))
      ])
      if (frame.byteLength > MAX_REQUEST_BYTES) throw new PrekeysFrameError(`${what} is ${frame.byteLength} bytes; a request is at most ${MAX_REQUEST_BYTES}`)
      return frame
    }
    case 'fetch':
      if (request.owner.byteLength < 1 || request.owner.byteLength > MAX_OWNER_BYTES) throw new PrekeysFrameError(`an owner is 1 to ${MAX_OWNER_BYTES} bytes, not ${request.owner.byteLength}`)
      return join([Uint8Array.of(Op.fetch, request.owner.byteLength), request.owner])
    case 'status':
    case 'clear':
      return Uint8Array.of(Op[request.op])
  }
}

/**
 * Decodes a request.
 *
 * @throws PrekeysFrameError for anything malformed
 */
export function decodeRequest (frame: Uint8Array): PrekeysRequest {
  if (frame.byteLength > MAX_REQUEST_BYTES) throw new PrekeysFrameError(`a prekeys request is at most ${MAX_REQUEST_BYTES} bytes, not ${frame.byteLength}`)
  const r = new Reader(frame, 'a prekeys request')
  const op = r.u8('the operation')
  switch (op) {
    case Op.publish: {
      const signed = r.record([PREKEY_SIGNED_EC], 'the signed record')
      const lastResort = r.record([PREKEY_PQ_LAST_RESORT], 'the last-resort record')
      const count = r.u16('the one-time count')
      if (count > MAX_PUBLISH_ONE_TIME) throw new PrekeysFrameError(`a prekeys request: at most ${MAX_PUBLISH_ONE_TIME} one-time records, not ${count}`)
      const oneTime = Array.from({ length: count }, (_, i) => r.record([PREKEY_PQ_ONE_TIME, PREKEY_EC_ONE_TIME], `one-time record ${i + 1}`))
      r.end()
      checkOneTime(oneTime, 'a prekeys request')
      return { op: 'publish', signed, lastResort, oneTime }
    }
    case Op.fetch: {
      const length = r.u8('the owner length')
      if (length < 1 || length > MAX_OWNER_BYTES) throw new PrekeysFrameError(`a prekeys request: the owner is 1 to ${MAX_OWNER_BYTES} bytes, not ${length}`)
      const owner = r.bytes(length, 'the owner')
      r.end()
      return { op: 'fetch', owner }
    }
    case Op.status:
    case Op.clear:
      r.end()
      return { op: op === Op.status ? 'status' : 'clear' }
    default: throw new PrekeysFrameError(`a prekeys request: unknown operation ${op}`)
  }
}

function statusBytes (status: PrekeyStatus): Uint8Array {
  const ids = [status.signedId, status.lastResortId]
  const counts = [status.pqOneTime, status.ecOneTime]
  if (ids.some(id => !Number.isInteger(id) || id < 0 || id > 0xffff_ffff) || counts.some(n => !Number.isInteger(n) || n < 0 || n > 0xffff)) {
    throw new PrekeysFrameError('a status has u32 ids and u16 counts')
  }
  return join([u32(status.signedId), u32(status.lastResortId), u16(status.pqOneTime), u16(status.ecOneTime)])
}

export function encodeReply (reply: PrekeysReply): Uint8Array {
  const ok = Uint8Array.of(0)
  switch (reply.op) {
    case 'publish':
    case 'status':
      return join([ok, statusBytes(reply.status)])
    case 'fetch': {
      const { signed, pq, ecOneTime } = reply.bundle
      const what = 'a bundle'
      checkKind(signed, [PREKEY_SIGNED_EC], `${what}: the signed record`)
      checkKind(pq, [PREKEY_PQ_ONE_TIME, PREKEY_PQ_LAST_RESORT], `${what}: the PQ record`)
      if (ecOneTime != null) checkKind(ecOneTime, [PREKEY_EC_ONE_TIME], `${what}: the EC one-time record`)
      return join([
        ok,
        recordBytes(signed, `${what}: the signed record`),
        recordBytes(pq, `${what}: the PQ record`),
        Uint8Array.of(ecOneTime == null ? 0 : 1),
        ...(ecOneTime == null ? [] : [recordBytes(ecOneTime, `${what}: the EC one-time record`)])
      ])
    }
    case 'clear':
      return ok
  }
}

export function encodeError (code: PrekeysErrorName, reason: string): Uint8Array {
  let text = new TextEncoder().encode(reason)
  if (text.byteLength > MAX_REASON_BYTES) text = text.subarray(0, MAX_REASON_BYTES)
  return join([Uint8Array.of(PrekeysErrorCode[code]), text])
}

/**
 * The bundle parser: a FETCH reply's body after its status byte (also what
 * a browser answering FETCH for itself sends).
 *
 * @throws PrekeysFrameError when it is not signed · PQ · flag · [EC one-time] with those kinds, and nothing more
 */
export function decodeBundle (bytes: Uint8Array): FetchedBundle {
  const r = new Reader(bytes, 'a bundle')
  const signed = r.record([PREKEY_SIGNED_EC], 'the signed record')
  const pq = r.record([PREKEY_PQ_ONE_TIME, PREKEY_PQ_LAST_RESORT], 'the PQ record')
  const hasEc = r.u8('the EC flag')
  if (hasEc !== 0 && hasEc !== 1) throw new PrekeysFrameError(`a bundle: the EC flag is 0 or 1, not ${hasEc}`)
  const bundle: FetchedBundle = hasEc === 1 ? { signed, pq, ecOneTime: r.record([PREKEY_EC_ONE_TIME], 'the EC one-time record') } : { signed, pq }
  r.end()
  return bundle
}

/**
 * Decodes the reply to a request of `op`.
 *
 * @throws PrekeysRefusedError for an error reply, PrekeysFrameError for a malformed one
 */
export function decodeReply (op: OpName, frame: Uint8Array): PrekeysReply {
  if (frame.byteLength > MAX_REPLY_BYTES) throw new PrekeysFrameError(`a prekeys reply is at most ${MAX_REPLY_BYTES} bytes, not ${frame.byteLength}`)
  const r = new Reader(frame, `a prekeys reply to ${op}`)
  const status = r.u8('the status')
  if (status !== 0) {
    const name = ERROR_NAMES.get(status as never)
    if (name == null) throw new PrekeysFrameError(`a prekeys reply: unknown status ${status}`)
    const reason = r.rest()
    if (reason.byteLength > MAX_REASON_BYTES) throw new PrekeysFrameError('a prekeys reply: the reason is too long')
    throw new PrekeysRefusedError(name, new TextDecoder('utf-8', { fatal: false }).decode(reason))
  }
  switch (op) {
    case 'publish':
    case 'status': {
      const reply = { op, status: { signedId: r.u32('signedId'), lastResortId: r.u32('lastResortId'), pqOneTime: r.u16('the PQ count'), ecOneTime: r.u16('the EC count') } }
      r.end()
      return reply
    }
    case 'fetch': return { op, bundle: decodeBundle(r.rest()) }
    case 'clear':
      r.end()
      return { op }
  }
}

/** The frames and refusals of a prekeys server (relay-node's store, an app's own bundle), as one-request/server.ts takes them. */
export const PREKEYS_SERVER_FRAMES: Pick<OneRequestProtocol<PrekeysRequest, PrekeysReply, PrekeysErrorName>, 'decode' | 'encodeReply' | 'encodeError' | 'malformed' | 'oversizeCode' | 'refusal'> = {
  decode: decodeRequest,
  encodeReply,
  encodeError,
  malformed: (err) => err instanceof PrekeysFrameError ? 'bad-request' : undefined,
  oversizeCode: 'bad-request',
  refusal: (err) => err instanceof PrekeysRefusedError ? { code: err.code, reason: err.reason } : undefined
}
