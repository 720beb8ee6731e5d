/**
 * Progress figures for file transfers: a rate meter fed with (time, bytes)
 * samples, and the words and numbers a file card shows. Pure functions of
 * their arguments (the meter keeps its own bounded buffer).
 *
 * Sizes use binary units (1 KiB = 1024 B), as the rest of the codebase does.
 */

import { formatBytes } from '../files/size.ts'
import type { TransferRow } from '../db/types.ts'

/** How far back the meter averages: long enough to smooth bursts of chunks, short enough to follow a change of path. */
export const RATE_WINDOW_MS = 3_000

/** Most samples the meter keeps, whatever the window: a fast writer cannot grow it. */
export const MAX_RATE_SAMPLES = 32


/** Every user-visible word of this module, in one place (for i18n later). */
const TEXT = {
  preparing: 'Preparing…',
  waitingOnline: (name: string) => `Waiting for ${name} to come online`,
  waitingToFetch: (name: string) => `Waiting for ${name} to download it`,
  waitingSlot: 'Waiting for other downloads to finish',
  waitingDirect: 'Waiting for a direct connection',
  sending: 'Sending',
  receiving: 'Receiving',
  verifying: 'Checking the file…',
  sent: 'Sent',
  received: 'Received',
  cancelledByMe: 'Cancelled by you',
  cancelledByPeer: (name: string) => `Cancelled by ${name}`,
  cancelled: 'Cancelled',
  failed: (reason: string) => `Failed: ${reason}`,
  failedNoReason: 'Failed',
  seconds: (s: number) => `${s} s`,
  minutes: (m: number) => `${m} min`,
  hours: (h: number) => `${h} h`,
  hoursMinutes: (h: number, m: number) => `${h} h ${m} min`,
  perSecond: (size: string) => `${size}/s`
} as const

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
  return TEXT.perSecond(formatBytes(bytesPerSecond))
}

/** "12 s", "3 min", "1 h 5 min"; '' when unknown or negative. */
export function formatEta (seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return ''
  const s = Math.ceil(seconds)
  if (s < 60) return TEXT.seconds(s)
  const minutes = Math.round(s / 60)
  if (minutes < 60) return TEXT.minutes(minutes)
  let h = Math.floor(s / 3600)
  let m = Math.round((s % 3600) / 60)
  if (m === 60) {
    h++
    m = 0
  }
  return m === 0 ? TEXT.hours(h) : TEXT.hoursMinutes(h, m)
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
 * A short status of a transfer in words, for every state and direction.
 * `contactName` is the other side's display name; `path` is how we reach them
 * right now (undefined: not connected), which tells apart the reasons for
 * waiting.
 */
export function transferLabel (row: TransferRow, contactName: string, path?: 'direct' | 'relayed'): string {
  const outgoing = row.direction === 'out'
  switch (row.state) {
    case 'preparing':
      return TEXT.preparing
    case 'waiting':
      if (path === undefined) return TEXT.waitingOnline(contactName)
      return outgoing ? TEXT.waitingToFetch(contactName) : TEXT.waitingSlot
    case 'waiting-direct':
      return TEXT.waitingDirect
    case 'active':
      return outgoing ? TEXT.sending : TEXT.receiving
    case 'verifying':
      return TEXT.verifying
    case 'complete':
      return outgoing ? TEXT.sent : TEXT.received
    case 'cancelled':
      if (row.cancelledBy === 'me') return TEXT.cancelledByMe
      if (row.cancelledBy === 'peer') return TEXT.cancelledByPeer(contactName)
      return TEXT.cancelled
    case 'failed': {
      const reason = row.error?.trim() ?? ''
      return reason === '' ? TEXT.failedNoReason : TEXT.failed(reason)
    }
  }
}

/** States in which the transfer can still move: the card shows progress and a Cancel button. */
export function isUnfinished (row: TransferRow): boolean {
  return row.state !== 'complete' && row.state !== 'cancelled' && row.state !== 'failed'
}

export { formatBytes }
