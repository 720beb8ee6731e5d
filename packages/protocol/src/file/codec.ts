/**
 * Pure codec of `/parley/file/1.0.0` and `1.1.0` frames: typed frames ⇄
 * frame bodies (binary, integers big-endian, without the varint length
 * prefix that `lpStream` adds). No libp2p runtime here except the error
 * class; the layout of every frame is in docs/protocols.md ("Files"). In
 * 1.1.0 the payloads of HASHES and CHUNK replies are sealed (keyed.ts), so
 * they are 16 bytes longer; frames.ts seals and opens them.
 */
import { InvalidMessageError } from '@libp2p/interface'
import {
  HASH_BYTES, MAX_CHUNK_BYTES, MAX_FRAME_BYTES_OF, MAX_HASHES_PER_FRAME, MAX_REASON_BYTES, MIN_CHUNK_BYTES, SEAL_OVERHEAD_BYTES
} from './constants.ts'
import type { FileVersion } from './constants.ts'
import type { FileWireErrorCode } from './errors.ts'

/**
 * Receiver → sender, first frame: send me transfer `id`, whose whole-file
 * SHA-256 is `sha256` (in 1.1.0: whose file tag, keyed.ts `fileTag`, is `sha256`).
 */
export interface OpenFrame { type: 'open', id: string, sha256: Uint8Array }
/** Receiver → sender: the chunk hashes `from` .. `from + count - 1`. */
export interface HashesRequestFrame { type: 'hashes-request', from: number, count: number }
/** Receiver → sender: the bytes of chunk `index`. */
export interface ChunkRequestFrame { type: 'chunk-request', index: number }
/** Receiver → sender: the whole file is received and verified. */
export interface DoneFrame { type: 'done' }
/** Either side, first frame of a stream it opens: transfer `id` is cancelled (`sha256` as in OPEN). */
export interface CancelFrame { type: 'cancel', id: string, sha256: Uint8Array }
/** Sender → receiver, the answer to OPEN. */
export interface ReadyFrame { type: 'ready', size: number, chunkSize: number, chunkCount: number }
/** Sender → receiver: `hashes.byteLength / 32` chunk hashes starting at chunk `from` (in 1.1.0, sealed on the wire). */
export interface HashesFrame { type: 'hashes', from: number, hashes: Uint8Array }
/** Sender → receiver: the bytes of chunk `index` (in 1.1.0, sealed on the wire). */
export interface ChunkFrame { type: 'chunk', index: number, data: Uint8Array }
/** Sender → receiver, the answer to DONE and to CANCEL. */
export interface OkFrame { type: 'ok' }
/** Sender → receiver: the request cannot be served; the sender closes the stream after it. */
export interface ErrorFrame { type: 'error', code: FileWireErrorCode, reason: string }

/** Frames the dialer of a stream writes. */
export type FileDialerFrame = OpenFrame | HashesRequestFrame | ChunkRequestFrame | DoneFrame | CancelFrame
/** Frames the listener of a stream writes. */
export type FileListenerFrame = ReadyFrame | HashesFrame | ChunkFrame | OkFrame | ErrorFrame
export type FileFrame = FileDialerFrame | FileListenerFrame

/** Which end of the stream wrote a frame. */
export type FileFrameSender = 'dialer' | 'listener'

/** The first byte of each frame body. */
export const FRAME_TYPES = {
  open: 0x01,
  'hashes-request': 0x02,
  'chunk-request': 0x03,
  done: 0x04,
  cancel: 0x05,
  ready: 0x81,
  hashes: 0x82,
  chunk: 0x83,
  ok: 0x84,
  error: 0x8f
} as const satisfies Record<FileFrame['type'], number>

/** The name of each frame type as docs/protocols.md writes it (HASHES and CHUNK name a request and its reply). */
export function frameName (type: FileFrame['type']): string {
  return type.replace(/-request$/, '').toUpperCase()
}

/** The byte of each code in an ERROR frame. */
export const ERROR_CODES = {
  'unknown-transfer': 1,
  cancelled: 2,
  unavailable: 3,
  'needs-direct': 4,
  busy: 5,
  'bad-request': 6
} as const satisfies Record<FileWireErrorCode, number>

