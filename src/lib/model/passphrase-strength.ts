/**
 * How hard a passphrase of the user's own is to guess, for the backup's
 * "choose my own" path (docs/security.md, "Backups"): zxcvbn-ts with its
 * common dictionary (the most common passwords, the diceware word list) and
 * keyboard layouts. Its English words and names (about 600 KiB gzip more)
 * are left out: a passphrase of English words is then judged by its length,
 * which is generous to it, so the floor is set above zxcvbn's top score.
 *
 * The floor: an estimate of at least 10^12 guesses (zxcvbn's top score
 * starts at 10^10). At the backup's Argon2id cost a high-end GPU tries at
 * most a few thousand a second (docs/security.md), so 10^12 guesses are
 * about ten GPU-years; "Tr0ub4dor&3" (10^11) and "ilovemydog2015" are under
 * it, four unrelated words or twelve random characters over it. The
 * generated passphrase (model/recovery-passphrase.ts) is 77 bits, about
 * 10^23.
 *
 * Loaded on demand by the backup's state manager when the user chooses their
 * own passphrase (about 230 KiB gzip, mostly the password list): never in
 * the shell.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common'

/** The least log10 of guesses a passphrase of the user's own must be estimated at. */
export const STRENGTH_FLOOR_LOG10 = 12

/** The meter's five steps of three orders of magnitude each: 4 is the floor and over. */
export type StrengthLevel = 0 | 1 | 2 | 3 | 4
const ORDERS_A_LEVEL = STRENGTH_FLOOR_LOG10 / 4

export interface Strength {
  /** 0 under 10^3 guesses, 1 under 10^6, 2 under 10^9, 3 under 10^12, 4 at the floor or over */
  level: StrengthLevel
  /** zxcvbn's estimate, log10 of the guesses */
  guessesLog10: number
  /** at or over {@link STRENGTH_FLOOR_LOG10}: level 4 */
  enough: boolean
}

const zxcvbn = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs })

/** Words an attacker would try first for a Parley backup, besides the dictionary. */
const CONTEXT = ['parley', 'backup', 'passphrase', 'password', 'identity']

/** The strength of `passphrase` (NFC), with `userInputs` (the user's name, say) counted as known words. */
export function passphraseStrength (passphrase: string, userInputs: readonly string[] = []): Strength {
  const { guessesLog10 } = zxcvbn.check(passphrase.normalize('NFC'), [...CONTEXT, ...userInputs])
  const level = Math.max(0, Math.min(4, Math.floor(guessesLog10 / ORDERS_A_LEVEL))) as StrengthLevel
  return { level, guessesLog10, enough: level === 4 }
}
