/**
 * The binary encoding of a session box: what one ratchet message is on the
 * wire, the same bytes live (chat/2.0.0) and inside a mailbox seal.
 *
 *     box    = 0x02 · itemId (16) · flags (u8) · [init] · header · nonce (24) · ciphertext (plaintext + 16-byte tag)
 *     init   = ekA (32) · spkId (u32) · pqKind (u8: 2 last-resort, 3 one-time) · pqId (u32) · opkId (u32, 0 = none) · pqxdhCt (1088)
 *     header = dh (32) · pn (u32) · n (u32) · [kemPk (1184)] · [kemCt (1088)]
 *
 * Integers are big-endian. Flags: 0x01 init present, 0x02 kemPk present,
 * 0x04 kemCt present, 0x08 the plaintext is padded (padding.ts); other bits
 * are refused. The AEAD's associated data is the session's AD · itemId ·
 * (flags without 0x01) · header (ratchet.ts `messageAd`). Every decoder checks every length and refuses trailing or
 * missing bytes with a SessionFrameError saying what is wrong; what it
 * returns are copies, never views into the input.
 */
import {
  BOX_VERSION, FLAG_INIT, FLAG_KEM_CIPHERTEXT, FLAG_PADDED, FLAG_KEM_PUBLIC, ITEM_ID_BYTES, KEM_CIPHERTEXT_BYTES,
  KEM_PUBLIC_BYTES, KEY_BYTES, KNOWN_FLAGS, MAX_BOX_BYTES, MAX_COUNTER, MAX_PLAINTEXT_BYTES, MIN_BOX_BYTES, NONCE_BYTES,
  PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, TAG_BYTES
} from './constants.ts'
import { SessionFrameError } from './errors.ts'

/** A ratchet message header (DR §2.6 plus PQDR's KEM fields). */
export interface Header {
  /** the sender's current ratchet public key (X25519) */
  dh: Uint8Array
  /** the length of the sender's previous sending chain */
  pn: number
  /** this message's number in its sending chain */
  n: number
  /** the sender's current ML-KEM-768 public key, for the receiver's next ratchet step */
  kemPublic?: Uint8Array
  /** an ML-KEM-768 ciphertext to the receiver's last public key, whose secret this chain's root step mixed in */
  kemCiphertext?: Uint8Array
}

/** The PQ prekey kinds an init may name. */
export type PqPrekeyKind = typeof PREKEY_PQ_LAST_RESORT | typeof PREKEY_PQ_ONE_TIME

/** What the initiator's boxes carry until she hears back: which of Bob's prekeys she used, her ephemeral key, the PQXDH ciphertext. */
export interface Init {
  /** Alice's ephemeral X25519 public key (EK_A) */
  ephemeral: Uint8Array
  signedPrekeyId: number
  pqKind: PqPrekeyKind
  pqPrekeyId: number
  /** Bob's one-time EC prekey id, 0 when none was used */
  oneTimePrekeyId: number
  /** the PQXDH encapsulation to Bob's PQ prekey (CT) */
  kemCiphertext: Uint8Array
}

export interface Box {
  /** the id of the item inside (16 bytes), in clear: a receiver answers a duplicate before decrypting */
  itemId: Uint8Array
  init?: Init
  header: Header
  nonce: Uint8Array
  /** the AEAD output: plaintext and its 16-byte tag */
  ciphertext: Uint8Array
  /** the plaintext ends in padding (flag 0x08) */
  padded?: boolean
}

/** Reads fields off a buffer; running past the end is a SessionFrameError naming the field. */
class Reader {
  #at = 0
  constructor (private readonly buf: Uint8Array, readonly what: string) {}

  bytes (n: number, field: string): Uint8Array {
    if (this.#at + n > this.buf.byteLength) throw new SessionFrameError(`${this.what}: it ends inside ${field}`)
    const out = this.buf.slice(this.#at, this.#at + n)
    this.#at += n
    return out
  }

  u8 (field: string): number {
    return this.bytes(1, field)[0] ?? 0
  }

  u32 (field: string): number {
    const b = this.bytes(4, field)
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0)
  }

  get left (): number { return this.buf.byteLength - this.#at }

  rest (): Uint8Array {
    return this.bytes(this.left, 'the rest')
  }

  end (): void {
    if (this.left !== 0) throw new SessionFrameError(`${this.what}: ${this.left} bytes after the last field`)
  }
}

function u32 (value: number, field: string): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > MAX_COUNTER) throw new SessionFrameError(`${field} is an integer from 0 to ${MAX_COUNTER}, not ${value}`)
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, value)
  return out
}

