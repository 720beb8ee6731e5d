/** The `file` object of a message frame (docs/protocols.md, "Files" and "Voice messages"). */
import { fromBase64, toBase64 } from '../base64.ts'
import { FILE_KEY_BYTES, MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../file/constants.ts'
import { describe, invalid, LONE_SURROGATE, onlyFields, utf8ByteLength } from './checks.ts'
import { MAX_MIME_CHARS, MAX_NAME_BYTES, MAX_VOICE_MS, MAX_WAVEFORM_BYTES, THUMB_MAX_BYTES } from './constants.ts'
import type { ChatVersion } from './constants.ts'

/** What makes a file a voice message (1.1.0): how long it plays and its loudness over time. */
export interface VoiceNote {
  /** 1..MAX_VOICE_MS */
  durationMs: number
  /** 1..MAX_WAVEFORM_BYTES samples, evenly spread over the recording, 0 (silence) .. 255 (loudest) */
  waveform: Uint8Array
}

/**
 * A file as offered in a chat message (docs/protocols.md, "Files"). On the
 * sender, `sha256` and `listHash` are '' while the file is still being hashed
 * (transfer state 'preparing'); such a message is not sent yet.
 */
export interface FileOffer {
  /** SHA-256 of the whole file, 64 lowercase hex digits. */
  sha256: string
  /** bytes, 0 ≤ size ≤ the receiver's limit */
  size: number
  /** sanitised file name: no path separators or control characters, bounded */
  name: string
  /** declared media type, lowercase `type/subtype`; 'application/octet-stream' when unknown */
  mime: string
  /** bytes per chunk; every chunk but the last is exactly this long */
  chunkSize: number
  /** SHA-256 of the concatenated chunk hashes (32 bytes each, in index order), 64 lowercase hex digits */
  listHash: string
  /** a small preview made by the sender (images only): JPEG, PNG or WebP bytes */
  thumb?: Uint8Array
  thumbMime?: 'image/jpeg' | 'image/png' | 'image/webp'
  /** pixel size of the full image, when it is one */
  width?: number
  height?: number
  /** a voice message (1.1.0 only) */
  voice?: VoiceNote
  /**
   * the file's key, 32 random bytes (only in a session box, `2.0.0`): the
   * receiver pulls the file over `/parley/file/1.1.0`, sealed with it
   */
  key?: Uint8Array
}

const FILE_FIELDS_V1_0: readonly string[] = ['sha256', 'size', 'name', 'mime', 'chunkSize', 'listHash', 'thumb', 'thumbMime', 'width', 'height']
const FILE_FIELDS_V1_1: readonly string[] = [...FILE_FIELDS_V1_0, 'voice']
const FILE_FIELDS_V2: readonly string[] = [...FILE_FIELDS_V1_1, 'key']
const FILE_FIELDS: Record<ChatVersion, readonly string[]> = { '1.0.0': FILE_FIELDS_V1_0, '1.1.0': FILE_FIELDS_V1_1, '2.0.0': FILE_FIELDS_V2 }
const THUMB_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp']
const HEX_SHA256 = /^[0-9a-f]{64}$/
/** Largest width or height an offer may state, in pixels. */
const MAX_IMAGE_SIDE = 1 << 16

/**
 * A file offer as JSON for `version`: byte fields as base64, absent optional
 * fields left out, and the file's key only in a session box (2.0.0), since
 * outside one it would travel under classical encryption only.
 */
export function fileToJson (file: FileOffer, version: ChatVersion = '2.0.0'): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const source: Record<string, unknown> = { ...file }
  for (const key of FILE_FIELDS_V2) {
    const value = source[key]
    if (value === undefined || (key === 'key' && version !== '2.0.0')) continue
    if (key === 'voice' && file.voice !== undefined) {
      out.voice = { durationMs: file.voice.durationMs, waveform: toBase64(file.voice.waveform) }
      continue
    }
    out[key] = value instanceof Uint8Array ? toBase64(value) : value
  }
  return out
}

