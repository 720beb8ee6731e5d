/**
 * Frames of `/parley/push/1.0.0` (docs/protocols.md, "Web Push"), pure and
 * shared by relay-node and the app. One request and one reply per stream,
 * each an unsigned-varint length, then the body:
 *
 *   REGISTER  0x01 · time (u64) · nonce (16) · relay length (u8, 1–64) · relay ·
 *             subject length (u8, 1–64) · subject · endpoint length (u16, 1–1024) · endpoint (UTF-8) ·
 *             p256dh (65) · auth (16) · signature (64)
 *   REMOVE    0x02 · time (u64) · nonce (16) · relay length · relay · subject length · subject ·
 *             endpoint length · endpoint · signature (64)
 *
 *   OK to REGISTER  0x00 · VAPID key (65) · expiresAt (u64) · max subscriptions (u8) · pushes a minute (u16) ·
 *                   coalescing window (u32, ms) · payload size (u16)
 *   OK to REMOVE    0x00 · removed (u8, 0 or 1)
 *   error           code (u8, 1..) · reason (UTF-8, the rest, ≤ 200 bytes)
 *
 * The signature is the subject's Ed25519 signature of PUSH_SIGN_CONTEXT ·
 * the frame up to the signature (type byte included). Relay and subject are
 * PeerID multihashes; the subject's is an Ed25519 one (38 bytes). KEY
 * (0x03), the unsigned request for the relay's VAPID key, is key.ts's.
 */
import { p256 } from '@noble/curves/nist.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { PushFrameError, Reader, Writer } from './bytes.ts'
import {
  MAX_PUSH_ENDPOINT_BYTES, MAX_PUSH_PEER_BYTES, MAX_PUSH_REASON_BYTES, PUSH_AUTH_BYTES, PUSH_NONCE_BYTES, PUSH_P256DH_BYTES,
  PUSH_SIGNATURE_BYTES, PUSH_SIGN_CONTEXT, PUSH_VAPID_KEY_BYTES, PushErrorCode
} from './constants.ts'
import type { PushErrorName } from './constants.ts'

export { PushFrameError } from './bytes.ts'

const REGISTER = 0x01
const REMOVE = 0x02
const OK = 0x00
/** An Ed25519 PeerID's multihash: identity, 36 bytes: the protobuf of a public key of type Ed25519, 32 bytes. */
const ED25519_MULTIHASH_PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)
const ED25519_MULTIHASH_BYTES = ED25519_MULTIHASH_PREFIX.byteLength + 32
const ERROR_NAMES = new Map(Object.entries(PushErrorCode).map(([name, code]) => [code, name as PushErrorName]))

/** The relay refused the request with an error reply. */
export class PushRefusedError extends Error {
  override name = 'PushRefusedError'
  constructor (readonly code: PushErrorName, readonly reason: string) {
    super(`the relay refused the push request: ${code}${reason === '' ? '' : ` (${reason})`}`)
  }
}

/** What a request says before it is signed. */
interface Common {
  /** ms since the Unix epoch, on the device's clock */
  time: number
  nonce: Uint8Array
  /** the relay's PeerID multihash: a request is for one relay */
  relay: Uint8Array
  /** the device's PeerID multihash (Ed25519): whose mailbox, and whose key signs */
  subject: Uint8Array
  endpoint: string
}
export type PushRequestFields =
  | Common & { op: 'register', p256dh: Uint8Array, auth: Uint8Array }
  | Common & { op: 'remove' }
export type PushOp = PushRequestFields['op']

/** A decoded request: its fields, the bytes the signature covers, and the signature. */
export type PushRequest = PushRequestFields & { signed: Uint8Array, signature: Uint8Array }

export type PushReply =
  | {
    op: 'register'
    /** the relay's VAPID public key (uncompressed P-256): what the browser's subscription names as applicationServerKey */
    vapidKey: Uint8Array
    /** when the relay forgets the subscription unless it is registered again (relay's clock) */
    expiresAt: number
    maxSubscriptions: number
    pushesPerMinute: number
    coalesceMs: number
    payloadBytes: number
  }
  | { op: 'remove', removed: boolean }

const encoder = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** The 32-byte Ed25519 public key of an Ed25519 PeerID multihash, or undefined. */
export function ed25519KeyOfMultihash (multihash: Uint8Array): Uint8Array | undefined {
  if (multihash.byteLength !== ED25519_MULTIHASH_BYTES) return undefined
  for (let i = 0; i < ED25519_MULTIHASH_PREFIX.byteLength; i++) if (multihash[i] !== ED25519_MULTIHASH_PREFIX[i]) return undefined
  return multihash.subarray(ED25519_MULTIHASH_PREFIX.byteLength)
}

/** Whether `bytes` is an uncompressed point of P-256 (0x04 · x · y, on the curve). */
export function isP256Point (bytes: Uint8Array): boolean {
  if (bytes.byteLength !== PUSH_P256DH_BYTES || bytes[0] !== 0x04) return false
  try {
    p256.Point.fromBytes(bytes).assertValidity()
    return true
  } catch {
    return false
  }
}

