/**
 * Sealing of mailbox items (docs/protocols.md, "Mailboxes", "Sealing"): the
 * payload and the sender's public key are encrypted to the recipient's
 * identity key (converted to X25519) with an ephemeral X25519 key, HKDF-SHA256
 * and XChaCha20-Poly1305, and the sender is authenticated by a MAC whose key
 * only the sender and the recipient can compute: it mixes X25519(sender
 * identity, recipient identity), both in X25519 form, with the ephemeral
 * agreement (as HPKE's Auth mode does). Only the recipient can open an item.
 * A relay that stores it sees its size, whom it is for and who deposited it
 * (the PeerID of the connection the deposit came on), and when; not what it
 * carries, nor whom the seal names as its sender.
 *
 *     sealed  = 0x02 · ephemeralPublic (32) · nonce (24) · ciphertext (inner + 16-byte tag)
 *     inner   = senderPublic (32) · mac (32) · payload
 *     es      = X25519(ephemeral, recipientX)
 *     key     = HKDF-SHA256(es, salt = ephemeralPublic · recipientX, info = SEAL_INFO)
 *     aad     = SEAL_INFO · recipient PeerID multihash
 *     ss      = X25519(senderX, recipientX)   (either side's identity secret in X25519 form)
 *     authKey = HKDF-SHA256(es · ss, salt = ephemeralPublic · recipientX · senderX, info = AUTH_INFO)
 *     mac     = HMAC-SHA256(authKey, MAC_CONTEXT · recipient PeerID multihash · senderPublic · ephemeralPublic · payload)
 *
 * Deniable: the recipient can compute `ss` as well as the sender, so it can
 * make an item that opens exactly like one the sender made; the item proves
 * nothing to anyone else (docs/security.md). Items of version 1, signed with
 * the sender's Ed25519 key, still open (seal-v1.ts).
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { equalBytes } from '@noble/ciphers/utils.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { bytesToHex, concatBytes as concat, randomBytes } from '@noble/hashes/utils.js'
import { BAD_AUTH, KEY_BYTES, MIN_SEALED_BYTES, NONCE_BYTES, NOT_FOR_US, SealError } from './seal-common.ts'
import { SEAL_V1, SEAL_V1_OVERHEAD_BYTES, unsealV1, verifyV1 } from './seal-v1.ts'
import type { Opened, SealKeys, SealedParts } from './seal-common.ts'

export { BAD_AUTH, BAD_SIGNATURE, NOT_FOR_US, SealError } from './seal-common.ts'
export type { Opened, SealKeys, SealedParts } from './seal-common.ts'

export const SEAL_VERSION = 2
export const SEAL_INFO = new TextEncoder().encode('parley/mailbox/seal/v2')
export const AUTH_INFO = new TextEncoder().encode('parley/mailbox/auth/v2')
export const MAC_CONTEXT = new TextEncoder().encode('parley/mailbox/item/v2')
const MAC_BYTES = 32
/** Bytes a seal adds to its payload: version, ephemeral key, nonce, tag, sender key, MAC. */
export const SEAL_OVERHEAD_BYTES = MIN_SEALED_BYTES + KEY_BYTES + MAC_BYTES

/** What the recipient decrypted from a v2 item, before the MAC is checked. */
export interface UnsealedV2 {
  senderPublic: Uint8Array
  /** the sender's identity in X25519 form */
  senderX: Uint8Array
  mac: Uint8Array
  payload: Uint8Array
}

function sealKey (es: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array): Uint8Array {
  return hkdf(sha256, es, concat(ephemeralPublic, recipientX), SEAL_INFO, KEY_BYTES)
}

function macOf (es: Uint8Array, ss: Uint8Array, ephemeralPublic: Uint8Array, recipientX: Uint8Array, senderX: Uint8Array, recipientMultihash: Uint8Array, senderPublic: Uint8Array, payload: Uint8Array): Uint8Array {
  const authKey = hkdf(sha256, concat(es, ss), concat(ephemeralPublic, recipientX, senderX), AUTH_INFO, KEY_BYTES)
  return hmac(sha256, authKey, concat(MAC_CONTEXT, recipientMultihash, senderPublic, ephemeralPublic, payload))
}

