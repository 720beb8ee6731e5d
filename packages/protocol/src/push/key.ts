/**
 * KEY, the unsigned request of `/parley/push/1.0.0` (docs/protocols.md,
 * "Web Push", "KEY"): a tab needs a relay's VAPID public key before it has a
 * subscription (`PushManager.subscribe` takes it as applicationServerKey),
 * and REGISTER, which also says it, needs a subscription first. KEY asks
 * for the key and the relay's limits, naming nothing and signing nothing:
 * anyone connected may learn what every push of the relay shows anyway.
 *
 *   KEY             0x03 (the whole body)
 *   OK, push on     0x00 · 0x01 · VAPID key (65) · max subscriptions (u8) · pushes a minute (u16) ·
 *                   coalescing window (u32, ms) · payload size (u16) · subscription days (u16)
 *   OK, push off    0x00 · 0x00
 *   error           code (u8, 1..) · reason (UTF-8, the rest, ≤ 200 bytes), as to REGISTER
 */
import { PushFrameError, Reader, Writer } from './bytes.ts'
import { decodePushRequest, isP256Point, refusedBy } from './codec.ts'
import { PUSH_VAPID_KEY_BYTES } from './constants.ts'
import type { PushRequest } from './codec.ts'

const KEY = 0x03
const OK = 0x00
const ON = 0x01
const OFF = 0x00

/** The KEY request, decoded: it has no fields. */
export interface PushKeyRequest { op: 'key' }

export type PushKeyReply =
  | {
    op: 'key'
    push: 'on'
    /** the relay's VAPID public key (uncompressed P-256): the applicationServerKey to subscribe with */
    vapidKey: Uint8Array
    maxSubscriptions: number
    pushesPerMinute: number
    coalesceMs: number
    payloadBytes: number
    /** a subscription not registered again within this many days is forgotten */
    subscriptionDays: number
  }
  | { op: 'key', push: 'off' }

/** The one KEY frame. */
export function encodePushKeyRequest (): Uint8Array {
  return Uint8Array.of(KEY)
}

/**
 * Decodes any request of the protocol: KEY (exactly one byte, 0x03), or a
 * signed REGISTER or REMOVE (codec.ts `decodePushRequest`).
 *
 * @throws PushFrameError when it is malformed
 */
export function decodePushInbound (frame: Uint8Array): PushRequest | PushKeyRequest {
  if (frame[0] !== KEY) return decodePushRequest(frame)
  if (frame.byteLength !== 1) throw new PushFrameError('a push key request: it is the one byte 0x03, nothing after it')
  return { op: 'key' }
}

export function encodePushKeyReply (reply: PushKeyReply): Uint8Array {
  const w = new Writer().u8(OK)
  if (reply.push === 'off') return w.u8(OFF).finish()
  if (!isP256Point(reply.vapidKey)) throw new PushFrameError('a push key reply: the VAPID key is not an uncompressed P-256 point')
  const within = (n: number, max: number, field: string): void => {
    if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new PushFrameError(`a push key reply: ${field} is an integer from 0 to ${max}`)
  }
  within(reply.maxSubscriptions, 0xff, 'max subscriptions')
  within(reply.pushesPerMinute, 0xffff, 'pushes a minute')
  within(reply.coalesceMs, 0xffff_ffff, 'the coalescing window')
  within(reply.payloadBytes, 0xffff, 'the payload size')
  within(reply.subscriptionDays, 0xffff, 'subscription days')
  return w.u8(ON).bytes(reply.vapidKey).u8(reply.maxSubscriptions).u16(reply.pushesPerMinute)
    .u32(reply.coalesceMs).u16(reply.payloadBytes).u16(reply.subscriptionDays).finish()
}

/**
 * Decodes the reply to KEY.
 *
 * @throws PushRefusedError for an error reply, PushFrameError for a malformed one
 */
export function decodePushKeyReply (frame: Uint8Array): PushKeyReply {
  const what = 'a push reply to key'
  const r = new Reader(frame, what)
  const status = r.u8('the status')
  if (status !== OK) refusedBy(status, r, what)
  const push = r.u8('on or off')
  if (push === OFF) {
    r.end()
    return { op: 'key', push: 'off' }
  }
  if (push !== ON) throw new PushFrameError(`${what}: on or off is 1 or 0, not ${push}`)
  const vapidKey = r.bytes(PUSH_VAPID_KEY_BYTES, 'the VAPID key')
  if (!isP256Point(vapidKey)) throw new PushFrameError(`${what}: the VAPID key is not an uncompressed P-256 point`)
  const reply = {
    op: 'key', push: 'on', vapidKey, maxSubscriptions: r.u8('max subscriptions'), pushesPerMinute: r.u16('pushes a minute'),
    coalesceMs: r.u32('the coalescing window'), payloadBytes: r.u16('the payload size'), subscriptionDays: r.u16('subscription days')
  } as const
  r.end()
  return reply
}
