import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { MessageId } from '../../../src/lib/db/types.ts'
import { queueOutgoing } from '../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import { firstUnreadAfter, markOf, MAX_UNREAD_COUNTED, NOTHING_SEEN, readSeenMarks, titleWithCount, unreadAfter, writeSeenMarks } from '../../../src/lib/pwa/unread.ts'
import { addContact, openTestDb } from '../db/helpers.ts'

function memoryStorage (): Storage {
  const items = new Map<string, string>()
  return {
    get length () { return items.size },
    clear: () => { items.clear() },
    getItem: (key) => items.get(key) ?? null,
    key: (i) => [...items.keys()][i] ?? null,
    removeItem: (key) => { items.delete(key) },
    setItem: (key, value) => { items.set(key, value) }
  }
}

let db: ParleyDb

beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

async function receive (contactId: number, n: number, sentAt: number): Promise<MessageId> {
  const id = `01J${String(n).padStart(23, '0')}` as MessageId
  await storeIncoming(db, { id, contactId, fromPeerId: '12D3KooWBob', body: `m${n}`, sentAt, receivedAt: sentAt })
  return id
}

describe('unread counts', () => {
  it('counts incoming messages after the mark, not outgoing ones or the marked one', async () => {
    const bob = await addContact(db, 'Bob')
    const seenId = await receive(bob, 1, 100)
    const mark = markOf({ sentAt: 100, id: seenId })
    expect(await unreadAfter(db, bob, mark)).toBe(0)
    await receive(bob, 2, 200)
    await receive(bob, 3, 300)
    await queueOutgoing(db, { contactId: bob, fromPeerId: '12D3KooWMe', body: 'reply', now: 400 })
    expect(await unreadAfter(db, bob, mark)).toBe(2)
  })

  it('finds the first incoming message after the mark, passing over our own', async () => {
    const bob = await addContact(db, 'Bob')
    const carol = await addContact(db, 'Carol')
    const seenId = await receive(bob, 1, 100)
    const mark = markOf({ sentAt: 100, id: seenId })
    expect(await firstUnreadAfter(db, bob, mark)).toBeUndefined()
    await queueOutgoing(db, { contactId: bob, fromPeerId: '12D3KooWMe', body: 'reply', now: 150 })
    await receive(carol, 2, 160)
    const first = await receive(bob, 3, 200)
    await receive(bob, 4, 300)
    expect((await firstUnreadAfter(db, bob, mark))?.id).toBe(first)
    expect((await firstUnreadAfter(db, bob, NOTHING_SEEN))?.id).toBe(seenId)
  })

  it('leaves out a message read since the mark, here or on another device of the account (a sync item): the count, and where the chat opens', async () => {
    const bob = await addContact(db, 'Bob')
    const seenId = await receive(bob, 1, 100)
    const mark = markOf({ sentAt: 100, id: seenId })
    const readElsewhere = await receive(bob, 2, 200)
    const still = await receive(bob, 3, 300)
    expect(await unreadAfter(db, bob, mark)).toBe(2)
    // what p2p/sync/apply.ts does with a 'read' item from the phone
    await db.messages.update(readElsewhere, { state: 'read', readAt: 400 })
    expect(await unreadAfter(db, bob, mark)).toBe(1)
    expect((await firstUnreadAfter(db, bob, mark))?.id).toBe(still)
    await db.messages.update(still, { state: 'read', readAt: 500 })
    expect(await unreadAfter(db, bob, mark)).toBe(0)
    expect(await firstUnreadAfter(db, bob, mark)).toBeUndefined()
  })

  it('counts every incoming message of a chat seen while it was empty', async () => {
    const bob = await addContact(db, 'Bob')
    await receive(bob, 1, 0)
    await receive(bob, 2, 5)
    expect(await unreadAfter(db, bob, NOTHING_SEEN)).toBe(2)
  })

  it('stops counting past MAX_UNREAD_COUNTED and the title says so', async () => {
    const bob = await addContact(db, 'Bob')
    for (let i = 1; i <= MAX_UNREAD_COUNTED + 5; i++) await receive(bob, i, i)
    expect(await unreadAfter(db, bob, [0, ''])).toBe(MAX_UNREAD_COUNTED + 1)
    expect(titleWithCount(MAX_UNREAD_COUNTED + 1)).toBe('(99+) Parley')
    expect(titleWithCount(3)).toBe('(3) Parley')
    expect(titleWithCount(0)).toBe('Parley')
  })

  it('keeps marks only for contacts that still exist, and survives bad storage', () => {
    const storage = memoryStorage()
    writeSeenMarks(new Map([[1, [10, 'a']], [2, [20, 'b']]]), new Set([2]), storage)
    expect([...readSeenMarks(storage)]).toEqual([[2, [20, 'b']]])
    storage.setItem('parley.seen', '{not json')
    expect(readSeenMarks(storage).size).toBe(0)
    storage.setItem('parley.seen', JSON.stringify({ 3: 'x', '-1': [1, 'a'], 4: [5, 'c'] }))
    expect([...readSeenMarks(storage)]).toEqual([[4, [5, 'c']]])
  })
})
