/**
 * Frames of `/parley/instance/1.0.0` (docs/protocols.md, "One identity, one
 * place"), pure and shared by relay-node and the app. A running node tells
 * each relay it is connected to which instance of its PeerID it is (a random
 * id); the relay tells it, now and whenever that changes, which OTHER
 * instances of the same PeerID are live there. Two live instances are two
 * copies of one identity (a backup restored elsewhere while the original
 * runs): they fight over the relay's one reservation per PeerID.
 *
 * Every frame is an unsigned-varint length, then the body below.
 *
 *   HELLO   (node → relay, the one frame it sends)  0x01 · instance (16 bytes)
 *   OTHERS  (relay → node, the first answer and each change)
 *           0x00 · count (u8, 0..MAX_OTHER_INSTANCES) · count × [instance (16 bytes) · age (u32, seconds)]
 *   error   (relay → node, the last frame)          code (u8, 1..) · reason (UTF-8, the rest, ≤ MAX_INSTANCE_REASON_BYTES)
 *
 * Integers are big-endian. The instances an OTHERS frame lists are distinct.
 */
import { bytesToHex } from '@noble/hashes/utils.js'

export const INSTANCE_PROTOCOL = '/parley/instance/1.0.0'

/** Bytes of an instance id: random, so two copies never share one by chance. */
export const INSTANCE_ID_BYTES = 16
/**
 * Live instances of one PeerID a relay keeps (and so at most one fewer in an
 * OTHERS frame): a browser holds at most a few connections to a relay, and
 * each of them one instance stream.
 */
export const MAX_INSTANCES_PER_PEER = 8
/** Most instances one OTHERS frame lists. */
export const MAX_OTHER_INSTANCES = MAX_INSTANCES_PER_PEER - 1
/** Longest reason of an error frame, in bytes. */
export const MAX_INSTANCE_REASON_BYTES = 200
/** Largest age an OTHERS entry can carry, in seconds (u32): about 136 years. */
export const MAX_INSTANCE_AGE_S = 0xffff_ffff

/** The HELLO frame's size, exactly. */
export const INSTANCE_HELLO_BYTES = 1 + INSTANCE_ID_BYTES
/** Largest frame the relay sends: a full OTHERS frame, or an error with the longest reason. */
export const MAX_INSTANCE_RELAY_FRAME_BYTES = Math.max(2 + MAX_OTHER_INSTANCES * (INSTANCE_ID_BYTES + 4), 1 + MAX_INSTANCE_REASON_BYTES)

const HELLO = 0x01
const OTHERS = 0x00

/** Error codes of an error frame; the relay ends the stream after one, having changed nothing. */
export const InstanceErrorCode = {
  /** the HELLO was malformed, or something came after it */
  'bad-request': 1,
  /** the PeerID holds MAX_INSTANCES_PER_PEER instance streams here already */
  'too-many': 2,
  /** the relay holds all the instance streams it can */
  full: 3,
  'rate-limited': 4,
  /** the relay is shutting down, or failed */
  unavailable: 5
} as const
export type InstanceErrorName = keyof typeof InstanceErrorCode
const ERROR_NAMES = new Map(Object.entries(InstanceErrorCode).map(([name, code]) => [code, name as InstanceErrorName]))

/** A frame that does not follow the format. */
export class InstanceFrameError extends Error {
  override name = 'InstanceFrameError'
}

/** The relay ended the stream with an error frame. */
export class InstanceRefusedError extends Error {
  override name = 'InstanceRefusedError'
  constructor (readonly code: InstanceErrorName, readonly reason: string) {
    super(`the relay refused the instance stream: ${code}${reason === '' ? '' : ` (${reason})`}`)
  }
}

/** Another live instance of our PeerID, as a relay sees it. */
export interface OtherInstance {
  /** its instance id, INSTANCE_ID_BYTES bytes */
  id: Uint8Array
  /** seconds since the relay first saw it live (this time round) */
  ageS: number
}

/** The lowercase hex of an instance id (map keys, logs). */
export function instanceHex (id: Uint8Array): string {
  return bytesToHex(id)
}

function checkId (id: Uint8Array, what: string): void {
  if (id.byteLength !== INSTANCE_ID_BYTES) throw new InstanceFrameError(`${what}: an instance id is ${INSTANCE_ID_BYTES} bytes, not ${id.byteLength}`)
}