/** A ULID: 26 characters of uppercase Crockford base32 (the id of the chat message that offered the file). */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/
const ID_BYTES = 26
/** Body lengths of the fixed-size frames. */
const OPEN_BYTES = 1 + ID_BYTES + HASH_BYTES
const READY_BYTES = 17
const MAX_U32 = 0xffff_ffff

const TYPE_NAMES = new Map<number, FileFrame['type']>(Object.entries(FRAME_TYPES).map(([name, byte]) => [byte, name as FileFrame['type']]))
const CODE_NAMES = new Map<number, FileWireErrorCode>(Object.entries(ERROR_CODES).map(([name, byte]) => [byte, name as FileWireErrorCode]))
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid file frame: ${reason}`)
}

/** Whether `chunkSize` is a power of two in MIN_CHUNK_BYTES..MAX_CHUNK_BYTES. */
export function isValidChunkSize (chunkSize: number): boolean {
  return Number.isInteger(chunkSize) && chunkSize >= MIN_CHUNK_BYTES && chunkSize <= MAX_CHUNK_BYTES && (chunkSize & (chunkSize - 1)) === 0
}

/** Chunks of a `size`-byte file: ceil(size / chunkSize), 0 for an empty file. */
export function chunkCountOf (size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

/** Length of chunk `index`: chunkSize, except for the last chunk, which holds the rest. */
export function chunkLengthOf (index: number, size: number, chunkSize: number): number {
  return Math.min(chunkSize, size - index * chunkSize)
}

/**
 * Encodes a frame body as parts to write one after the other (or into a
 * `Uint8ArrayList`): a header, then the payload of a HASHES or CHUNK reply
 * as given, without copying it. Throws `InvalidMessageError` if the frame
 * breaks the protocol, so nothing a peer would refuse is ever sent.
 */
export function encodeFileFrameParts (frame: FileFrame, version: FileVersion = '1.0.0'): Uint8Array[] {
  validate(frame, version)
  const type = FRAME_TYPES[frame.type]
  switch (frame.type) {
    case 'open':
    case 'cancel': {
      const body = new Uint8Array(OPEN_BYTES)
      body[0] = type
      body.set(encoder.encode(frame.id), 1)
      body.set(frame.sha256, 1 + ID_BYTES)
      return [body]
    }
    case 'hashes-request':
      return [header(type, 9, frame.from, frame.count)]
    case 'chunk-request':
      return [header(type, 5, frame.index)]
    case 'ready': {
      const body = header(type, READY_BYTES)
      const view = new DataView(body.buffer)
      view.setUint32(1, Math.floor(frame.size / 2 ** 32))
      view.setUint32(5, frame.size % 2 ** 32)
      view.setUint32(9, frame.chunkSize)
      view.setUint32(13, frame.chunkCount)
      return [body]
    }
    case 'hashes':
      return [header(type, 5, frame.from), frame.hashes]
    case 'chunk':
      return [header(type, 5, frame.index), frame.data]
    case 'error':
      return [Uint8Array.of(type, ERROR_CODES[frame.code]), encoder.encode(frame.reason)]
    case 'done':
    case 'ok':
      return [Uint8Array.of(type)]
  }
}

/** Encodes a frame body into one array (copies the payload; the service writes the parts instead). */
export function encodeFileFrame (frame: FileFrame, version: FileVersion = '1.0.0'): Uint8Array {
  const parts = encodeFileFrameParts(frame, version)
  const body = new Uint8Array(parts.reduce((n, part) => n + part.byteLength, 0))
  let offset = 0
  for (const part of parts) {
    body.set(part, offset)
    offset += part.byteLength
  }
  return body
}

export function decodeFileFrame (body: Uint8Array, sender: 'dialer', version?: FileVersion): FileDialerFrame
export function decodeFileFrame (body: Uint8Array, sender: 'listener', version?: FileVersion): FileListenerFrame
export function decodeFileFrame (body: Uint8Array, sender?: FileFrameSender, version?: FileVersion): FileFrame
/**
 * Decodes and strictly validates a frame body. With `sender`, also refuses a
 * frame that end may not write. Payloads (`sha256`, `hashes`, `data`) are
 * views into `body`, not copies. Rules that need the transfer (an index below
 * the chunk count, a reply matching its request) are the service's. Throws
 * `InvalidMessageError` saying what is wrong. In 1.1.0 (`version`) the
 * payloads of HASHES and CHUNK replies are still sealed.
 */
export function decodeFileFrame (body: Uint8Array, sender?: FileFrameSender, version: FileVersion = '1.0.0'): FileFrame {
  if (body.byteLength === 0) {
    throw invalid('empty frame')
  }
  if (body.byteLength > MAX_FRAME_BYTES_OF[version]) {
    throw invalid(`frame is ${body.byteLength} bytes, the limit is ${MAX_FRAME_BYTES_OF[version]}`)
  }
  const byte = body[0] ?? 0
  const type = TYPE_NAMES.get(byte)
  if (type == null) {
    throw invalid(`unknown frame type 0x${hex(byte)}`)
  }
  const fromDialer = byte < 0x80
  if (sender === 'dialer' && !fromDialer) {
    throw invalid(`the dialer may only send OPEN, HASHES, CHUNK, DONE or CANCEL requests, got type 0x${hex(byte)}`)
  }
  if (sender === 'listener' && fromDialer) {
    throw invalid(`the listener may only send READY, HASHES, CHUNK, OK or ERROR replies, got type 0x${hex(byte)}`)
  }
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength)
  const expectLength = (length: number): void => {
    if (body.byteLength !== length) {
      throw invalid(`a 0x${hex(byte)} frame is ${length} bytes, got ${body.byteLength}`)
    }
  }
  const atLeast = (length: number): void => {
    if (body.byteLength < length) {
      throw invalid(`a 0x${hex(byte)} frame is at least ${length} bytes, got ${body.byteLength}`)
    }
  }
  let frame: FileFrame
  switch (type) {
    case 'open':
    case 'cancel': {
      expectLength(OPEN_BYTES)
      const idBytes = body.subarray(1, 1 + ID_BYTES)
      // every ULID character is ASCII, so a non-ASCII byte is refused by the pattern below
      const id = String.fromCharCode(...idBytes)
      frame = { type, id, sha256: body.subarray(1 + ID_BYTES) }
      break
    }
    case 'hashes-request':
      expectLength(9)
      frame = { type, from: view.getUint32(1), count: view.getUint32(5) }
      break
    case 'chunk-request':
      expectLength(5)
      frame = { type, index: view.getUint32(1) }
      break
    case 'done':
    case 'ok':
      expectLength(1)
      frame = { type }
      break
    case 'ready': {
      expectLength(READY_BYTES)
      const high = view.getUint32(1)
      if (high >= 2 ** 21) {
        throw invalid(`READY size must be below 2^53, got ${(BigInt(high) << 32n) + BigInt(view.getUint32(5))}`)
      }
      frame = { type, size: high * 2 ** 32 + view.getUint32(5), chunkSize: view.getUint32(9), chunkCount: view.getUint32(13) }
      break
    }
    case 'hashes':
      atLeast(5)
      frame = { type, from: view.getUint32(1), hashes: body.subarray(5) }
      break
    case 'chunk':
      atLeast(5)
      frame = { type, index: view.getUint32(1), data: body.subarray(5) }
      break
    case 'error': {
      atLeast(2)
      const code = CODE_NAMES.get(body[1] ?? 0)
      if (code == null) {
        throw invalid(`unknown ERROR code ${body[1]}`)
      }
      if (body.byteLength - 2 > MAX_REASON_BYTES) {
        throw invalid(`ERROR reason must be at most ${MAX_REASON_BYTES} bytes, got ${body.byteLength - 2}`)
      }
      let reason: string
      try {
        reason = decoder.decode(body.subarray(2))
      } catch {
        throw invalid('ERROR reason is not valid UTF-8')
      }
      frame = { type, code, reason }
      break
    }
  }
  validate(frame, version)
  return frame
}

/** The rules of each frame beyond its layout; shared by encoding and decoding. */
function validate (frame: FileFrame, version: FileVersion): void {
  // a sealed payload carries its tag after the bytes
  const overhead = version === '1.1.0' ? SEAL_OVERHEAD_BYTES : 0
  switch (frame.type) {
    case 'open':
    case 'cancel':
      if (typeof frame.id !== 'string' || !ULID_PATTERN.test(frame.id)) {
        throw invalid(`the transfer id must be a ULID (26 uppercase Crockford base32 characters), got ${JSON.stringify(frame.id)}`)
      }
      if (frame.sha256.byteLength !== HASH_BYTES) {
        throw invalid(`sha256 must be ${HASH_BYTES} bytes, got ${frame.sha256.byteLength}`)
      }
      break
    case 'hashes-request':
      u32('from', frame.from)
      u32('count', frame.count)
      if (frame.count < 1 || frame.count > MAX_HASHES_PER_FRAME) {
        throw invalid(`HASHES count must be 1..${MAX_HASHES_PER_FRAME}, got ${frame.count}`)
      }
      break
    case 'chunk-request':
      u32('index', frame.index)
      break
    case 'ready': {
      const { size, chunkSize, chunkCount } = frame
      if (!Number.isSafeInteger(size) || size < 0) {
        throw invalid(`READY size must be an integer 0..2^53-1, got ${size}`)
      }
      if (!isValidChunkSize(chunkSize)) {
        throw invalid(`READY chunkSize must be a power of two in ${MIN_CHUNK_BYTES}..${MAX_CHUNK_BYTES}, got ${chunkSize}`)
      }
      u32('chunkCount', chunkCount)
      if (chunkCount !== chunkCountOf(size, chunkSize)) {
        throw invalid(`READY chunkCount must be ceil(size / chunkSize) = ${chunkCountOf(size, chunkSize)}, got ${chunkCount}`)
      }
      break
    }
    case 'hashes': {
      u32('from', frame.from)
      const bytes = frame.hashes.byteLength - overhead
      if (bytes <= 0 || bytes % HASH_BYTES !== 0 || bytes / HASH_BYTES > MAX_HASHES_PER_FRAME) {
        throw invalid(`HASHES must carry 1..${MAX_HASHES_PER_FRAME} hashes of ${HASH_BYTES} bytes${overhead > 0 ? ` and a ${overhead}-byte seal tag` : ''}, got ${frame.hashes.byteLength} bytes`)
      }
      break
    }
    case 'chunk':
      u32('index', frame.index)
      if (frame.data.byteLength < 1 + overhead || frame.data.byteLength > MAX_CHUNK_BYTES + overhead) {
        throw invalid(`CHUNK data must be ${1 + overhead}..${MAX_CHUNK_BYTES + overhead} bytes${overhead > 0 ? ' (sealed)' : ''}, got ${frame.data.byteLength}`)
      }
      break
    case 'error':
      if (!Object.hasOwn(ERROR_CODES, frame.code)) {
        throw invalid(`unknown ERROR code ${JSON.stringify(frame.code)}`)
      }
      if (encoder.encode(frame.reason).byteLength > MAX_REASON_BYTES) {
        throw invalid(`ERROR reason must be at most ${MAX_REASON_BYTES} bytes`)
      }
      break
    case 'done':
    case 'ok':
      break
  }
}

/** Cuts `reason` to at most MAX_REASON_BYTES of UTF-8, on a character boundary. */
export function truncateReason (reason: string): string {
  let out = ''
  let bytes = 0
  for (const char of reason) {
    bytes += encoder.encode(char).byteLength
    if (bytes > MAX_REASON_BYTES) break
    out += char
  }
  return out
}

function header (type: number, length: number, ...u32s: number[]): Uint8Array {
  const body = new Uint8Array(length)
  body[0] = type
  const view = new DataView(body.buffer)
  u32s.forEach((value, i) => { view.setUint32(1 + 4 * i, value) })
  return body
}

function u32 (name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_U32) {
    throw invalid(`${name} must be an integer 0..2^32-1, got ${value}`)
  }
}

function hex (byte: number): string {
  return byte.toString(16).padStart(2, '0')
}
