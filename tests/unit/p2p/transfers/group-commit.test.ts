import { describe, expect, it, vi } from 'vitest'
import { GroupCommit } from '../../../../src/lib/p2p/transfers/group-commit.ts'

describe('GroupCommit', () => {
  it('writes the first item at once and the items that arrive meanwhile together, in order', async () => {
    const batches: number[][] = []
    const gates: Array<PromiseWithResolvers<void>> = []
    const commit = new GroupCommit(async (items: number[]) => {
      batches.push(items)
      const gate = Promise.withResolvers<void>()
      gates.push(gate)
      await gate.promise
    })
    const first = commit.add(1)
    const rest = [commit.add(2), commit.add(3), commit.add(4)]
    expect(batches).toEqual([[1]])
    gates[0]?.resolve()
    await first
    await expect.poll(() => batches.length).toBe(2)
    expect(batches[1]).toEqual([2, 3, 4])
    gates[1]?.resolve()
    await Promise.all(rest)
  })

  it('rejects the items of a failed batch only; later items are written', async () => {
    const written: number[] = []
    const commit = new GroupCommit(async (items: number[]) => {
      if (items.includes(2)) throw new Error('disk full')
      written.push(...items)
    })
    await commit.add(1)
    await expect(commit.add(2)).rejects.toThrow('disk full')
    await commit.add(3)
    expect(written).toEqual([1, 3])
  })
})

describe('GroupCommit with minIntervalMs', () => {
  it('starts batches at most that often; what arrives meanwhile waits and goes together', async () => {
    vi.useFakeTimers()
    try {
      const batches: Array<{ items: number[], at: number }> = []
      const commit = new GroupCommit(async (items: number[]) => { batches.push({ items, at: performance.now() }) }, { minIntervalMs: 250 })
      const start = performance.now()
      await commit.add(1) // nothing before it: written at once
      const later = [commit.add(2), commit.add(3)]
      await vi.advanceTimersByTimeAsync(100)
      later.push(commit.add(4))
      expect(batches.map(b => b.items)).toEqual([[1]])
      await vi.advanceTimersByTimeAsync(150)
      await Promise.all(later)
      expect(batches.map(b => b.items)).toEqual([[1], [2, 3, 4]])
      expect((batches[1]?.at ?? 0) - start).toBeGreaterThanOrEqual(250)
      // once the interval has passed with nothing waiting, the next item goes at once
      await vi.advanceTimersByTimeAsync(1000)
      await commit.add(5)
      expect(batches.map(b => b.items)).toEqual([[1], [2, 3, 4], [5]])
    } finally {
      vi.useRealTimers()
    }
  })

  it('hurry() writes what waits without waiting out the interval', async () => {
    vi.useFakeTimers()
    try {
      const batches: number[][] = []
      const commit = new GroupCommit(async (items: number[]) => { batches.push(items) }, { minIntervalMs: 10_000 })
      await commit.add(1)
      const waiting = [commit.add(2), commit.add(3)]
      await vi.advanceTimersByTimeAsync(10)
      expect(batches).toEqual([[1]])
      commit.hurry()
      await Promise.all(waiting)
      expect(batches).toEqual([[1], [2, 3]])
      expect(vi.getTimerCount()).toBe(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
