/** chatItems (ui/chat-items.ts): day headings, and entries kept while unchanged. */
import { describe, expect, it } from 'vitest'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { chatItems } from '../../../src/lib/ui/chat-items.ts'

const DAY_MS = 24 * 60 * 60 * 1000
const NOW = new Date(2026, 10, 23, 12, 0).getTime()

function message (id: string, sentAt: number): MessageRow {
  return { id: id as MessageId, contactId: 1 as ContactId, direction: 'in', fromPeerId: 'p', kind: 'text', body: id, sentAt, state: 'delivered' }
}

describe('chatItems', () => {
  it('puts a day heading on the first message of each day', () => {
    const shown = [message('a', NOW - DAY_MS), message('b', NOW - DAY_MS + 1000), message('c', NOW - 1000)]
    const items = chatItems(shown, [], NOW)
    expect(items.map(i => [i.key, i.day])).toEqual([['a', 'Yesterday'], ['b', undefined], ['c', 'Today']])
  })

  it('keeps the entries whose message and heading did not change', () => {
    const a = message('a', NOW - 2000)
    const b = message('b', NOW - 1000)
    const first = chatItems([a, b], [], NOW)
    const c = message('c', NOW)
    const second = chatItems([a, b, c], first, NOW)
    expect(second[0]).toBe(first[0])
    expect(second[1]).toBe(first[1])
    expect(second[2]).toEqual({ key: 'c', message: c, day: undefined })

    // a changed row (a receipt) is a new entry; the others stay
    const bDelivered = { ...b, state: 'read' as const }
    const third = chatItems([a, bDelivered, c], second, NOW)
    expect(third[0]).toBe(first[0])
    expect(third[1]).not.toBe(second[1])
    expect(third[1]?.message).toBe(bDelivered)
    expect(third[2]).toBe(second[2])
  })

  it('gives a message a new entry when its heading changes (an older message of its day came in front)', () => {
    const b = message('b', NOW - 1000)
    const first = chatItems([b], [], NOW)
    expect(first[0]?.day).toBe('Today')
    const second = chatItems([message('a', NOW - 2000), b], first, NOW)
    expect(second[1]).not.toBe(first[0])
    expect(second[1]?.day).toBeUndefined()
  })
})
