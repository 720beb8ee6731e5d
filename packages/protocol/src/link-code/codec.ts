/**
 * Frames of `/parley/link-rendezvous/1.0.0` (docs/protocols.md, "The short
 * code", "On the relay"), pure and shared by relay-node and the app. One
 * request and one reply per stream, each one frame: an unsigned-varint
 * length, then the body below.
 *
 * Requests (peer → relay), first byte the operation:
 *   PUT    0x01 · id (16 bytes) · box (the rest: MIN_LINK_CODE_BOX_BYTES..MAX_LINK_CODE_BOX_BYTES)
 *   GET    0x02 · id (16 bytes)
 *   DELETE 0x03 · id (16 bytes)
 * Replies (relay → peer), first byte the status, 0x00 OK or an error code:
 *   OK to PUT     0x00 · ttl (u16, seconds the entry is kept from now)
 *   OK to GET     0x00 · box (the rest)
 *   OK to DELETE  0x00 · removed (u8, 0 or 1)
 *   error         code (u8, 1..) · reason (UTF-8, the rest, ≤ MAX_LINK_RENDEZVOUS_REASON_BYTES)
 */
import { LINK_CODE_ID_BYTES, MAX_LINK_CODE_BOX_BYTES, MIN_LINK_CODE_BOX_BYTES } from './seal.ts'

export const LINK_RENDEZVOUS_PROTOCOL = '/parley/link-rendezvous/1.0.0'

export const MAX_LINK_RENDEZVOUS_REASON_BYTES = 200
/** Largest request frame: a PUT with the largest box. */
export const MAX_LINK_RENDEZVOUS_REQUEST_BYTES = 1 + LINK_CODE_ID_BYTES + MAX_LINK_CODE_BOX_BYTES
/** Largest reply frame: a GET's OK with the largest box (an error is smaller). */
export const MAX_LINK_RENDEZVOUS_REPLY_BYTES = Math.max(1 + MAX_LINK_CODE_BOX_BYTES, 1 + MAX_LINK_RENDEZVOUS_REASON_BYTES)

export const LinkRendezvousOp = { put: 0x01, get: 0x02, delete: 0x03 } as const
export type LinkRendezvousOpName = keyof typeof LinkRendezvousOp

/** Error codes of a reply; the relay changes nothing when it answers with one (a GET's count aside: see the relay's rules). */
export const LinkRendezvousErrorCode = {
  'bad-request': 1,
  /** GET: no entry under this id (a wrong code, one never deposited here, or one forgotten long ago) */
  'not-found': 2,
  /** GET: the entry's time ran out */
  expired: 3,
  /** GET: the entry was given out as often as it may be, or its owner withdrew it; PUT: the same, by its owner */
  used: 4,
  /** PUT: another peer holds this id */
  taken: 5,
  /** PUT: the peer holds as many entries as it may */
  'too-many': 6,
  /** PUT: the relay holds as many entries as it can */
  full: 7,
  /** PUT: only a peer holding a reservation here may deposit (its offer names circuit addresses through a relay) */
  'not-reserved': 8,
  /** the request frame is over its limit */
  'too-large': 9,
  'rate-limited': 10,
  /** the relay is shutting down, or failed */
  unavailable: 11
} as const
export type LinkRendezvousErrorName = keyof typeof LinkRendezvousErrorCode
const ERROR_NAMES = new Map(Object.entries(LinkRendezvousErrorCode).map(([name, code]) => [code, name as LinkRendezvousErrorName]))

/** A frame that does not follow the format. */
export class LinkRendezvousFrameError extends Error {
  override name = 'LinkRendezvousFrameError'
}

/** The relay answered with an error code. */
export class LinkRendezvousRefusedError extends Error {
  override name = 'LinkRendezvousRefusedError'
  constructor (readonly code: LinkRendezvousErrorName, readonly reason: string) {
    super(`the relay refused the rendezvous request: ${code}${reason === '' ? '' : ` (${reason})`}`)
  }
}

export type LinkRendezvousRequest =
  | { op: 'put', id: Uint8Array, box: Uint8Array }
  | { op: 'get', id: Uint8Array }
  | { op: 'delete', id: Uint8Array }

export type LinkRendezvousReply =
  | { op: 'put', ttlS: number }
  | { op: 'get', box: Uint8Array }
  | { op: 'delete', removed: boolean }

const MAX_TTL_S = 0xffff

function checkId (id: Uint8Array, what: string): void {
  if (id.byteLength !== LINK_CODE_ID_BYTES) throw new LinkRendezvousFrameError(`${what}: an id is ${LINK_CODE_ID_BYTES} bytes, not ${id.byteLength}`)
}

function checkBox (box: Uint8Array, what: string): void {
  if (box.byteLength < MIN_LINK_CODE_BOX_BYTES || box.byteLength > MAX_LINK_CODE_BOX_BYTES) {
    throw new LinkRendezvousFrameError(`${what}: a box is ${MIN_LINK_CODE_BOX_BYTES} to ${MAX_LINK_CODE_BOX_BYTES} bytes, not ${box.byteLength}`)
  }
}

