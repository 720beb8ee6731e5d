/**
 * Node's own Ed25519 (OpenSSL) in place of noble's for the keys the group
 * fuzzers make, so that their 10,000-case properties can sign and check many
 * operations: noble costs about 0.5 ms to sign and 1 ms to verify here,
 * OpenSSL 25 µs and 70 µs. Signatures stay real and are the same bytes
 * (Ed25519 signing is deterministic): a forged or changed one fails as it
 * would with noble. Any other key goes to noble itself. The two differ only
 * on crafted input the fuzzers never make (noble refuses small-order keys and
 * checks with the cofactor); group.test.ts replays a sample with noble and
 * finds the same results.
 *
 * Used as `vi.mock('@noble/curves/ed25519.js', …)` with {@link nativeEd25519};
 * this module imports nothing that imports noble.
 */
import { generateKeyPairSync, sign, verify } from 'node:crypto'
import type { KeyObject } from 'node:crypto'

/** Whether the stand-in is on, and how often it signed or verified. */
export const native = { on: true, calls: 0 }

const privateKeys = new Map<string, KeyObject>()
const publicKeys = new Map<string, KeyObject>()

function hex (bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')
}

export interface KeyPair {
  /** the 32-byte seed, as signGroupOp takes it */
  secret: Uint8Array
  publicKey: Uint8Array
  privateKey: KeyObject
}

/** A new Ed25519 key pair, known to the stand-in. */
export function newKeyPair (): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const jwk = privateKey.export({ format: 'jwk' })
  const secret = new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'))
  const raw = new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'))
  privateKeys.set(hex(secret), privateKey)
  publicKeys.set(hex(raw), publicKey)
  return { secret, publicKey: raw, privateKey }
}

type Sign = (message: Uint8Array, secretKey: Uint8Array, ...rest: never[]) => Uint8Array
type Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array, ...rest: never[]) => boolean

/** noble's `ed25519`, signing and verifying with OpenSSL for the keys made by {@link newKeyPair}. */
export function nativeEd25519<T extends { sign: Sign, verify: Verify }> (real: T): T {
  const signWith: Sign = (message, secretKey, ...rest) => {
    const key = native.on ? privateKeys.get(hex(secretKey)) : undefined
    if (key === undefined) return real.sign(message, secretKey, ...rest)
    native.calls++
    return new Uint8Array(sign(null, message, key))
  }
  const verifyWith: Verify = (signature, message, publicKey, ...rest) => {
    const key = native.on ? publicKeys.get(hex(publicKey)) : undefined
    if (key === undefined) return real.verify(signature, message, publicKey, ...rest)
    native.calls++
    return verify(null, message, key, signature)
  }
  return { ...real, sign: signWith, verify: verifyWith }
}
