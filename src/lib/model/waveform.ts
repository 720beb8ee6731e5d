/**
 * A voice message's waveform (docs/protocols.md, "Voice messages"): the
 * loudness levels the recorder sampled while recording, brought down to at
 * most MAX_WAVEFORM_BYTES samples of 0 (silence) .. 255 (the loudest moment
 * of this recording), and the times the player shows. Pure functions.
 */
import { MAX_WAVEFORM_BYTES } from '@parley/protocol/chat/constants'

/** Below this level (RMS of a full-scale signal = 1) a recording counts as silence: its waveform stays flat. */
export const SILENCE_LEVEL = 0.002

/**
 * `levels` (RMS loudness, 0..1, evenly spaced in time) as at most `max`
 * bytes: each byte is the loudest level of its stretch of the recording,
 * scaled so that the loudest moment is 255. At least one byte, even for no
 * levels at all (then 0). Levels that are not finite or negative count as 0.
 */
export function downsampleWaveform (levels: ArrayLike<number>, max: number = MAX_WAVEFORM_BYTES): Uint8Array {
  const count = Math.max(1, Math.min(Math.floor(max), levels.length))
  const peaks = new Float64Array(count)
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i] ?? 0
    const value = Number.isFinite(level) && level > 0 ? level : 0
    const bucket = Math.min(count - 1, Math.floor(i * count / levels.length))
    if (value > (peaks[bucket] ?? 0)) peaks[bucket] = value
  }
  let loudest = 0
  for (const peak of peaks) loudest = Math.max(loudest, peak)
  const out = new Uint8Array(count)
  if (loudest < SILENCE_LEVEL) return out
  for (let i = 0; i < count; i++) out[i] = Math.round(255 * (peaks[i] ?? 0) / loudest)
  return out
}

/** `ms` as the player shows it: m:ss (h:mm:ss past an hour); negative or unknown times show 0:00. */
export function formatClock (ms: number): string {
  const total = Number.isFinite(ms) && ms > 0 ? Math.floor(ms / 1000) : 0
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor(total / 60) % 60
  const seconds = String(total % 60).padStart(2, '0')
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`
}
