/**
 * `/parley/group/1.0.0` frames (docs/protocols.md, "Groups", "The group
 * protocol"): one request and one reply per stream, each one
 * length-prefixed UTF-8 JSON frame of at most MAX_GROUP_FRAME_BYTES.
 *
 * Requests: `ops` (operations the listener may lack), `sync` (the dialer's
 * heads; the reply carries what it lacks), `message` (a signed group
 * message). Replies: `reply` (`status` ok / stored / duplicate, with `ops`
 * for a sync and `missing` when operations named as deps are unknown) or
 * `reject` with a reason. The operations and messages inside are checked by
 * op.ts and message.ts; this file checks the frame around them.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { fromBase64, toBase64 } from '../base64.ts'
import { FILE_KEY_BYTES } from '../file/constants.ts'
import { onlyKeys, parseJsonObject } from '../json-frame.ts'
import { MAX_DEPS } from './constants.ts'
import { GROUP_ID_PATTERN, OP_ID_PATTERN } from './op.ts'
import type { SignedGroupMessage } from './message.ts'
import type { SignedGroupOp } from './op.ts'

/** One frame, either way. */
export const MAX_GROUP_FRAME_BYTES = 512 * 1024
/** A length prefix of a frame that size: 3 varint bytes. */
export const MAX_GROUP_PREFIX_BYTES = 3
/** Operations in one `ops` request or one `sync` reply (`more` says when there are others). */
export const MAX_OPS_PER_FRAME = 256
/** Operation ids in `missing`. */
export const MAX_MISSING = 64
/** One exchange, request to reply. */
export const GROUP_EXCHANGE_TIMEOUT_MS = 15_000
/** Exchanges one peer may start with us per minute (a member sending a burst still fits). */
export const GROUP_REQUESTS_PER_MINUTE = 600

export type GroupRequest =
  | { type: 'ops', group: string, ops: SignedGroupOp[] }
  | { type: 'sync', group: string, heads: string[] }
  /** `key`: the key of the message's file, only in a session box (docs/protocols.md, "Groups in boxes"); outside the signed body */
  | { type: 'message', message: SignedGroupMessage, key?: Uint8Array }

/** How a frame came: `boxed` (the plaintext of a session box) may carry a file's key. */
export interface GroupDecodeOptions { boxed?: boolean }

/** `session` only in 2.0.0: the listener could not open the request's box (docs/protocols.md, "Groups in boxes"). */
export type GroupRejectReason = 'not-a-member' | 'unknown-group' | 'invalid' | 'rate-limited' | 'session'

export type GroupReply =
  | { type: 'reply', status: 'ok' | 'stored' | 'duplicate', ops?: SignedGroupOp[], more?: boolean, missing?: string[] }
  | { type: 'reject', reason: GroupRejectReason }

