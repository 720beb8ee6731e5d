/**
 * Opening a push hint with WebCrypto alone (X25519, HKDF-SHA256, AES-256-GCM),
 * for the service worker, which then carries no curve or cipher code
 * (hint.ts opens the same hints with noble). Where WebCrypto has no X25519
 * (browsers before it: Chromium 133, Firefox 130, Safari 17), or refuses a
 * key, a hint opens as nothing and the notification says the count.
 */
import { HINT_BYTES, HINT_INFO, HINT_NONCE_BYTES, NOTIFY_KEY_BYTES, readHintPlain } from './hint-plain.ts'
import type { HintChat } from './hint-plain.ts'

/** A key WebCrypto holds (the package has no DOM types). */
export type WebKey = object

/** What of WebCrypto (`crypto.subtle`) opening a hint uses. */
export interface SubtleHints {
  importKey(format: 'raw' | 'pkcs8', keyData: Uint8Array<ArrayBuffer>, algorithm: { name: 'X25519' } | 'HKDF' | 'AES-GCM', extractable: boolean, keyUsages: Array<'deriveBits' | 'decrypt'>): Promise<WebKey>
  deriveBits(algorithm: { name: 'X25519', public: WebKey } | { name: 'HKDF', hash: 'SHA-256', salt: Uint8Array<ArrayBuffer>, info: Uint8Array<ArrayBuffer> }, baseKey: WebKey, length: number): Promise<ArrayBuffer>
  decrypt(algorithm: { name: 'AES-GCM', iv: Uint8Array<ArrayBuffer>, additionalData: Uint8Array<ArrayBuffer>, tagLength: number }, key: WebKey, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>
}

function defaultSubtle (): SubtleHints {
  return (globalThis as unknown as { crypto: { subtle: SubtleHints } }).crypto.subtle
}

/** PKCS #8 of an X25519 private key (RFC 8410): this prefix, then the 32 secret bytes. */
const X25519_PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20])

/** The device's notification secret, imported once for several hints; undefined where WebCrypto cannot. */
export async function importNotifySecret (secretKey: Uint8Array, subtle: SubtleHints = defaultSubtle()): Promise<WebKey | undefined> {
  if (secretKey.byteLength !== NOTIFY_KEY_BYTES) return undefined
  const pkcs8 = new Uint8Array(X25519_PKCS8_PREFIX.byteLength + NOTIFY_KEY_BYTES)
  pkcs8.set(X25519_PKCS8_PREFIX)
  pkcs8.set(secretKey, X25519_PKCS8_PREFIX.byteLength)
  try {
    return await subtle.importKey('pkcs8', pkcs8, { name: 'X25519' }, false, ['deriveBits'])
  } catch {
    return undefined
  } finally {
    pkcs8.fill(0)
  }
}

/** The chat `hint` names, opened with the imported secret and its public key; undefined when it does not open. Never throws. */
export async function openHintWeb (hint: Uint8Array, secret: WebKey, publicKey: Uint8Array, subtle: SubtleHints = defaultSubtle()): Promise<HintChat | undefined> {
  if (hint.byteLength !== HINT_BYTES || publicKey.byteLength !== NOTIFY_KEY_BYTES) return undefined
  const ephemeralPublic = hint.slice(0, NOTIFY_KEY_BYTES)
  try {
    const theirs = await subtle.importKey('raw', ephemeralPublic, { name: 'X25519' }, false, [])
    const shared = new Uint8Array(await subtle.deriveBits({ name: 'X25519', public: theirs }, secret, 256))
    if (shared.every(b => b === 0)) return undefined
    const ikm = await subtle.importKey('raw', shared, 'HKDF', false, ['deriveBits'])
    const salt = new Uint8Array(2 * NOTIFY_KEY_BYTES)
    salt.set(ephemeralPublic)
    salt.set(publicKey, NOTIFY_KEY_BYTES)
    const okm = new Uint8Array(await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info: Uint8Array.from(HINT_INFO) }, ikm, (32 + HINT_NONCE_BYTES) * 8))
    const key = await subtle.importKey('raw', okm.slice(0, 32), 'AES-GCM', false, ['decrypt'])
    const plain = await subtle.decrypt({ name: 'AES-GCM', iv: okm.slice(32), additionalData: Uint8Array.from(HINT_INFO), tagLength: 128 }, key, hint.slice(NOTIFY_KEY_BYTES))
    return readHintPlain(new Uint8Array(plain))
  } catch {
    return undefined
  }
}
