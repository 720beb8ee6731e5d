/**
 * Version 1 of the mailbox seal (docs/protocols.md, "Sealing", version 1),
 * kept for opening the items sealed by apps before seal v2 that still wait in
 * mailboxes (at most the relays' 14 days; docs/protocols.md says until when
 * it is opened). The payload is signed by the sender's Ed25519 identity key,
 * which makes an item a proof, to anyone the recipient shows it to, of what
 * the sender wrote: seal.ts (v2) authenticates with a Diffie-Hellman MAC
 * instead.
 *
 *     sealed    = 0x01 · ephemeralPublic (32) · nonce (24) · ciphertext (inner + 16-byte tag)
 *     inner     = senderPublic (32) · signature (64) · payload
 *     key       = HKDF-SHA256(X25519(ephemeral, recipientX), salt = ephemeralPublic · recipientX, info = SEAL_V1_INFO)
 *     aad       = SEAL_V1_INFO · recipient PeerID multihash
 *     signature = Ed25519(sender, SIGN_CONTEXT · recipient PeerID multihash · ephemeralPublic · payload)
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes as concat, randomBytes } from '@noble/hashes/utils.js'
import { BAD_SIGNATURE, NOT_FOR_US, SealError } from './seal-common.ts'
import type { Opened, SealKeys, SealedParts } from './seal-common.ts'

export const SEAL_V1 = 1
export const SEAL_V1_INFO = new TextEncoder().encode('parley/mailbox/seal/v1')
export const SIGN_CONTEXT = new TextEncoder().encode('parley/mailbox/item/v1')
const KEY_BYTES = 32
const NONCE_BYTES = 24
const TAG_BYTES = 16
const SIGNATURE_BYTES = 64
/** Bytes a v1 seal adds to its payload: version, ephemeral key, nonce, tag, sender key, signature. */
export const SEAL_V1_OVERHEAD_BYTES = 1 + KEY_BYTES + NONCE_BYTES + TAG_BYTES + KEY_BYTES + SIGNATURE_BYTES

/** What the recipient decrypted from a v1 item, before the signature is checked. */
export interface UnsealedV1 {
  senderPublic: Uint8Array
  signature: Uint8Array
  payload: Uint8Array
  /** the bytes the signature covers */
  signed: Uint8Array
}

function deriveKey (shared: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array): Uint8Array {
  return hkdf(sha256, shared, concat(ephemeralPublic, recipientX), SEAL_V1_INFO, KEY_BYTES)
}

/**
 * Seals `payload` as an app before seal v2 did. The app no longer seals v1:
 * this is for the tests and the vector that show such items still open.
 * `random` gives the ephemeral X25519 secret (32 bytes), then the nonce (24).
 */
export function sealV1 (payload: Uint8Array, keys: SealKeys, random: (length: number) => Uint8Array = randomBytes): Uint8Array {
  const recipientX = ed25519.utils.toMontgomery(keys.recipientPublic)
  const ephemeralSecret = random(KEY_BYTES)
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const key = deriveKey(x25519.getSharedSecret(ephemeralSecret, recipientX), ephemeralPublic, recipientX)
  const senderPublic = ed25519.getPublicKey(keys.senderSecret)
  const signature = ed25519.sign(concat(SIGN_CONTEXT, keys.recipientMultihash, ephemeralPublic, payload), keys.senderSecret)
  const nonce = random(NONCE_BYTES)
  const ciphertext = xchacha20poly1305(key, nonce, concat(SEAL_V1_INFO, keys.recipientMultihash)).encrypt(concat(senderPublic, signature, payload))
  return concat(Uint8Array.of(SEAL_V1), ephemeralPublic, nonce, ciphertext)
}

/**
 * Decrypts a v1 item with the X25519 secret shared with its ephemeral key;
 * `recipientX` is our X25519 public key.
 *
 * @throws SealError when it is too short, or the tag does not hold (not for this key, or altered)
 */
export function unsealV1 (parts: SealedParts, shared: Uint8Array, recipientX: Uint8Array, recipientMultihash: Uint8Array): UnsealedV1 {
  if (parts.ciphertext.byteLength < TAG_BYTES + KEY_BYTES + SIGNATURE_BYTES) throw new SealError(`a sealed item of version 1 is at least ${SEAL_V1_OVERHEAD_BYTES} bytes`)
  let inner: Uint8Array
  try {
    const key = deriveKey(shared, parts.ephemeralPublic, recipientX)
    inner = xchacha20poly1305(key, parts.nonce, concat(SEAL_V1_INFO, recipientMultihash)).decrypt(parts.ciphertext)
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
 * Checks a v1 item's signature with noble.
 *
 * @throws SealError when it does not hold
 */
export function verifyV1 (inner: UnsealedV1): Opened {
  let valid = false
  try {
    valid = ed25519.verify(inner.signature, inner.signed, inner.senderPublic)
  } catch {
    valid = false
  }
  if (!valid) throw new SealError(BAD_SIGNATURE)
  return { senderPublic: inner.senderPublic.slice(), payload: inner.payload.slice() }
}
