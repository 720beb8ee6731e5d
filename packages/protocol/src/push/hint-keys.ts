/**
 * A push hint's keys (hint.ts has the construction): the ephemeral X25519
 * key pair, the shared secret with the device's notification key, and the
 * AES-256-GCM key and nonce HKDF draws from it. Shared by the two ways to
 * seal (hint.ts with noble's AES-GCM, hint-seal-web.ts with WebCrypto's) and
 * noble's opening; no cipher code here.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { HINT_INFO, HINT_NONCE_BYTES, HintError, NOTIFY_KEY_BYTES } from './hint-plain.ts'

/** The AES-256-GCM key and nonce of a hint, from the X25519 shared secret and both public keys. */
export function keyAndNonce (shared: Uint8Array, ephemeralPublic: Uint8Array, notifyPublic: Uint8Array): { key: Uint8Array, nonce: Uint8Array } {
  const okm = hkdf(sha256, shared, concatBytes(ephemeralPublic, notifyPublic), HINT_INFO, 32 + HINT_NONCE_BYTES)
  return { key: okm.subarray(0, 32), nonce: okm.subarray(32) }
}

/**
 * A fresh ephemeral key (drawn by `random`) and the key and nonce it gives
 * toward `notifyPublic`.
 *
 * @throws HintError for a key that is not 32 bytes or gives a small-order result
 */
export function hintKeys (notifyPublic: Uint8Array, random: (n: number) => Uint8Array): { ephemeralPublic: Uint8Array, key: Uint8Array, nonce: Uint8Array } {
  if (notifyPublic.byteLength !== NOTIFY_KEY_BYTES) throw new HintError(`a notification key is ${NOTIFY_KEY_BYTES} bytes`)
  const ephemeral = random(NOTIFY_KEY_BYTES)
  const ephemeralPublic = x25519.getPublicKey(ephemeral)
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(ephemeral, notifyPublic)
  } catch {
    throw new HintError('the notification key is not a usable X25519 key')
  }
  return { ephemeralPublic, ...keyAndNonce(shared, ephemeralPublic, notifyPublic) }
}
