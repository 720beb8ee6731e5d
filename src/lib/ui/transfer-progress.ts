/**
 * Progress figures for file transfers: a rate meter fed with (time, bytes)
 * samples, and the words and numbers a file card shows. Pure functions of
 * their arguments (the meter keeps its own bounded buffer).
 *
 * Sizes use binary units (1 KiB = 1024 B), as the rest of the codebase does.
 * Words, units and decimal separators follow the current locale (lib/i18n).
 */

import type { TransferRow } from '../db/types.ts'
import { getLocale, t } from '../i18n/index.ts'
import { errorText } from '../i18n/error-text.ts'
import { formatBytes } from '../i18n/size.ts'

/** How far back the meter averages: long enough to smooth bursts of chunks, short enough to follow a change of path. */
export const RATE_WINDOW_MS = 3_000

/** Most samples the meter keeps, whatever the window: a fast writer cannot grow it. */
export const MAX_RATE_SAMPLES = 32


interface Sample {
  atMs: number
  bytes: number
}

/** A smoothed transfer rate over the last RATE_WINDOW_MS of samples. */
export interface RateMeter {
  /**
   * Records that `bytesDone` bytes were done at `atMs` (ms, any monotonic-ish
   * clock). A sample older than the latest is ignored; fewer bytes than
   * before (a restart) starts the measurement again.
   */
  sample: (atMs: number, bytesDone: number) => void
  /** Bytes per second, or undefined with fewer than two samples. 0 when nothing moved within the window. */
  speed: () => number | undefined
  /** Seconds until `totalBytes` are done at the current speed; undefined while unknown or stalled, 0 when done. */
  eta: (totalBytes: number) => number | undefined
  /** Forgets every sample (the transfer paused or ended). */
  reset: () => void
}

export interface RateMeterOptions {
  windowMs?: number
  maxSamples?: number
}

export function createRateMeter (options: RateMeterOptions = {}): RateMeter {
  const windowMs = options.windowMs ?? RATE_WINDOW_MS
  const maxSamples = Math.max(2, options.maxSamples ?? MAX_RATE_SAMPLES)
  let samples: Sample[] = []

  function sample (atMs: number, bytesDone: number): void {
    if (!Number.isFinite(atMs) || !Number.isFinite(bytesDone)) return
    const last = samples.at(-1)
    if (last !== undefined) {
      if (atMs < last.atMs) return
      if (bytesDone < last.bytes) samples = []
      else if (atMs === last.atMs) samples.pop()
    }
    samples.push({ atMs, bytes: bytesDone })
    // Keep one sample at or before the window's start, so the average spans
    // the whole window even when updates are sparse.
    while (samples.length > 2 && (samples[1] as Sample).atMs <= atMs - windowMs) samples.shift()
    while (samples.length > maxSamples) samples.shift()
  }

  function speed (): number | undefined {
    const first = samples[0]
    const last = samples.at(-1)
    if (first === undefined || last === undefined || samples.length < 2) return undefined
    const elapsedMs = last.atMs - first.atMs
    if (elapsedMs <= 0) return undefined
    return ((last.bytes - first.bytes) * 1000) / elapsedMs
  }

  function eta (totalBytes: number): number | undefined {
    const last = samples.at(-1)
    if (last === undefined) return undefined
    const remaining = totalBytes - last.bytes
    if (remaining <= 0) return 0
    const bytesPerSecond = speed()
    if (bytesPerSecond === undefined || bytesPerSecond <= 0) return undefined
    return Math.ceil(remaining / bytesPerSecond)
  }

  function reset (): void {
    samples = []
  }

  return { sample, speed, eta, reset }
}


/** "1.5 MiB/s"; '' when the speed is unknown or not positive. */
export function formatSpeed (bytesPerSecond: number | undefined): string {
  if (bytesPerSecond === undefined || !Number.isFinite(bytesPerSecond) || bytesPerSecond <= 0) return ''
  return t('files.perSecond', { size: formatBytes(bytesPerSecond) })
}

