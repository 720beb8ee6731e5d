/**
 * Our ML-KEM-768 key pairs as the ratchet keeps them: each as its 64-byte
 * seed, the key pair made from it (deterministic) when it is needed. The
 * secret keys made from our seeds are kept, a few sessions' worth, so that a
 * DH step does not run the key generation again to decapsulate; a key is
 * forgotten (zeroed) as soon as the ratchet retires it (`forgetKemSecret`,
 * called when a step replaces a session's KEM key pair), so the cache holds
 * current keys only (issue 57 item 10).
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { KEM_PUBLIC_BYTES } from './constants.ts'

/** KEM secret keys made from seeds (our last keys), so that a step does not run ML-KEM's key generation again to decapsulate. */
const KEM_SECRETS = new Map<string, Uint8Array>()
/** Seeds whose secret keys are kept at most (a few sessions' worth; the least recently used go first). */
const MAX_KEM_SECRETS = 64

function keepKemSecret (key: string, secretKey: Uint8Array): void {
  KEM_SECRETS.delete(key)
  KEM_SECRETS.set(key, secretKey)
  for (const [oldest, secret] of KEM_SECRETS) {
    if (KEM_SECRETS.size <= MAX_KEM_SECRETS) break
    secret.fill(0)
    KEM_SECRETS.delete(oldest)
  }
}

/**
 * Forgets the secret key of `seed` (retired: a DH step replaced it), zeroing
 * it. Harmless when the state that retired it is a copy later dropped: the
 * secret is made again from the seed on its next use.
 */
export function forgetKemSecret (seed: Uint8Array): void {
  const key = hex(seed)
  KEM_SECRETS.get(key)?.fill(0)
  KEM_SECRETS.delete(key)
}

/** The seeds (hex) whose secret keys are kept now, least recently used first (tests). */
export function keptKemSeeds (): string[] {
  return [...KEM_SECRETS.keys()]
}

/** The ML-KEM-768 key pair of `seed` (deterministic); its secret key is kept for the decapsulation to come. */
export function kemKeys (seed: Uint8Array): { publicKey: Uint8Array, secretKey: Uint8Array } {
  const keys = mlKem768.keygen(seed)
  keepKemSecret(hex(seed), keys.secretKey.slice())
  return keys
}

/** The secret key of `seed`, kept or made again. */
export function kemSecretKey (seed: Uint8Array): Uint8Array {
  const key = hex(seed)
  const kept = KEM_SECRETS.get(key)
  if (kept !== undefined) {
    keepKemSecret(key, kept)
    return kept
  }
  return kemKeys(seed).secretKey
}

/**
 * Whether `publicKey` is an ML-KEM-768 encapsulation key that encapsulation
 * takes: 1184 bytes whose 768 12-bit coefficients (the first 1152 bytes) are
 * each below q = 3329 (FIPS 203 §7.2's modulus check, done without
 * encapsulating).
 */
export function kemPublicKeyValid (publicKey: Uint8Array): boolean {
  if (publicKey.byteLength !== KEM_PUBLIC_BYTES) return false
  for (let i = 0; i < KEM_PUBLIC_BYTES - 32; i += 3) {
    const b0 = publicKey[i] ?? 0
    const b1 = publicKey[i + 1] ?? 0
    const b2 = publicKey[i + 2] ?? 0
    if ((b0 | ((b1 & 0x0f) << 8)) >= 3329 || ((b1 >> 4) | (b2 << 4)) >= 3329) return false
  }
  return true
}
