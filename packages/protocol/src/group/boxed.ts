/**
 * `/parley/group/2.0.0` frames (docs/protocols.md, "Groups in boxes"):
 * 1.0.0's exchange, one request and one reply per stream, with the request
 * in a session box whose plaintext is its 1.0.0 JSON, and a reply that
 * carries operations (a sync's) in a box too; every other reply is 1.0.0's
 * JSON, or `reject session`. What opens and seals the boxes is the app's
 * sessions; this file checks the frames around them and splits operations
 * into parts that fit one box.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { decodeBox } from '../session/box.ts'
import { MAX_BOX_BYTES, BOX_VERSION } from '../session/constants.ts'
import { SessionFrameError } from '../session/errors.ts'
import { decodeGroupReply, MAX_OPS_PER_FRAME } from './wire.ts'
import type { GroupReply } from './wire.ts'
import type { SignedGroupOp } from './op.ts'

/** A 2.0.0 frame, either way: at most a box. */
export const MAX_GROUP_BOX_FRAME_BYTES = MAX_BOX_BYTES
/** A length prefix of a frame that size: 3 varint bytes. */
export const MAX_GROUP_BOX_PREFIX_BYTES = 3
/**
 * Operations in one box (an `ops` request, a sync's reply, a mailbox item):
 * as many as fit in this many bytes of their JSON, well under a box's
 * plaintext (session/constants.ts MAX_PLAINTEXT_BYTES, 147,456).
 */
export const MAX_BOXED_OPS_BYTES = 120 * 1024

/** An upper bound of what `op` adds to a frame's JSON: its body escaped in a string (at most 3 UTF-8 bytes per UTF-16 unit), its signature, the punctuation. */
function opBytes (op: SignedGroupOp): number {
  return op.body.length * 3 + op.sig.length + 32
}

/** Splits operations (in fold order) into parts of at most MAX_OPS_PER_FRAME that each fit `budget` bytes of JSON; one larger than the budget goes alone. */
export function opsParts<T extends { signed: SignedGroupOp }> (ops: readonly T[], budget = MAX_BOXED_OPS_BYTES): T[][] {
  const parts: T[][] = []
  let part: T[] = []
  let bytes = 0
  for (const op of ops) {
    const size = opBytes(op.signed)
    if (part.length > 0 && (bytes + size > budget || part.length >= MAX_OPS_PER_FRAME)) {
      parts.push(part)
      part = []
      bytes = 0
    }
    part.push(op)
    bytes += size
  }
  if (part.length > 0) parts.push(part)
  return parts
}

/**
 * A sync's reply cut to what one box carries: the first operations that fit
 * MAX_BOXED_OPS_BYTES, and `more` when some were left out (the dialer asks
 * again with its new heads).
 */
export function fitReply (reply: GroupReply): GroupReply {
  if (reply.type !== 'reply' || reply.ops === undefined) return reply
  const first = opsParts(reply.ops.map((signed) => ({ signed })))[0]?.map((op) => op.signed) ?? []
  return first.length === reply.ops.length ? reply : { ...reply, ops: first, more: true }
}

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid group frame: ${reason}`)
}

/** A 2.0.0 request: a well-formed session box, or an InvalidMessageError. */
export function decodeGroupBoxRequest (bytes: Uint8Array): Uint8Array {
  try {
    decodeBox(bytes)
  } catch (err) {
    throw invalid(`a 2.0.0 request is a session box: ${err instanceof SessionFrameError ? err.message : 'malformed'}`)
  }
  return bytes
}

/** A 2.0.0 reply: a well-formed box (its bytes, for the sessions to open), or a reply outside one. */
export type GroupBoxReply = { box: Uint8Array } | { reply: GroupReply }

/** A 2.0.0 reply frame, or an InvalidMessageError. */
export function decodeGroupBoxReply (bytes: Uint8Array): GroupBoxReply {
  if (bytes[0] !== BOX_VERSION) return { reply: decodeGroupReply(bytes, '2.0.0') }
  try {
    decodeBox(bytes)
  } catch (err) {
    throw invalid(`a reply in a session box: ${err instanceof SessionFrameError ? err.message : 'malformed'}`)
  }
  return { box: bytes }
}
