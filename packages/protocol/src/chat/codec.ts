/**
 * Pure codec of `/parley/chat/1.1.0` and `/parley/chat/1.0.0` frames: typed
 * frames ⇄ frame bodies (UTF-8 JSON, without the varint length prefix that
 * `lpStream` adds). 1.1.0 is 1.0.0 plus optional message fields and the
 * message actions (actions.ts); a 1.0.0 frame is a valid 1.1.0 frame, byte
 * for byte. No libp2p runtime here except the error class; see docs/protocols.md.
 */
import { InvalidParametersError } from '@libp2p/interface'
import { ACTIONS, decodeAction, isActionType } from './actions.ts'
import { describe, invalid, LONE_SURROGATE, onlyFields, sentAtField, textField, ulidField, utf8ByteLength } from './checks.ts'
import { MAX_FRAME_BYTES, MAX_TEXT_BYTES, MESSAGE_TTLS } from './constants.ts'
import { EmptyMessageError, MessageTooLargeError } from './errors.ts'
import { decodeFileOffer, fileToJson } from './offer.ts'
import type { ChatActionFrame } from './actions.ts'
import type { ChatVersion } from './constants.ts'
import type { FileOffer } from './offer.ts'

export type { FileOffer, VoiceNote } from './offer.ts'
export type * from './actions.ts'
export { isReactionEmoji } from './actions.ts'
export { ULID_PATTERN, utf8ByteLength } from './checks.ts'

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
  /** 1.1.0: the id of the message this one answers (either side's). */
  replyTo?: string
  /** 1.1.0: disappears this many seconds after it arrives (one of MESSAGE_TTLS). */
  ttl?: number
}

/**
 * Listener → dialer: the frame is taken. 'stored' (now) or 'duplicate' (by an
 * earlier delivery) for what is stored; 'seen' (1.1.0) for a typing frame,
 * which nothing stores.
 */
export interface ChatAckFrame {
  type: 'ack'
  id: string
  status: 'stored' | 'duplicate' | 'seen'
}

/**
 * Listener → dialer: the frame was refused and nothing stored.
 * 'not-a-contact': the listener does not exchange messages with the dialer.
 * 'not-allowed' (1.1.0): an action the dialer may not take (an edit or delete
 * of someone else's message, or after its window); sending it again is useless.
 * 'session' (2.0.0): the box did not open (the listener has no session for it,
 * or its key is gone); the dialer starts a new session and sends it again.
 */
export interface ChatRejectFrame {
  type: 'reject'
  id: string
  reason: 'not-a-contact' | 'not-allowed' | 'session'
}

/** What the dialer sends: a message or (1.1.0) an action. */
export type ChatDialerFrame = ChatMessageFrame | ChatActionFrame
export type ChatReplyFrame = ChatAckFrame | ChatRejectFrame
export type ChatFrame = ChatDialerFrame | ChatReplyFrame

/** Which end of the stream wrote a frame: the dialer sends messages, the listener replies. */
export type ChatSender = 'dialer' | 'listener'

const MESSAGE_FIELDS_V1_0: readonly string[] = ['type', 'id', 'text', 'sentAt', 'file']
const MESSAGE_FIELDS_V1_1: readonly string[] = [...MESSAGE_FIELDS_V1_0, 'replyTo', 'ttl']
const REPLY_FIELDS: readonly string[] = ['type', 'id', 'status', 'reason']
const ACK_STATUSES: Record<ChatVersion, readonly string[]> = { '1.0.0': ['stored', 'duplicate'], '1.1.0': ['stored', 'duplicate', 'seen'], '2.0.0': ['stored', 'duplicate', 'seen'] }
const REJECT_REASONS: Record<ChatVersion, readonly string[]> = { '1.0.0': ['not-a-contact'], '1.1.0': ['not-a-contact', 'not-allowed'], '2.0.0': ['not-a-contact', 'not-allowed', 'session'] }

const encoder = new TextEncoder()
// fatal: refuse invalid UTF-8 instead of replacing it; ignoreBOM: keep a BOM so JSON.parse refuses it
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

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

/**
 * What of `frame` a 1.0.0 listener can take: a message without its 1.1.0
 * fields (a reply without its quote, a voice note as a plain audio file, a
 * disappearing message that stays); undefined for an action, which 1.0.0
 * has no frame for.
 */
export function toVersion1 (frame: ChatDialerFrame): ChatMessageFrame | undefined {
  if (frame.type !== 'message') return undefined
  const { replyTo: _replyTo, ttl: _ttl, file, ...rest } = frame
  if (file === undefined) return rest
  const { voice: _voice, ...offer } = file
  return { ...rest, file: offer }
}

