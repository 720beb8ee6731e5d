/**
 * `/parley/sync/1.0.0` (docs/protocols.md, "Own devices in step"): a device
 * tells each sibling (another device its account's signed list names) what
 * the person did on it: a message sent, a chat read, a reaction, edit or
 * delete of theirs, a contact added, renamed, deleted or verified, their
 * messaging settings. One request and one reply per stream, each one
 * length-prefixed frame: the request is a session box whose plaintext is
 * one sync item (below); the reply is JSON. Every item is idempotent: taken
 * twice, it leaves what it left once. Pure; the app seals and opens the box.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeAction, isActionType } from '../chat/actions.ts'
import { describe, onlyFields, textField, ulidField, sentAtField } from '../chat/checks.ts'
import { MAX_NAME_BYTES, MAX_TEXT_BYTES } from '../chat/constants.ts'
import { isRecord } from '../is-record.ts'
import { decodeBox } from '../session/box.ts'
import { MAX_BOX_OVERHEAD_BYTES } from '../session/constants.ts'
import { SessionFrameError } from '../session/errors.ts'
import { padme } from '../session/padding.ts'
import type { ChatDeleteFrame, ChatEditFrame, ChatReactionFrame } from '../chat/actions.ts'

export const SYNC_PROTOCOL = '/parley/sync/1.0.0'
/**
 * An item's JSON at its largest: a `sent` item's body of MAX_TEXT_BYTES
 * (16,384) may grow six times in JSON (`\u0001`), and the rest of the item
 * takes under 1 KiB.
 */
export const MAX_SYNC_PAYLOAD_BYTES = 6 * MAX_TEXT_BYTES + 1024
/** A request frame: a box of the largest item (with an init and both KEM fields), padded to its bucket. */
export const MAX_SYNC_FRAME_BYTES = padme(MAX_BOX_OVERHEAD_BYTES + MAX_SYNC_PAYLOAD_BYTES + 1)
/** The length prefix of a frame that size: 3 varint bytes. */
export const MAX_SYNC_PREFIX_BYTES = 3
/** One exchange, request to reply. */
export const SYNC_EXCHANGE_TIMEOUT_MS = 15_000
/** Exchanges one peer may start with us per minute (a sibling sending what was queued while we were away). */
export const SYNC_REQUESTS_PER_MINUTE = 600
/** Longest disappearing-messages timer an item may carry, in seconds (one year). */
export const MAX_SYNC_TTL_SECONDS = 31_536_000

if (MAX_SYNC_FRAME_BYTES >= 2 ** 21) throw new Error('a sync frame would need a longer length prefix')

/** A PeerID in its base58btc text form (an Ed25519 identity multihash is 52 characters). */
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{32,128}$/

/** The message of a `sent` item, as the sender's row has it. */
export interface SyncSentMessage {
  /** the message's ULID: the contact stores it under the same id */
  id: string
  /** the sender's clock, ms */
  sentAt: number
  body: string
  /** the message it answers */
  replyTo?: string
  /** the chat's disappearing-messages timer when it was sent, seconds (absent: off) */
  ttl?: number
}

/** Reaction, edit or delete for everyone, as chat 1.1.0 sends them to the contact. */
export type SyncAction = ChatReactionFrame | ChatEditFrame | ChatDeleteFrame

export type SyncContactChange =
  /** `state`: 'requested' (our request waits for their accept) or 'accepted' */
  | { op: 'added', username: string, state: 'requested' | 'accepted' }
  | { op: 'renamed', nickname: string | null }
  | { op: 'deleted', withHistory: boolean }
  | { op: 'verified', verified: boolean }

/** What a sync item carries besides its `id`; `chat` is the contact's account PeerID. */
export type SyncBody =
  | { kind: 'sent', chat: string, message: SyncSentMessage }
  | { kind: 'read', chat: string, upTo: string }
  | { kind: 'action', chat: string, action: SyncAction }
  | ({ kind: 'contact', chat: string } & SyncContactChange)
  | { kind: 'settings', readReceipts: boolean, typing: boolean }

/** One item: its own ULID (the queue's key, and what the logs name) and what it carries. */
export type SyncItem = { type: 'sync', id: string } & SyncBody

