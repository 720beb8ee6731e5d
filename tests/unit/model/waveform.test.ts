/** A voice message's waveform and the player's clock (model/waveform.ts). */
import { describe, expect, it } from 'vitest'
import { MAX_WAVEFORM_BYTES } from '@parley/protocol/chat/constants'
import { downsampleWaveform, formatClock, SILENCE_LEVEL } from '../../../src/lib/model/waveform.ts'

describe('downsampleWaveform', () => {
  it('keeps one sample per level when there are few, scaled so the loudest is 255', () => {
    expect([...downsampleWaveform([0.1, 0.2, 0.4, 0])]).toEqual([64, 128, 255, 0])
  })

  it('brings many levels down to MAX_WAVEFORM_BYTES, each the loudest of its stretch', () => {
    const levels = Array.from({ length: 1000 }, (_, i): number => (i % 10 === 3 ? 0.5 : 0.05))
    levels[995] = 1
    const wave = downsampleWaveform(levels)
    expect(wave.length).toBe(MAX_WAVEFORM_BYTES)
    // every stretch of ten holds one 0.5 peak: 128 of 255, except the last, which holds the 1
    expect([...wave.slice(0, 99)].every(v => v === 128)).toBe(true)
    expect(wave[99]).toBe(255)
  })

  it('spreads levels that do not divide evenly over every sample, in order', () => {
    const levels = Array.from({ length: 250 }, (_, i) => i / 249)
    const wave = downsampleWaveform(levels, 100)
    expect(wave.length).toBe(100)
    expect(wave[99]).toBe(255)
    for (let i = 1; i < wave.length; i++) expect(wave[i]).toBeGreaterThanOrEqual(wave[i - 1] ?? 0)
  })

  it('is flat for silence, and one byte for no levels at all', () => {
    expect([...downsampleWaveform([SILENCE_LEVEL / 2, 0, 0])]).toEqual([0, 0, 0])
    expect([...downsampleWaveform([])]).toEqual([0])
  })

  it('counts levels that are not finite or below zero as silence', () => {
    expect([...downsampleWaveform([Number.NaN, -1, 0.5, Number.POSITIVE_INFINITY])]).toEqual([0, 0, 255, 0])
  })
})

describe('formatClock', () => {
  it('shows m:ss, and h:mm:ss past an hour', () => {
    expect(formatClock(0)).toBe('0:00')
    expect(formatClock(2999)).toBe('0:02')
    expect(formatClock(65_000)).toBe('1:05')
    expect(formatClock(15 * 60_000)).toBe('15:00')
    expect(formatClock(3_723_000)).toBe('1:02:03')
  })

  it('shows 0:00 for negative or unknown times', () => {
    expect(formatClock(-5)).toBe('0:00')
    expect(formatClock(Number.NaN)).toBe('0:00')
    expect(formatClock(Number.POSITIVE_INFINITY)).toBe('0:00')
  })
})
