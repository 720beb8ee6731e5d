/**
 * Disappearing messages (actions/expiry.ts): what is due goes, with its file
 * and its search words; what is not stays; at start a device that was off at
 * expiry removes them first thing.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { removeExpired } from '../../../../src/lib/p2p/actions/expiry.ts'
import { searchMessages } from '../../../../src/lib/db/search-query.ts'
import { addContact, openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { ContactId, MessageId, MessageRow } from '../../../../src/lib/db/types.ts'

let db: ParleyDb
let alice: ContactId
const T0 = 1_700_000_000_000

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'Alice')
})
afterEach(() => { db.close() })

function row (id: string, body: string, expiresAt?: number, file = false): MessageRow {
  const base: MessageRow = { id: id as MessageId, contactId: alice, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'text', body, sentAt: T0, receivedAt: T0, state: 'delivered' }
  if (file) Object.assign(base, { kind: 'file', file: { sha256: 'a'.repeat(64), size: 3, name: 'plan.txt', mime: 'text/plain', chunkSize: 65536, listHash: 'b'.repeat(64) } })
  return expiresAt === undefined ? base : { ...base, ttl: 300, expiresAt }
}

describe('removeExpired', () => {
  it('removes due messages, their files and events; leaves the rest', async () => {
    await db.messages.bulkAdd([
      row('01JD0000000000000000000001', 'secret meeting', T0 + 300_000),
      row('01JD0000000000000000000002', 'secret plan', T0 + 300_000, true),
      row('01JD0000000000000000000003', 'still here', T0 + 3_600_000),
      row('01JD0000000000000000000004', 'kept for good')
    ])
    await db.events.add({ id: '01JD00000000000000000E0001', contactId: alice, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'reaction', targets: ['01JD0000000000000000000001' as MessageId], sentAt: T0, state: 'delivered', emoji: '👍' })
    const forgotten: MessageId[] = []
    const removed = await removeExpired(db, { forget: async (ids) => { forgotten.push(...ids) } }, T0 + 300_001)
    expect(removed).toBe(2)
    expect((await db.messages.toArray()).map(m => m.body)).toEqual(['still here', 'kept for good'])
    expect(forgotten).toEqual(['01JD0000000000000000000002'])
    expect(await db.events.count()).toBe(0)
    expect((await searchMessages(db, 'secret')).hits).toEqual([])
  })

  it('a group message goes with what is still owed to its members; another group message stays with its deliveries', async () => {
    const group = (id: string, expiresAt?: number): MessageRow => ({ ...row(id, `group ${id.slice(-1)}`, expiresAt), contactId: 0 as ContactId, groupId: 'a'.repeat(32), lamport: 1, direction: 'out', state: 'sent' })
    await db.messages.bulkAdd([group('01JD0000000000000000000005', T0 + 300_000), group('01JD0000000000000000000006')])
    await db.groupDeliveries.bulkAdd(['12D3KooWBob', '12D3KooWCarol'].flatMap((peer) => ['01JD0000000000000000000005', '01JD0000000000000000000006'].map((message) => (
      { message, peer, group: 'a'.repeat(32), state: 'queued' as const, at: T0 }
    ))))
    expect(await removeExpired(db, { forget: async () => {} }, T0 + 300_001)).toBe(1)
    expect((await db.messages.toArray()).map(m => m.id)).toEqual(['01JD0000000000000000000006'])
    expect((await db.groupDeliveries.toArray()).map(d => [d.message, d.peer])).toEqual([
      ['01JD0000000000000000000006', '12D3KooWBob'], ['01JD0000000000000000000006', '12D3KooWCarol']
    ])
  })

  it('works through more than one batch', async () => {
    await db.messages.bulkAdd(Array.from({ length: 450 }, (_, i) => row(`01JD${String(i).padStart(22, '0')}`, `m${i}`, T0 + i)))
    expect(await removeExpired(db, { forget: async () => {} }, T0 + 1000)).toBe(450)
    expect(await db.messages.count()).toBe(0)
  })
})
