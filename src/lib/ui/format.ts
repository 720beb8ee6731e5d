/** Display formatting shared by components: pure functions of their arguments. */

const DAY_MS = 24 * 60 * 60 * 1000

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })

/** "14:05" */
export function formatTime (ms: number): string {
  return timeFormat.format(ms)
}

/** "14:05" today, "3 Mar" on other days (chat list). */
export function formatShortDate (ms: number, now: number = Date.now()): string {
  const sameDay = Math.abs(now - ms) < DAY_MS && new Date(now).getDate() === new Date(ms).getDate()
  return sameDay ? timeFormat.format(ms) : dayFormat.format(ms)
}

/** "3 Mar 2025, 14:05" (tooltips). */
export function formatDateTime (ms: number): string {
  return fullFormat.format(ms)
}

/** ISO 8601, for `<time datetime>`. */
export function isoDate (ms: number): string {
  return new Date(ms).toISOString()
}