function sized (bytes: Uint8Array, length: number, field: string): Uint8Array {
  if (bytes.byteLength !== length) throw new SessionFrameError(`${field} is ${length} bytes, not ${bytes.byteLength}`)
  return bytes
}

function concat (parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

/** The flag bits that describe a header's KEM fields. */
export function headerFlags (header: Header): number {
  return (header.kemPublic === undefined ? 0 : FLAG_KEM_PUBLIC) | (header.kemCiphertext === undefined ? 0 : FLAG_KEM_CIPHERTEXT)
}

/** The bytes of a header (without flags: {@link headerFlags} says which KEM fields are in). */
export function encodeHeader (header: Header): Uint8Array {
  const parts = [sized(header.dh, KEY_BYTES, 'the header\'s DH key'), u32(header.pn, 'pn'), u32(header.n, 'n')]
  if (header.kemPublic !== undefined) parts.push(sized(header.kemPublic, KEM_PUBLIC_BYTES, 'the header\'s KEM public key'))
  if (header.kemCiphertext !== undefined) parts.push(sized(header.kemCiphertext, KEM_CIPHERTEXT_BYTES, 'the header\'s KEM ciphertext'))
  return concat(parts)
}

function readHeader (r: Reader, flags: number): Header {
  const header: Header = { dh: r.bytes(KEY_BYTES, 'the DH key'), pn: r.u32('pn'), n: r.u32('n') }
  if ((flags & FLAG_KEM_PUBLIC) !== 0) header.kemPublic = r.bytes(KEM_PUBLIC_BYTES, 'the KEM public key')
  if ((flags & FLAG_KEM_CIPHERTEXT) !== 0) header.kemCiphertext = r.bytes(KEM_CIPHERTEXT_BYTES, 'the KEM ciphertext')
  return header
}

function checkFlags (flags: number, what: string): void {
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new SessionFrameError(`${what}: unknown flags 0x${flags.toString(16).padStart(2, '0')}`)
}

/**
 * Decodes a header whose KEM fields `flags` announces.
 *
 * @throws SessionFrameError when the flags are unknown or the bytes are not exactly such a header
 */
export function decodeHeader (bytes: Uint8Array, flags: number): Header {
  checkFlags(flags, 'a header')
  const r = new Reader(bytes, 'a header')
  const header = readHeader(r, flags)
  r.end()
  return header
}

/** The bytes of an init. */
export function encodeInit (init: Init): Uint8Array {
  if (init.pqKind !== PREKEY_PQ_LAST_RESORT && init.pqKind !== PREKEY_PQ_ONE_TIME) throw new SessionFrameError(`the PQ prekey kind is ${PREKEY_PQ_LAST_RESORT} or ${PREKEY_PQ_ONE_TIME}, not ${String(init.pqKind)}`)
  return concat([
    sized(init.ephemeral, KEY_BYTES, 'the ephemeral key'),
    u32(init.signedPrekeyId, 'the signed prekey id'),
    Uint8Array.of(init.pqKind),
    u32(init.pqPrekeyId, 'the PQ prekey id'),
    u32(init.oneTimePrekeyId, 'the one-time prekey id'),
    sized(init.kemCiphertext, KEM_CIPHERTEXT_BYTES, 'the PQXDH ciphertext')
  ])
}

function readInit (r: Reader): Init {
  const ephemeral = r.bytes(KEY_BYTES, 'the ephemeral key')
  const signedPrekeyId = r.u32('the signed prekey id')
  const pqKind = r.u8('the PQ prekey kind')
  if (pqKind !== PREKEY_PQ_LAST_RESORT && pqKind !== PREKEY_PQ_ONE_TIME) throw new SessionFrameError(`${r.what}: the PQ prekey kind is ${PREKEY_PQ_LAST_RESORT} or ${PREKEY_PQ_ONE_TIME}, not ${pqKind}`)
  const pqPrekeyId = r.u32('the PQ prekey id')
  const oneTimePrekeyId = r.u32('the one-time prekey id')
  const kemCiphertext = r.bytes(KEM_CIPHERTEXT_BYTES, 'the PQXDH ciphertext')
  return { ephemeral, signedPrekeyId, pqKind, pqPrekeyId, oneTimePrekeyId, kemCiphertext }
}

/**
 * Decodes an init ({@link INIT_BYTES} bytes).
 *
 * @throws SessionFrameError when the bytes are not exactly an init
 */
export function decodeInit (bytes: Uint8Array): Init {
  const r = new Reader(bytes, 'an init')
  const init = readInit(r)
  r.end()
  return init
}

/** The bytes of a box. */
export function encodeBox (box: Box): Uint8Array {
  if (box.ciphertext.byteLength < TAG_BYTES || box.ciphertext.byteLength > MAX_PLAINTEXT_BYTES + TAG_BYTES) {
    throw new SessionFrameError(`a box's ciphertext is ${TAG_BYTES} to ${MAX_PLAINTEXT_BYTES + TAG_BYTES} bytes, not ${box.ciphertext.byteLength}`)
  }
  const flags = (box.init === undefined ? 0 : FLAG_INIT) | headerFlags(box.header) | (box.padded === true ? FLAG_PADDED : 0)
  const parts = [Uint8Array.of(BOX_VERSION), sized(box.itemId, ITEM_ID_BYTES, 'the item id'), Uint8Array.of(flags)]
  if (box.init !== undefined) parts.push(encodeInit(box.init))
  parts.push(encodeHeader(box.header), sized(box.nonce, NONCE_BYTES, 'the nonce'), box.ciphertext)
  return concat(parts)
}

/**
 * Decodes a box.
 *
 * @throws SessionFrameError when it is over {@link MAX_BOX_BYTES} or under
 * {@link MIN_BOX_BYTES}, of another version, has unknown flags, or a field
 * is cut short or out of range
 */
export function decodeBox (bytes: Uint8Array): Box {
  if (bytes.byteLength > MAX_BOX_BYTES) throw new SessionFrameError(`a box is at most ${MAX_BOX_BYTES} bytes; this one is ${bytes.byteLength}`)
  if (bytes.byteLength < MIN_BOX_BYTES) throw new SessionFrameError(`a box is at least ${MIN_BOX_BYTES} bytes; this one is ${bytes.byteLength}`)
  if (bytes[0] !== BOX_VERSION) throw new SessionFrameError(`unknown box version ${String(bytes[0])}`)
  const r = new Reader(bytes.subarray(1), 'a box')
  const itemId = r.bytes(ITEM_ID_BYTES, 'the item id')
  const flags = r.u8('the flags')
  checkFlags(flags, 'a box')
  const box: Box = { itemId, header: { dh: new Uint8Array(0), pn: 0, n: 0 }, nonce: new Uint8Array(0), ciphertext: new Uint8Array(0) }
  if ((flags & FLAG_INIT) !== 0) box.init = readInit(r)
  box.header = readHeader(r, flags)
  box.nonce = r.bytes(NONCE_BYTES, 'the nonce')
  if (r.left < TAG_BYTES) throw new SessionFrameError(`a box: the ciphertext is at least ${TAG_BYTES} bytes, not ${r.left}`)
  if (r.left > MAX_PLAINTEXT_BYTES + TAG_BYTES) throw new SessionFrameError(`a box: the ciphertext is at most ${MAX_PLAINTEXT_BYTES + TAG_BYTES} bytes, not ${r.left}`)
  box.ciphertext = r.rest()
  if ((flags & FLAG_PADDED) !== 0) box.padded = true
  return box
}

/** The item id of a box, read without decoding the rest (to answer a duplicate before decrypting). */
export function boxItemId (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < MIN_BOX_BYTES || bytes.byteLength > MAX_BOX_BYTES || bytes[0] !== BOX_VERSION) throw new SessionFrameError('not a box')
  return bytes.slice(1, 1 + ITEM_ID_BYTES)
}

