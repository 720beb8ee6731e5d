/**
 * db/groups.ts: group messages stored once and in the group's order, events
 * that came before their message, events of another group refused, and the
 * per-member deliveries (never moving backwards).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { storeEvent } from '../../../src/lib/db/events.ts'
import {
  deliveriesOf, dropDeliveries, GROUP_CONTACT_ID, groupMessages, owedTo, peersOwed, queueGroupEvent, queueGroupMessage, saveGroup, setDelivery, storeGroupMessage
} from '../../../src/lib/db/groups.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { EventRow, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'

let db: ParleyDb
afterEach(() => { db.close() })

const G1 = '1'.repeat(32)
const G2 = '2'.repeat(32)
const group = (id: string): GroupRow => ({ id, name: 'g', picture: '', state: 'member', members: [], lamport: 0, heads: [], createdAt: 1, updatedAt: 1 })
const message = (id: string, lamport: number, from: string, groupId = G1): MessageRow => ({
  id: id as MessageId, contactId: GROUP_CONTACT_ID, groupId, lamport, direction: 'in', fromPeerId: from, kind: 'text', body: `m${id.slice(-2)}`, sentAt: 1_000 + lamport, receivedAt: 2_000, state: 'delivered'
})

describe('group messages', () => {
  it('are stored once, shown in lamport, author, id order, and raise the group\'s lamport', async () => {
    db = await openTestDb()
    await saveGroup(db, group(G1), [])
    const rows = [message('01JD00000000000000000000A3', 2, 'peerB'), message('01JD00000000000000000000A1', 2, 'peerA'), message('01JD00000000000000000000A2', 1, 'peerZ')]
    for (const row of rows) expect(await storeGroupMessage(db, row)).toBe('stored')
    expect(await storeGroupMessage(db, rows[0] as MessageRow)).toBe('duplicate')
    expect((await groupMessages(db, G1)).map((m) => m.id)).toEqual(['01JD00000000000000000000A2', '01JD00000000000000000000A1', '01JD00000000000000000000A3'])
    expect((await db.groups.get(G1))?.lamport).toBe(2)
    await expect(storeGroupMessage(db, { ...message('01JD00000000000000000000A9', 1, 'x'), groupId: undefined })).rejects.toThrow(TypeError)
  })

  it('take the reaction that came before them; an event naming a message of another group is refused', async () => {
    db = await openTestDb()
    const target = '01JD00000000000000000000B1' as MessageId
    const reaction: EventRow = { id: '01JD00000000000000000000E1', contactId: GROUP_CONTACT_ID, groupId: G1, direction: 'in', fromPeerId: 'peerB', kind: 'reaction', targets: [target], sentAt: 5_000, receivedAt: 5_001, state: 'delivered', emoji: '👍' }
    expect((await storeEvent(db, reaction)).outcome).toBe('stored')
    await storeGroupMessage(db, message(target, 1, 'peerA'))
    expect((await db.messages.get(target))?.reactions?.map((r) => r.emoji)).toEqual(['👍'])
    const foreign: EventRow = { ...reaction, id: '01JD00000000000000000000E2', groupId: G2, emoji: '👎' }
    expect((await storeEvent(db, foreign)).outcome).toBe('not-allowed')
    expect((await db.messages.get(target))?.reactions?.map((r) => r.emoji)).toEqual(['👍'])
  })
})

describe('deliveries', () => {
  it('are owed per member, move only forward, and go when the member does', async () => {
    db = await openTestDb()
    await saveGroup(db, group(G1), [])
    const mine: MessageRow = { ...message('01JD00000000000000000000C1', 1, 'me'), direction: 'out', state: 'sent' }
    await queueGroupMessage(db, mine, ['peerA', 'peerB'], 10)
    expect(await peersOwed(db)).toEqual(['peerA', 'peerB'])
    await setDelivery(db, mine.id, 'peerA', 'read', 11)
    await setDelivery(db, mine.id, 'peerA', 'delivered', 12)
    await setDelivery(db, mine.id, 'peerB', 'stored', 13)
    expect((await deliveriesOf(db, mine.id)).map((d) => [d.peer, d.state])).toEqual([['peerA', 'read'], ['peerB', 'stored']])
    expect(await peersOwed(db)).toEqual([])

    await queueGroupEvent(db, '01JD00000000000000000000E3', G1, { body: '{}', sig: 's' }, ['peerB'], 20, { fromPeerId: 'me', kind: 'read', targets: ['01JD00000000000000000000X1' as MessageId], sentAt: 20 })
    expect((await db.events.get('01JD00000000000000000000E3'))?.groupSigned).toEqual({ body: '{}', sig: 's' })
    expect((await owedTo(db, 'peerB')).map((d) => d.message)).toEqual(['01JD00000000000000000000E3'])
    expect(await dropDeliveries(db, G1, 'peerB')).toBe(1)
    expect(await owedTo(db, 'peerB')).toEqual([])
  })
})