export function encodeLinkRendezvousRequest (request: LinkRendezvousRequest): Uint8Array {
  const what = `a rendezvous ${request.op}`
  checkId(request.id, what)
  if (request.op === 'put') checkBox(request.box, what)
  const box = request.op === 'put' ? request.box : new Uint8Array(0)
  const out = new Uint8Array(1 + LINK_CODE_ID_BYTES + box.byteLength)
  out[0] = LinkRendezvousOp[request.op]
  out.set(request.id, 1)
  out.set(box, 1 + LINK_CODE_ID_BYTES)
  return out
}

export function decodeLinkRendezvousRequest (frame: Uint8Array): LinkRendezvousRequest {
  const what = 'a rendezvous request'
  if (frame.byteLength === 0) throw new LinkRendezvousFrameError(`${what}: the frame is empty`)
  const op = frame[0]
  if (frame.byteLength < 1 + LINK_CODE_ID_BYTES) throw new LinkRendezvousFrameError(`${what}: the frame ends inside the id`)
  const id = frame.slice(1, 1 + LINK_CODE_ID_BYTES)
  const rest = frame.subarray(1 + LINK_CODE_ID_BYTES)
  switch (op) {
    case LinkRendezvousOp.put: {
      checkBox(rest, what)
      return { op: 'put', id, box: rest.slice() }
    }
    case LinkRendezvousOp.get:
    case LinkRendezvousOp.delete:
      if (rest.byteLength !== 0) throw new LinkRendezvousFrameError(`${what}: ${rest.byteLength} bytes after the id`)
      return { op: op === LinkRendezvousOp.get ? 'get' : 'delete', id }
    default:
      throw new LinkRendezvousFrameError(`${what}: unknown operation ${op ?? 0}`)
  }
}

export function encodeLinkRendezvousReply (reply: LinkRendezvousReply): Uint8Array {
  switch (reply.op) {
    case 'put':
      if (!Number.isInteger(reply.ttlS) || reply.ttlS < 0 || reply.ttlS > MAX_TTL_S) throw new LinkRendezvousFrameError(`a ttl is 0 to ${MAX_TTL_S} seconds`)
      return Uint8Array.of(0, reply.ttlS >> 8, reply.ttlS & 0xff)
    case 'get': {
      checkBox(reply.box, 'a rendezvous reply')
      const out = new Uint8Array(1 + reply.box.byteLength)
      out.set(reply.box, 1)
      return out
    }
    case 'delete':
      return Uint8Array.of(0, reply.removed ? 1 : 0)
  }
}

export function encodeLinkRendezvousError (code: LinkRendezvousErrorName, reason: string): Uint8Array {
  let text = new TextEncoder().encode(reason)
  if (text.byteLength > MAX_LINK_RENDEZVOUS_REASON_BYTES) text = text.subarray(0, MAX_LINK_RENDEZVOUS_REASON_BYTES)
  const out = new Uint8Array(1 + text.byteLength)
  out[0] = LinkRendezvousErrorCode[code]
  out.set(text, 1)
  return out
}

/**
 * Decodes the reply to a request of `op`.
 *
 * @throws LinkRendezvousRefusedError for an error reply, LinkRendezvousFrameError for a malformed one
 */
export function decodeLinkRendezvousReply (op: LinkRendezvousOpName, frame: Uint8Array): LinkRendezvousReply {
  const what = `a rendezvous reply to ${op}`
  if (frame.byteLength === 0) throw new LinkRendezvousFrameError(`${what}: the frame is empty`)
  const status = frame[0] ?? 0
  const rest = frame.subarray(1)
  if (status !== 0) {
    const name = ERROR_NAMES.get(status as never)
    if (name == null) throw new LinkRendezvousFrameError(`${what}: unknown status ${status}`)
    if (rest.byteLength > MAX_LINK_RENDEZVOUS_REASON_BYTES) throw new LinkRendezvousFrameError(`${what}: the reason is too long`)
    throw new LinkRendezvousRefusedError(name, new TextDecoder('utf-8', { fatal: false }).decode(rest))
  }
  switch (op) {
    case 'put':
      if (rest.byteLength !== 2) throw new LinkRendezvousFrameError(`${what}: the ttl is 2 bytes, not ${rest.byteLength}`)
      return { op, ttlS: ((rest[0] ?? 0) << 8) | (rest[1] ?? 0) }
    case 'get':
      checkBox(rest, what)
      return { op, box: rest.slice() }
    case 'delete': {
      const removed = rest[0]
      if (rest.byteLength !== 1 || (removed !== 0 && removed !== 1)) throw new LinkRendezvousFrameError(`${what}: removed is one byte, 0 or 1`)
      return { op, removed: removed === 1 }
    }
  }
}
