/**
 * Display formatting shared by components: pure functions of their arguments
 * and the current locale (lib/i18n), which the UI is remounted on.
 */
import { getLocale, t, type Locale } from '../i18n/index.ts'

const MINUTE_MS = 60 * 1000
const HOUR_MS = 60 * MINUTE_MS
const DAY_MS = 24 * HOUR_MS

interface Formats {
  time: Intl.DateTimeFormat
  day: Intl.DateTimeFormat
  dayWithYear: Intl.DateTimeFormat
  full: Intl.DateTimeFormat
  relative: Intl.RelativeTimeFormat
}

/** By BCP 47 tag ('en', 'en-GB', 'ru-RU'). */
const formats = new Map<string, Formats>()

/**
 * The tag dates and times are written in: the first of the browser's
 * preferred languages in Parley's language (so 'en-GB' writes "18:05" and
 * 'en-US' "6:05 PM"), else the language itself. Intl then picks the 12 or
 * 24 hour clock the region uses.
 */
export function formattingLocale (locale: Locale, languages: readonly string[] | undefined = globalThis.navigator?.languages): string {
  for (const tag of languages ?? []) {
    if (tag.toLowerCase().split('-')[0] !== locale) continue
    try {
      if (Intl.DateTimeFormat.supportedLocalesOf(tag).length > 0) return tag
    } catch {
      // a malformed tag (RangeError): the next one, or the language
    }
  }
  return locale
}

function formatsOf (tag: string = formattingLocale(getLocale())): Formats {
  let found = formats.get(tag)
  if (found === undefined) {
    found = {
      // the locale's own short time: "6:26 AM" (en-US), "06:26" (en-GB, ru)
      time: new Intl.DateTimeFormat(tag, { timeStyle: 'short' }),
      day: new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'short' }),
      dayWithYear: new Intl.DateTimeFormat(tag, { day: 'numeric', month: 'long', year: 'numeric' }),
      full: new Intl.DateTimeFormat(tag, { dateStyle: 'medium', timeStyle: 'short' }),
      // "5 minutes ago", "5 минут назад": the plural forms are the locale's
      relative: new Intl.RelativeTimeFormat(tag, { numeric: 'always', style: 'long' })
    }
    formats.set(tag, found)
  }
  return found
}

/** The local calendar day of `ms` as a number (for comparing days). */
function dayNumber (ms: number): number {
  const date = new Date(ms)
  return Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / DAY_MS
}

/** "6:05 PM" (en-US), "18:05" (en-GB, ru): the locale's short time. */
export function formatTime (ms: number): string {
  return formatsOf().time.format(ms)
}

/** "6:05 PM" today, "3 Mar" on other days (chat list). */
export function formatShortDate (ms: number, now: number = Date.now()): string {
  return dayNumber(now) === dayNumber(ms) ? formatsOf().time.format(ms) : formatsOf().day.format(ms)
}

/** "3 Mar 2025, 14:05" (tooltips). */
export function formatDateTime (ms: number): string {
  return formatsOf().full.format(ms)
}

/** A day heading in a chat: "Today", "Yesterday", else "3 March 2025". */
export function formatDay (ms: number, now: number = Date.now()): string {
  const days = dayNumber(now) - dayNumber(ms)
  if (days === 0) return t('common.today')
  if (days === 1) return t('common.yesterday')
  return formatsOf().dayWithYear.format(ms)
}

/**
 * When a contact was last connected, relative to `now`: "Last seen just
 * now" (under a minute), "… 5 minutes ago" (under an hour), "… today at
 * 6:30 AM", "… yesterday at 6:30 AM", else the date ("… Nov 3", with the
 * year when it is not this year's).
 */
export function formatLastSeen (ms: number, now: number = Date.now()): string {
  const ago = now - ms
  if (ago < MINUTE_MS) return t('chat.lastSeenJustNow')
  const f = formatsOf()
  if (ago < HOUR_MS) return t('chat.lastSeenAgo', { ago: f.relative.format(-Math.floor(ago / MINUTE_MS), 'minute') })
  const days = dayNumber(now) - dayNumber(ms)
  if (days === 0) return t('chat.lastSeenToday', { time: f.time.format(ms) })
  if (days === 1) return t('chat.lastSeenYesterday', { time: f.time.format(ms) })
  const thisYear = new Date(ms).getFullYear() === new Date(now).getFullYear()
  return t('chat.lastSeen', { time: (thisYear ? f.day : f.dayWithYear).format(ms) })
}

/**
 * The next moment after `now` at which {@link formatLastSeen} of `ms` reads
 * differently: the next whole minute in the first hour, else the next local
 * midnight (today becomes yesterday, yesterday a date).
 */
export function lastSeenChangesAt (ms: number, now: number): number {
  const ago = Math.max(0, now - ms)
  if (ago < HOUR_MS) return ms + (Math.floor(ago / MINUTE_MS) + 1) * MINUTE_MS
  const date = new Date(now)
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + 1).getTime()
}

/** True when `a` and `b` fall on the same local calendar day. */
export function sameDay (a: number, b: number): boolean {
  return dayNumber(a) === dayNumber(b)
}

/** ISO 8601, for `<time datetime>`. */
export function isoDate (ms: number): string {
  return new Date(ms).toISOString()
}

/** A PeerID or certificate hash longer than this is shortened on screen (a PeerID is 52 characters, a certhash 49). */
const LONG_VALUE = 16
/** The multiaddr protocols whose values are long and opaque. */
const OPAQUE = new Set(['p2p', 'certhash'])

/**
 * A multiaddr to read at a glance: each PeerID and certificate hash as its
 * first 6 and last 4 characters,
 * "/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3Ko…nXTN/p2p-circuit/p2p/12D3Ko…Wq2e";
 * host names and the rest as they are. Only for showing: copying or
 * dialling takes the whole address.
 */
export function shortAddress (address: string): string {
  const parts = address.split('/')
  return parts.map((part, i) => OPAQUE.has(parts[i - 1] ?? '') && part.length > LONG_VALUE ? `${part.slice(0, 6)}…${part.slice(-4)}` : part).join('/')
}