/** Strictly validates the `file` object of a message frame (docs/protocols.md, "Files"). */
export function decodeFileOffer (value: unknown, version: ChatVersion): FileOffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`"file" must be an object, got ${describe(value)}`)
  }
  const obj = value as Record<string, unknown>
  onlyFields(obj, FILE_FIELDS[version], '"file"')
  const { sha256, size, name, mime, chunkSize, listHash, thumb, thumbMime, width, height } = obj
  if (typeof sha256 !== 'string' || !HEX_SHA256.test(sha256)) {
    throw invalid(`"file.sha256" must be 64 lowercase hex digits, got ${describe(sha256)}`)
  }
  if (typeof listHash !== 'string' || !HEX_SHA256.test(listHash)) {
    throw invalid(`"file.listHash" must be 64 lowercase hex digits, got ${describe(listHash)}`)
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(`"file.size" must be an integer 0 ≤ size < 2^53, got ${describe(size)}`)
  }
  if (typeof name !== 'string' || LONE_SURROGATE.test(name) || name.length === 0 || utf8ByteLength(name) > MAX_NAME_BYTES) {
    throw invalid(`"file.name" must be a string of 1..${MAX_NAME_BYTES} UTF-8 bytes, got ${describe(name)}`)
  }
  if (typeof mime !== 'string' || mime.length > MAX_MIME_CHARS) {
    throw invalid(`"file.mime" must be a string of at most ${MAX_MIME_CHARS} characters, got ${describe(mime)}`)
  }
  if (typeof chunkSize !== 'number' || !Number.isSafeInteger(chunkSize) || chunkSize < MIN_CHUNK_BYTES ||
    chunkSize > MAX_CHUNK_BYTES || (chunkSize & (chunkSize - 1)) !== 0) {
    throw invalid(`"file.chunkSize" must be a power of two from ${MIN_CHUNK_BYTES} to ${MAX_CHUNK_BYTES}, got ${describe(chunkSize)}`)
  }
  const offer: FileOffer = { sha256, size, name, mime, chunkSize, listHash }
  if (thumb !== undefined || thumbMime !== undefined) {
    const bytes = typeof thumb === 'string' ? fromBase64(thumb) : undefined
    if (bytes === undefined || bytes.byteLength === 0 || bytes.byteLength > THUMB_MAX_BYTES) {
      throw invalid(`"file.thumb" must be base64 of 1..${THUMB_MAX_BYTES} bytes`)
    }
    if (typeof thumbMime !== 'string' || !THUMB_TYPES.includes(thumbMime)) {
      throw invalid(`"file.thumbMime" must be one of ${THUMB_TYPES.join(', ')} when there is a thumbnail, got ${describe(thumbMime)}`)
    }
    offer.thumb = bytes
    offer.thumbMime = thumbMime as NonNullable<FileOffer['thumbMime']>
  }
  for (const [key, side] of [['width', width], ['height', height]] as const) {
    if (side === undefined) continue
    if (typeof side !== 'number' || !Number.isSafeInteger(side) || side < 1 || side > MAX_IMAGE_SIDE) {
      throw invalid(`"file.${key}" must be an integer of 1..${MAX_IMAGE_SIDE} pixels, got ${describe(side)}`)
    }
    offer[key] = side
  }
  if (obj.voice !== undefined) offer.voice = decodeVoice(obj.voice)
  if (obj.key !== undefined) {
    const key = typeof obj.key === 'string' ? fromBase64(obj.key) : undefined
    if (key?.byteLength !== FILE_KEY_BYTES) throw invalid(`"file.key" must be base64 of ${FILE_KEY_BYTES} bytes`)
    offer.key = key
  }
  return offer
}

function decodeVoice (value: unknown): VoiceNote {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`"file.voice" must be an object, got ${describe(value)}`)
  }
  const obj = value as Record<string, unknown>
  onlyFields(obj, ['durationMs', 'waveform'], '"file.voice"')
  const { durationMs, waveform } = obj
  if (typeof durationMs !== 'number' || !Number.isSafeInteger(durationMs) || durationMs < 1 || durationMs > MAX_VOICE_MS) {
    throw invalid(`"file.voice.durationMs" must be an integer of 1..${MAX_VOICE_MS} ms, got ${describe(durationMs)}`)
  }
  const bytes = typeof waveform === 'string' ? fromBase64(waveform) : undefined
  if (bytes === undefined || bytes.byteLength === 0 || bytes.byteLength > MAX_WAVEFORM_BYTES) {
    throw invalid(`"file.voice.waveform" must be base64 of 1..${MAX_WAVEFORM_BYTES} bytes`)
  }
  return { durationMs, waveform: bytes }
}
