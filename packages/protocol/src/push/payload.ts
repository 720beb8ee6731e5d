/**
 * What a push carries (docs/protocols.md, "Web Push", "The payload"): which
 * relay holds new items for the device and how many (since its last push),
 * nothing else: no sender, no content, no group. The plaintext is UTF-8 JSON
 * padded with spaces to PUSH_PAYLOAD_BYTES, so every push has one size:
 *
 *   {"v":1,"relay":"<the relay's PeerID>","items":<1..9999>}   then spaces to 128 bytes
 *
 * The relay encrypts it to the subscription (RFC 8291, aes128gcm); the push
 * service sees its ciphertext, always the same size.
 */
import { MAX_PUSH_ITEMS, PUSH_PAYLOAD_BYTES } from './constants.ts'

export interface PushPayload {
  /** the relay's PeerID (base58btc), whose mailbox holds the items */
  relay: string
  /** new items since the previous push, 1..MAX_PUSH_ITEMS (more are said as MAX_PUSH_ITEMS) */
  items: number
}

/** A payload that does not follow the format. */
export class PushPayloadError extends Error {
  override name = 'PushPayloadError'
}

/** Base58btc, as PeerIDs are written; at most 64 characters (an Ed25519 PeerID has 52). */
const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{1,64}$/
const encoder = new TextEncoder()

export function encodePushPayload (payload: PushPayload): Uint8Array {
  if (!PEER_ID.test(payload.relay)) throw new PushPayloadError('a push payload: the relay is not a base58 PeerID')
  if (!Number.isSafeInteger(payload.items) || payload.items < 1) throw new PushPayloadError('a push payload: items is a whole number from 1')
  const json = encoder.encode(JSON.stringify({ v: 1, relay: payload.relay, items: Math.min(payload.items, MAX_PUSH_ITEMS) }))
  if (json.byteLength > PUSH_PAYLOAD_BYTES) throw new PushPayloadError(`a push payload is at most ${PUSH_PAYLOAD_BYTES} bytes`)
  const out = new Uint8Array(PUSH_PAYLOAD_BYTES).fill(0x20)
  out.set(json)
  return out
}

/**
 * Reads a push's plaintext (a service worker's `event.data`).
 *
 * @throws PushPayloadError unless it is exactly the format above
 */
export function decodePushPayload (plaintext: Uint8Array): PushPayload {
  if (plaintext.byteLength !== PUSH_PAYLOAD_BYTES) throw new PushPayloadError(`a push payload is ${PUSH_PAYLOAD_BYTES} bytes, not ${plaintext.byteLength}`)
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext))
  } catch {
    throw new PushPayloadError('a push payload is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PushPayloadError('a push payload is a JSON object')
  const { v, relay, items, ...rest } = value as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw new PushPayloadError('a push payload has only "v", "relay" and "items"')
  if (v !== 1) throw new PushPayloadError('a push payload\'s "v" is 1')
  if (typeof relay !== 'string' || !PEER_ID.test(relay)) throw new PushPayloadError('a push payload\'s "relay" is a base58 PeerID')
  if (typeof items !== 'number' || !Number.isSafeInteger(items) || items < 1 || items > MAX_PUSH_ITEMS) throw new PushPayloadError(`a push payload's "items" is 1 to ${MAX_PUSH_ITEMS}`)
  // one form only: what encodePushPayload writes
  const again = encodePushPayload({ relay, items })
  if (!again.every((b, i) => b === plaintext[i])) throw new PushPayloadError('a push payload is not in its one form')
  return { relay, items }
}
