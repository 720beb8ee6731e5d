import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../src/scheduling/backoff.ts'
import type { BackoffOptions } from '../../src/scheduling/backoff.ts'

const options: BackoffOptions = { initialMs: 1000, maxMs: 60_000 }
const top = (): number => 1
const bottom = (): number => 0
const middle = (): number => 0.5

describe('backoffDelay', () => {
  it('waits about initialMs on attempt 0', () => {
    expect(backoffDelay(0, options, top)).toBe(1000)
    expect(backoffDelay(0, options, bottom)).toBe(500)
    expect(backoffDelay(0, options, middle)).toBe(750)
  })

  it('doubles with each attempt', () => {
    expect([0, 1, 2, 3, 4, 5].map(n => backoffDelay(n, options, top))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000])
    expect([0, 1, 2, 3].map(n => backoffDelay(n, options, bottom))).toEqual([500, 1000, 2000, 4000])
  })

  it('never exceeds maxMs', () => {
    expect(backoffDelay(6, options, top)).toBe(60_000)
    expect(backoffDelay(7, options, top)).toBe(60_000)
    expect(backoffDelay(20, options, top)).toBe(60_000)
    // the jitter applies to the capped delay
    expect(backoffDelay(20, options, bottom)).toBe(30_000)
    for (let n = 0; n < 100; n++) {
      expect(backoffDelay(n, options, top)).toBeLessThanOrEqual(options.maxMs)
    }
  })

  it('is capped by maxMs already on attempt 0 when initialMs is larger', () => {
    expect(backoffDelay(0, { initialMs: 5000, maxMs: 2000 }, top)).toBe(2000)
  })

  it('grows monotonically for a fixed random value', () => {
    for (const random of [bottom, middle, top]) {
      const delays = Array.from({ length: 40 }, (_, n) => backoffDelay(n, options, random))
      expect(delays).toEqual([...delays].sort((a, b) => a - b))
      expect(delays.at(-1)).toBeGreaterThan(delays[0] ?? Infinity)
    }
  })

  describe('jitter', () => {
    it('with the default 0.5, spans [base / 2, base]', () => {
      expect(backoffDelay(3, options, bottom)).toBe(4000)
      expect(backoffDelay(3, options, top)).toBe(8000)
      expect(backoffDelay(3, options, () => 0.25)).toBe(5000)
    })

    it('with 0, is the exact base whatever the random value', () => {
      const o: BackoffOptions = { ...options, jitter: 0 }
      expect(backoffDelay(2, o, bottom)).toBe(4000)
      expect(backoffDelay(2, o, top)).toBe(4000)
      expect(backoffDelay(2, o, () => 0.37)).toBe(4000)
    })

    it('with 1, spans [0, base]', () => {
      const o: BackoffOptions = { ...options, jitter: 1 }
      expect(backoffDelay(2, o, bottom)).toBe(0)
      expect(backoffDelay(2, o, top)).toBe(4000)
      expect(backoffDelay(2, o, middle)).toBe(2000)
    })

    it('with 0.2, spans [0.8 base, base]', () => {
      const o: BackoffOptions = { ...options, jitter: 0.2 }
      expect(backoffDelay(1, o, bottom)).toBe(1600)
      expect(backoffDelay(1, o, top)).toBe(2000)
    })

    it('returns whole milliseconds', () => {
      const o: BackoffOptions = { initialMs: 333, maxMs: 10_000 }
      for (const r of [0, 0.1, 0.333, 0.5, 0.77, 0.999, 1]) {
        const delay = backoffDelay(1, o, () => r)
        expect(Number.isInteger(delay)).toBe(true)
        expect(delay).toBeGreaterThanOrEqual(333)
        expect(delay).toBeLessThanOrEqual(666)
      }
    })

    it('uses Math.random by default, staying within the range', () => {
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelay(2, options)
        expect(delay).toBeGreaterThanOrEqual(2000)
        expect(delay).toBeLessThanOrEqual(4000)
      }
    })
  })

  describe('huge attempt numbers', () => {
    it('stay finite and capped', () => {
      for (const attempt of [31, 100, 1024, 1_000_000, Number.MAX_SAFE_INTEGER, Number.MAX_VALUE, Infinity]) {
        const delay = backoffDelay(attempt, options, top)
        expect(Number.isFinite(delay)).toBe(true)
        expect(delay).toBe(60_000)
        expect(backoffDelay(attempt, options, bottom)).toBe(30_000)
      }
    })

    it('do not overflow even when maxMs is effectively unbounded', () => {
      const o: BackoffOptions = { initialMs: 1000, maxMs: Number.MAX_SAFE_INTEGER }
      const delay = backoffDelay(10_000, o, top)
      expect(Number.isFinite(delay)).toBe(true)
      expect(delay).toBe(1000 * 2 ** 30) // the exponent is capped at 30
      expect(backoffDelay(Infinity, o, top)).toBe(1000 * 2 ** 30)
    })
  })
})
