/**
 * Frames of `/parley/nearby/1.0.0` (docs/protocols.md, "Nearby"), pure and
 * shared by relay-node and the app. One request and one reply per stream,
 * each one frame: an unsigned-varint length, then the body below. Strings are
 * UTF-8; PeerIDs are their multihash bytes.
 *
 * Requests (peer → relay), first byte the operation:
 *   REGISTER   0x01 · name (the rest: 1..MAX_NEARBY_NAME_BYTES bytes, 1..64 characters, trimmed, no control characters)
 *   UNREGISTER 0x02
 *   LIST       0x03
 * Replies (relay → peer), first byte the status, 0x00 OK or an error code:
 *   OK to REGISTER    0x00
 *   OK to UNREGISTER  0x00 · removed (u8, 0 or 1)
 *   OK to LIST        0x00 · count (u8, 0..MAX_NEARBY_ENTRIES) · count × entry
 *     entry           peerLength (u8, 1..64) · peer · nameLength (u16, 1..MAX_NEARBY_NAME_BYTES) · name ·
 *                     addressCount (u8, 1..MAX_NEARBY_ADDRESSES) · addressCount × [length (u16, 1..MAX_NEARBY_ADDRESS_BYTES) · address]
 *   error             code (u8, 1..) · reason (UTF-8, the rest, ≤ MAX_NEARBY_REASON_BYTES)
 */

export const NEARBY_PROTOCOL = '/parley/nearby/1.0.0'

/**
 * Longest display name, in characters (Unicode code points) after trimming:
 * the app's own limit (src/lib/p2p/identity/invite.ts MAX_NAME_CHARS), so that every
 * name the app lets a user choose can be shared, and nothing longer.
 */
export const MAX_NEARBY_NAME_CHARS = 64
/** Longest name in bytes: 64 characters of at most 4 UTF-8 bytes each. */
export const MAX_NEARBY_NAME_BYTES = MAX_NEARBY_NAME_CHARS * 4
/** Most entries in one LIST reply (the relay's per-address cap of registrations). */
export const MAX_NEARBY_ENTRIES = 64
/** Most circuit addresses per entry: one per relay listener (WebSocket, secure WebSocket, WebRTC-Direct, TCP). */
export const MAX_NEARBY_ADDRESSES = 4
/** Longest circuit address, in bytes (the app's invite limit, src/lib/p2p/identity/invite.ts MAX_ADDRESS_CHARS). */
export const MAX_NEARBY_ADDRESS_BYTES = 512
const MAX_PEER_BYTES = 64
export const MAX_NEARBY_REASON_BYTES = 200
/** Largest request frame: a REGISTER with the longest name. */
export const MAX_NEARBY_REQUEST_BYTES = 1 + MAX_NEARBY_NAME_BYTES
/** Largest reply frame: a full LIST (about 150 KiB), or an error. */
export const MAX_NEARBY_REPLY_BYTES = 2 + MAX_NEARBY_ENTRIES *
  (1 + MAX_PEER_BYTES + 2 + MAX_NEARBY_NAME_BYTES + 1 + MAX_NEARBY_ADDRESSES * (2 + MAX_NEARBY_ADDRESS_BYTES))

export const NearbyOp = { register: 0x01, unregister: 0x02, list: 0x03 } as const
export type NearbyOpName = keyof typeof NearbyOp

/** Error codes of a reply; the relay changes nothing when it answers with one. */
export const NearbyErrorCode = {
  'bad-request': 1,
  /** LIST from a peer that has not registered: only those who show themselves see others */
  'not-registered': 2,
  /** the asker's IP address holds its share of registrations */
  'per-ip': 3,
  /** every registration slot is taken */
  full: 4,
  'rate-limited': 5,
  /** the relay is shutting down, or failed */
  unavailable: 6
} as const
export type NearbyErrorName = keyof typeof NearbyErrorCode
const ERROR_NAMES = new Map(Object.entries(NearbyErrorCode).map(([name, code]) => [code, name as NearbyErrorName]))

/** A frame that does not follow the format: the stream is answered with bad-request (where possible) and reset. */
export class NearbyFrameError extends Error {
  override name = 'NearbyFrameError'
}

/** The relay answered with an error code. */
export class NearbyRefusedError extends Error {
  override name = 'NearbyRefusedError'
  constructor (readonly code: NearbyErrorName, readonly reason: string) {
    super(`the relay refused the nearby request: ${code}${reason === '' ? '' : ` (${reason})`}`)
  }
}

export type NearbyRequest =
  | { op: 'register', name: string }
  | { op: 'unregister' }
  | { op: 'list' }

/** One person a LIST found: its PeerID (multihash bytes), name and circuit addresses through the relay. */
export interface NearbyEntry { peer: Uint8Array, name: string, addresses: string[] }

export type NearbyReply =
  | { op: 'register' }
  | { op: 'unregister', removed: boolean }
  | { op: 'list', entries: NearbyEntry[] }