function checkFields (fields: PushRequestFields, what: string): void {
  if (!Number.isSafeInteger(fields.time) || fields.time < 0) throw new PushFrameError(`${what}: the time must be an integer from 0 to 2^53`)
  if (fields.nonce.byteLength !== PUSH_NONCE_BYTES) throw new PushFrameError(`${what}: the nonce is ${PUSH_NONCE_BYTES} bytes, not ${fields.nonce.byteLength}`)
  if (fields.relay.byteLength < 1 || fields.relay.byteLength > MAX_PUSH_PEER_BYTES) throw new PushFrameError(`${what}: the relay is 1 to ${MAX_PUSH_PEER_BYTES} bytes`)
  if (ed25519KeyOfMultihash(fields.subject) === undefined) throw new PushFrameError(`${what}: the subject is not an Ed25519 PeerID`)
  const endpoint = encoder.encode(fields.endpoint)
  if (endpoint.byteLength < 1 || endpoint.byteLength > MAX_PUSH_ENDPOINT_BYTES) throw new PushFrameError(`${what}: the endpoint is 1 to ${MAX_PUSH_ENDPOINT_BYTES} bytes of UTF-8, not ${endpoint.byteLength}`)
  if (fields.op === 'register') {
    if (!isP256Point(fields.p256dh)) throw new PushFrameError(`${what}: p256dh is not an uncompressed P-256 point (${PUSH_P256DH_BYTES} bytes)`)
    if (fields.auth.byteLength !== PUSH_AUTH_BYTES) throw new PushFrameError(`${what}: auth is ${PUSH_AUTH_BYTES} bytes, not ${fields.auth.byteLength}`)
  }
}

/** The frame without its signature. */
function unsignedFrame (fields: PushRequestFields): Uint8Array {
  checkFields(fields, `a push ${fields.op}`)
  const endpoint = encoder.encode(fields.endpoint)
  const w = new Writer().u8(fields.op === 'register' ? REGISTER : REMOVE).u64(fields.time).bytes(fields.nonce)
    .u8(fields.relay.byteLength).bytes(fields.relay).u8(fields.subject.byteLength).bytes(fields.subject)
    .u16(endpoint.byteLength).bytes(endpoint)
  if (fields.op === 'register') w.bytes(fields.p256dh).bytes(fields.auth)
  return w.finish()
}

/** What the subject signs: PUSH_SIGN_CONTEXT (UTF-8) · the frame up to its signature. */
export function pushSignedBytes (frameWithoutSignature: Uint8Array): Uint8Array {
  const context = encoder.encode(PUSH_SIGN_CONTEXT)
  const out = new Uint8Array(context.byteLength + frameWithoutSignature.byteLength)
  out.set(context)
  out.set(frameWithoutSignature, context.byteLength)
  return out
}

/**
 * A request frame, signed by `sign` (the subject's Ed25519 key: libp2p's
 * `PrivateKey.sign`, or `ed25519.sign` with its seed).
 */
export async function encodePushRequest (fields: PushRequestFields, sign: (bytes: Uint8Array) => Uint8Array | Promise<Uint8Array>): Promise<Uint8Array> {
  const frame = unsignedFrame(fields)
  const signature = await sign(pushSignedBytes(frame))
  if (signature.byteLength !== PUSH_SIGNATURE_BYTES) throw new PushFrameError(`a push ${fields.op}: a signature is ${PUSH_SIGNATURE_BYTES} bytes`)
  return new Writer().bytes(frame).bytes(signature).finish()
}

/**
 * Decodes a request frame; checks its form, not its signature
 * ({@link verifyPushRequest}) nor its time, relay or endpoint (the relay's).
 *
 * @throws PushFrameError when it is malformed
 */
export function decodePushRequest (frame: Uint8Array): PushRequest {
  const type = frame[0]
  if (type !== REGISTER && type !== REMOVE) throw new PushFrameError(frame.byteLength === 0 ? 'a push request: the frame is empty' : `a push request: unknown type ${type}`)
  const op = type === REGISTER ? 'register' : 'remove'
  const what = `a push ${op}`
  const r = new Reader(frame, what)
  r.u8('the type')
  const time = r.u64('the time')
  const nonce = r.bytes(PUSH_NONCE_BYTES, 'the nonce')
  const relayLength = r.u8('the relay\'s length')
  if (relayLength < 1 || relayLength > MAX_PUSH_PEER_BYTES) throw new PushFrameError(`${what}: the relay is 1 to ${MAX_PUSH_PEER_BYTES} bytes, not ${relayLength}`)
  const relay = r.bytes(relayLength, 'the relay')
  const subjectLength = r.u8('the subject\'s length')
  if (subjectLength < 1 || subjectLength > MAX_PUSH_PEER_BYTES) throw new PushFrameError(`${what}: the subject is 1 to ${MAX_PUSH_PEER_BYTES} bytes, not ${subjectLength}`)
  const subject = r.bytes(subjectLength, 'the subject')
  if (ed25519KeyOfMultihash(subject) === undefined) throw new PushFrameError(`${what}: the subject is not an Ed25519 PeerID`)
  const endpointLength = r.u16('the endpoint\'s length')
  if (endpointLength < 1 || endpointLength > MAX_PUSH_ENDPOINT_BYTES) throw new PushFrameError(`${what}: the endpoint is 1 to ${MAX_PUSH_ENDPOINT_BYTES} bytes, not ${endpointLength}`)
  let endpoint: string
  try {
    endpoint = strictUtf8.decode(r.bytes(endpointLength, 'the endpoint'))
  } catch (err) {
    if (err instanceof PushFrameError) throw err
    throw new PushFrameError(`${what}: the endpoint is not UTF-8`)
  }
  let fields: PushRequestFields
  if (op === 'register') {
    const p256dh = r.bytes(PUSH_P256DH_BYTES, 'p256dh')
    if (!isP256Point(p256dh)) throw new PushFrameError(`${what}: p256dh is not an uncompressed P-256 point`)
    fields = { op, time, nonce, relay, subject, endpoint, p256dh, auth: r.bytes(PUSH_AUTH_BYTES, 'auth') }
  } else {
    fields = { op, time, nonce, relay, subject, endpoint }
  }
  const signedLength = r.at
  const signature = r.bytes(PUSH_SIGNATURE_BYTES, 'the signature')
  r.end()
  return { ...fields, signed: pushSignedBytes(frame.subarray(0, signedLength)), signature }
}