/** Recipients whose identity agreement a sender keeps; past this its list starts again. */
const MAX_KEPT_RECIPIENTS = 64

/** What a sender's identity gives every seal it makes: its public keys, and its agreement with each recipient (by the recipient's key, hex). */
interface SenderIdentity {
  secret: Uint8Array
  senderPublic: Uint8Array
  senderXSecret: Uint8Array
  senderX: Uint8Array
  recipients: Map<string, { recipientX: Uint8Array, ss: Uint8Array }>
}

/**
 * Kept per sender secret (the same array, with the same bytes), so that a
 * node sealing many items, one per relay, makes the curve work that depends
 * on the identities alone once: its public keys, and X25519 with each
 * recipient. The ephemeral agreement is made for every item.
 */
const identities = new WeakMap<Uint8Array, SenderIdentity>()

function identitiesOf (keys: SealKeys): { senderX: Uint8Array, senderPublic: Uint8Array, recipientX: Uint8Array, ss: Uint8Array } {
  let sender = identities.get(keys.senderSecret)
  if (sender === undefined || !equalBytes(sender.secret, keys.senderSecret)) {
    const senderXSecret = ed25519.utils.toMontgomerySecret(keys.senderSecret)
    sender = { secret: keys.senderSecret.slice(), senderPublic: ed25519.getPublicKey(keys.senderSecret), senderXSecret, senderX: x25519.getPublicKey(senderXSecret), recipients: new Map() }
    identities.set(keys.senderSecret, sender)
  }
  const hex = bytesToHex(keys.recipientPublic)
  let recipient = sender.recipients.get(hex)
  if (recipient === undefined) {
    const recipientX = ed25519.utils.toMontgomery(keys.recipientPublic)
    recipient = { recipientX, ss: x25519.getSharedSecret(sender.senderXSecret, recipientX) }
    if (sender.recipients.size >= MAX_KEPT_RECIPIENTS) sender.recipients.clear()
    sender.recipients.set(hex, recipient)
  }
  return { senderX: sender.senderX, senderPublic: sender.senderPublic, ...recipient }
}

/**
 * Seals `payload` from the sender to the recipient (seal version 2).
 * `random` gives the ephemeral X25519 secret (32 bytes), then the nonce (24):
 * the platform's CSPRNG unless a test fixes them (docs/vectors/seal.json).
 */
export function seal (payload: Uint8Array, keys: SealKeys, random: (length: number) => Uint8Array = randomBytes): Uint8Array {
  const ephemeralSecret = random(KEY_BYTES)
  const nonce = random(NONCE_BYTES)
  if (ephemeralSecret.byteLength !== KEY_BYTES || nonce.byteLength !== NONCE_BYTES) throw new SealError(`a seal's randomness is a ${KEY_BYTES}-byte key and a ${NONCE_BYTES}-byte nonce`)
  const { senderX, senderPublic, recipientX, ss } = identitiesOf(keys)
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const es = x25519.getSharedSecret(ephemeralSecret, recipientX)
  const mac = macOf(es, ss, ephemeralPublic, recipientX, senderX, keys.recipientMultihash, senderPublic, payload)
  const ciphertext = xchacha20poly1305(sealKey(es, ephemeralPublic, recipientX), nonce, concat(SEAL_INFO, keys.recipientMultihash)).encrypt(concat(senderPublic, mac, payload))
  return concat(Uint8Array.of(SEAL_VERSION), ephemeralPublic, nonce, ciphertext)
}

/**
 * Splits a sealed item (version 1 or 2) into its fields.
 *
 * @throws SealError when it is too short for its version or of an unknown version
 */
