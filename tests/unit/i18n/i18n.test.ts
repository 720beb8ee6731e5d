import '../../support/russian.ts'
import { afterEach, describe, expect, it } from 'vitest'
import { detectLocale, englishStrings, getLocale, onLocaleChange, setLocale, t } from '../../../src/lib/i18n/index.ts'
import * as common from '../../../src/lib/i18n/messages/common.ts'
import * as commonRu from '../../../src/lib/i18n/messages/ru/common.ts'
import { formatDay } from '../../../src/lib/ui/format.ts'

describe('i18n', () => {
  afterEach(() => { setLocale('en') })

  it('picks the first supported browser language, else English', () => {
    expect(detectLocale(['ru-RU', 'en-US'])).toBe('ru')
    expect(detectLocale(['de-DE', 'RU'])).toBe('ru')
    expect(detectLocale(['en-GB', 'ru'])).toBe('en')
    expect(detectLocale(['fr', 'de'])).toBe('en')
    expect(detectLocale([])).toBe('en')
  })

  it('reads the table of the current locale and tells listeners of a change', () => {
    const heard: string[] = []
    const stop = onLocaleChange((locale) => { heard.push(locale) })
    setLocale('en')
    expect(t('common.cancel')).toBe('Cancel')
    setLocale('ru')
    expect(getLocale()).toBe('ru')
    expect(t('common.cancel')).toBe('Отмена')
    expect(t('common.cancel', undefined, 'en')).toBe('Cancel')
    stop()
    setLocale('en')
    expect(heard).toEqual(['ru'])
  })

  it('formats day headings in the current language', () => {
    const now = new Date(2026, 10, 21, 12).getTime()
    setLocale('ru')
    expect(formatDay(now - 60_000, now)).toBe('Сегодня')
    expect(formatDay(now - 24 * 3600_000, now)).toBe('Вчера')
    expect(formatDay(new Date(2025, 2, 3, 9).getTime(), now)).toMatch(/3 марта 2025/)
    setLocale('en')
    expect(formatDay(now - 24 * 3600_000, now)).toBe('Yesterday')
  })

  it('has a Russian string for every English one, and no empty string in either', () => {
    const en = englishStrings()
    expect(en.size).toBeGreaterThan(0)
    const empty: string[] = []
    for (const key of en.keys()) {
      for (const locale of ['en', 'ru'] as const) {
        if (t(key as Parameters<typeof t>[0], { count: 5 }, locale) === '') empty.push(`${locale} ${key}`)
      }
    }
    expect(empty).toEqual([])
    expect(Object.keys(commonRu.ru).sort()).toEqual(Object.keys(common.en).sort())
  })
})

describe('plural forms', () => {
  it('chooses the CLDR form of each language', () => {
    // Intl.PluralRules is what t() uses: check the forms the tables must hold
    const ru = new Intl.PluralRules('ru')
    expect([1, 2, 5, 21, 22, 25, 11].map(n => ru.select(n))).toEqual(['one', 'few', 'many', 'one', 'few', 'many', 'many'])
    const en = new Intl.PluralRules('en')
    expect([1, 2, 0].map(n => en.select(n))).toEqual(['one', 'other', 'other'])
  })
})
