import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { KeyedRetry } from '../../src/scheduling/keyed-retry.ts'
import type { KeyedRetryInit } from '../../src/scheduling/keyed-retry.ts'

const BACKOFF = { initialMs: 1000, maxMs: 8000, jitter: 0 }

function retry (init: Partial<KeyedRetryInit<string>> = {}): { retry: KeyedRetry<string>, due: string[] } {
  const due: string[] = []
  const r = new KeyedRetry<string>({ backoff: BACKOFF, maxKeys: 4, onDue: (key) => { due.push(key) }, ...init })
  return { retry: r, due }
}

describe('KeyedRetry', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('plans each failure after a doubling back-off, capped, and fires onDue once per plan', () => {
    const { retry: r, due } = retry()
    expect(r.failed('a')).toBe(1000)
    expect(r.planned('a')).toBe(true)
    vi.advanceTimersByTime(999)
    expect(due).toEqual([])
    vi.advanceTimersByTime(1)
    expect(due).toEqual(['a'])
    expect(r.planned('a')).toBe(false)
    expect(r.failures('a')).toBe(1)
    expect([r.failed('a'), (vi.advanceTimersByTime(2000), r.failed('a')), (vi.advanceTimersByTime(4000), r.failed('a'))]).toEqual([2000, 4000, 8000])
    vi.advanceTimersByTime(8000)
    expect(r.failed('a')).toBe(8000)
    expect(due).toHaveLength(4)
  })

  it('does not count a failure or plan again while an attempt is planned', () => {
    const { retry: r, due } = retry()
    expect(r.failed('a')).toBe(1000)
    expect(r.failed('a')).toBeUndefined()
    expect(r.plan('a', 0)).toBe(false)
    expect(r.failures('a')).toBe(1)
    vi.advanceTimersByTime(1000)
    expect(due).toEqual(['a'])
  })

  it('plan() runs a key once after the given delay without counting a failure', () => {
    const { retry: r, due } = retry()
    expect(r.plan('a', 0)).toBe(true)
    vi.advanceTimersByTime(0)
    expect(due).toEqual(['a'])
    expect(r.failures('a')).toBe(0)
  })

  it('succeeded() forgets the failures and the plan', () => {
    const { retry: r, due } = retry()
    r.failed('a')
    vi.advanceTimersByTime(1000)
    r.failed('a')
    r.succeeded('a')
    vi.advanceTimersByTime(10_000)
    expect(due).toEqual(['a'])
    expect(r.failures('a')).toBe(0)
    expect(r.size).toBe(0)
    expect(r.failed('a')).toBe(1000)
  })

  it('cancel() drops the plan and keeps the count', () => {
    const { retry: r, due } = retry()
    r.failed('a')
    r.cancel('a')
    vi.advanceTimersByTime(10_000)
    expect(due).toEqual([])
    expect(r.failures('a')).toBe(1)
    expect(r.failed('a')).toBe(2000)
  })

  it('plans at most maxRetries retries in a row', () => {
    const { retry: r } = retry({ maxRetries: 2 })
    expect(r.failed('a')).toBe(1000)
    vi.advanceTimersByTime(1000)
    expect(r.failed('a')).toBe(2000)
    vi.advanceTimersByTime(2000)
    expect(r.failed('a')).toBeUndefined()
    expect(r.plan('a', 0)).toBe(false)
    r.forget('a')
    expect(r.plan('a', 0)).toBe(true)
  })

  it('is bounded: evicts the longest-remembered key by default', () => {
    const { retry: r, due } = retry({ maxKeys: 2 })
    r.failed('a')
    r.failed('b')
    r.failed('c')
    expect(r.size).toBe(2)
    expect(r.planned('a')).toBe(false)
    vi.advanceTimersByTime(1000)
    expect(due.sort()).toEqual(['b', 'c'])
  })

  it('is bounded: refuses a new key when told to', () => {
    const { retry: r, due } = retry({ maxKeys: 2, whenFull: 'refuse' })
    r.failed('a')
    r.failed('b')
    expect(r.failed('c')).toBeUndefined()
    expect(r.plan('c', 0)).toBe(false)
    vi.advanceTimersByTime(1000)
    expect(due.sort()).toEqual(['a', 'b'])
  })

  it('stop() clears every plan and plans nothing more', () => {
    const { retry: r, due } = retry()
    r.failed('a')
    r.plan('b', 5)
    expect(r.plannedKeys.sort()).toEqual(['a', 'b'])
    r.stop()
    expect(r.failed('c')).toBeUndefined()
    expect(r.plan('d', 0)).toBe(false)
    vi.advanceTimersByTime(60_000)
    expect(due).toEqual([])
    expect(r.size).toBe(0)
  })

  it('applies jitter from the given random source', () => {
    const { retry: r } = retry({ backoff: { initialMs: 1000, maxMs: 8000 }, random: () => 0 })
    expect(r.failed('a')).toBe(500)
  })

  it('a key planned again from its own onDue gets the next delay', () => {
    const due: number[] = []
    const r: KeyedRetry<string> = new KeyedRetry({
      backoff: BACKOFF,
      maxKeys: 4,
      onDue: () => { due.push(Date.now()); r.failed('a') }
    })
    const start = Date.now()
    r.failed('a')
    vi.advanceTimersByTime(1000 + 2000 + 4000)
    expect(due.map(t => t - start)).toEqual([1000, 3000, 7000])
    r.stop()
  })
})
