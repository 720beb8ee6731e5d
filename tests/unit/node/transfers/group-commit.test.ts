import { describe, expect, it } from 'vitest'
import { groupCommit } from '../../../../src/lib/node/transfers/group-commit.ts'

describe('groupCommit', () => {
  it('writes the first item at once and the items that arrive meanwhile together, in order', async () => {
    const batches: number[][] = []
    const gates: Array<PromiseWithResolvers<void>> = []
    const record = groupCommit(async (items: number[]) => {
      batches.push(items)
      const gate = Promise.withResolvers<void>()
      gates.push(gate)
      await gate.promise
    })
    const first = record(1)
    const rest = [record(2), record(3), record(4)]
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
    const record = groupCommit(async (items: number[]) => {
      if (items.includes(2)) throw new Error('disk full')
      written.push(...items)
    })
    await record(1)
    await expect(record(2)).rejects.toThrow('disk full')
    await record(3)
    expect(written).toEqual([1, 3])
  })
})
