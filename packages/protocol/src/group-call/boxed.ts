/**
 * `/parley/group-call/1.0.0` on the wire (docs/protocols.md, "Group calls",
 * Stream and frames): the request is a session box whose plaintext is a
 * group-call request (wire.ts), the reply a box whose plaintext is the reply,
 * or, outside a box, a `reject` that comes before any box is opened:
 * `session` (the request's box did not open), `invalid` (the request is no
 * box) or `rate-limited`. What opens and seals the boxes is the app's
 * sessions; this file checks the frames around them.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeBox } from '../session/box.ts'
import { BOX_VERSION, MAX_BOX_BYTES } from '../session/constants.ts'
import { SessionFrameError } from '../session/errors.ts'
import { onlyKeys, parseJsonObject } from '../json-frame.ts'

/** A frame, either way: at most a box. */
export const MAX_GROUP_CALL_BOX_FRAME_BYTES = MAX_BOX_BYTES
/** A length prefix of a frame that size: 3 varint bytes. */
export const MAX_GROUP_CALL_PREFIX_BYTES = 3

/** The replies outside a box: the request's box did not open, is no box, or came too often. */
export type OutsideReject = { type: 'reject', reason: 'session' | 'invalid' | 'rate-limited' }

export const SESSION_REJECT: OutsideReject = { type: 'reject', reason: 'session' }
const OUTSIDE_REASONS: ReadonlyArray<OutsideReject['reason']> = ['session', 'invalid', 'rate-limited']

const encoder = new TextEncoder()

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid group call frame: ${reason}`)
}

function checkBox (bytes: Uint8Array, what: string): Uint8Array {
  try {
    decodeBox(bytes)
  } catch (err) {
    throw invalid(`${what} is a session box: ${err instanceof SessionFrameError ? err.message : 'malformed'}`)
  }
  return bytes
}

/** A request: a well-formed session box (for the sessions to open), or an InvalidMessageError. */
export function decodeGroupCallBoxRequest (bytes: Uint8Array): Uint8Array {
  return checkBox(bytes, 'a request')
}

/** A reply frame: a box, or a reject outside one; anything else is an InvalidMessageError. */
export function decodeGroupCallBoxReply (bytes: Uint8Array): { box: Uint8Array } | { reply: OutsideReject } {
  if (bytes[0] === BOX_VERSION) return { box: checkBox(bytes, 'a reply') }
  const obj = parseJsonObject(bytes, 64, invalid)
  onlyKeys(obj, ['type', 'reason'], invalid)
  const reason = obj['reason']
  if (obj['type'] !== 'reject' || typeof reason !== 'string' || !(OUTSIDE_REASONS as readonly string[]).includes(reason)) {
    throw invalid(`a reply outside a box is only a reject: ${OUTSIDE_REASONS.join(', ')}`)
  }
  return { reply: { type: 'reject', reason: reason as OutsideReject['reason'] } }
}

/** A reply frame's bytes: a box as it is, a reject outside one as its JSON. */
export function encodeGroupCallBoxReply (reply: Uint8Array | OutsideReject): Uint8Array {
  return reply instanceof Uint8Array ? reply : encoder.encode(JSON.stringify(reply))
}
