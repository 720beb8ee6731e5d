import { describe, expect, it, vi } from 'vitest'
import { ChunkKeeper } from '../../../../src/lib/p2p/transfers/chunk-keeper.ts'

/** A storage whose writes finish when the test says so. */
function gatedWrites (): { write: (index: number) => Promise<void>, finish: (index: number) => void, fail: (index: number, err: Error) => void, started: number[] } {
  const gates = new Map<number, PromiseWithResolvers<void>>()
  const started: number[] = []
  const gate = (index: number): PromiseWithResolvers<void> => {
    let g = gates.get(index)
    if (g === undefined) {
      g = Promise.withResolvers<void>()
      gates.set(index, g)
    }
    return g
  }
  return {
    started,
    write: async (index) => {
      started.push(index)
      await gate(index).promise
    },
    finish: (index) => { gate(index).resolve() },
    fail: (index, err) => { gate(index).reject(err) }
  }
}

const chunk = new Uint8Array(4)

describe('ChunkKeeper', () => {
  it('keeps at most `parallel` writes under way: keep() waits for the oldest', async () => {
    const storage = gatedWrites()
    const keeper = new ChunkKeeper({ write: storage.write, record: async () => {}, parallel: 2, recordIntervalMs: 0, maxUnrecorded: 100 })
    await keeper.keep(0, chunk)
    let third = false
    const second = keeper.keep(1, chunk).then(() => { third = true })
    await vi.waitFor(() => { expect(storage.started).toEqual([0, 1]) })
    expect(third).toBe(false)
    storage.finish(0)
    await second
    storage.finish(1)
    await keeper.settle()
  })

  it('records only durable chunks, several in one record at most every interval; settle() records the last ones at once', async () => {
    vi.useFakeTimers()
    try {
      const storage = gatedWrites()
      const records: number[][] = []
      const keeper = new ChunkKeeper({
        write: storage.write,
        record: async (indices) => { records.push(indices) },
        parallel: 8,
        recordIntervalMs: 50,
        maxUnrecorded: 100
      })
      for (const index of [0, 1, 2, 3]) await keeper.keep(index, chunk)
      storage.finish(0)
      await vi.advanceTimersByTimeAsync(0)
      expect(records).toEqual([[0]])
      storage.finish(2)
      storage.finish(1)
      await vi.advanceTimersByTimeAsync(10)
      // durable, but within the interval: not recorded yet
      expect(records).toEqual([[0]])
      let settled = false
      const settling = keeper.settle().then(() => { settled = true })
      await vi.advanceTimersByTimeAsync(5)
      expect(settled).toBe(false) // chunk 3 is still being written
      storage.finish(3)
      await vi.advanceTimersByTimeAsync(0)
      await settling
      // settle() does not wait out the interval: 2, 1 and 3 in one record, in the order they became durable
      expect(records).toEqual([[0], [2, 1, 3]])
      expect(performance.now()).toBeLessThan(50)
    } finally {
      vi.useRealTimers()
    }
  })

  it('throws a failed write from keep() or settle(), and records nothing for it', async () => {
    const storage = gatedWrites()
    const record = vi.fn(async () => {})
    const keeper = new ChunkKeeper({ write: storage.write, record, parallel: 1, recordIntervalMs: 0, maxUnrecorded: 100 })
    const first = keeper.keep(0, chunk)
    storage.fail(0, new Error('disk full'))
    await expect(first).rejects.toThrow('disk full')
    await expect(keeper.settle()).rejects.toThrow('disk full')
    expect(record).not.toHaveBeenCalled()
  })

  it('throws a failed record (a cancelled transfer) from the next keep()', async () => {
    const keeper = new ChunkKeeper({
      write: async () => {},
      record: async () => { throw new Error('cancelled') },
      parallel: 4,
      recordIntervalMs: 0,
      maxUnrecorded: 100
    })
    await keeper.keep(0, chunk)
    await expect(keeper.settle()).rejects.toThrow('cancelled')
    await expect(keeper.keep(1, chunk)).rejects.toThrow('cancelled')
  })

  it('waits in keep() while maxUnrecorded chunks wait for their record', async () => {
    const gate = Promise.withResolvers<void>()
    const records: number[][] = []
    const keeper = new ChunkKeeper({
      write: async () => {},
      record: async (indices) => {
        records.push(indices)
        await gate.promise
      },
      parallel: 8,
      recordIntervalMs: 0,
      maxUnrecorded: 2
    })
    await keeper.keep(0, chunk)
    let returned = false
    const second = keeper.keep(1, chunk).then(() => { returned = true })
    await vi.waitFor(() => { expect(records).toEqual([[0]]) })
    expect(returned).toBe(false)
    gate.resolve()
    await second
    await keeper.settle()
    expect(records).toEqual([[0], [1]])
  })
})
