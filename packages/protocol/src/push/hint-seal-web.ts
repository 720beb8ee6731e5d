/**
 * Sealing a push hint for the app's worker: the ephemeral X25519 key and
 * HKDF by noble (which the worker carries for sessions already), AES-256-GCM
 * by WebCrypto (which every browser and Node have), so the worker carries no
 * AES code of its own. For the same ephemeral secret the bytes are hint.ts's
 * `sealHint`'s (tests/unit check it), and hint.ts or hint-web.ts open them.
 */
import { randomBytes } from '@noble/hashes/utils.js'
import { hintKeys } from './hint-keys.ts'
import { HINT_INFO, hintPlain } from './hint-plain.ts'
import type { HintChat } from './hint-plain.ts'

/** What of WebCrypto (`crypto.subtle`) sealing a hint uses (the package has no DOM types). */
export interface SubtleSeal {
  importKey(format: 'raw', keyData: Uint8Array<ArrayBuffer>, algorithm: 'AES-GCM', extractable: false, keyUsages: ['encrypt']): Promise<object>
  encrypt(algorithm: { name: 'AES-GCM', iv: Uint8Array<ArrayBuffer>, additionalData: Uint8Array<ArrayBuffer>, tagLength: 128 }, key: object, data: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer>
}

function defaultSubtle (): SubtleSeal {
  return (globalThis as unknown as { crypto: { subtle: SubtleSeal } }).crypto.subtle
}

/**
 * Seals `hint` to a device's notification public key, as hint.ts's `sealHint`.
 *
 * @param random draws the ephemeral secret (32 bytes); fixed, it makes a known answer
 * @throws HintError for a chat id a hint cannot carry, or a key that is not 32 bytes or gives a small-order result
 */
export async function sealHintWeb (hint: HintChat, notifyPublic: Uint8Array, random: (n: number) => Uint8Array = randomBytes, subtle: SubtleSeal = defaultSubtle()): Promise<Uint8Array> {
  const plain = hintPlain(hint)
  const { ephemeralPublic, key, nonce } = hintKeys(notifyPublic, random)
  const aes = await subtle.importKey('raw', Uint8Array.from(key), 'AES-GCM', false, ['encrypt'])
  const sealed = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv: Uint8Array.from(nonce), additionalData: Uint8Array.from(HINT_INFO), tagLength: 128 }, aes, Uint8Array.from(plain)))
  const out = new Uint8Array(ephemeralPublic.byteLength + sealed.byteLength)
  out.set(ephemeralPublic)
  out.set(sealed, ephemeralPublic.byteLength)
  return out
}
