/**
 * The `notify` payload of `/parley/devices/1.0.0` (docs/protocols.md, "Web
 * Push", "How a sender learns the key"): a device gives each contact device
 * it has a session with its notification public key (push/notify-key.ts),
 * in a session box exactly as a `devices` payload goes, so that the contact
 * can seal push hints to it (push/hint.ts). Exactly
 * `{"type":"notify","key":"<43 base64url characters>"}`: the 32-byte key,
 * base64url without padding, in its one form (no non-zero unused bits).
 * Pure; the app seals and opens the box, and replies as for a list.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { fromBase64Url, toBase64Url } from '../base64.ts'
import { isRecord } from '../is-record.ts'
import { NOTIFY_KEY_BYTES } from '../push/hint-plain.ts'
import { decodeDevicesPayload } from './wire.ts'
import type { DevicesPayload } from './wire.ts'

/** The key's base64url: 43 characters for 32 bytes. */
export const NOTIFY_KEY_CHARS = 43
/** A payload's JSON is exactly this long (`{"type":"notify","key":"…"}`). */
export const NOTIFY_PAYLOAD_BYTES = 69

export interface NotifyPayload {
  type: 'notify'
  /** the sending device's notification public key, base64url (43 characters) */
  key: string
}

const KEY_FORM = /^[A-Za-z0-9_-]{43}$/
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid notify payload: ${reason}`)
}

/** True for a notification key's base64url in its one form (43 characters, 32 bytes, no unused bits set). */
export function isNotifyKey (key: unknown): key is string {
  return typeof key === 'string' && KEY_FORM.test(key) && toBase64Url(fromBase64Url(key)) === key
}

/** The payload giving `key` (32 bytes, or its base64url). */
export function encodeNotifyPayload (key: Uint8Array | string): Uint8Array {
  const text = typeof key === 'string' ? key : toBase64Url(key)
  if (typeof key !== 'string' && key.byteLength !== NOTIFY_KEY_BYTES) throw invalid(`a notification key is ${NOTIFY_KEY_BYTES} bytes`)
  if (!isNotifyKey(text)) throw invalid('"key" is not a notification key\'s base64url')
  return encoder.encode(JSON.stringify({ type: 'notify', key: text }))
}

/** `{"type":"notify","key":…}` and nothing else, the key in its one form. */
export function decodeNotifyPayload (bytes: Uint8Array): NotifyPayload {
  if (bytes.byteLength !== NOTIFY_PAYLOAD_BYTES) throw invalid(`a payload is ${NOTIFY_PAYLOAD_BYTES} bytes`)
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(bytes))
  } catch {
    throw invalid('not UTF-8 JSON')
  }
  if (!isRecord(value)) throw invalid('not an object')
  const keys = Object.keys(value)
  if (keys.length !== 2 || value.type !== 'notify' || !Object.hasOwn(value, 'key')) throw invalid('it has exactly "type" ("notify") and "key"')
  if (!isNotifyKey(value.key)) throw invalid('"key" is not a notification key\'s base64url')
  const payload: NotifyPayload = { type: 'notify', key: value.key }
  // one wire form: what decodes encodes to the same bytes
  if (!equal(encodeNotifyPayload(payload.key), bytes)) throw invalid('not in its one form')
  return payload
}

/** A devices box's plaintext: a `notify` payload when its JSON says so, else a `devices` one (decodeDevicesPayload). */
export function decodeDevicesBoxPayload (bytes: Uint8Array): DevicesPayload | NotifyPayload {
  return isNotifyShaped(bytes) ? decodeNotifyPayload(bytes) : decodeDevicesPayload(bytes)
}

const NOTIFY_PREFIX = encoder.encode('{"type":"notify"')

function isNotifyShaped (bytes: Uint8Array): boolean {
  return bytes.byteLength >= NOTIFY_PREFIX.byteLength && NOTIFY_PREFIX.every((b, i) => bytes[i] === b)
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}
