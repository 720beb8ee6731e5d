/**
 * The floor for a backup passphrase of one's own (issue 57, item 4):
 * zxcvbn-ts's estimate with its common dictionary must reach 10^12 guesses.
 * Common passwords, keyboard walks, repeats and short random strings are
 * under it; several unrelated words or twelve random characters are over it.
 */
import { describe, expect, it } from 'vitest'
import { passphraseStrength, STRENGTH_FLOOR_LOG10 } from '../../../src/lib/model/passphrase-strength.ts'

describe('passphrase strength', () => {
  it('sets the floor at 10^12 guesses', () => {
    expect(STRENGTH_FLOOR_LOG10).toBe(12)
  })

  it.each(['password1', 'qwertyuiop123', 'iloveyouiloveyou', 'aaaaaaaaaaaaaaaa', 'Tr0ub4dor&3', 'a long passphrase', 'parleybackup', 'elevenchars'])(
    'refuses %j', (passphrase) => {
      const strength = passphraseStrength(passphrase)
      expect(strength.enough).toBe(false)
      expect(strength.level).toBeLessThan(4)
    })

  it.each(['correct horse battery staple', 'kX9#mP2$vLq7', 'mango violin ferry tulip'])('takes %j', (passphrase) => {
    const strength = passphraseStrength(passphrase)
    expect(strength).toMatchObject({ level: 4, enough: true })
    expect(strength.guessesLog10).toBeGreaterThanOrEqual(12)
  })

  it('steps the meter by three orders of magnitude', () => {
    const levels = ['password', 'qwertyuiop123', 'kX9#mP2', 'kX9#mP2$vL', 'kX9#mP2$vLq7Zr'].map((p) => passphraseStrength(p))
    for (const { level, guessesLog10 } of levels) expect(level).toBe(Math.min(4, Math.floor(guessesLog10 / 3)))
    expect(levels.map(s => s.level)).toEqual([...levels.map(s => s.level)].sort())
  })

  it('counts the user\'s own name as a known word', () => {
    expect(passphraseStrength('zebediahquux', ['zebediahquux']).guessesLog10).toBeLessThan(passphraseStrength('zebediahquux').guessesLog10)
  })
})
