/**
 * Key derivation of the session suite: HKDF-SHA256 (RFC 5869), PQXDH's KDF,
 * the ratchet's KDF_RK made hybrid (PQDR: the DH output and the KEM shared
 * secret together) and KDF_CK (DR §5.2, as libsignal computes it).
 */
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes } from '@noble/hashes/utils.js'
import { KEY_BYTES, MESSAGE_INFO, RATCHET_INFO } from './constants.ts'

/** Largest HKDF-SHA256 output (RFC 5869 §2.3: 255 hash lengths). */
export const MAX_HKDF_BYTES = 255 * 32

/**
 * HKDF-SHA256 (RFC 5869). An empty or absent salt is a salt of 32 zero bytes
 * (RFC 5869 §2.2).
 *
 * @throws RangeError when `length` is not between 1 and {@link MAX_HKDF_BYTES}
 */
export function hkdf (ikm: Uint8Array, salt: Uint8Array | undefined, info: Uint8Array, length: number): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > MAX_HKDF_BYTES) throw new RangeError(`HKDF-SHA256 gives 1 to ${MAX_HKDF_BYTES} bytes, not ${length}`)
  return nobleHkdf(sha256, ikm, salt === undefined || salt.byteLength === 0 ? new Uint8Array(32) : salt, info, length)
}

/**
 * PQXDH's (and X3DH's) KDF: HKDF with a salt of 32 zero bytes over `input`
 * (the caller puts the 32 0xFF bytes in front, PQXDH §2.2). `info` and
 * `length` are parameters so that libsignal's known answers ("WhisperText",
 * 64 bytes) can be checked with the same function.
 */
export function kdf (input: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return hkdf(input, new Uint8Array(32), info, length)
}

/** A root-key step's result: the new root key and the first key of a new chain. */
export interface RootStep { rootKey: Uint8Array, chainKey: Uint8Array }

/**
 * KDF_RK (DR §5.2) made hybrid as PQDR does: HKDF with the root key as salt
 * over `dhOut ‖ kemSecret` (kemSecret empty for a step without a KEM
 * ciphertext: the first chain of the initiator, whose PQ strength comes from
 * PQXDH), 64 bytes split into the new root key and a chain key.
 */
export function kdfRk (rootKey: Uint8Array, dhOut: Uint8Array, kemSecret: Uint8Array): RootStep {
  const out = hkdf(concatBytes(dhOut, kemSecret), rootKey, RATCHET_INFO, 2 * KEY_BYTES)
  return { rootKey: out.slice(0, KEY_BYTES), chainKey: out.slice(KEY_BYTES) }
}

/** A chain step's result: the next chain key and this message's key. */
export interface ChainStep { chainKey: Uint8Array, messageKey: Uint8Array }

/** KDF_CK (DR §5.2): message key HMAC(ck, 0x01), next chain key HMAC(ck, 0x02). */
export function kdfCk (chainKey: Uint8Array): ChainStep {
  return {
    messageKey: hmac(sha256, chainKey, Uint8Array.of(0x01)),
    chainKey: hmac(sha256, chainKey, Uint8Array.of(0x02))
  }
}

/** The XChaCha20-Poly1305 key of one message, from its message key. */
export function aeadKey (messageKey: Uint8Array): Uint8Array {
  return hkdf(messageKey, undefined, MESSAGE_INFO, KEY_BYTES)
}
