/**
 * A backup's generated recovery passphrase (docs/security.md, "Backups"):
 * {@link RECOVERY_WORDS} words drawn uniformly by the browser's CSPRNG from
 * BIP-39's English list of 2,048 words (@scure/bip39's copy; 11 bits a word),
 * joined by hyphens. Only the words are borrowed: this is not a BIP-39
 * mnemonic (no checksum word, no seed derivation).
 *
 * 7 words are 77 bits. Against Argon2id at the backup's cost (docs/security.md
 * estimates at most a few thousand guesses a second per high-end GPU), half
 * of 2^77 guesses takes about 10^12 GPU-years.
 *
 * Loaded on demand by the backup's state manager, with its word list (about
 * 6 KiB gzip): not in the shell.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js'

export const RECOVERY_WORDS = 7
/** 2^11 words: 11 bits each, drawn without bias by masking. */
const WORD_BITS = 11
export const RECOVERY_BITS = RECOVERY_WORDS * WORD_BITS
export const RECOVERY_SEPARATOR = '-'

if (wordlist.length !== 2 ** WORD_BITS) throw new Error(`the recovery word list has ${wordlist.length} words, not ${2 ** WORD_BITS}`)

/** Random 16-bit numbers; the browser's CSPRNG unless a test gives its own. */
export type RandomWords = (count: number) => Uint16Array

const cryptoRandom: RandomWords = (count) => crypto.getRandomValues(new Uint16Array(count))

/** A new recovery passphrase, e.g. `"wagon-ripple-absurd-mesh-visit-elder-tone"`. */
export function recoveryPassphrase (random: RandomWords = cryptoRandom): string {
  return Array.from(random(RECOVERY_WORDS), (n) => wordlist[n & (2 ** WORD_BITS - 1)]).join(RECOVERY_SEPARATOR)
}
