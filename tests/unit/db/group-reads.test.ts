/**
 * db/group-reads.ts, what the tab reads of groups: summaries for the chats
 * list (last message in the group's order, unread counts from the read
 * state, the newest unread), the first unread message, whom a group can
 * take, and a message's state from its deliveries.
 */
import { afterEach, describe, expect, it } from 'vitest'
import {
  addableContacts, compareGroupOrder, firstUnreadInGroup, groupActivityAt, groupMessageState, groupSummaries, MAX_GROUP_UNREAD
} from '../../../src/lib/db/group-reads.ts'
import { GROUP_CONTACT_ID, saveGroup, storeGroupMessage } from '../../../src/lib/db/groups.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { ContactRow, GroupDeliveryRow, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { openTestDb } from './helpers.ts'

let db: ParleyDb
afterEach(() => { db.close() })

const G1 = '1'.repeat(32)
const G2 = '2'.repeat(32)
const G3 = '3'.repeat(32)
const group = (id: string, state: GroupRow['state'] = 'member', createdAt = 1): GroupRow => ({
  id, name: `g${id[0] ?? ''}`, picture: '', state, members: [{ peer: 'peerA', role: 'owner', name: 'Ann', mailboxes: [] }], lamport: 0, heads: [], createdAt, updatedAt: 1
})
let serial = 0
const message = (groupId: string, lamport: number, from: string, extra: Partial<MessageRow> = {}): MessageRow => ({
  id: `01JD0000000000000000000${String(++serial).padStart(3, '0')}` as MessageId,
  contactId: GROUP_CONTACT_ID, groupId, lamport, direction: 'in', fromPeerId: from, kind: 'text', body: `m${serial}`, sentAt: 1_000 + serial, receivedAt: 5_000 + serial, state: 'delivered', ...extra
})

describe('groupSummaries', () => {
  it('lists ours, invitations and those we left, each with its last message in the group\'s order and its unread count', async () => {
    db = await openTestDb()
    for (const row of [group(G1), group(G2, 'invited'), group(G3, 'left'), group('4'.repeat(32), 'declined')]) await saveGroup(db, row, [])
    const late = message(G1, 3, 'peerA')
    const early = message(G1, 2, 'peerB')
    const read = message(G1, 1, 'peerB', { state: 'read' })
    const mine = message(G1, 4, 'me', { direction: 'out', state: 'sent' })
    for (const row of [late, early, read, mine, message(G2, 1, 'peerA'), message(G3, 1, 'peerA', { state: 'read' })]) await storeGroupMessage(db, row)

    const summaries = await groupSummaries(db)
    const by = new Map(summaries.map(s => [s.group.id, s]))
    expect([...by.keys()].sort()).toEqual([G1, G2, G3])
    expect(by.get(G1)?.lastMessage?.id).toBe(mine.id)
    expect(by.get(G1)?.unread).toBe(2)
    expect(by.get(G1)?.newestUnread?.id).toBe(late.id)
    // an invitation counts as one thing waiting, not its messages
    expect(by.get(G2)?.unread).toBe(0)
    expect(by.get(G2)?.newestUnread).toBeUndefined()
    expect(by.get(G3)?.unread).toBe(0)
    expect(await firstUnreadInGroup(db, G1)).toMatchObject({ id: early.id })
    expect(await firstUnreadInGroup(db, G3)).toBeUndefined()
  })

  it('counts at most MAX_GROUP_UNREAD + 1 unread messages per group', async () => {
    db = await openTestDb()
    await saveGroup(db, group(G1), [])
    await db.messages.bulkAdd(Array.from({ length: MAX_GROUP_UNREAD + 20 }, (_, i) => message(G1, i + 1, 'peerA')))
    expect((await groupSummaries(db))[0]?.unread).toBe(MAX_GROUP_UNREAD + 1)
  })
})

describe('group order and activity', () => {
  it('orders by lamport, then author, then id; a group is active at its last message, else when it came', () => {
    const a = message(G1, 2, 'peerB')
    const b = message(G1, 2, 'peerA')
    const c = message(G1, 1, 'peerZ')
    expect([a, b, c].sort(compareGroupOrder).map(m => m.fromPeerId)).toEqual(['peerZ', 'peerA', 'peerB'])
    expect(groupActivityAt({ group: group(G1, 'member', 77) })).toBe(77)
    expect(groupActivityAt({ group: group(G1), lastMessage: { ...a, receivedAt: 900 } })).toBe(900)
    expect(groupActivityAt({ group: group(G1), lastMessage: { ...a, receivedAt: undefined, sentAt: 800 } })).toBe(800)
  })
})

describe('what a group can take, and its messages\' states', () => {
  it('offers accepted, unblocked contacts that are not members', () => {
    const contact = (id: number, peerId: string, state: ContactRow['state'], blocked = false): ContactRow =>
      ({ id, peerId, username: peerId, addresses: [], state, status: 'offline', blocked, verified: false, addedAt: 1, updatedAt: 1 } as unknown as ContactRow)
    const contacts = [contact(1, 'peerA', 'accepted'), contact(2, 'peerB', 'accepted'), contact(3, 'peerC', 'pending'), contact(4, 'peerD', 'accepted', true)]
    expect(addableContacts(contacts, group(G1)).map(c => c.peerId)).toEqual(['peerB'])
    expect(addableContacts(contacts, undefined).map(c => c.peerId)).toEqual(['peerA', 'peerB'])
  })

  it('says the state every member reached: read once all read it, failed when one refused, sent with no one to send to', () => {
    const d = (peer: string, state: GroupDeliveryRow['state']): GroupDeliveryRow => ({ message: 'm', peer, group: G1, state, at: 1 })
    expect(groupMessageState([])).toBe('sent')
    expect(groupMessageState([d('a', 'read'), d('b', 'read')])).toBe('read')
    expect(groupMessageState([d('a', 'read'), d('b', 'delivered')])).toBe('delivered')
    expect(groupMessageState([d('a', 'read'), d('b', 'stored')])).toBe('stored')
    expect(groupMessageState([d('a', 'queued'), d('b', 'read')])).toBe('queued')
    expect(groupMessageState([d('a', 'failed'), d('b', 'read')])).toBe('failed')
  })
})
