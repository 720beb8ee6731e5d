/**
 * What both versions of the mailbox seal share (seal.ts, seal-v1.ts): the
 * error, the keys, the parts every version's item starts with, and what an
 * opened item is.
 */

/** A sealed item that cannot be opened, or whose sender's authentication does not hold. */
export class SealError extends Error {
  override name = 'SealError'
}

export const NOT_FOR_US = 'the item is not sealed to this key, or it was altered'
export const BAD_SIGNATURE = 'the sender\'s signature does not hold'
export const BAD_AUTH = 'the sender\'s authentication does not hold'

export interface SealKeys {
  /** the sender's Ed25519 secret key (32-byte seed) */
  senderSecret: Uint8Array
  /** the recipient's Ed25519 public key (32 bytes) */
  recipientPublic: Uint8Array
  /** the recipient's PeerID multihash (identity multihash of its public key) */
  recipientMultihash: Uint8Array
}

export interface Opened {
  /** the sender's Ed25519 public key (32 bytes): its PeerID is the identity multihash of it */
  senderPublic: Uint8Array
  payload: Uint8Array
}

/** The fields every sealed item starts with, its version known. */
export interface SealedParts { version: number, ephemeralPublic: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array }

export const KEY_BYTES = 32
export const NONCE_BYTES = 24
export const TAG_BYTES = 16
/** version, ephemeral key, nonce, tag: the least any version adds */
export const MIN_SEALED_BYTES = 1 + KEY_BYTES + NONCE_BYTES + TAG_BYTES
