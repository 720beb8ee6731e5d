/**
 * X25519 through WebCrypto, where the platform has it (native: about a tenth
 * of noble's time here), for the DH a ratchet step needs before it can open
 * a message: computed ahead of the (synchronous) step and handed to it.
 * Resolves undefined where WebCrypto has no X25519, or refuses the keys (a
 * point it rejects, an all-zero result): then the step computes it with
 * noble, which refuses the same keys with the ratchet's own error. The same
 * for a step's sending half (`webStepAhead`), computed ahead of `settleStep`.
 */
import type { SubtleCurves } from '../mailbox/opener.ts'
import type { PendingStep, StepAhead } from './ratchet-state.ts'

/** PKCS #8 of an X25519 private key (RFC 8410): this prefix, then the 32 secret bytes. */
export const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

/** false once WebCrypto has shown it has no X25519 (it is not asked again) */
let available = true

export async function webX25519 (secret: Uint8Array, publicKey: Uint8Array, subtle: SubtleCurves | undefined = defaultSubtle()): Promise<Uint8Array | undefined> {
  return (await derive(secret, [publicKey], subtle))?.[0]
}

/** The X25519 base point (u = 9): the DH of a secret with it is the secret's public key. */
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => i === 0 ? 9 : 0)

/**
 * A pending step's X25519 half (our new ratchet key's public half, and its
 * DH with the peer's key), for `settleStep` or the send that completes the
 * step; undefined where WebCrypto cannot (the step computes it with noble).
 */
export async function webStepAhead (pending: PendingStep, subtle: SubtleCurves | undefined = defaultSubtle()): Promise<StepAhead | undefined> {
  const derived = await derive(pending.dhSecret, [BASE_POINT, pending.theirDh], subtle)
  const [dhPublic, dh] = derived ?? []
  if (dhPublic === undefined || dh === undefined) return undefined
  return { dhSecret: pending.dhSecret.slice(), theirDh: pending.theirDh.slice(), dhPublic, dh }
}

function defaultSubtle (): SubtleCurves | undefined {
  return (globalThis.crypto as { subtle?: SubtleCurves } | undefined)?.subtle
}

/** The DH of `secret` with each of `publicKeys`, the secret imported once; undefined if WebCrypto has no X25519 or refuses one. */
async function derive (secret: Uint8Array, publicKeys: Uint8Array[], subtle: SubtleCurves | undefined): Promise<Uint8Array[] | undefined> {
  if (!available || subtle === undefined || secret.byteLength !== 32 || publicKeys.some(k => k.byteLength !== 32)) return undefined
  const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.byteLength + 32)
  pkcs8.set(X25519_PKCS8_PREFIX)
  pkcs8.set(secret, X25519_PKCS8_PREFIX.byteLength)
  let key
  try {
    key = await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits'])
  } catch {
    available = false
    return undefined
  } finally {
    pkcs8.fill(0)
  }
  try {
    return await Promise.all(publicKeys.map(async publicKey => {
      const theirs = await subtle.importKey('raw', Uint8Array.from(publicKey), { name: 'X25519' }, false, [])
      return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: theirs }, key, 256))
    }))
  } catch {
    return undefined
  }
}
