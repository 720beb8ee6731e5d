/**
 * `/parley/push/1.0.0` (docs/protocols.md, "Web Push"): a device registers
 * its browser's Web Push subscription with a relay that holds its mailbox,
 * and removes it; the relay then wakes the browser when an item waits for it.
 * Ids, sizes and error codes shared by relay-node and the app.
 */

export const PUSH_PROTOCOL = '/parley/push/1.0.0'

/** Domain separation of what a device signs: these UTF-8 bytes, then the request frame without its signature. */
export const PUSH_SIGN_CONTEXT = 'parley/push/v1\n'

/** Bytes of a request's nonce: random, a new one for every request. */
export const PUSH_NONCE_BYTES = 16
/** Bytes of an Ed25519 signature. */
export const PUSH_SIGNATURE_BYTES = 64
/** Bytes of a PeerID multihash in a request, at most (an Ed25519 one is 38). */
export const MAX_PUSH_PEER_BYTES = 64
/** Bytes of an endpoint URL, at most (UTF-8; browsers' are about 200). */
export const MAX_PUSH_ENDPOINT_BYTES = 1024
/** Bytes of the subscription's P-256 public key (`p256dh`): an uncompressed point. */
export const PUSH_P256DH_BYTES = 65
/** Bytes of the subscription's authentication secret (`auth`). */
export const PUSH_AUTH_BYTES = 16
/** Bytes of the relay's VAPID public key in a reply: an uncompressed P-256 point. */
export const PUSH_VAPID_KEY_BYTES = 65
/** Longest reason of an error reply, in bytes. */
export const MAX_PUSH_REASON_BYTES = 200

/** Largest request frame: a REGISTER with the longest peers and endpoint. */
export const MAX_PUSH_REQUEST_BYTES = 1 + 8 + PUSH_NONCE_BYTES + 2 * (1 + MAX_PUSH_PEER_BYTES) + 2 + MAX_PUSH_ENDPOINT_BYTES +
  PUSH_P256DH_BYTES + PUSH_AUTH_BYTES + PUSH_SIGNATURE_BYTES
/** Largest reply frame: an error with the longest reason (an OK to REGISTER is 86 bytes). */
export const MAX_PUSH_REPLY_BYTES = 1 + MAX_PUSH_REASON_BYTES

/** Bytes of the reply to KEY when push is on: status, on, VAPID key, max subscriptions, pushes a minute, coalescing window, payload size, subscription days. */
export const PUSH_KEY_REPLY_ON_BYTES = 1 + 1 + PUSH_VAPID_KEY_BYTES + 1 + 2 + 4 + 2 + 2

/** How far a request's time may be from the relay's clock, either way. */
export const PUSH_CLOCK_SKEW_MS = 5 * 60_000

/** The size of every push message's plaintext (payload.ts), padded. */
export const PUSH_PAYLOAD_BYTES = 128
/**
 * The size of every version 2 push plaintext (payload.ts): the relay, the
 * count and PUSH_HINT_SLOTS hints, padded. A relay that sends hints sends
 * only these, whether or not a hint waits.
 */
export const PUSH_PAYLOAD_V2_BYTES = 768
/** Hints in every version 2 payload: those of the newest items waiting, the rest filled with random bytes of a hint's size. */
export const PUSH_HINT_SLOTS = 4
/** Most new items one push says; more are said as this many. */
export const MAX_PUSH_ITEMS = 9999

/** Error codes of an error reply; a refused request changes nothing stored. */
export const PushErrorCode = {
  /** the frame is malformed (sizes, an unknown type, a p256dh that is not a P-256 point, a subject that is not an Ed25519 PeerID) */
  'bad-request': 1,
  /** the signature does not verify under the subject's key */
  'bad-signature': 2,
  /** the subject is not the PeerID of the connection (its Noise handshake) */
  'wrong-peer': 3,
  /** the request names another relay */
  'wrong-relay': 4,
  /** the request's time is more than PUSH_CLOCK_SKEW_MS from the relay's clock */
  stale: 5,
  /** the nonce was seen, or the subscription holds a registration as new or newer */
  replayed: 6,
  /** the endpoint is not an https: URL in its one form (endpoint.ts) */
  'bad-endpoint': 7,
  /** the relay holds all the subscriptions it may */
  full: 8,
  'rate-limited': 9,
  /** the relay is shutting down, or failed */
  unavailable: 10,
  /** the relay sends no Web Push (run with `--push off`): it answers KEY with `off` and refuses the rest */
  off: 11
} as const
export type PushErrorName = keyof typeof PushErrorCode
