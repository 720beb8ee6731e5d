import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_MARK_READ_IDS } from '../../../src/lib/contract/methods/actions.ts'
import type { ContactId, MessageId } from '../../../src/lib/db/types.ts'
import { MAX_PENDING_READS, READ_BATCH_MS, ReadBatcher } from '../../../src/lib/state/read-batcher.ts'

/** Read marks gathered and sent in batches (state/read-batcher.ts). */

const ALICE: ContactId = 1
const BOB: ContactId = 2
const id = (n: number): MessageId => `m${n}` as MessageId

describe('ReadBatcher', () => {
  let calls: Array<{ contactId: ContactId, ids: MessageId[] }>
  let answer: () => Promise<unknown>
  let reads: ReadBatcher

  beforeEach(() => {
    vi.useFakeTimers()
    calls = []
    answer = async () => null
    reads = new ReadBatcher(async (contactId, ids) => {
      calls.push({ contactId, ids })
      return answer()
    })
  })

  afterEach(() => {
    reads.close()
    vi.useRealTimers()
  })

  it('sends the ids seen within READ_BATCH_MS in one call, each once', () => {
    reads.add(ALICE, id(1))
    reads.add(ALICE, id(2))
    reads.add(ALICE, id(1))
    vi.advanceTimersByTime(READ_BATCH_MS - 1)
    expect(calls).toEqual([])
    vi.advanceTimersByTime(1)
    expect(calls).toEqual([{ contactId: ALICE, ids: [id(1), id(2)] }])
  })

  it('splits a large batch into calls of at most MAX_MARK_READ_IDS', () => {
    const count = MAX_MARK_READ_IDS * 2 + 5
    for (let n = 0; n < count; n++) reads.add(ALICE, id(n))
    vi.advanceTimersByTime(READ_BATCH_MS)
    expect(calls.map(c => c.ids.length)).toEqual([MAX_MARK_READ_IDS, MAX_MARK_READ_IDS, 5])
    expect(new Set(calls.flatMap(c => c.ids)).size).toBe(count)
  })

  it('keeps at most MAX_PENDING_READS waiting or on their way', () => {
    for (let n = 0; n < MAX_PENDING_READS + 10; n++) reads.add(ALICE, id(n))
    vi.advanceTimersByTime(READ_BATCH_MS)
    expect(calls.flatMap(c => c.ids)).toHaveLength(MAX_PENDING_READS)
  })

  it('an id on its way is not sent again; once its call settled (or failed) it may be', async () => {
    let settle: () => void = () => {}
    answer = async () => new Promise<void>((resolve) => { settle = resolve })
    reads.add(ALICE, id(1))
    vi.advanceTimersByTime(READ_BATCH_MS)
    reads.add(ALICE, id(1))
    vi.advanceTimersByTime(READ_BATCH_MS)
    expect(calls).toHaveLength(1)
    settle()
    await vi.runAllTimersAsync()
    answer = async () => { throw new Error('node gone') }
    vi.spyOn(console, 'error').mockImplementation(() => {})
    reads.add(ALICE, id(1))
    vi.advanceTimersByTime(READ_BATCH_MS)
    await vi.runAllTimersAsync()
    reads.add(ALICE, id(1))
    vi.advanceTimersByTime(READ_BATCH_MS)
    expect(calls.map(c => c.ids)).toEqual([[id(1)], [id(1)], [id(1)]])
  })

  it('another chat sends the first chat\'s ids at once; closing sends what waits', () => {
    reads.add(ALICE, id(1))
    reads.add(BOB, id(2))
    expect(calls).toEqual([{ contactId: ALICE, ids: [id(1)] }])
    reads.close()
    expect(calls).toEqual([{ contactId: ALICE, ids: [id(1)] }, { contactId: BOB, ids: [id(2)] }])
    expect(vi.getTimerCount()).toBe(0)
  })
})