/** Whether the request's signature is the subject's (strict Ed25519: no ZIP-215 leniency). */
export function verifyPushRequest (request: PushRequest): boolean {
  const key = ed25519KeyOfMultihash(request.subject)
  if (key === undefined) return false
  try {
    return ed25519.verify(request.signature, request.signed, key, { zip215: false })
  } catch {
    return false
  }
}

export function encodePushReply (reply: PushReply): Uint8Array {
  const w = new Writer().u8(OK)
  if (reply.op === 'remove') return w.u8(reply.removed ? 1 : 0).finish()
  if (!isP256Point(reply.vapidKey)) throw new PushFrameError('a push reply: the VAPID key is not an uncompressed P-256 point')
  const within = (n: number, max: number, field: string): void => {
    if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new PushFrameError(`a push reply: ${field} is an integer from 0 to ${max}`)
  }
  within(reply.expiresAt, Number.MAX_SAFE_INTEGER, 'expiresAt')
  within(reply.maxSubscriptions, 0xff, 'max subscriptions')
  within(reply.pushesPerMinute, 0xffff, 'pushes a minute')
  within(reply.coalesceMs, 0xffff_ffff, 'the coalescing window')
  within(reply.payloadBytes, 0xffff, 'the payload size')
  return w.bytes(reply.vapidKey).u64(reply.expiresAt).u8(reply.maxSubscriptions).u16(reply.pushesPerMinute)
    .u32(reply.coalesceMs).u16(reply.payloadBytes).finish()
}

export function encodePushError (code: PushErrorName, reason: string): Uint8Array {
  let text = encoder.encode(reason)
  if (text.byteLength > MAX_PUSH_REASON_BYTES) text = text.subarray(0, MAX_PUSH_REASON_BYTES)
  return new Writer().u8(PushErrorCode[code]).bytes(text).finish()
}

/**
 * An error reply's status and reason (the reader just past the status byte).
 *
 * @throws PushRefusedError always, or PushFrameError when the status is unknown or the reason too long
 */
export function refusedBy (status: number, r: Reader, what: string): never {
  const name = ERROR_NAMES.get(status as never)
  if (name == null) throw new PushFrameError(`${what}: unknown status ${status}`)
  const reason = r.rest()
  if (reason.byteLength > MAX_PUSH_REASON_BYTES) throw new PushFrameError(`${what}: the reason is over ${MAX_PUSH_REASON_BYTES} bytes`)
  throw new PushRefusedError(name, new TextDecoder('utf-8', { fatal: false }).decode(reason))
}

/**
 * Decodes the reply to a request of `op`.
 *
 * @throws PushRefusedError for an error reply, PushFrameError for a malformed one
 */
export function decodePushReply (op: PushOp, frame: Uint8Array): PushReply {
  const what = `a push reply to ${op}`
  const r = new Reader(frame, what)
  const status = r.u8('the status')
  if (status !== OK) refusedBy(status, r, what)
  if (op === 'remove') {
    const removed = r.u8('removed')
    if (removed > 1) throw new PushFrameError(`${what}: removed is 0 or 1, not ${removed}`)
    r.end()
    return { op, removed: removed === 1 }
  }
  const vapidKey = r.bytes(PUSH_VAPID_KEY_BYTES, 'the VAPID key')
  if (!isP256Point(vapidKey)) throw new PushFrameError(`${what}: the VAPID key is not an uncompressed P-256 point`)
  const reply = {
    op, vapidKey, expiresAt: r.u64('expiresAt'), maxSubscriptions: r.u8('max subscriptions'), pushesPerMinute: r.u16('pushes a minute'),
    coalesceMs: r.u32('the coalescing window'), payloadBytes: r.u16('the payload size')
  } as const
  r.end()
  return reply
}