/** "12 s", "3 min", "1 h 5 min"; '' when unknown or negative. */
export function formatEta (seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return ''
  const s = Math.ceil(seconds)
  if (s < 60) return t('files.seconds', { s })
  const minutes = Math.round(s / 60)
  if (minutes < 60) return t('files.minutes', { m: minutes })
  let h = Math.floor(s / 3600)
  let m = Math.round((s % 3600) / 60)
  if (m === 60) {
    h++
    m = 0
  }
  return m === 0 ? t('files.hours', { h }) : t('files.hoursMinutes', { h, m })
}

/**
 * Whole percent of `done` out of `total`, 0..100, rounded down so 100 means
 * really done. A 0-byte file has nothing to count: it is 100 once `complete`.
 */
export function percentOf (done: number, total: number, complete = false): number {
  if (complete) return 100
  if (!Number.isFinite(total) || total <= 0 || !Number.isFinite(done) || done <= 0) return 0
  return Math.min(100, Math.floor((done * 100) / total))
}

/**
 * A transfer's status as an unfilled sentence: `text` may hold `{name}` (the
 * contact's display name, user data: see ui/template.ts) and is otherwise
 * final. `path` is how we reach the contact right now (undefined: not
 * connected), which tells apart the reasons for waiting.
 */
export function transferLabelTemplate (row: TransferRow, path?: 'direct' | 'relayed'): string {
  const outgoing = row.direction === 'out'
  switch (row.state) {
    case 'preparing':
      return t('files.preparing')
    case 'waiting':
      if (path === undefined) return t('files.waitingOnline')
      return outgoing ? t('files.waitingToFetch') : t('files.waitingSlot')
    case 'waiting-direct':
      // too big for the relay: the reason, and what helps
      return row.problem == null ? t('files.waitingDirect') : errorText(row.problem.code, row.problem.params)
    case 'active':
      return outgoing ? t('files.sending') : t('files.receiving')
    case 'verifying':
      return t('files.verifying')
    case 'complete':
      return outgoing ? t('files.sent') : t('files.received')
    case 'cancelled':
      if (row.cancelledBy === 'me') return t('files.cancelledByMe')
      if (row.cancelledBy === 'peer') return t('files.cancelledByPeer')
      return t('files.cancelled')
    case 'failed': {
      // the row keeps the reason as a code: worded here, in this locale
      const reason = row.problem == null ? '' : errorText(row.problem.code, row.problem.params).trim()
      return reason === '' ? t('files.failedNoReason') : t('files.failed', { reason })
    }
  }
}

/**
 * A short status of a transfer in words, for every state and direction.
 * `contactName` is the other side's display name; `path` as in
 * `transferLabelTemplate`.
 */
export function transferLabel (row: TransferRow, contactName: string, path?: 'direct' | 'relayed'): string {
  // a split, not a replace: a reason may hold "{name}" too, and `$` in a name is no pattern
  const template = transferLabelTemplate(row, path)
  return row.state === 'failed' ? template : template.split('{name}').join(contactName)
}

/** States in which the transfer can still move: the card shows progress and a Cancel button. */
export function isUnfinished (row: TransferRow): boolean {
  return row.state !== 'complete' && row.state !== 'cancelled' && row.state !== 'failed'
}

/**
 * "0 B", "512 B", "1.5 KiB", "12 KiB", "3.2 GiB" ("1,5 КиБ" in Russian): the
 * same words as sizes in error messages (i18n/size.ts).
 */
export { formatBytes }

/** One percent format per locale: making one is far dearer than using it, and a card formats on every progress update. */
const percentFormats = new Map<string, Intl.NumberFormat>()

/** "45%" ("45 %" in Russian): a whole percent, 0..100, in the locale's way. */
export function formatPercent (percent: number): string {
  const locale = getLocale()
  let format = percentFormats.get(locale)
  if (format === undefined) {
    format = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 })
    percentFormats.set(locale, format)
  }
  return format.format(percent / 100)
}
