import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { firstStaggered, type StaggeredTask } from '../../src/scheduling/staggered.ts'

const DELAY_MS = 1000

/** Sources that answer when the test says: each records when it started and whether its signal aborted. */
function sources (count: number): { tasks: Array<StaggeredTask<string>>, started: number[], aborted: number[], answer: (i: number, result: string | undefined) => void, fail: (i: number, err: Error) => void } {
  const started: number[] = []
  const aborted: number[] = []
  const settle: Array<{ resolve: (r: string | undefined) => void, reject: (e: Error) => void }> = []
  const tasks = Array.from({ length: count }, (_, i) => async (signal: AbortSignal) => {
    started.push(i)
    signal.addEventListener('abort', () => { aborted.push(i) }, { once: true })
    return new Promise<string | undefined>((resolve, reject) => { settle[i] = { resolve, reject } })
  })
  return {
    tasks,
    started,
    aborted,
    answer: (i, result) => { settle[i]?.resolve(result) },
    fail: (i, err) => { settle[i]?.reject(err) }
  }
}

describe('firstStaggered', () => {
  beforeEach(() => { vi.useFakeTimers() })
  afterEach(() => { vi.useRealTimers() })

  it('asks one at a time while each answers in time: the first result wins, and the rest are never asked', async () => {
    const s = sources(3)
    const first = firstStaggered(s.tasks, DELAY_MS)
    await vi.advanceTimersByTimeAsync(DELAY_MS / 2)
    s.answer(0, undefined)
    await vi.advanceTimersByTimeAsync(DELAY_MS / 2)
    expect(s.started).toEqual([0, 1])
    s.answer(1, 'from 1')
    expect(await first).toBe('from 1')
    expect(s.started).toEqual([0, 1])
  })

  it('starts the next one beside a source that has not answered for delayMs, not before; the first result ends the other', async () => {
    const s = sources(3)
    const first = firstStaggered(s.tasks, DELAY_MS)
    await vi.advanceTimersByTimeAsync(DELAY_MS - 1)
    expect(s.started).toEqual([0])
    await vi.advanceTimersByTimeAsync(1)
    expect(s.started).toEqual([0, 1])
    s.answer(1, 'from 1')
    expect(await first).toBe('from 1')
    expect(s.aborted).toEqual([0, 1])
    await vi.advanceTimersByTimeAsync(10 * DELAY_MS)
    expect(s.started).toEqual([0, 1])
  })

  it('waits for a slow source when the others gave nothing: its late result still wins', async () => {
    const s = sources(2)
    const first = firstStaggered(s.tasks, DELAY_MS)
    await vi.advanceTimersByTimeAsync(DELAY_MS)
    s.answer(1, undefined)
    await vi.advanceTimersByTimeAsync(5 * DELAY_MS)
    s.answer(0, 'late')
    expect(await first).toBe('late')
  })

  it('undefined once every source gave nothing, the slow one included', async () => {
    const s = sources(3)
    let done = false
    const first = firstStaggered(s.tasks, DELAY_MS).finally(() => { done = true })
    await vi.advanceTimersByTimeAsync(DELAY_MS)
    s.answer(1, undefined)
    await vi.advanceTimersByTimeAsync(0)
    s.answer(2, undefined)
    await vi.advanceTimersByTimeAsync(DELAY_MS)
    expect(done).toBe(false)
    s.answer(0, undefined)
    expect(await first).toBeUndefined()
    expect(s.started).toEqual([0, 1, 2])
  })

  it('a rejection rejects at once and ends the others', async () => {
    const s = sources(2)
    const first = firstStaggered(s.tasks, DELAY_MS)
    await vi.advanceTimersByTimeAsync(DELAY_MS)
    s.fail(1, new Error('stopping'))
    await expect(first).rejects.toThrow('stopping')
    expect(s.aborted).toContain(0)
  })

  it('no source: undefined', async () => {
    expect(await firstStaggered([], DELAY_MS)).toBeUndefined()
  })
})
