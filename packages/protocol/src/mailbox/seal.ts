/**
 * Sealing of mailbox items (docs/protocols.md, "Mailboxes"): a payload is
 * signed by its sender's Ed25519 identity key, and the sender's public key,
 * the signature and the payload are encrypted to the recipient's identity key
 * (converted to X25519) with an ephemeral X25519 key, HKDF-SHA256 and
 * XChaCha20-Poly1305. Only the recipient can open it; a relay that stores it
 * sees its size and whom it is for, nothing else.
 *
 *     sealed    = 0x01 · ephemeralPublic (32) · nonce (24) · ciphertext (inner + 16-byte tag)
 *     inner     = senderPublic (32) · signature (64) · payload
 *     key       = HKDF-SHA256(X25519(ephemeral, recipientX), salt = ephemeralPublic · recipientX, info = SEAL_INFO)
 *     aad       = SEAL_INFO · recipient PeerID multihash
 *     signature = Ed25519(sender, SIGN_CONTEXT · recipient PeerID multihash · ephemeralPublic · payload)
 *
 * The signature covers the recipient and the ephemeral key, so a recipient
 * cannot re-seal what it received to someone else as if the sender had sent it.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes as concat, randomBytes } from '@noble/hashes/utils.js'

export const SEAL_VERSION = 1
export const SEAL_INFO = new TextEncoder().encode('parley/mailbox/seal/v1')
export const SIGN_CONTEXT = new TextEncoder().encode('parley/mailbox/item/v1')
const KEY_BYTES = 32
const NONCE_BYTES = 24
const TAG_BYTES = 16
const SIGNATURE_BYTES = 64
/** Bytes a seal adds to its payload: version, ephemeral key, nonce, tag, sender key, signature. */
export const SEAL_OVERHEAD_BYTES = 1 + KEY_BYTES + NONCE_BYTES + TAG_BYTES + KEY_BYTES + SIGNATURE_BYTES

/** A sealed item that cannot be opened, or whose signature does not hold. */
export class SealError extends Error {
  override name = 'SealError'
}

export interface SealKeys {
  /** the sender's Ed25519 secret key (32-byte seed) */
  senderSecret: Uint8Array
  /** the recipient's Ed25519 public key (32 bytes) */
  recipientPublic: Uint8Array
  /** the recipient's PeerID multihash (identity multihash of its public key) */
  recipientMultihash: Uint8Array
}

function deriveKey (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concat(ephemeralPublic, recipientX), SEAL_INFO, KEY_BYTES)
}

/** Seals `payload` from the sender to the recipient. */
export function seal (payload: Uint8Array, keys: SealKeys): Uint8Array {
  const recipientX = ed25519.utils.toMontgomery(keys.recipientPublic)
  const ephemeralSecret = x25519.utils.randomSecretKey()
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const shared = x25519.getSharedSecret(ephemeralSecret, recipientX)
  const key = deriveKey(shared, ephemeralPublic, recipientX)
  const senderPublic = ed25519.getPublicKey(keys.senderSecret)
  const signature = ed25519.sign(concat(SIGN_CONTEXT, keys.recipientMultihash, ephemeralPublic, payload), keys.senderSecret)
  const nonce = randomBytes(NONCE_BYTES)
  const ciphertext = xchacha20poly1305(key, nonce, concat(SEAL_INFO, keys.recipientMultihash)).encrypt(concat(senderPublic, signature, payload))
  return concat(Uint8Array.of(SEAL_VERSION), ephemeralPublic, nonce, ciphertext)
}

export interface Opened {
  /** the sender's Ed25519 public key (32 bytes): its PeerID is the identity multihash of it */
  senderPublic: Uint8Array
  payload: Uint8Array
}

/**
 * Opens an item sealed to us and checks the sender's signature.
 *
 * @throws SealError saying what is wrong: too short, an unknown version, not
 * for this key (or altered), or a signature that does not hold.
 */
export function open (sealed: Uint8Array, recipientSecret: Uint8Array, recipientMultihash: Uint8Array): Opened {
  if (sealed.byteLength < SEAL_OVERHEAD_BYTES) throw new SealError(`a sealed item is at least ${SEAL_OVERHEAD_BYTES} bytes; this one is ${sealed.byteLength}`)
  if (sealed[0] !== SEAL_VERSION) throw new SealError(`unknown seal version ${String(sealed[0])}`)
  const ephemeralPublic = sealed.subarray(1, 1 + KEY_BYTES)
  const nonce = sealed.subarray(1 + KEY_BYTES, 1 + KEY_BYTES + NONCE_BYTES)
  const ciphertext = sealed.subarray(1 + KEY_BYTES + NONCE_BYTES)
  const recipientX = ed25519.utils.toMontgomerySecret(recipientSecret)
  let inner: Uint8Array
  try {
    const shared = x25519.getSharedSecret(recipientX, ephemeralPublic)
    const key = deriveKey(shared, ephemeralPublic, x25519.getPublicKey(recipientX))
    inner = xchacha20poly1305(key, nonce, concat(SEAL_INFO, recipientMultihash)).decrypt(ciphertext)
  } catch {
    throw new SealError('the item is not sealed to this key, or it was altered')
  }
  const senderPublic = inner.subarray(0, KEY_BYTES)
  const signature = inner.subarray(KEY_BYTES, KEY_BYTES + SIGNATURE_BYTES)
  const payload = inner.subarray(KEY_BYTES + SIGNATURE_BYTES)
  let valid = false
  try {
    valid = ed25519.verify(signature, concat(SIGN_CONTEXT, recipientMultihash, ephemeralPublic, payload), senderPublic)
  } catch {
    valid = false
  }
  if (!valid) throw new SealError('the sender\'s signature does not hold')
  return { senderPublic: senderPublic.slice(), payload: payload.slice() }
}