export type SyncKind = SyncItem['kind']

/**
 * The reply. `ack`: taken (or taken before). `reject`: 'not-a-sibling' (the
 * dialer is not a device of the listener's account's list), 'session' (the
 * box did not open), 'invalid' (a malformed frame or item), 'rate-limited'.
 */
export type SyncReply =
  | { type: 'ack' }
  | { type: 'reject', reason: 'not-a-sibling' | 'session' | 'invalid' | 'rate-limited' }

const REJECT_REASONS = ['not-a-sibling', 'session', 'invalid', 'rate-limited'] as const
const SYNC_ACTIONS = ['reaction', 'edit', 'delete'] as const
const CONTACT_OPS = ['added', 'renamed', 'deleted', 'verified'] as const
const MAX_REPLY_BYTES = 64

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid sync frame: ${reason}`)
}

function json (bytes: Uint8Array, max: number, what: string): Record<string, unknown> {
  if (bytes.byteLength > max) throw invalid(`${what} is ${bytes.byteLength} bytes, at most ${max}`)
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw invalid(`${what} is not UTF-8 JSON`)
  }
  if (!isRecord(value)) throw invalid(`${what} is not an object`)
  return value
}

function exactly (obj: Record<string, unknown>, required: readonly string[], optional: readonly string[], what: string): void {
  onlyFields(obj, [...required, ...optional], what)
  const missing = required.filter(k => !Object.hasOwn(obj, k))
  if (missing.length > 0) throw invalid(`${what} lacks ${missing.map(k => `"${k}"`).join(', ')}`)
}

function bool (obj: Record<string, unknown>, key: string): boolean {
  const value = obj[key]
  if (typeof value !== 'boolean') throw invalid(`"${key}" must be true or false, got ${describe(value)}`)
  return value
}

function peerField (obj: Record<string, unknown>, key: string): string {
  const value = obj[key]
  if (typeof value !== 'string' || !PEER_ID.test(value)) throw invalid(`"${key}" must be a PeerID (base58btc), got ${describe(value)}`)
  return value
}

function message (value: unknown): SyncSentMessage {
  if (!isRecord(value)) throw invalid('"message" is not an object')
  exactly(value, ['id', 'sentAt', 'body'], ['replyTo', 'ttl'], '"message"')
  const out: SyncSentMessage = { id: ulidField(value, 'id'), sentAt: sentAtField(value), body: textField(value, 'body', 1, MAX_TEXT_BYTES) }
  if (Object.hasOwn(value, 'replyTo')) out.replyTo = ulidField(value, 'replyTo')
  if (Object.hasOwn(value, 'ttl')) {
    const ttl = value.ttl
    if (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_SYNC_TTL_SECONDS) throw invalid(`"ttl" must be an integer of 1..${MAX_SYNC_TTL_SECONDS} seconds, got ${describe(ttl)}`)
    out.ttl = ttl
  }
  return out
}

function action (value: unknown): SyncAction {
  if (!isRecord(value)) throw invalid('"action" is not an object')
  const type = value.type
  if (!isActionType(type) || !(SYNC_ACTIONS as readonly string[]).includes(type)) throw invalid(`"action"'s "type" must be one of ${SYNC_ACTIONS.join(', ')}`)
  return decodeAction(type, value) as SyncAction
}

function contactChange (obj: Record<string, unknown>): SyncContactChange {
  const op = CONTACT_OPS.find(o => o === obj.op)
  const base = ['type', 'id', 'kind', 'chat', 'op']
  switch (op) {
    case 'added':
      exactly(obj, [...base, 'username', 'state'], [], 'a contact "added" item')
      if (obj.state !== 'requested' && obj.state !== 'accepted') throw invalid(`"state" must be "requested" or "accepted", got ${describe(obj.state)}`)
      return { op, username: textField(obj, 'username', 0, MAX_NAME_BYTES), state: obj.state }
    case 'renamed': {
      exactly(obj, [...base, 'nickname'], [], 'a contact "renamed" item')
      return { op, nickname: obj.nickname === null ? null : textField(obj, 'nickname', 1, MAX_NAME_BYTES) }
    }
    case 'deleted':
      exactly(obj, [...base, 'withHistory'], [], 'a contact "deleted" item')
      return { op, withHistory: bool(obj, 'withHistory') }
    case 'verified':
      exactly(obj, [...base, 'verified'], [], 'a contact "verified" item')
      return { op, verified: bool(obj, 'verified') }
    default:
      throw invalid(`"op" must be one of ${CONTACT_OPS.join(', ')}, got ${describe(obj.op)}`)
  }
}

