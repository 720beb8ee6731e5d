import { describe, expect, it } from 'vitest'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { MAX_ANNOUNCED, applyAnnounced, mergeMessages, pruneAnnounced } from '../../../src/lib/state/announced.ts'

const ALICE: ContactId = 1
const BOB: ContactId = 2

function row (id: string, sentAt: number, contactId: ContactId = ALICE): MessageRow {
  return { id: id as MessageId, contactId, direction: 'in', fromPeerId: 'peer', kind: 'text', body: `body ${id}`, sentAt, receivedAt: sentAt, state: 'delivered' }
}

const ids = (rows: readonly MessageRow[]): string[] => rows.map(m => m.id)

describe('applyAnnounced', () => {
  it('adds a message of this chat once and ignores other chats', () => {
    const one = applyAnnounced([], { kind: 'received', message: row('A', 10) }, ALICE)
    expect(ids(one)).toEqual(['A'])
    expect(applyAnnounced(one, { kind: 'received', message: row('A', 10) }, ALICE)).toBe(one)
    expect(applyAnnounced(one, { kind: 'received', message: row('B', 11, BOB) }, ALICE)).toBe(one)
  })

  it('withdraws a message whose write failed', () => {
    const two = [row('A', 10), row('B', 11)]
    expect(ids(applyAnnounced(two, { kind: 'dropped', contactId: ALICE, id: 'A' as MessageId }, ALICE))).toEqual(['B'])
    expect(applyAnnounced(two, { kind: 'dropped', contactId: BOB, id: 'A' as MessageId }, ALICE)).toBe(two)
    expect(applyAnnounced(two, { kind: 'dropped', contactId: ALICE, id: 'Z' as MessageId }, ALICE)).toBe(two)
  })

  it(`keeps at most ${MAX_ANNOUNCED}, dropping the oldest`, () => {
    let rows: readonly MessageRow[] = []
    for (let i = 0; i < MAX_ANNOUNCED + 5; i++) {
      rows = applyAnnounced(rows, { kind: 'received', message: row(`m${String(i).padStart(4, '0')}`, i) }, ALICE)
    }
    expect(rows).toHaveLength(MAX_ANNOUNCED)
    expect(rows[0]?.id).toBe('m0005')
  })
})

describe('pruneAnnounced', () => {
  it('drops what the database now holds, and returns the same array when nothing changed', () => {
    const announced = [row('A', 10), row('B', 11)]
    expect(ids(pruneAnnounced(announced, [row('A', 10)]))).toEqual(['B'])
    expect(pruneAnnounced(announced, [row('X', 1)])).toBe(announced)
  })

  it('with `landed`, a message once stored stays out after its row goes (deleted, disappeared)', () => {
    const announced = [row('A', 10), row('B', 11)]
    const landed = new Set<MessageId>()
    expect(ids(pruneAnnounced(announced, [row('A', 10)], landed))).toEqual(['B'])
    expect([...landed]).toEqual(['A'])
    // A's row was removed from the database: its announcement does not come back
    expect(ids(pruneAnnounced(announced, [], landed))).toEqual(['B'])
    // without `landed` (before the fix) it would
    expect(ids(pruneAnnounced(announced, []))).toEqual(['A', 'B'])
  })
})

describe('mergeMessages', () => {
  it('shows announced messages after the stored ones, in display order, stored rows winning', () => {
    const stored = [row('A', 10), row('C', 30)]
    const announced = [row('D', 40), { ...row('C', 30), body: 'an announced copy' }, row('B', 20)]
    const shown = mergeMessages(stored, announced, 200)
    expect(ids(shown)).toEqual(['A', 'B', 'C', 'D'])
    expect(shown.find(m => m.id === 'C')?.body).toBe('body C')
  })

  it('orders equal times by id', () => {
    expect(ids(mergeMessages([row('B', 10)], [row('A', 10), row('C', 10)], 200))).toEqual(['A', 'B', 'C'])
  })

  it('leaves out an announced message older than a full window', () => {
    const window = [row('B', 20), row('C', 30)]
    expect(ids(mergeMessages(window, [row('A', 10), row('D', 40)], 2))).toEqual(['B', 'C', 'D'])
    // a window that is not full is the whole chat: nothing is older than it
    expect(ids(mergeMessages(window, [row('A', 10)], 3))).toEqual(['A', 'B', 'C'])
  })

  it('returns the stored array itself when nothing is announced', () => {
    const stored = [row('A', 10)]
    expect(mergeMessages(stored, [], 200)).toBe(stored)
    expect(mergeMessages(stored, [row('A', 10)], 200)).toBe(stored)
  })
})