/** Encodes a frame body for `version` (default 1.1.0). Throws `InvalidMessageError` if the frame breaks that version of the protocol. */
export function encodeChatFrame (frame: ChatFrame, version: ChatVersion = '1.1.0'): Uint8Array {
  const body: Record<string, unknown> = {}
  const source: Record<string, unknown> = { ...frame }
  const fields = frame.type === 'message' ? MESSAGE_FIELDS_V1_1 : frame.type === 'ack' || frame.type === 'reject' ? REPLY_FIELDS : ACTIONS[frame.type].fields
  for (const key of fields) {
    if (source[key] === undefined) continue
    body[key] = key === 'file' && frame.type === 'message' && frame.file != null ? fileToJson(frame.file, version) : source[key]
  }
  const bytes = encoder.encode(JSON.stringify(body))
  // round-trip through the decoder so we never send what a peer would refuse
  decodeChatFrame(bytes, undefined, version)
  return bytes
}

export function decodeChatFrame (bytes: Uint8Array, sender: 'dialer', version?: ChatVersion): ChatDialerFrame
export function decodeChatFrame (bytes: Uint8Array, sender: 'listener', version?: ChatVersion): ChatReplyFrame
export function decodeChatFrame (bytes: Uint8Array, sender?: ChatSender, version?: ChatVersion): ChatFrame
/**
 * Decodes and strictly validates a frame body of `version` (default 1.1.0;
 * a 1.0.0 decode refuses every 1.1.0 addition). With `sender`, also refuses
 * a frame that end may not send. Throws `InvalidMessageError` saying what is wrong.
 */
export function decodeChatFrame (bytes: Uint8Array, sender?: ChatSender, version: ChatVersion = '1.1.0'): ChatFrame {
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
  const action = version !== '1.0.0' && isActionType(type)
  if (type !== 'message' && type !== 'ack' && type !== 'reject' && !action) {
    throw invalid(`"type" must be ${version === '1.0.0' ? '"message", "ack" or "reject"' : '"message", an action, "ack" or "reject"'} in ${version}, got ${describe(type)}`)
  }
  const fromListener = type === 'ack' || type === 'reject'
  if (sender === 'dialer' && fromListener) {
    throw invalid(`the dialer may only send ${version === '1.0.0' ? '"message" frames' : 'messages and actions'}, got "${type}"`)
  }
  if (sender === 'listener' && !fromListener) {
    throw invalid(`the listener may only send "ack" or "reject" frames, got ${describe(type)}`)
  }
  if (action) {
    return decodeAction(type, obj)
  }
  switch (type) {
    case 'message':
      return decodeMessage(obj, version)
    case 'ack': {
      onlyFields(obj, ['type', 'id', 'status'], 'an "ack" frame')
      const id = ulidField(obj, 'id')
      const status = obj.status
      if (typeof status !== 'string' || !ACK_STATUSES[version].includes(status)) {
        throw invalid(`"status" must be one of ${ACK_STATUSES[version].join(', ')}, got ${describe(status)}`)
      }
      return { type, id, status: status as ChatAckFrame['status'] }
    }
    default: {
      onlyFields(obj, ['type', 'id', 'reason'], 'a "reject" frame')
      const id = ulidField(obj, 'id')
      const reason = obj.reason
      if (typeof reason !== 'string' || !REJECT_REASONS[version].includes(reason)) {
        throw invalid(`"reason" must be one of ${REJECT_REASONS[version].join(', ')}, got ${describe(reason)}`)
      }
      return { type: 'reject', id, reason: reason as ChatRejectFrame['reason'] }
    }
  }
}

function decodeMessage (obj: Record<string, unknown>, version: ChatVersion): ChatMessageFrame {
  onlyFields(obj, version === '1.0.0' ? MESSAGE_FIELDS_V1_0 : MESSAGE_FIELDS_V1_1, 'a "message" frame')
  const id = ulidField(obj, 'id')
  const file = obj.file === undefined ? undefined : decodeFileOffer(obj.file, version)
  const text = textField(obj, 'text', file === undefined ? 1 : 0, MAX_TEXT_BYTES)
  const sentAt = sentAtField(obj)
  const message: ChatMessageFrame = file === undefined ? { type: 'message', id, text, sentAt } : { type: 'message', id, text, sentAt, file }
  if (obj.replyTo !== undefined) message.replyTo = ulidField(obj, 'replyTo')
  if (obj.ttl !== undefined) {
    if (typeof obj.ttl !== 'number' || !MESSAGE_TTLS.includes(obj.ttl)) {
      throw invalid(`"ttl" must be one of ${MESSAGE_TTLS.join(', ')} seconds, got ${describe(obj.ttl)}`)
    }
    message.ttl = obj.ttl
  }
  return message
}
