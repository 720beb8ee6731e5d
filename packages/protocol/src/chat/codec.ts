/**
 * Pure codec of `/parley/chat/1.0.0` frames: typed frames ⇄ frame bodies
 * (UTF-8 JSON, without the varint length prefix that `lpStream` adds).
 * No libp2p runtime here except the error class; see docs/protocols.md.
 */
import { InvalidMessageError, InvalidParametersError } from '@libp2p/interface'
import { fromBase64, toBase64 } from '../base64.ts'
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../file/constants.ts'
import { MAX_FRAME_BYTES, MAX_NAME_BYTES, MAX_MIME_CHARS, MAX_TEXT_BYTES, THUMB_MAX_BYTES } from './constants.ts'
import { EmptyMessageError, MessageTooLargeError } from './errors.ts'

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
}

/** Dialer → listener: one chat message. */
export interface ChatMessageFrame {
  type: 'message'
  /** Sender-chosen ULID; the receiver stores each id at most once. */
  id: string
  /** 1..{@link MAX_TEXT_BYTES} UTF-8 bytes; 0.. when `file` is present (a caption). */
  text: string
  /** Integer ms since the Unix epoch, 0 < sentAt < 2^53. */
  sentAt: number
  /** A file offer (docs/protocols.md, "Files"); the receiver pulls it with `/parley/file/1.0.0`. */
  file?: FileOffer
}

/** Listener → dialer: the message is stored (now, or by an earlier delivery). */
export interface ChatAckFrame {
  type: 'ack'
  id: string
  status: 'stored' | 'duplicate'
}

/** Listener → dialer: the message was refused and not stored. */
export interface ChatRejectFrame {
  type: 'reject'
  id: string
  reason: 'not-a-contact'
}

export type ChatReplyFrame = ChatAckFrame | ChatRejectFrame
export type ChatFrame = ChatMessageFrame | ChatReplyFrame

/** Which end of the stream wrote a frame: the dialer sends messages, the listener replies. */
export type ChatSender = 'dialer' | 'listener'

