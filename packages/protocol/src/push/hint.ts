/**
 * A push **hint** (docs/protocols.md, "Web Push", "Hints"): which chat a
 * mailbox item is from, sealed by its sender to the recipient device's
 * notification key (an X25519 key the device made for this alone, never its
 * identity or a session key), so that the device's service worker can name
 * the chat in a notification without opening the item (and without touching
 * any session state). The relay holds it opaquely and passes it on in the
 * push payload (payload.ts); it is always HINT_BYTES long.
 *
 *     plain  = kind (u8: 1 contact, 2 group) · length (u8, 1..62) · chat (UTF-8) · zeros to HINT_PLAIN_BYTES
 *     hint   = ephemeralPublic (32) · ChaCha20-Poly1305(key, nonce, aad = HINT_INFO, plain) (64 + 16)
 *     shared = X25519(ephemeral secret, notification public key)
 *     key ‖ nonce = HKDF-SHA256(shared, salt = ephemeralPublic · notification public key, info = HINT_INFO, 44 bytes)
 *
 * `chat` is the sender's account PeerID (base58btc) for a contact, or the
 * group id (32 hex digits) for a group item. The ephemeral key is fresh for
 * every hint, so the derived nonce is never used twice under one key.
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes, randomBytes } from '@noble/hashes/utils.js'

export const HINT_INFO = new TextEncoder().encode('parley/push/hint/v1')
/** Bytes of an X25519 key. */
export const NOTIFY_KEY_BYTES = 32
/** Bytes of a hint's plaintext, padded: every hint is one size whatever chat it names. */
export const HINT_PLAIN_BYTES = 64
/** Longest chat id in a hint, in UTF-8 bytes. */
export const MAX_HINT_CHAT_BYTES = HINT_PLAIN_BYTES - 2
const TAG_BYTES = 16
const NONCE_BYTES = 12
/** Bytes of every sealed hint. */
export const HINT_BYTES = NOTIFY_KEY_BYTES + HINT_PLAIN_BYTES + TAG_BYTES

export const HintKind = { contact: 1, group: 2 } as const
export type HintKindName = keyof typeof HintKind

/** What a hint says: the chat an item is from. */
export interface HintChat {
  kind: HintKindName
  /** the contact's account PeerID (base58btc), or the group id (32 lowercase hex digits) */
  chat: string
}

/** A chat a hint cannot carry. */
export class HintError extends Error {
  override name = 'HintError'
}

const PEER_ID = /^[1-9A-HJ-NP-Za-km-z]{1,62}$/
const GROUP_ID = /^[0-9a-f]{32}$/

function checkChat (hint: HintChat): Uint8Array {
  const ok = hint.kind === 'contact' ? PEER_ID.test(hint.chat) : hint.kind === 'group' && GROUP_ID.test(hint.chat)
  if (!ok) throw new HintError(`a hint names a ${String(hint.kind)} by its id, not ${JSON.stringify(hint.chat)}`)
  return new TextEncoder().encode(hint.chat)
}

function keyAndNonce (shared: Uint8Array, ephemeralPublic: Uint8Array, notifyPublic: Uint8Array): { key: Uint8Array, nonce: Uint8Array } {
  const okm = hkdf(sha256, shared, concatBytes(ephemeralPublic, notifyPublic), HINT_INFO, 32 + NONCE_BYTES)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) }
}

/** A new notification key pair (what a device keeps, and hands its contacts the public part of). */
export function makeNotifyKeyPair (random: (n: number) => Uint8Array = randomBytes): { secretKey: Uint8Array, publicKey: Uint8Array } {
  const secretKey = random(NOTIFY_KEY_BYTES)
  return { secretKey, publicKey: x25519.getPublicKey(secretKey) }
}

/**
 * Seals `hint` to a device's notification public key.
 *
 * @param random draws the ephemeral secret (32 bytes); fixed, it makes a known answer
 * @throws HintError for a chat id a hint cannot carry, or a key that is not 32 bytes or gives a small-order result
 */
export function sealHint (hint: HintChat, notifyPublic: Uint8Array, random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const chat = checkChat(hint)
  if (notifyPublic.byteLength !== NOTIFY_KEY_BYTES) throw new HintError(`a notification key is ${NOTIFY_KEY_BYTES} bytes`)
  const plain = new Uint8Array(HINT_PLAIN_BYTES)
  plain[0] = HintKind[hint.kind]
  plain[1] = chat.byteLength
  plain.set(chat, 2)
  const ephemeral = random(NOTIFY_KEY_BYTES)
  const ephemeralPublic = x25519.getPublicKey(ephemeral)
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(ephemeral, notifyPublic)
  } catch {
    throw new HintError('the notification key is not a usable X25519 key')
  }
  const { key, nonce } = keyAndNonce(shared, ephemeralPublic, notifyPublic)
  return concatBytes(ephemeralPublic, chacha20poly1305(key, nonce, HINT_INFO).encrypt(plain))
}

/**
 * Opens a hint with the device's notification key pair: the chat it names,
 * or undefined when it is not a hint for this key (a relay's filler, another
 * device's key, altered bytes) or its plaintext is not in its one form.
 * Never throws.
 */
export function openHint (hint: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array): HintChat | undefined {
  if (hint.byteLength !== HINT_BYTES || secretKey.byteLength !== NOTIFY_KEY_BYTES || publicKey.byteLength !== NOTIFY_KEY_BYTES) return undefined
  const ephemeralPublic = hint.subarray(0, NOTIFY_KEY_BYTES)
  let plain: Uint8Array
  try {
    const shared = x25519.getSharedSecret(secretKey, ephemeralPublic)
    const { key, nonce } = keyAndNonce(shared, ephemeralPublic, publicKey)
    plain = chacha20poly1305(key, nonce, HINT_INFO).decrypt(hint.subarray(NOTIFY_KEY_BYTES))
  } catch {
    return undefined
  }
  const kind = plain[0] === HintKind.contact ? 'contact' : plain[0] === HintKind.group ? 'group' : undefined
  const length = plain[1] ?? 0
  if (kind === undefined || length < 1 || length > MAX_HINT_CHAT_BYTES) return undefined
  if (plain.subarray(2 + length).some(b => b !== 0)) return undefined
  let chat: string
  try {
    chat = new TextDecoder('utf-8', { fatal: true }).decode(plain.subarray(2, 2 + length))
  } catch {
    return undefined
  }
  try {
    checkChat({ kind, chat })
  } catch {
    return undefined
  }
  return { kind, chat }
}
