/**
 * Why a link ended, in words (ui/link-words.ts; issue 58): every
 * LinkEndReason has its own sentence in English and Russian, and the ones
 * the other device can say read as its words ("The other device declined");
 * the code in two groups; the progress in whole percent.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { LinkEndReason } from '../../../src/lib/contract/link-types.ts'
import { LOCALES, setLocale } from '../../../src/lib/i18n/index.ts'
import { LINK_END_BY_PEER_WORDS, LINK_END_WORDS, linkEndText, progressPercent, spacedCode } from '../../../src/lib/ui/link-words.ts'

afterEach(() => { setLocale('en') })

/** Every reason of the contract: a new one fails to compile here until it is listed (and worded). */
const REASONS = Object.keys({
  declined: true, mismatch: true, busy: true, expired: true, used: true, 'bad-proof': true, 'bad-list': true, full: true,
  timeout: true, failed: true, invalid: true, 'bad-qr': true, closed: true, 'wrong-peer': true, 'not-holder': true, unreachable: true, 'too-big': true,
  'bad-code': true, 'code-unknown': true, 'code-expired': true, 'code-used': true, 'code-unreachable': true
} satisfies Record<LinkEndReason, true>) as LinkEndReason[]

describe('why a link ended', () => {
  it('has a sentence of its own for every reason, in each language', () => {
    expect(Object.keys(LINK_END_WORDS).sort()).toEqual([...REASONS].sort())
    const sentences = Object.fromEntries(LOCALES.map((locale) => {
      setLocale(locale)
      return [locale, REASONS.map(reason => linkEndText(reason))]
    }))
    for (const locale of LOCALES) {
      const own = sentences[locale] ?? []
      // every placeholder filled, a whole sentence
      for (const sentence of own) expect(sentence).toMatch(/^[^{}]+\.$/)
      expect(own.some(sentence => sentence.startsWith('link.'))).toBe(false)
      expect(new Set(own).size).toBe(REASONS.length)
    }
    // Russian is not English left untranslated
    sentences['ru']?.forEach((sentence, i) => { expect(sentence).not.toBe(sentences['en']?.[i]) })
  })

  it('reads as the other device\'s words where it said so', () => {
    expect(linkEndText('declined', true)).toBe('The other device declined. Nothing was linked.')
    expect(linkEndText('declined')).toBe('Linking was cancelled. Nothing was linked.')
    expect(linkEndText('mismatch', true)).toMatch(/^The other device said the codes differ/)
    expect(linkEndText('busy', true)).toMatch(/^The other device is busy/)
    for (const reason of Object.keys(LINK_END_BY_PEER_WORDS) as LinkEndReason[]) expect(linkEndText(reason, true)).not.toBe(linkEndText(reason))
    // a reason with no words of its own for the other side reads the same
    expect(linkEndText('timeout', true)).toBe(linkEndText('timeout'))
    setLocale('ru')
    expect(linkEndText('declined', true)).toBe('Другое устройство отказалось. Ничего не связано.')
    expect(linkEndText('full')).toBe('В вашем аккаунте уже 5 устройств — больше нельзя. Удалите одно и попробуйте снова.')
  })

  it('words a reason this tab does not know (a newer worker) as a failure', () => {
    expect(linkEndText('from-the-future' as LinkEndReason)).toBe(linkEndText('failed'))
    expect(linkEndText(undefined)).toBe(linkEndText('failed'))
  })
})

describe('the code and the progress', () => {
  it('shows six digits in two groups of three, anything else as it is', () => {
    expect(spacedCode('048213')).toBe('048 213')
    expect(spacedCode('12345')).toBe('12345')
  })

  it('counts whole percent, 100 only when all is there, nothing without a total', () => {
    expect(progressPercent({ done: 450, total: 1000 })).toBe(45)
    expect(progressPercent({ done: 999, total: 1000 })).toBe(99)
    expect(progressPercent({ done: 2000, total: 1000 })).toBe(100)
    expect(progressPercent({ done: 0, total: 0 })).toBeUndefined()
    expect(progressPercent(undefined)).toBeUndefined()
  })
})