/** A ULID: 26 characters of uppercase Crockford base32. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/

const FIELDS: Record<ChatFrame['type'], readonly string[]> = {
  message: ['type', 'id', 'text', 'sentAt', 'file'],
  ack: ['type', 'id', 'status'],
  reject: ['type', 'id', 'reason']
}
const FILE_FIELDS: readonly string[] = ['sha256', 'size', 'name', 'mime', 'chunkSize', 'listHash', 'thumb', 'thumbMime', 'width', 'height']
const THUMB_TYPES: readonly string[] = ['image/jpeg', 'image/png', 'image/webp']
const HEX_SHA256 = /^[0-9a-f]{64}$/
/** Largest width or height an offer may state, in pixels. */
const MAX_IMAGE_SIDE = 1 << 16
const ACK_STATUSES: readonly string[] = ['stored', 'duplicate']
const REJECT_REASONS: readonly string[] = ['not-a-contact']
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const encoder = new TextEncoder()
// fatal: refuse invalid UTF-8 instead of replacing it; ignoreBOM: keep a BOM so JSON.parse refuses it
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid chat frame: ${reason}`)
}

/** UTF-8 length of `text`, in bytes. */
export function utf8ByteLength (text: string): number {
  return encoder.encode(text).byteLength
}

/**
 * Checks a text before it is sent. Throws {@link EmptyMessageError},
 * {@link MessageTooLargeError} (over {@link MAX_TEXT_BYTES} UTF-8 bytes) or
 * `InvalidParametersError` (unpaired UTF-16 surrogates, which UTF-8 cannot carry).
 */
export function validateText (text: string): void {
  if (text.length === 0) {
    throw new EmptyMessageError()
  }
  if (LONE_SURROGATE.test(text)) {
    throw new InvalidParametersError('The text has broken characters (unpaired UTF-16 surrogates), which UTF-8 cannot carry')
  }
  const bytes = utf8ByteLength(text)
  if (bytes > MAX_TEXT_BYTES) {
    throw new MessageTooLargeError(bytes)
  }
}

/** Encodes a frame body. Throws `InvalidMessageError` if the frame breaks the protocol. */
export function encodeChatFrame (frame: ChatFrame): Uint8Array {
  const body: Record<string, unknown> = {}
  const source: Record<string, unknown> = { ...frame }
  for (const key of FIELDS[frame.type]) {
    body[key] = key === 'file' && frame.type === 'message' && frame.file != null ? fileToJson(frame.file) : source[key]
  }
  const bytes = encoder.encode(JSON.stringify(body))
  // round-trip through the decoder so we never send what a peer would refuse
  decodeChatFrame(bytes)
  return bytes
}

export function decodeChatFrame (bytes: Uint8Array, sender: 'dialer'): ChatMessageFrame
export function decodeChatFrame (bytes: Uint8Array, sender: 'listener'): ChatReplyFrame
export function decodeChatFrame (bytes: Uint8Array, sender?: ChatSender): ChatFrame
/**
 * Decodes and strictly validates a frame body. With `sender`, also refuses a
 * frame that end may not send. Throws `InvalidMessageError` saying what is wrong.
 */
export function decodeChatFrame (bytes: Uint8Array, sender?: ChatSender): ChatFrame {
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    throw invalid(`frame is ${bytes.byteLength} bytes, the limit is ${MAX_FRAME_BYTES}`)
  }
  let json: string
  let value: unknown
  try {
    json = decoder.decode(bytes)
  } catch {
    throw invalid('frame is not valid UTF-8')
  }
  try {
    value = JSON.parse(json)
  } catch (err) {
    throw invalid(`frame is not valid JSON (${err instanceof Error ? err.message : String(err)})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('frame is not a JSON object')
  }
  const obj = value as Record<string, unknown>
  const type = obj.type
  if (type !== 'message' && type !== 'ack' && type !== 'reject') {
    throw invalid(`"type" must be "message", "ack" or "reject", got ${describe(type)}`)
  }
  const extra = Object.keys(obj).filter(key => !FIELDS[type].includes(key))
  if (extra.length > 0) {
    throw invalid(`unknown field(s) in a "${type}" frame: ${extra.map(k => JSON.stringify(k)).join(', ')}`)
  }
  if (sender === 'dialer' && type !== 'message') {
    throw invalid(`the dialer may only send "message" frames, got "${type}"`)
  }
  if (sender === 'listener' && type === 'message') {
    throw invalid('the listener may only send "ack" or "reject" frames, got "message"')
  }
  const id = obj.id
  if (typeof id !== 'string' || !ULID_PATTERN.test(id)) {
    throw invalid(`"id" must be a ULID (26 uppercase Crockford base32 characters), got ${describe(id)}`)
  }
  switch (type) {
    case 'message': {
      const { text, sentAt } = obj
      if (typeof text !== 'string') {
        throw invalid(`"text" must be a string, got ${describe(text)}`)
      }
      if (LONE_SURROGATE.test(text)) {
        throw invalid('"text" contains unpaired UTF-16 surrogates')
      }
      const file = obj.file === undefined ? undefined : decodeFileOffer(obj.file)
      const minText = file === undefined ? 1 : 0
      const textBytes = utf8ByteLength(text)
      if (textBytes < minText || textBytes > MAX_TEXT_BYTES) {
        throw invalid(`"text" must be ${minText}..${MAX_TEXT_BYTES} UTF-8 bytes, got ${textBytes}`)
      }
      if (typeof sentAt !== 'number' || !Number.isSafeInteger(sentAt) || sentAt <= 0) {
        throw invalid(`"sentAt" must be an integer of ms since the epoch, 0 < sentAt < 2^53, got ${describe(sentAt)}`)
      }
      return file === undefined ? { type, id, text, sentAt } : { type, id, text, sentAt, file }
    }
    case 'ack': {
      const status = obj.status
      if (typeof status !== 'string' || !ACK_STATUSES.includes(status)) {
        throw invalid(`"status" must be "stored" or "duplicate", got ${describe(status)}`)
      }
      return { type, id, status: status as ChatAckFrame['status'] }
    }
    case 'reject': {
      const reason = obj.reason
      if (typeof reason !== 'string' || !REJECT_REASONS.includes(reason)) {
        throw invalid(`"reason" must be "not-a-contact", got ${describe(reason)}`)
      }
      return { type, id, reason: reason as ChatRejectFrame['reason'] }
    }
  }
}

/** A file offer as JSON: the thumbnail as base64, absent optional fields left out. */
function fileToJson (file: FileOffer): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  const source: Record<string, unknown> = { ...file }
  for (const key of FILE_FIELDS) {
    const value = source[key]
    if (value === undefined) continue
    out[key] = value instanceof Uint8Array ? toBase64(value) : value
  }
  return out
}

/** Strictly validates the `file` object of a message frame (docs/protocols.md, "Files"). */
function decodeFileOffer (value: unknown): FileOffer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(`"file" must be an object, got ${describe(value)}`)
  }
  const obj = value as Record<string, unknown>
  const extra = Object.keys(obj).filter(key => !FILE_FIELDS.includes(key))
  if (extra.length > 0) {
    throw invalid(`unknown field(s) in "file": ${extra.map(k => JSON.stringify(k)).join(', ')}`)
  }
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
  return offer
}

function describe (value: unknown): string {
  if (value === undefined) {
    return 'nothing'
  }
  const json: string = JSON.stringify(value) ?? String(value)
  return json.length > 40 ? `${json.slice(0, 40)}…` : json
}