const REJECT_REASONS: Record<GroupVersion, readonly string[]> = {
  '1.0.0': ['not-a-member', 'unknown-group', 'invalid', 'rate-limited'],
  '2.0.0': ['not-a-member', 'unknown-group', 'invalid', 'rate-limited', 'session']
}
const STATUSES: readonly string[] = ['ok', 'stored', 'duplicate']
const encoder = new TextEncoder()

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid group frame: ${reason}`)
}

function parse (bytes: Uint8Array): Record<string, unknown> {
  return parseJsonObject(bytes, MAX_GROUP_FRAME_BYTES, invalid)
}

function only (obj: Record<string, unknown>, keys: readonly string[]): void {
  onlyKeys(obj, keys, invalid)
}

/** An op or message as the wire carries it: checked for shape here, for content by op.ts / message.ts. */
function signed (value: unknown): SignedGroupOp {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('a signed item must be an object')
  const item = value as Record<string, unknown>
  if (Object.keys(item).some((k) => k !== 'body' && k !== 'sig') || typeof item['body'] !== 'string' || typeof item['sig'] !== 'string') {
    throw invalid('a signed item is { "body": string, "sig": string }')
  }
  return { body: item['body'], sig: item['sig'] }
}

function signedList (value: unknown, min: number): SignedGroupOp[] {
  if (!Array.isArray(value) || value.length < min || value.length > MAX_OPS_PER_FRAME) throw invalid(`"ops" must list ${min} to ${MAX_OPS_PER_FRAME} operations`)
  return value.map(signed)
}

function ids (value: unknown, max: number, what: string): string[] {
  if (!Array.isArray(value) || value.length > max || !value.every((v): v is string => typeof v === 'string' && OP_ID_PATTERN.test(v))) {
    throw invalid(`"${what}" must list at most ${max} operation ids`)
  }
  return value
}

function groupField (obj: Record<string, unknown>): string {
  const group = obj['group']
  if (typeof group !== 'string' || !GROUP_ID_PATTERN.test(group)) throw invalid('"group" must be 32 hex digits')
  return group
}

export function encodeGroupFrame (frame: GroupRequest | GroupReply): Uint8Array {
  return encoder.encode(JSON.stringify(frame.type === 'message' && frame.key !== undefined ? { ...frame, key: toBase64(frame.key) } : frame))
}

/** A message request or item as it may go outside a session box: without its file's key. */
export function withoutKey<T extends GroupRequest> (frame: T): T {
  if (frame.type !== 'message' || frame.key === undefined) return frame
  const { key: _key, ...rest } = frame
  return rest as T
}

function fileKey (value: unknown, options: GroupDecodeOptions): Uint8Array | undefined {
  if (value === undefined) return undefined
  if (options.boxed !== true) throw invalid('a file\'s "key" goes only in a session box')
  const key = typeof value === 'string' ? fromBase64(value) : undefined
  if (key?.byteLength !== FILE_KEY_BYTES) throw invalid(`"key" must be base64 of ${FILE_KEY_BYTES} bytes`)
  return key
}

export function decodeGroupRequest (bytes: Uint8Array, options: GroupDecodeOptions = {}): GroupRequest {
  const obj = parse(bytes)
  switch (obj['type']) {
    case 'ops':
      only(obj, ['type', 'group', 'ops'])
      return { type: 'ops', group: groupField(obj), ops: signedList(obj['ops'], 1) }
    case 'sync':
      only(obj, ['type', 'group', 'heads'])
      return { type: 'sync', group: groupField(obj), heads: ids(obj['heads'], MAX_DEPS * 4, 'heads') }
    case 'message': {
      only(obj, ['type', 'message', 'key'])
      const key = fileKey(obj['key'], options)
      return key === undefined ? { type: 'message', message: signed(obj['message']) } : { type: 'message', message: signed(obj['message']), key }
    }
    default:
      throw invalid('"type" must be "ops", "sync" or "message"')
  }
}

/** The group protocol's versions: 2.0.0 carries 1.0.0's frames in session boxes. */
export type GroupVersion = '1.0.0' | '2.0.0'

/**
 * A reply as 1.0.0 writes it, or as 2.0.0 writes one outside a box: there it
 * may be `reject session`, and may not carry `ops` (those come in a box).
 */
export function decodeGroupReply (bytes: Uint8Array, version: GroupVersion = '1.0.0'): GroupReply {
  const obj = parse(bytes)
  if (obj['type'] === 'reject') {
    only(obj, ['type', 'reason'])
    const reason = obj['reason']
    const reasons = REJECT_REASONS[version]
    if (typeof reason !== 'string' || !reasons.includes(reason)) throw invalid(`"reason" must be one of ${reasons.join(', ')}`)
    return { type: 'reject', reason: reason as GroupRejectReason }
  }
  if (version === '2.0.0' && obj['ops'] !== undefined) throw invalid('a reply with "ops" comes in a session box')
  if (obj['type'] !== 'reply') throw invalid('"type" must be "reply" or "reject"')
  only(obj, ['type', 'status', 'ops', 'more', 'missing'])
  const status = obj['status']
  if (typeof status !== 'string' || !STATUSES.includes(status)) throw invalid('"status" must be "ok", "stored" or "duplicate"')
  const reply: GroupReply = { type: 'reply', status: status as 'ok' | 'stored' | 'duplicate' }
  if (obj['ops'] !== undefined) reply.ops = signedList(obj['ops'], 0)
  if (obj['more'] !== undefined) {
    if (typeof obj['more'] !== 'boolean') throw invalid('"more" must be true or false')
    reply.more = obj['more']
  }
  if (obj['missing'] !== undefined) reply.missing = ids(obj['missing'], MAX_MISSING, 'missing')
  return reply
}

/**
 * Mailbox items of groups (docs/protocols.md, "Groups", "Through
 * mailboxes"): an `ops` or `message` request as its own JSON with the type
 * `group-ops` or `group-message`, so an item is told apart from chat and
 * contact payloads by its `type`.
 */
export type GroupItem = Extract<GroupRequest, { type: 'ops' | 'message' }>

export const GROUP_ITEM_TYPES = { ops: 'group-ops', message: 'group-message' } as const

export function encodeGroupItem (request: GroupItem): Uint8Array {
  const frame = request.type === 'message' && request.key !== undefined ? { ...request, key: toBase64(request.key) } : request
  return encoder.encode(JSON.stringify({ ...frame, type: GROUP_ITEM_TYPES[request.type] }))
}

/** A group item's request, or an InvalidMessageError; `boxed` as for a request. */
export function decodeGroupItem (bytes: Uint8Array, options: GroupDecodeOptions = {}): GroupItem {
  const obj = parse(bytes)
  const type = obj['type'] === GROUP_ITEM_TYPES.ops ? 'ops' : obj['type'] === GROUP_ITEM_TYPES.message ? 'message' : undefined
  if (type === undefined) throw invalid('a group item is "group-ops" or "group-message"')
  const request = decodeGroupRequest(encoder.encode(JSON.stringify({ ...obj, type })), options)
  if (request.type === 'sync') throw invalid('a group item is "group-ops" or "group-message"')
  return request
}