export function encodeInstanceHello (instance: Uint8Array): Uint8Array {
  checkId(instance, 'an instance hello')
  const out = new Uint8Array(INSTANCE_HELLO_BYTES)
  out[0] = HELLO
  out.set(instance, 1)
  return out
}

/** The instance id a HELLO announces. */
export function decodeInstanceHello (frame: Uint8Array): Uint8Array {
  const what = 'an instance hello'
  if (frame.byteLength === 0) throw new InstanceFrameError(`${what}: the frame is empty`)
  if (frame[0] !== HELLO) throw new InstanceFrameError(`${what}: unknown frame type ${frame[0] ?? 0}`)
  if (frame.byteLength !== INSTANCE_HELLO_BYTES) throw new InstanceFrameError(`${what}: ${INSTANCE_HELLO_BYTES} bytes, not ${frame.byteLength}`)
  return frame.slice(1)
}

export function encodeInstanceOthers (others: readonly OtherInstance[]): Uint8Array {
  const what = 'an instance list'
  if (others.length > MAX_OTHER_INSTANCES) throw new InstanceFrameError(`${what}: at most ${MAX_OTHER_INSTANCES} instances, not ${others.length}`)
  const out = new Uint8Array(2 + others.length * (INSTANCE_ID_BYTES + 4))
  const view = new DataView(out.buffer)
  out[0] = OTHERS
  out[1] = others.length
  const seen = new Set<string>()
  let at = 2
  for (const other of others) {
    checkId(other.id, what)
    const key = instanceHex(other.id)
    if (seen.has(key)) throw new InstanceFrameError(`${what}: instance ${key} is listed twice`)
    seen.add(key)
    if (!Number.isInteger(other.ageS) || other.ageS < 0 || other.ageS > MAX_INSTANCE_AGE_S) throw new InstanceFrameError(`${what}: an age is a whole number of seconds from 0 to ${MAX_INSTANCE_AGE_S}`)
    out.set(other.id, at)
    view.setUint32(at + INSTANCE_ID_BYTES, other.ageS)
    at += INSTANCE_ID_BYTES + 4
  }
  return out
}

export function encodeInstanceError (code: InstanceErrorName, reason: string): Uint8Array {
  let text = new TextEncoder().encode(reason)
  if (text.byteLength > MAX_INSTANCE_REASON_BYTES) text = text.subarray(0, MAX_INSTANCE_REASON_BYTES)
  const out = new Uint8Array(1 + text.byteLength)
  out[0] = InstanceErrorCode[code]
  out.set(text, 1)
  return out
}

/**
 * The other instances an OTHERS frame lists.
 *
 * @throws InstanceRefusedError for an error frame, InstanceFrameError for a malformed one
 */
export function decodeInstanceFrame (frame: Uint8Array): OtherInstance[] {
  const what = 'an instance list'
  if (frame.byteLength === 0) throw new InstanceFrameError('a frame from the relay is empty')
  const status = frame[0] ?? 0
  if (status !== OTHERS) {
    const name = ERROR_NAMES.get(status as never)
    if (name == null) throw new InstanceFrameError(`a frame from the relay: unknown status ${status}`)
    const reason = frame.subarray(1)
    if (reason.byteLength > MAX_INSTANCE_REASON_BYTES) throw new InstanceFrameError('an instance error: the reason is too long')
    throw new InstanceRefusedError(name, new TextDecoder('utf-8', { fatal: false }).decode(reason))
  }
  if (frame.byteLength < 2) throw new InstanceFrameError(`${what}: the frame ends inside the count`)
  const count = frame[1] ?? 0
  if (count > MAX_OTHER_INSTANCES) throw new InstanceFrameError(`${what}: at most ${MAX_OTHER_INSTANCES} instances, not ${count}`)
  const expected = 2 + count * (INSTANCE_ID_BYTES + 4)
  if (frame.byteLength !== expected) throw new InstanceFrameError(`${what}: ${count} instances take ${expected} bytes, not ${frame.byteLength}`)
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const seen = new Set<string>()
  const others: OtherInstance[] = []
  for (let i = 0, at = 2; i < count; i++, at += INSTANCE_ID_BYTES + 4) {
    const id = frame.slice(at, at + INSTANCE_ID_BYTES)
    const key = instanceHex(id)
    if (seen.has(key)) throw new InstanceFrameError(`${what}: instance ${key} is listed twice`)
    seen.add(key)
    others.push({ id, ageS: view.getUint32(at + INSTANCE_ID_BYTES) })
  }
  return others
}
