/**
 * The backup's generated recovery passphrase (issue 57, item 4): seven words
 * from BIP-39's English list, drawn with every one of 11 bits, 77 bits in
 * all; what it makes passes the node's length check and the tab's strength
 * floor for a passphrase of one's own.
 */
import { wordlist } from '@scure/bip39/wordlists/english.js'
import { describe, expect, it } from 'vitest'
import { newPassphrase } from '../../../src/lib/db/backup-envelope.ts'
import { passphraseStrength } from '../../../src/lib/model/passphrase-strength.ts'
import { RECOVERY_BITS, RECOVERY_WORDS, recoveryPassphrase } from '../../../src/lib/model/recovery-passphrase.ts'

describe('recovery passphrase', () => {
  it('is seven words of the 2,048, hyphen-joined: 77 bits', () => {
    expect(wordlist).toHaveLength(2048)
    expect([RECOVERY_WORDS, RECOVERY_BITS]).toEqual([7, 77])
    const words = recoveryPassphrase().split('-')
    expect(words).toHaveLength(7)
    for (const word of words) expect(wordlist).toContain(word)
  })

  it('takes 11 bits of each random number: the first and last word of the list are reachable, higher bits are ignored', () => {
    expect(recoveryPassphrase(() => Uint16Array.of(0, 1, 2047, 2048, 0xffff, 0x0800, 5))).toBe(
      [wordlist[0], wordlist[1], wordlist[2047], wordlist[0], wordlist[2047], wordlist[0], wordlist[5]].join('-'))
  })

  it('is new each time (the browser\'s CSPRNG)', () => {
    const seen = new Set(Array.from({ length: 50 }, () => recoveryPassphrase()))
    expect(seen.size).toBe(50)
  })

  it('even the shortest passes the node\'s length check and the strength floor', () => {
    const shortest = [...wordlist].sort((a, b) => a.length - b.length).slice(0, 7)
    const passphrase = recoveryPassphrase(() => Uint16Array.from(shortest, (w) => wordlist.indexOf(w)))
    expect(passphrase.length).toBeGreaterThanOrEqual(27)
    expect(newPassphrase(passphrase)).toBe(passphrase)
    expect(passphraseStrength(passphrase).enough).toBe(true)
  })
})
