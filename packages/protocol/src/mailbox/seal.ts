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

/**
 * Seals `payload` from the sender to the recipient. `random` gives the
 * ephemeral X25519 secret (32 bytes), then the nonce (24): the platform's
 * CSPRNG unless a test fixes them (docs/vectors/seal.json).
 */
export function seal (payload: Uint8Array, keys: SealKeys, random: (length: number) => Uint8Array = randomBytes): Uint8Array {
  const recipientX = ed25519.utils.toMontgomery(keys.recipientPublic)
  const ephemeralSecret = random(KEY_BYTES)
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const shared = x25519.getSharedSecret(ephemeralSecret, recipientX)
  const key = deriveKey(shared, ephemeralPublic, recipientX)
  const senderPublic = ed25519.getPublicKey(keys.senderSecret)
  const signature = ed25519.sign(concat(SIGN_CONTEXT, keys.recipientMultihash, ephemeralPublic, payload), keys.senderSecret)
  const nonce = random(NONCE_BYTES)
  const ciphertext = xchacha20poly1305(key, nonce, concat(SEAL_INFO, keys.recipientMultihash)).encrypt(concat(senderPublic, signature, payload))
  return concat(Uint8Array.of(SEAL_VERSION), ephemeralPublic, nonce, ciphertext)
}

export interface Opened {
  /** the sender's Ed25519 public key (32 bytes): its PeerID is the identity multihash of it */
  senderPublic: Uint8Array
  payload: Uint8Array
}

/** The fields of a sealed item, its length and version checked. */
export interface SealedParts { ephemeralPublic: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array }

/** What the recipient decrypted, before the signature is checked. */
export interface Unsealed {
  senderPublic: Uint8Array
  signature: Uint8Array
  payload: Uint8Array
  /** the bytes the signature covers */
  signed: Uint8Array
}

export const NOT_FOR_US = 'the item is not sealed to this key, or it was altered'
export const BAD_SIGNATURE = 'the sender\'s signature does not hold'

/**
 * Splits a sealed item into its fields.
 *
 * @throws SealError when it is too short or of an unknown version
 */
export function sealedParts (sealed: Uint8Array): SealedParts {
  if (sealed.byteLength < SEAL_OVERHEAD_BYTES) throw new SealError(`a sealed item is at least ${SEAL_OVERHEAD_BYTES} bytes; this one is ${sealed.byteLength}`)
  if (sealed[0] !== SEAL_VERSION) throw new SealError(`unknown seal version ${String(sealed[0])}`)
  return {
    ephemeralPublic: sealed.subarray(1, 1 + KEY_BYTES),
    nonce: sealed.subarray(1 + KEY_BYTES, 1 + KEY_BYTES + NONCE_BYTES),
    ciphertext: sealed.subarray(1 + KEY_BYTES + NONCE_BYTES)
  }
}

/**
 * Decrypts a sealed item with the X25519 secret shared with its ephemeral
 * key; `recipientX` is our X25519 public key.
 *
 * @throws SealError when the tag does not hold (not for this key, or altered)
 */
export function unseal (parts: SealedParts, shared: Uint8Array, recipientX: Uint8Array, recipientMultihash: Uint8Array): Unsealed {
  let inner: Uint8Array
  try {
    const key = deriveKey(shared, parts.ephemeralPublic, recipientX)
    inner = xchacha20poly1305(key, parts.nonce, concat(SEAL_INFO, recipientMultihash)).decrypt(parts.ciphertext)
  } catch {
    throw new SealError(NOT_FOR_US)
  }
  const payload = inner.subarray(KEY_BYTES + SIGNATURE_BYTES)
  return {
    senderPublic: inner.subarray(0, KEY_BYTES),
    signature: inner.subarray(KEY_BYTES, KEY_BYTES + SIGNATURE_BYTES),
    payload,
    signed: concat(SIGN_CONTEXT, recipientMultihash, parts.ephemeralPublic, payload)
  }
}

/**
 * Opens an item sealed to us and checks the sender's signature, with noble's
 * curves on this thread (opener.ts `SealOpener` does the curve work with
 * WebCrypto where the platform has it).
 *
 * @throws SealError saying what is wrong: too short, an unknown version, not
 * for this key (or altered), or a signature that does not hold.
 */
export function open (sealed: Uint8Array, recipientSecret: Uint8Array, recipientMultihash: Uint8Array): Opened {
  const parts = sealedParts(sealed)
  const recipientX = ed25519.utils.toMontgomerySecret(recipientSecret)
  let shared: Uint8Array
  let recipientXPublic: Uint8Array
  try {
    shared = x25519.getSharedSecret(recipientX, parts.ephemeralPublic)
    recipientXPublic = x25519.getPublicKey(recipientX)
  } catch {
    throw new SealError(NOT_FOR_US)
  }
  const inner = unseal(parts, shared, recipientXPublic, recipientMultihash)
  let valid = false
  try {
    valid = ed25519.verify(inner.signature, inner.signed, inner.senderPublic)
  } catch {
    valid = false
  }
  if (!valid) throw new SealError(BAD_SIGNATURE)
  return { senderPublic: inner.senderPublic.slice(), payload: inner.payload.slice() }
}
