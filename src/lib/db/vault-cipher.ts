/**
 * The AEAD the node seals secret rows with (vault.ts): XChaCha20-Poly1305
 * from @noble/ciphers, which the worker carries anyway (the mailbox seal).
 * Apart from vault.ts so that a tab, whose vault stays locked, does not
 * carry it in its first load.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import type { RowCipher } from './vault.ts'

export const xchachaRowCipher: RowCipher = {
  encrypt: (key, nonce, associatedData, plaintext) => xchacha20poly1305(key, nonce, associatedData).encrypt(plaintext),
  decrypt: (key, nonce, associatedData, ciphertext) => xchacha20poly1305(key, nonce, associatedData).decrypt(ciphertext)
}