export function sealedParts (sealed: Uint8Array): SealedParts {
  const version = sealed[0]
  if (version !== SEAL_VERSION && version !== SEAL_V1) {
    if (sealed.byteLength < MIN_SEALED_BYTES) throw new SealError(`a sealed item is at least ${SEAL_OVERHEAD_BYTES} bytes; this one is ${sealed.byteLength}`)
    throw new SealError(`unknown seal version ${String(version)}`)
  }
  const least = version === SEAL_VERSION ? SEAL_OVERHEAD_BYTES : SEAL_V1_OVERHEAD_BYTES
  if (sealed.byteLength < least) throw new SealError(`a sealed item of version ${version} is at least ${least} bytes; this one is ${sealed.byteLength}`)
  return {
    version,
    ephemeralPublic: sealed.subarray(1, 1 + KEY_BYTES),
    nonce: sealed.subarray(1 + KEY_BYTES, 1 + KEY_BYTES + NONCE_BYTES),
    ciphertext: sealed.subarray(1 + KEY_BYTES + NONCE_BYTES)
  }
}

/**
 * Decrypts a v2 item with `es`, the X25519 secret shared with its ephemeral
 * key; `recipientX` is our X25519 public key.
 *
 * @throws SealError when the tag does not hold (not for this key, or
 * altered), or the sender key inside is not a point of Ed25519
 */
export function unsealV2 (parts: SealedParts, es: Uint8Array, recipientX: Uint8Array, recipientMultihash: Uint8Array): UnsealedV2 {
  let inner: Uint8Array
  try {
    inner = xchacha20poly1305(sealKey(es, parts.ephemeralPublic, recipientX), parts.nonce, concat(SEAL_INFO, recipientMultihash)).decrypt(parts.ciphertext)
  } catch {
    throw new SealError(NOT_FOR_US)
  }
  const senderPublic = inner.subarray(0, KEY_BYTES)
  let senderX: Uint8Array
  try {
    senderX = ed25519.utils.toMontgomery(senderPublic)
  } catch {
    throw new SealError(BAD_AUTH)
  }
  return { senderPublic, senderX, mac: inner.subarray(KEY_BYTES, KEY_BYTES + MAC_BYTES), payload: inner.subarray(KEY_BYTES + MAC_BYTES) }
}

/**
 * Checks a v2 item's MAC with `ss`, the X25519 secret shared by the sender's
 * and our identity keys (undefined when the curve refused the sender's key).
 *
 * @throws SealError when it does not hold
 */
export function checkV2 (inner: UnsealedV2, parts: SealedParts, es: Uint8Array, ss: Uint8Array | undefined, recipientX: Uint8Array, recipientMultihash: Uint8Array): Opened {
  if (ss === undefined) throw new SealError(BAD_AUTH)
  const expected = macOf(es, ss, parts.ephemeralPublic, recipientX, inner.senderX, recipientMultihash, inner.senderPublic, inner.payload)
  if (!equalBytes(expected, inner.mac)) throw new SealError(BAD_AUTH)
  return { senderPublic: inner.senderPublic.slice(), payload: inner.payload.slice() }
}

/** X25519 with noble, undefined where it refuses (a key off the curve, a low-order point). */
function agree (secret: Uint8Array, publicKey: Uint8Array): Uint8Array | undefined {
  try {
    return x25519.getSharedSecret(secret, publicKey)
  } catch {
    return undefined
  }
}

/**
 * Opens an item sealed to us (version 2, or 1) and checks its sender's MAC
 * (or, in version 1, signature), with noble's curves on this thread
 * (opener.ts `SealOpener` does the curve work with WebCrypto where the
 * platform has it).
 *
 * @throws SealError saying what is wrong: too short, an unknown version, not
 * for this key (or altered), or a MAC or signature that does not hold.
 */
export function open (sealed: Uint8Array, recipientSecret: Uint8Array, recipientMultihash: Uint8Array): Opened {
  const parts = sealedParts(sealed)
  const recipientXSecret = ed25519.utils.toMontgomerySecret(recipientSecret)
  const es = agree(recipientXSecret, parts.ephemeralPublic)
  if (es === undefined) throw new SealError(NOT_FOR_US)
  const recipientX = x25519.getPublicKey(recipientXSecret)
  if (parts.version === SEAL_V1) return verifyV1(unsealV1(parts, es, recipientX, recipientMultihash))
  const inner = unsealV2(parts, es, recipientX, recipientMultihash)
  return checkV2(inner, parts, es, agree(recipientXSecret, inner.senderX), recipientX, recipientMultihash)
}
