/**
 * Display formatting shared by components: pure functions of their arguments
 * and the current locale (lib/i18n), which the UI is remounted on.
 */
import { getLocale, t, type Locale } from '../i18n/index.ts'

const DAY_MS = 24 * 60 * 60 * 1000

interface Formats {
  time: Intl.DateTimeFormat
  day: Intl.DateTimeFormat
  dayWithYear: Intl.DateTimeFormat
  full: Intl.DateTimeFormat
}

const formats = new Map<Locale, Formats>()

function formatsOf (locale: Locale = getLocale()): Formats {
  let found = formats.get(locale)
  if (found === undefined) {
    found = {
      time: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }),
      day: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }),
      dayWithYear: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric' }),
      full: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' })
    }
    formats.set(locale, found)
  }
  return found
}

/** The local calendar day of `ms` as a number (for comparing days). */
function dayNumber (ms: number): number {
  const date = new Date(ms)
  return Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) / DAY_MS
}

/** "14:05" */
export function formatTime (ms: number): string {
  return formatsOf().time.format(ms)
}

/** "14:05" today, "3 Mar" on other days (chat list). */
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

/** True when `a` and `b` fall on the same local calendar day. */
export function sameDay (a: number, b: number): boolean {
  return dayNumber(a) === dayNumber(b)
}

/** ISO 8601, for `<time datetime>`. */
export function isoDate (ms: number): string {
  return new Date(ms).toISOString()
}