const encoder = new TextEncoder()
// fatal: refuse invalid UTF-8; ignoreBOM: keep a leading U+FEFF, so what is decoded is exactly what was sent
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
/** C0 and C1 control characters, which a name never holds. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

/**
 * Why `name` cannot be shared, in words, or undefined when it can: 1 to 64
 * characters with nothing to trim at either end and no control characters
 * (the rules of the app's display names).
 */
export function nameProblem (name: string): string | undefined {
  if (name.length === 0) return 'the name is empty'
  if (name.trim() !== name) return 'the name has spaces at its start or end'
  if ([...name].length > MAX_NEARBY_NAME_CHARS) return `the name is longer than ${MAX_NEARBY_NAME_CHARS} characters`
  if (CONTROL.test(name)) return 'the name contains control characters'
  return undefined
}

/** Writes integers and bytes into a growing buffer. */
class Writer {
  readonly #parts: Uint8Array[] = []
  #length = 0
  u8 (n: number): this { return this.bytes(Uint8Array.of(n)) }
  u16 (n: number): this { return this.bytes(Uint8Array.of(n >> 8, n & 0xff)) }
  bytes (b: Uint8Array): this { this.#parts.push(b); this.#length += b.byteLength; return this }
  finish (): Uint8Array {
    const out = new Uint8Array(this.#length)
    let at = 0
    for (const part of this.#parts) { out.set(part, at); at += part.byteLength }
    return out
  }
}

/** Reads what Writer wrote; any overrun is a NearbyFrameError naming the field. */
class Reader {
  #at = 0
  constructor (private readonly buf: Uint8Array, private readonly what: string) {}
  #take (n: number, field: string): Uint8Array {
    if (this.#at + n > this.buf.byteLength) throw new NearbyFrameError(`${this.what}: the frame ends inside ${field}`)
    const out = this.buf.subarray(this.#at, this.#at + n)
    this.#at += n
    return out
  }
  u8 (field: string): number { return this.#take(1, field)[0] ?? 0 }
  u16 (field: string): number { const b = this.#take(2, field); return ((b[0] ?? 0) << 8) | (b[1] ?? 0) }
  bytes (n: number, field: string): Uint8Array { return this.#take(n, field).slice() }
  text (n: number, field: string): string {
    try {
      return strict.decode(this.#take(n, field))
    } catch (err) {
      if (err instanceof NearbyFrameError) throw err
      throw new NearbyFrameError(`${this.what}: ${field} is not valid UTF-8`)
    }
  }
  rest (): Uint8Array { const out = this.buf.subarray(this.#at); this.#at = this.buf.byteLength; return out }
  get left (): number { return this.buf.byteLength - this.#at }
  end (): void {
    if (this.left !== 0) throw new NearbyFrameError(`${this.what}: ${this.left} bytes after the last field`)
  }
}

function checkName (name: string, what: string): Uint8Array {
  const problem = nameProblem(name)
  if (problem != null) throw new NearbyFrameError(`${what}: ${problem}`)
  const bytes = encoder.encode(name)
  // 64 code points are at most 256 bytes: this only guards the arithmetic
  if (bytes.byteLength > MAX_NEARBY_NAME_BYTES) throw new NearbyFrameError(`${what}: the name is over ${MAX_NEARBY_NAME_BYTES} bytes`)
  return bytes
}

export function encodeNearbyRequest (request: NearbyRequest): Uint8Array {
  const w = new Writer().u8(NearbyOp[request.op])
  if (request.op === 'register') w.bytes(checkName(request.name, 'a nearby registration'))
  return w.finish()
}

export function decodeNearbyRequest (frame: Uint8Array): NearbyRequest {
  const what = 'a nearby request'
  const r = new Reader(frame, what)
  const op = r.u8('the operation')
  switch (op) {
    case NearbyOp.register: {
      const bytes = r.rest()
      if (bytes.byteLength > MAX_NEARBY_NAME_BYTES) throw new NearbyFrameError(`${what}: the name is over ${MAX_NEARBY_NAME_BYTES} bytes`)
      let name: string
      try {
        name = strict.decode(bytes)
      } catch {
        throw new NearbyFrameError(`${what}: the name is not valid UTF-8`)
      }
      const problem = nameProblem(name)
      if (problem != null) throw new NearbyFrameError(`${what}: ${problem}`)
      return { op: 'register', name }
    }
    case NearbyOp.unregister:
      r.end()
      return { op: 'unregister' }
    case NearbyOp.list:
      r.end()
      return { op: 'list' }
    default:
      throw new NearbyFrameError(`${what}: unknown operation ${op}`)
  }
}

export function encodeNearbyReply (reply: NearbyReply): Uint8Array {
  const w = new Writer().u8(0)
  switch (reply.op) {
    case 'register': return w.finish()
    case 'unregister': return w.u8(reply.removed ? 1 : 0).finish()
    case 'list': {
      if (reply.entries.length > MAX_NEARBY_ENTRIES) throw new NearbyFrameError(`a nearby list holds at most ${MAX_NEARBY_ENTRIES} entries`)
      w.u8(reply.entries.length)
      for (const entry of reply.entries) {
        if (entry.peer.byteLength < 1 || entry.peer.byteLength > MAX_PEER_BYTES) throw new NearbyFrameError(`a PeerID is 1 to ${MAX_PEER_BYTES} bytes`)
        const name = checkName(entry.name, 'a nearby entry')
        if (entry.addresses.length < 1 || entry.addresses.length > MAX_NEARBY_ADDRESSES) throw new NearbyFrameError(`an entry has 1 to ${MAX_NEARBY_ADDRESSES} addresses`)
        w.u8(entry.peer.byteLength).bytes(entry.peer).u16(name.byteLength).bytes(name).u8(entry.addresses.length)
        for (const address of entry.addresses) {
          const bytes = encoder.encode(address)
          if (bytes.byteLength < 1 || bytes.byteLength > MAX_NEARBY_ADDRESS_BYTES) throw new NearbyFrameError(`an address is 1 to ${MAX_NEARBY_ADDRESS_BYTES} bytes`)
          w.u16(bytes.byteLength).bytes(bytes)
        }
      }
      return w.finish()
    }
  }
}

export function encodeNearbyError (code: NearbyErrorName, reason: string): Uint8Array {
  let text = encoder.encode(reason)
  if (text.byteLength > MAX_NEARBY_REASON_BYTES) text = text.subarray(0, MAX_NEARBY_REASON_BYTES)
  return new Writer().u8(NearbyErrorCode[code]).bytes(text).finish()
}

function decodeEntry (r: Reader, i: number): NearbyEntry {
  const what = `entry ${i + 1}`
  const peerLength = r.u8(`the PeerID length of ${what}`)
  if (peerLength < 1 || peerLength > MAX_PEER_BYTES) throw new NearbyFrameError(`a nearby list: the PeerID of ${what} is 1 to ${MAX_PEER_BYTES} bytes, not ${peerLength}`)
  const peer = r.bytes(peerLength, `the PeerID of ${what}`)
  const nameLength = r.u16(`the name length of ${what}`)
  if (nameLength < 1 || nameLength > MAX_NEARBY_NAME_BYTES) throw new NearbyFrameError(`a nearby list: the name of ${what} is 1 to ${MAX_NEARBY_NAME_BYTES} bytes, not ${nameLength}`)
  const name = r.text(nameLength, `the name of ${what}`)
  const problem = nameProblem(name)
  if (problem != null) throw new NearbyFrameError(`a nearby list: ${what}: ${problem}`)
  const count = r.u8(`the address count of ${what}`)
  if (count < 1 || count > MAX_NEARBY_ADDRESSES) throw new NearbyFrameError(`a nearby list: ${what} has 1 to ${MAX_NEARBY_ADDRESSES} addresses, not ${count}`)
  const addresses = Array.from({ length: count }, (_, j) => {
    const length = r.u16(`the length of address ${j + 1} of ${what}`)
    if (length < 1 || length > MAX_NEARBY_ADDRESS_BYTES) throw new NearbyFrameError(`a nearby list: address ${j + 1} of ${what} is 1 to ${MAX_NEARBY_ADDRESS_BYTES} bytes, not ${length}`)
    return r.text(length, `address ${j + 1} of ${what}`)
  })
  return { peer, name, addresses }
}

/**
 * Decodes the reply to a request of `op`.
 *
 * @throws NearbyRefusedError for an error reply, NearbyFrameError for a malformed one
 */
export function decodeNearbyReply (op: NearbyOpName, frame: Uint8Array): NearbyReply {
  const r = new Reader(frame, `a nearby reply to ${op}`)
  const status = r.u8('the status')
  if (status !== 0) {
    const name = ERROR_NAMES.get(status as never)
    if (name == null) throw new NearbyFrameError(`a nearby reply: unknown status ${status}`)
    const reason = r.rest()
    if (reason.byteLength > MAX_NEARBY_REASON_BYTES) throw new NearbyFrameError('a nearby reply: the reason is too long')
    throw new NearbyRefusedError(name, new TextDecoder('utf-8', { fatal: false }).decode(reason))
  }
  switch (op) {
    case 'register':
      r.end()
      return { op }
    case 'unregister': {
      const removed = r.u8('removed')
      if (removed !== 0 && removed !== 1) throw new NearbyFrameError(`a nearby reply: removed is 0 or 1, not ${removed}`)
      r.end()
      return { op, removed: removed === 1 }
    }
    case 'list': {
      const count = r.u8('the count')
      if (count > MAX_NEARBY_ENTRIES) throw new NearbyFrameError(`a nearby list: more than ${MAX_NEARBY_ENTRIES} entries`)
      const entries = Array.from({ length: count }, (_, i) => decodeEntry(r, i))
      r.end()
      return { op, entries }
    }
  }
}
