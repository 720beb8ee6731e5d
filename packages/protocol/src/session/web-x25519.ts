/**
 * X25519 through WebCrypto, where the platform has it (native: about a tenth
 * of noble's time here), for the DH a ratchet step needs before it can open
 * a message: computed ahead of the (synchronous) step and handed to it.
 * Resolves undefined where WebCrypto has no X25519, or refuses the keys (a
 * point it rejects, an all-zero result): then the step computes it with
 * noble, which refuses the same keys with the ratchet's own error.
 */
import type { SubtleCurves } from '../mailbox/opener.ts'

/** PKCS #8 of an X25519 private key (RFC 8410): this prefix, then the 32 secret bytes. */
export const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

/** false once WebCrypto has shown it has no X25519 (it is not asked again) */
let available = true

export async function webX25519 (secret: Uint8Array, publicKey: Uint8Array, subtle: SubtleCurves | undefined = (globalThis.crypto as { subtle?: SubtleCurves } | undefined)?.subtle): Promise<Uint8Array | undefined> {
  if (!available || subtle === undefined || secret.byteLength !== 32 || publicKey.byteLength !== 32) return undefined
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
    const theirs = await subtle.importKey('raw', Uint8Array.from(publicKey), { name: 'X25519' }, false, [])
    return new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: theirs }, key, 256))
  } catch {
    return undefined
  }
}
