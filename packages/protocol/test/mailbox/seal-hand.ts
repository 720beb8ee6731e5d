/**
 * Sealed items made by hand, step by step as docs/protocols.md ("Sealing")
 * says, not by seal.ts: what a recipient (or a forger) can make with the keys
 * it holds, for the tests of the seal and its opener.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes as concat } from '@noble/hashes/utils.js'

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

export interface HandV2 {
  /** the Ed25519 public key the item names as its sender */
  senderPublic: Uint8Array
  /** the recipient's Ed25519 public key and PeerID multihash */
  recipientPublic: Uint8Array
  recipientMultihash: Uint8Array
  /** X25519(sender identity, recipient identity), from whichever side's secret: undefined puts a MAC of zeros */
  ss?: Uint8Array
  payload: Uint8Array
}

/** A v2 item for `recipient` naming `senderPublic`, its MAC keyed with `ss` as given. */
export function sealV2ByHand (item: HandV2): Uint8Array {
  const info = text('parley/mailbox/seal/v2')
  const recipientX = ed25519.utils.toMontgomery(item.recipientPublic)
  const ephemeralSecret = x25519.utils.randomSecretKey()
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const es = x25519.getSharedSecret(ephemeralSecret, recipientX)
  let mac = new Uint8Array(32)
  if (item.ss !== undefined) {
    const senderX = ed25519.utils.toMontgomery(item.senderPublic)
    const authKey = hkdf(sha256, concat(es, item.ss), concat(ephemeralPublic, recipientX, senderX), text('parley/mailbox/auth/v2'), 32)
    mac = hmac(sha256, authKey, concat(text('parley/mailbox/item/v2'), item.recipientMultihash, item.senderPublic, ephemeralPublic, item.payload))
  }
  const key = hkdf(sha256, es, concat(ephemeralPublic, recipientX), info, 32)
  const nonce = crypto.getRandomValues(new Uint8Array(24))
  const ciphertext = xchacha20poly1305(key, nonce, concat(info, item.recipientMultihash)).encrypt(concat(item.senderPublic, mac, item.payload))
  return concat(Uint8Array.of(2), ephemeralPublic, nonce, ciphertext)
}

/** X25519 of one side's Ed25519 identity seed with the other side's Ed25519 public key, both in X25519 form. */
export function identityAgreement (ownSeed: Uint8Array, theirPublic: Uint8Array): Uint8Array {
  return x25519.getSharedSecret(ed25519.utils.toMontgomerySecret(ownSeed), ed25519.utils.toMontgomery(theirPublic))
}

/** A v1 item like an app before seal v2 made, but whose inner signature is `sign(the bytes it signs)` (a forgery, or garbage). */
export function sealV1WithSignature (senderPublic: Uint8Array, recipientPublic: Uint8Array, recipientMultihash: Uint8Array, payload: Uint8Array, sign: (signed: Uint8Array) => Uint8Array): Uint8Array {
  const info = text('parley/mailbox/seal/v1')
  const recipientX = ed25519.utils.toMontgomery(recipientPublic)
  const ephemeralSecret = x25519.utils.randomSecretKey()
  const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
  const key = hkdf(sha256, x25519.getSharedSecret(ephemeralSecret, recipientX), concat(ephemeralPublic, recipientX), info, 32)
  const signature = sign(concat(text('parley/mailbox/item/v1'), recipientMultihash, ephemeralPublic, payload))
  const nonce = crypto.getRandomValues(new Uint8Array(24))
  const ciphertext = xchacha20poly1305(key, nonce, concat(info, recipientMultihash)).encrypt(concat(senderPublic, signature, payload))
  return concat(Uint8Array.of(1), ephemeralPublic, nonce, ciphertext)
}
