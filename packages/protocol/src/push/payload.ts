/**
 * What a push carries (docs/protocols.md, "Web Push", "The payload"): which
 * relay holds new items for the device and how many (since its last push),
 * and in version 2 the sealed hints of the newest of them (hint.ts), nothing
 * else: no sender, no content, no group in clear. The plaintext is UTF-8 JSON
 * padded with spaces to one size per version, so every push of a relay has
 * one size:
 *
 *   {"v":1,"relay":"<the relay's PeerID>","items":<1..9999>}                       then spaces to 128 bytes
 *   {"v":2,"relay":"<the relay's PeerID>","items":<1..9999>,"hints":["<b64url>",×4]} then spaces to 768 bytes
 *
 * A version 2 payload always has PUSH_HINT_SLOTS hints of HINT_BYTES each:
 * the relay fills the slots no item's hint takes with random bytes, which
 * open as no hint. The relay encrypts it to the subscription (RFC 8291,
 * aes128gcm); the push service sees its ciphertext, always the same size.
 */
import { fromBase64Url, toBase64Url } from '../base64.ts'
import { MAX_PUSH_ITEMS, PUSH_HINT_SLOTS, PUSH_PAYLOAD_BYTES, PUSH_PAYLOAD_V2_BYTES } from './constants.ts'
import { HINT_BYTES } from './hint-plain.ts'

export interface PushPayload {
  /** the relay's PeerID (base58btc), whose mailbox holds the items */
  relay: string
  /** new items since the previous push, 1..MAX_PUSH_ITEMS (more are said as MAX_PUSH_ITEMS) */
  items: number
  /** version 2: exactly PUSH_HINT_SLOTS hints of HINT_BYTES (real ones first, then filler); absent in version 1 */
  hints?: Uint8Array[]
}

/** A payload that does not follow the format. */
export class PushPayloadError extends Error {
  override name = 'PushPayloadError'
}

/** Base58btc, as PeerIDs are written; at most 64 characters (an Ed25519 PeerID has 52). */
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{1,64}$/
/** A hint's base64url text (no padding): HINT_BYTES (112) bytes are 150 characters. */
const HINT_TEXT = /^[A-Za-z0-9_-]{150}$/
const encoder = new TextEncoder()

function check (payload: Pick<PushPayload, 'relay' | 'items'>): void {
  if (!PEER_ID.test(payload.relay)) throw new PushPayloadError('a push payload: the relay is not a base58 PeerID')
  if (!Number.isSafeInteger(payload.items) || payload.items < 1) throw new PushPayloadError('a push payload: items is a whole number from 1')
}

function pad (json: Uint8Array, size: number): Uint8Array {
  if (json.byteLength > size) throw new PushPayloadError(`a push payload is at most ${size} bytes`)
  const out = new Uint8Array(size).fill(0x20)
  out.set(json)
  return out
}

/** A version 1 payload (no hints): what relays before hints send. */
export function encodePushPayload (payload: Pick<PushPayload, 'relay' | 'items'>): Uint8Array {
  check(payload)
  return pad(encoder.encode(JSON.stringify({ v: 1, relay: payload.relay, items: Math.min(payload.items, MAX_PUSH_ITEMS) })), PUSH_PAYLOAD_BYTES)
}

/**
 * A version 2 payload: the newest `hints` (at most PUSH_HINT_SLOTS, each
 * HINT_BYTES), the other slots filled from `random`.
 */
export function encodePushPayloadV2 (payload: Pick<PushPayload, 'relay' | 'items'> & { hints: readonly Uint8Array[] }, random: (n: number) => Uint8Array = n => crypto.getRandomValues(new Uint8Array(n))): Uint8Array {
  check(payload)
  if (payload.hints.length > PUSH_HINT_SLOTS) throw new PushPayloadError(`a push payload has at most ${PUSH_HINT_SLOTS} hints`)
  if (payload.hints.some(h => h.byteLength !== HINT_BYTES)) throw new PushPayloadError(`a hint is ${HINT_BYTES} bytes`)
  const slots = [...payload.hints]
  while (slots.length < PUSH_HINT_SLOTS) slots.push(random(HINT_BYTES))
  const json = JSON.stringify({ v: 2, relay: payload.relay, items: Math.min(payload.items, MAX_PUSH_ITEMS), hints: slots.map(h => toBase64Url(h)) })
  return pad(encoder.encode(json), PUSH_PAYLOAD_V2_BYTES)
}

/**
 * Reads a push's plaintext (a service worker's `event.data`): version 1 (128
 * bytes) or version 2 (768 bytes).
 *
 * @throws PushPayloadError unless it is exactly one of the formats above
 */
export function decodePushPayload (plaintext: Uint8Array): PushPayload {
  const size = plaintext.byteLength
  if (size !== PUSH_PAYLOAD_BYTES && size !== PUSH_PAYLOAD_V2_BYTES) throw new PushPayloadError(`a push payload is ${PUSH_PAYLOAD_BYTES} or ${PUSH_PAYLOAD_V2_BYTES} bytes, not ${size}`)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))
  } catch {
    throw new PushPayloadError('a push payload is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PushPayloadError('a push payload is a JSON object')
  const { v, relay, items, hints, ...rest } = value as Record<string, unknown>
  const version = size === PUSH_PAYLOAD_BYTES ? 1 : 2
  if (Object.keys(rest).length > 0 || (version === 1) !== (hints === undefined)) {
    throw new PushPayloadError(version === 1 ? 'a push payload has only "v", "relay" and "items"' : 'a push payload has only "v", "relay", "items" and "hints"')
  }
  if (v !== version) throw new PushPayloadError(`a push payload of ${size} bytes has "v" ${version}`)
  if (typeof relay !== 'string' || !PEER_ID.test(relay)) throw new PushPayloadError('a push payload\'s "relay" is a base58 PeerID')
  if (typeof items !== 'number' || !Number.isSafeInteger(items) || items < 1 || items > MAX_PUSH_ITEMS) throw new PushPayloadError(`a push payload's "items" is 1 to ${MAX_PUSH_ITEMS}`)
  let again: Uint8Array
  let decoded: PushPayload
  if (version === 1) {
    decoded = { relay, items }
    again = encodePushPayload(decoded)
  } else {
    if (!Array.isArray(hints) || hints.length !== PUSH_HINT_SLOTS || !hints.every((h): h is string => typeof h === 'string' && HINT_TEXT.test(h))) {
      throw new PushPayloadError(`a push payload's "hints" are ${PUSH_HINT_SLOTS} base64url texts of ${HINT_BYTES} bytes`)
    }
    let bytes: Uint8Array[]
    try {
      bytes = hints.map(h => fromBase64Url(h))
    } catch {
      throw new PushPayloadError('a push payload\'s hint is not base64url')
    }
    decoded = { relay, items, hints: bytes }
    again = encodePushPayloadV2({ relay, items, hints: bytes })
  }
  // one form only: what the encoder writes
  if (!again.every((b, i) => b === plaintext[i])) throw new PushPayloadError('a push payload is not in its one form')
  return decoded
}
