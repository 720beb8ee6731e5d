/**
 * `/parley/devices/1.0.0` (docs/protocols.md, "A contact's device list"): an
 * account's holder gives each contact it has a session with the account's
 * current signed device list, in a session box. One request and one reply
 * per stream, each one length-prefixed frame: the request is a session box
 * whose plaintext is the `devices` payload below; the reply is JSON. An app
 * that predates it does not speak the protocol (multistream-select answers
 * `na`), so nothing is sealed for it. Pure; the app seals and opens the box.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { isRecord } from '../is-record.ts'
import { decodeBox } from '../session/box.ts'
import { MAX_BOX_OVERHEAD_BYTES } from '../session/constants.ts'
import { SessionFrameError } from '../session/errors.ts'
import { padme } from '../session/padding.ts'
import { MAX_DEVICE_LIST_BYTES } from './constants.ts'
import type { SignedDeviceList } from './list.ts'

export const DEVICES_PROTOCOL = '/parley/devices/1.0.0'
/** The payload's JSON: a list at its largest and the 31 bytes around it, with room. */
export const MAX_DEVICES_PAYLOAD_BYTES = MAX_DEVICE_LIST_BYTES + 64
/** A request frame: a box of the largest payload (with an init and both KEM fields), padded to its bucket, fits (7,936 bytes). */
export const MAX_DEVICES_FRAME_BYTES = 8192
/** The length prefix of a frame that size: 2 varint bytes. */
export const MAX_DEVICES_PREFIX_BYTES = 2
/** One exchange, request to reply. */
export const DEVICES_EXCHANGE_TIMEOUT_MS = 15_000
/** Exchanges one peer may start with us per minute (a list changes rarely; a session start sends one). */
export const DEVICES_REQUESTS_PER_MINUTE = 6

if (padme(MAX_BOX_OVERHEAD_BYTES + MAX_DEVICES_PAYLOAD_BYTES + 1) > MAX_DEVICES_FRAME_BYTES) throw new Error('a devices box would not fit its frame')

/** The plaintext of the request's box. */
export interface DevicesPayload {
  type: 'devices'
  /** the account's signed list, as "Linked devices: the device list" has it (checked by openDeviceList, not here) */
  list: SignedDeviceList
}

/**
 * The reply. `ack`: the list was taken ('stored'), is the one held
 * ('same'), or is older than it ('older'); the dialer's mark moves on with
 * each. `reject`: 'not-a-contact' (the listener does not exchange messages
 * with the dialer), 'session' (the box did not open), 'invalid' (a malformed
 * frame or payload, or a list that does not open as the dialer's account's),
 * 'rate-limited'.
 */
export type DevicesReply =
  | { type: 'ack', status: 'stored' | 'same' | 'older' }
  | { type: 'reject', reason: 'not-a-contact' | 'session' | 'invalid' | 'rate-limited' }

const ACK_STATUSES = ['stored', 'same', 'older'] as const
const REJECT_REASONS = ['not-a-contact', 'session', 'invalid', 'rate-limited'] as const
/** A reply's JSON is at most this long. */
const MAX_REPLY_BYTES = 64

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid devices frame: ${reason}`)
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

function exactly (obj: Record<string, unknown>, keys: readonly string[], what: string): void {
  const found = Object.keys(obj)
  if (found.length !== keys.length || !keys.every(k => Object.hasOwn(obj, k))) throw invalid(`${what} has exactly ${keys.map(k => `"${k}"`).join(', ')}`)
}

/** The payload of `list`, as its box's plaintext. */
export function encodeDevicesPayload (list: SignedDeviceList): Uint8Array {
  const bytes = encoder.encode(JSON.stringify({ type: 'devices', list: { body: list.body, sig: list.sig } }))
  decodeDevicesPayload(bytes)
  return bytes
}

/** A box's plaintext as a payload: `{"type":"devices","list":{"body":<string>,"sig":<string>}}`, at most MAX_DEVICES_PAYLOAD_BYTES. */
export function decodeDevicesPayload (bytes: Uint8Array): DevicesPayload {
  const obj = json(bytes, MAX_DEVICES_PAYLOAD_BYTES, 'the payload')
  exactly(obj, ['type', 'list'], 'the payload')
  if (obj.type !== 'devices') throw invalid('"type" must be "devices"')
  const list = obj.list
  if (!isRecord(list)) throw invalid('"list" is not an object')
  exactly(list, ['body', 'sig'], '"list"')
  if (typeof list.body !== 'string' || typeof list.sig !== 'string') throw invalid('"list"\'s "body" and "sig" must be strings')
  return { type: 'devices', list: { body: list.body, sig: list.sig } }
}

/** A request: a well-formed session box of at most MAX_DEVICES_FRAME_BYTES (its bytes, for the sessions to open). */
export function decodeDevicesRequest (bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength > MAX_DEVICES_FRAME_BYTES) throw invalid(`a request is at most ${MAX_DEVICES_FRAME_BYTES} bytes`)
  try {
    decodeBox(bytes)
  } catch (err) {
    throw invalid(`a request is a session box: ${err instanceof SessionFrameError ? err.message : 'malformed'}`)
  }
  return bytes
}

export function encodeDevicesReply (reply: DevicesReply): Uint8Array {
  const bytes = encoder.encode(JSON.stringify(reply.type === 'ack' ? { type: 'ack', status: reply.status } : { type: 'reject', reason: reply.reason }))
  decodeDevicesReply(bytes)
  return bytes
}

/** A reply: exactly `{"type":"ack","status":…}` or `{"type":"reject","reason":…}`. */
export function decodeDevicesReply (bytes: Uint8Array): DevicesReply {
  const obj = json(bytes, MAX_REPLY_BYTES, 'the reply')
  if (obj.type === 'ack') {
    exactly(obj, ['type', 'status'], 'an "ack"')
    const status = ACK_STATUSES.find(s => s === obj.status)
    if (status === undefined) throw invalid(`"status" must be one of ${ACK_STATUSES.join(', ')}`)
    return { type: 'ack', status }
  }
  if (obj.type === 'reject') {
    exactly(obj, ['type', 'reason'], 'a "reject"')
    const reason = REJECT_REASONS.find(r => r === obj.reason)
    if (reason === undefined) throw invalid(`"reason" must be one of ${REJECT_REASONS.join(', ')}`)
    return { type: 'reject', reason }
  }
  throw invalid('"type" must be "ack" or "reject"')
}