/** The box's plaintext of `item`: checked as a receiver checks it, its fields in the order decoding gives (one wire form). */
export function encodeSyncItem (item: SyncItem): Uint8Array {
  return encoder.encode(JSON.stringify(decodeSyncItem(encoder.encode(JSON.stringify(item)))))
}

/** A box's plaintext as an item, at most MAX_SYNC_PAYLOAD_BYTES: exactly the fields of its kind (docs/protocols.md). */
export function decodeSyncItem (bytes: Uint8Array): SyncItem {
  const obj = json(bytes, MAX_SYNC_PAYLOAD_BYTES, 'the item')
  if (obj.type !== 'sync') throw invalid('"type" must be "sync"')
  const id = ulidField(obj, 'id')
  switch (obj.kind) {
    case 'sent':
      exactly(obj, ['type', 'id', 'kind', 'chat', 'message'], [], 'a "sent" item')
      return { type: 'sync', id, kind: 'sent', chat: peerField(obj, 'chat'), message: message(obj.message) }
    case 'read':
      exactly(obj, ['type', 'id', 'kind', 'chat', 'upTo'], [], 'a "read" item')
      return { type: 'sync', id, kind: 'read', chat: peerField(obj, 'chat'), upTo: ulidField(obj, 'upTo') }
    case 'action':
      exactly(obj, ['type', 'id', 'kind', 'chat', 'action'], [], 'an "action" item')
      return { type: 'sync', id, kind: 'action', chat: peerField(obj, 'chat'), action: action(obj.action) }
    case 'contact': {
      const chat = peerField(obj, 'chat')
      return { type: 'sync', id, kind: 'contact', chat, ...contactChange(obj) }
    }
    case 'settings':
      exactly(obj, ['type', 'id', 'kind', 'readReceipts', 'typing'], [], 'a "settings" item')
      return { type: 'sync', id, kind: 'settings', readReceipts: bool(obj, 'readReceipts'), typing: bool(obj, 'typing') }
    default:
      throw invalid(`"kind" must be sent, read, action, contact or settings, got ${describe(obj.kind)}`)
  }
}

/** A request: a well-formed session box of at most MAX_SYNC_FRAME_BYTES (its bytes, for the sessions to open). */
export function decodeSyncRequest (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > MAX_SYNC_FRAME_BYTES) throw invalid(`a request is at most ${MAX_SYNC_FRAME_BYTES} bytes`)
  try {
    decodeBox(bytes)
  } catch (err) {
    throw invalid(`a request is a session box: ${err instanceof SessionFrameError ? err.message : 'malformed'}`)
  }
  return bytes
}

export function encodeSyncReply (reply: SyncReply): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(reply.type === 'ack' ? { type: 'ack' } : { type: 'reject', reason: reply.reason }))
  decodeSyncReply(bytes)
  return bytes
}

/** A reply: exactly `{"type":"ack"}` or `{"type":"reject","reason":…}`. */
export function decodeSyncReply (bytes: Uint8Array): SyncReply {
  const obj = json(bytes, MAX_REPLY_BYTES, 'the reply')
  if (obj.type === 'ack') {
    exactly(obj, ['type'], [], 'an "ack"')
    return { type: 'ack' }
  }
  if (obj.type === 'reject') {
    exactly(obj, ['type', 'reason'], [], 'a "reject"')
    const reason = REJECT_REASONS.find(r => r === obj.reason)
    if (reason === undefined) throw invalid(`"reason" must be one of ${REJECT_REASONS.join(', ')}`)
    return { type: 'reject', reason }
  }
  throw invalid('"type" must be "ack" or "reject"')
}
