/**
 * A push **hint** (docs/protocols.md, "Web Push", "Hints"): which chat a
 * mailbox item is from, sealed by its sender to the recipient device's
 * notification key (an X25519 key the device made for this alone, never its
 * identity or a session key), so that the device's service worker can name
 * the chat in a notification without opening the item (and without touching
 * any session state). The relay holds it opaquely and passes it on in the
 * push payload (payload.ts); it is always HINT_BYTES long.
 *
 *     hint   = ephemeralPublic (32) · AES-256-GCM(key, nonce, aad = HINT_INFO, plain) (64 + 16)
 *     shared = X25519(ephemeral secret, notification public key)
 *     key ‖ nonce = HKDF-SHA256(shared, salt = ephemeralPublic · notification public key, info = HINT_INFO, 44 bytes)
 *
 * `plain` is hint-plain.ts's. Every primitive is one WebCrypto has, so the
 * service worker opens hints with WebCrypto alone (hint-web.ts); this module
 * seals and opens with noble, and hint-seal-web.ts seals with WebCrypto's
 * AES-GCM for the app's worker. The ephemeral key is fresh for every hint, so
 * the derived nonce is never used twice under one key.
 */
import { gcm } from '@noble/ciphers/aes.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { concatBytes, randomBytes } from '@noble/hashes/utils.js'
import { hintKeys, keyAndNonce } from './hint-keys.ts'
import { HINT_BYTES, HINT_INFO, NOTIFY_KEY_BYTES, hintPlain, readHintPlain } from './hint-plain.ts'
import type { HintChat } from './hint-plain.ts'

export { HINT_BYTES, HINT_INFO, HINT_PLAIN_BYTES, HintError, HintKind, MAX_HINT_CHAT_BYTES, NOTIFY_KEY_BYTES } from './hint-plain.ts'
export type { HintChat, HintKindName } from './hint-plain.ts'
export { makeNotifyKeyPair } from './notify-key.ts'


/**
 * Seals `hint` to a device's notification public key.
 *
 * @param random draws the ephemeral secret (32 bytes); fixed, it makes a known answer
 * @throws HintError for a chat id a hint cannot carry, or a key that is not 32 bytes or gives a small-order result
 */
export function sealHint (hint: HintChat, notifyPublic: Uint8Array, random: (n: number) => Uint8Array = randomBytes): Uint8Array {
  const plain = hintPlain(hint)
  const { ephemeralPublic, key, nonce } = hintKeys(notifyPublic, random)
  return concatBytes(ephemeralPublic, gcm(key, nonce, HINT_INFO).encrypt(plain))
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
  try {
    const shared = x25519.getSharedSecret(secretKey, ephemeralPublic)
    const { key, nonce } = keyAndNonce(shared, ephemeralPublic, publicKey)
    return readHintPlain(gcm(key, nonce, HINT_INFO).decrypt(hint.subarray(NOTIFY_KEY_BYTES)))
  } catch {
    return undefined
  }
}
