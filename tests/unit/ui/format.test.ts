import '../../support/russian.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { formatLastSeen, formatShortDate, formatTime, formattingLocale, lastSeenChangesAt, shortAddress } from '../../../src/lib/ui/format.ts'

/**
 * Times in the locale's own clock, and "last seen" relative to an injected
 * now, in English and Russian (the plural forms are Intl's). Dates are made
 * in local time, so the tests hold in any time zone.
 */

afterEach(() => {
  setLocale('en')
  vi.unstubAllGlobals()
})

const MINUTE = 60_000
/** 29 Nov 2026, 6:26 in the morning, local time. */
const MORNING = new Date(2026, 10, 29, 6, 26).getTime()
const EVENING = new Date(2026, 10, 29, 18, 5).getTime()
/** a quarter past noon the same day: "now" for the last-seen tests */
const NOON = new Date(2026, 10, 29, 12, 15).getTime()

describe('formatTime', () => {
  it('English (US): no leading zero, with AM/PM', () => {
    expect(formatTime(MORNING)).toMatch(/^6:26\sAM$/)
    expect(formatTime(EVENING)).toMatch(/^6:05\sPM$/)
  })

  it('Russian: the 24-hour clock', () => {
    setLocale('ru')
    expect(formatTime(MORNING)).toBe('06:26')
    expect(formatTime(EVENING)).toBe('18:05')
  })

  it('English in a region with the 24-hour clock (the browser prefers en-GB)', () => {
    vi.stubGlobal('navigator', { languages: ['en-GB', 'en'] })
    expect(formatTime(EVENING)).toBe('18:05')
    expect(formatShortDate(EVENING, EVENING + MINUTE)).toBe('18:05')
  })
})

describe('formattingLocale', () => {
  it('the first preferred tag in the chosen language, else the language', () => {
    expect(formattingLocale('en', ['de-DE', 'en-GB', 'en-US'])).toBe('en-GB')
    expect(formattingLocale('ru', ['en-GB', 'ru-RU'])).toBe('ru-RU')
    expect(formattingLocale('ru', ['en-GB'])).toBe('ru')
    expect(formattingLocale('en', undefined)).toBe('en')
  })

  it('skips a malformed tag', () => {
    expect(formattingLocale('en', ['en-!!', 'en-AU'])).toBe('en-AU')
  })
})

describe('formatLastSeen', () => {
  it.each([
    ['a few seconds ago', NOON - 5_000, 'Last seen just now'],
    ['a clock a little ahead of ours', NOON + 5_000, 'Last seen just now'],
    ['one minute', NOON - MINUTE, 'Last seen 1 minute ago'],
    ['five minutes', NOON - 5 * MINUTE - 30_000, 'Last seen 5 minutes ago'],
    ['59 minutes', NOON - 59 * MINUTE, 'Last seen 59 minutes ago']
  ])('English, %s', (_why, at, words) => {
    expect(formatLastSeen(at, NOON)).toBe(words)
  })

  it('English: today, yesterday, a date, a date of another year', () => {
    expect(formatLastSeen(MORNING, NOON)).toMatch(/^Last seen today at 6:26\sAM$/)
    expect(formatLastSeen(new Date(2026, 10, 28, 21, 40).getTime(), NOON)).toMatch(/^Last seen yesterday at 9:40\sPM$/)
    expect(formatLastSeen(new Date(2026, 10, 3, 9, 0).getTime(), NOON)).toBe('Last seen Nov 3')
    expect(formatLastSeen(new Date(2025, 2, 3, 9, 0).getTime(), NOON)).toBe('Last seen March 3, 2025')
  })

  it.each([
    [1, 'Был(а) в сети 1 минуту назад'],
    [2, 'Был(а) в сети 2 минуты назад'],
    [5, 'Был(а) в сети 5 минут назад'],
    [11, 'Был(а) в сети 11 минут назад'],
    [21, 'Был(а) в сети 21 минуту назад'],
    [22, 'Был(а) в сети 22 минуты назад'],
    [25, 'Был(а) в сети 25 минут назад']
  ])('Russian plural forms: %i min', (minutes, words) => {
    setLocale('ru')
    expect(formatLastSeen(NOON - minutes * MINUTE, NOON)).toBe(words)
  })

  it('Russian: just now, today, yesterday, a date', () => {
    setLocale('ru')
    expect(formatLastSeen(NOON - 1000, NOON)).toBe('Был(а) в сети только что')
    expect(formatLastSeen(MORNING, NOON)).toBe('Был(а) в сети сегодня в 06:26')
    expect(formatLastSeen(new Date(2026, 10, 28, 21, 40).getTime(), NOON)).toBe('Был(а) в сети вчера в 21:40')
    expect(formatLastSeen(new Date(2026, 10, 3, 9, 0).getTime(), NOON)).toBe('Был(а) в сети 3 нояб.')
  })
})

describe('lastSeenChangesAt', () => {
  it('the next whole minute in the first hour', () => {
    expect(lastSeenChangesAt(NOON, NOON + 5_000)).toBe(NOON + MINUTE)
    expect(lastSeenChangesAt(NOON, NOON + 5 * MINUTE + 1)).toBe(NOON + 6 * MINUTE)
    expect(formatLastSeen(NOON, lastSeenChangesAt(NOON, NOON + 5 * MINUTE + 1))).toBe('Last seen 6 minutes ago')
  })

  it('then the next local midnight', () => {
    expect(lastSeenChangesAt(MORNING, NOON)).toBe(new Date(2026, 10, 30).getTime())
  })
})

describe('shortAddress', () => {
  it('cuts each long part (PeerIDs, certificate hashes) to its ends, leaves the rest', () => {
    const relay = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'
    const me = '12D3KooWQxPRrLJGcqyBLNdbjMDwhEeWyNXA2Qv2tMbu6H5iWq2e'
    expect(shortAddress(`/ip4/127.0.0.1/tcp/9001/ws/p2p/${relay}/p2p-circuit/p2p/${me}`))
      .toBe('/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3Ko…nXTN/p2p-circuit/p2p/12D3Ko…Wq2e')
    expect(shortAddress('/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g/p2p/' + relay))
      .toBe('/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/uEiDDq…DE8g/p2p/12D3Ko…nXTN')
    expect(shortAddress('/dns4/relay.example.org/tcp/443/wss')).toBe('/dns4/relay.example.org/tcp/443/wss')
  })
})
