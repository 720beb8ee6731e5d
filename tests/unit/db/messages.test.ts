import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { ContactNotFoundError } from '../../../src/lib/db/errors.ts'
import { canTransition, chatMessages, chatSummaries, contactsWithOutbox, newMessageId, outbox, queueOutgoing, setMessageState } from '../../../src/lib/db/messages.ts'
import { MAX_BATCH_ROWS, markDelivered, storeIncoming, storeIncomingMany, type IncomingInput } from '../../../src/lib/db/messages-incoming.ts'
import { searchMessages } from '../../../src/lib/db/search-query.ts'
import type { ContactId, MessageId, MessageState } from '../../../src/lib/db/types.ts'
import { addContact, openTestDb } from './helpers.ts'

const ME = '12D3KooWMe'

let db: ParleyDb
let alice: ContactId
let bob: ContactId

beforeEach(async () => {
  db = await openTestDb()
  alice = await addContact(db, 'alice')
  bob = await addContact(db, 'bob')
})
afterEach(() => { db.close() })

function incoming (id: string, contactId: ContactId, sentAt: number, body = `msg ${id}`): IncomingInput {
  return { id: id as MessageId, contactId, fromPeerId: '12D3KooWPeer', body, sentAt, receivedAt: sentAt + 5 }
}

async function send (contactId: ContactId, body: string, now: number): Promise<MessageId> {
  return (await queueOutgoing(db, { contactId, fromPeerId: ME, body, now })).id
}

describe('newMessageId', () => {
  it('sorts in creation order even within one millisecond', () => {
    const ids = Array.from({ length: 500 }, () => newMessageId(1_700_000_000_000))
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids[0]).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/)
  })
})

describe('queueOutgoing', () => {
  it('stores a queued outgoing text message', async () => {
    const row = await queueOutgoing(db, { contactId: alice, fromPeerId: ME, body: 'hello', now: 1_000 })
    expect(row).toMatchObject({ contactId: alice, direction: 'out', fromPeerId: ME, kind: 'text', body: 'hello', sentAt: 1_000, state: 'queued' })
    // stored waiting for the contact's one device (its PeerID: no device list)
    expect(await db.messages.get(row.id)).toEqual({ ...row, pendingDevices: [(await db.contacts.get(alice))?.peerId] })
  })

  it('refuses a message for an unknown contact', async () => {
    await expect(queueOutgoing(db, { contactId: 999, fromPeerId: ME, body: 'x' }))
      .rejects.toThrow(ContactNotFoundError)
    expect(await db.messages.count()).toBe(0)
  })
})

describe('storeIncomingMany', () => {
  it('stores a batch in one go, each id once (against what is stored and within the batch), in the order given', async () => {
    await storeIncoming(db, incoming('01JD00000000000000000000A0', alice, 50, 'already here'))
    const batch = [
      incoming('01JD00000000000000000000A1', alice, 100, 'first words'),
      incoming('01JD00000000000000000000A0', alice, 50, 'a second copy'),
      incoming('01JD00000000000000000000B1', bob, 110, 'for bob'),
      incoming('01JD00000000000000000000A1', alice, 100, 'the same twice in one batch'),
      incoming('01JD00000000000000000000A2', alice, 120, 'last words')
    ]
    expect(await storeIncomingMany(db, batch)).toEqual(['stored', 'duplicate', 'stored', 'duplicate', 'stored'])
    expect((await chatMessages(db, alice)).map(m => `${m.body}:${m.direction}:${m.state}`))
      .toEqual(['already here:in:delivered', 'first words:in:delivered', 'last words:in:delivered'])
    expect((await chatMessages(db, bob)).map(m => m.body)).toEqual(['for bob'])
    // the search words are kept for rows written in bulk too
    expect((await searchMessages(db, 'last')).hits.map(r => r.message.body)).toEqual(['last words'])
    expect(await storeIncomingMany(db, [])).toEqual([])
  })

  it('writes nothing when a contact is missing, and refuses more than MAX_BATCH_ROWS', async () => {
    await expect(storeIncomingMany(db, [incoming('01JD00000000000000000000A1', alice, 100), incoming('01JD00000000000000000000C1', 999, 100)]))
      .rejects.toThrow(ContactNotFoundError)
    const tooMany = Array.from({ length: MAX_BATCH_ROWS + 1 }, (_, i) => incoming(`01JD0000000000000000000${String(i).padStart(3, '0')}`, alice, i + 1))
    await expect(storeIncomingMany(db, tooMany)).rejects.toThrow(RangeError)
    expect(await db.messages.count()).toBe(0)
  })
})

describe('markDelivered', () => {
  it('marks our messages to that contact delivered in one go, leaves delivered and read ones, and names the ids that are not ours', async () => {
    const queued = await send(alice, 'queued', 100)
    const stored = await send(alice, 'stored', 110)
    await setMessageState(db, stored, 'stored')
    const read = await send(alice, 'read', 120)
    await setMessageState(db, read, 'read', 130)
    const toBob = await send(bob, 'to bob', 140)
    await storeIncoming(db, incoming('01JD00000000000000000000A9', alice, 150))
    const notOurs = await markDelivered(db, alice, [queued, stored, read, toBob, '01JD00000000000000000000A9' as MessageId, '01JD0000000000000000000ZZZ' as MessageId])
    expect(notOurs).toEqual([toBob, '01JD00000000000000000000A9', '01JD0000000000000000000ZZZ'])
    expect((await chatMessages(db, alice)).map(m => `${m.body}:${m.state}`)).toEqual(['queued:delivered', 'stored:delivered', 'read:read', 'msg 01JD00000000000000000000A9:delivered'])
    expect((await db.messages.get(read))?.readAt).toBe(130)
    expect((await db.messages.get(toBob))?.state).toBe('queued')
    await expect(markDelivered(db, alice, Array.from({ length: MAX_BATCH_ROWS + 1 }, () => queued))).rejects.toThrow(RangeError)
  })
})

describe('storeIncoming', () => {
  it('stores a message once; a second copy is a duplicate and changes nothing', async () => {
    const first = incoming('01JD00000000000000000000A1', alice, 100, 'original')

    expect(await storeIncoming(db, first)).toBe('stored')
    const stored = await db.messages.get(first.id)
    expect(stored).toEqual({ ...first, direction: 'in', kind: 'text', state: 'delivered' })

    await setMessageState(db, first.id, 'read', 150)
    const afterRead = await db.messages.get(first.id)

    const replay = { ...first, body: 'tampered', sentAt: 999, receivedAt: 1_000 }
    expect(await storeIncoming(db, replay)).toBe('duplicate')
    expect(await db.messages.count()).toBe(1)
    expect(await db.messages.get(first.id)).toEqual(afterRead)
    expect(afterRead).toMatchObject({ body: 'original', state: 'read', readAt: 150 })
  })

  it('refuses a message for an unknown contact', async () => {
    await expect(storeIncoming(db, incoming('01JD00000000000000000000B1', 999, 1)))
      .rejects.toMatchObject({ name: 'ContactNotFoundError' })
    expect(await db.messages.count()).toBe(0)
  })
})

describe('outbox', () => {
  it('holds queued and sent outgoing messages in creation order, per contact', async () => {
    const a1 = await send(alice, 'a1', 1_000)
    const a2 = await send(alice, 'a2', 1_000)
    const a3 = await send(alice, 'a3', 1_000)
    const a4 = await send(alice, 'a4', 2_000)
    const b1 = await send(bob, 'b1', 1_500)
    await storeIncoming(db, incoming('01JD00000000000000000000C1', alice, 1_200))

    // a1 sent, a3 still queued: the index yields queued before sent, the outbox must not.
    await setMessageState(db, a1, 'sent')
    await setMessageState(db, a2, 'delivered')
    await setMessageState(db, a4, 'failed')

    expect((await outbox(db, alice)).map((m) => m.id)).toEqual([a1, a3])
    expect((await outbox(db, bob)).map((m) => m.id)).toEqual([b1])
    expect(await contactsWithOutbox(db)).toEqual([alice, bob].sort((x, y) => x - y))

    await setMessageState(db, b1, 'delivered')
    expect(await outbox(db, bob)).toEqual([])
    expect(await contactsWithOutbox(db)).toEqual([alice])

    await setMessageState(db, a1, 'read')
    await setMessageState(db, a3, 'delivered')
    expect(await contactsWithOutbox(db)).toEqual([])
  })
})

describe('message state', () => {
  it('only moves forward; failed only from queued or sent', () => {
    const cases: Array<[MessageState, MessageState, boolean]> = [
      ['queued', 'sent', true], ['queued', 'delivered', true], ['queued', 'read', true],
      ['sent', 'delivered', true], ['delivered', 'read', true],
      ['sent', 'queued', false], ['delivered', 'sent', false], ['read', 'delivered', false],
      ['read', 'queued', false], ['sent', 'sent', false],
      ['queued', 'failed', true], ['sent', 'failed', true],
      ['delivered', 'failed', false], ['read', 'failed', false], ['failed', 'failed', false],
      ['failed', 'queued', false], ['failed', 'sent', false],
      ['failed', 'delivered', true], ['failed', 'read', true]
    ]
    for (const [from, to, allowed] of cases) {
      expect({ from, to, allowed: canTransition(from, to) }).toEqual({ from, to, allowed })
    }
  })

  it('ignores stale receipts and stamps readAt', async () => {
    const id = await send(alice, 'x', 1_000)

    expect(await setMessageState(db, id, 'delivered', 1_100)).toBe(true)
    expect(await setMessageState(db, id, 'sent', 1_200)).toBe(false)
    expect(await setMessageState(db, id, 'failed', 1_200)).toBe(false)
    expect(await db.messages.get(id)).toMatchObject({ state: 'delivered' })
    expect((await db.messages.get(id))?.readAt).toBeUndefined()

    expect(await setMessageState(db, id, 'read', 1_300)).toBe(true)
    expect(await setMessageState(db, id, 'read', 1_400)).toBe(false)
    expect(await setMessageState(db, id, 'delivered', 1_500)).toBe(false)
    expect(await db.messages.get(id)).toMatchObject({ state: 'read', readAt: 1_300 })
  })

  it('lets a late ack rescue a failed message and reports unknown ids', async () => {
    const id = await send(alice, 'x', 1_000)
    expect(await setMessageState(db, id, 'failed')).toBe(true)
    expect(await setMessageState(db, id, 'sent')).toBe(false)
    expect(await setMessageState(db, id, 'delivered')).toBe(true)
    expect(await db.messages.get(id)).toMatchObject({ state: 'delivered' })
    expect(await setMessageState(db, '01JD00000000000000000000ZZ' as MessageId, 'sent')).toBe(false)
  })
})

describe('chatMessages', () => {
  it('returns one chat in display order: sentAt, then id within the same millisecond', async () => {
    const s1 = await send(alice, 's1', 2_000)
    const s2 = await send(alice, 's2', 2_000)
    const s3 = await send(alice, 's3', 2_000)
    // Incoming ids chosen by the peer: same ms, stored out of id order.
    await storeIncoming(db, incoming('01JD00000000000000000000R2', alice, 1_000))
    await storeIncoming(db, incoming('01JD00000000000000000000R1', alice, 1_000))
    await storeIncoming(db, incoming('01JD00000000000000000000R3', alice, 3_000))
    await send(bob, 'other chat', 2_500)

    const ids = (await chatMessages(db, alice)).map((m) => m.id)
    expect(ids).toEqual(['01JD00000000000000000000R1', '01JD00000000000000000000R2', s1, s2, s3, '01JD00000000000000000000R3'])
  })

  it('returns the last `limit` messages, still oldest first', async () => {
    const sent: MessageId[] = []
    for (let i = 0; i < 10; i++) sent.push(await send(alice, `m${i}`, 5_000 + Math.floor(i / 3)))

    expect((await chatMessages(db, alice, 4)).map((m) => m.id)).toEqual(sent.slice(6))
    expect((await chatMessages(db, alice)).map((m) => m.id)).toEqual(sent)
    expect(await chatMessages(db, alice, 0)).toEqual([])
    expect(await chatMessages(db, bob)).toEqual([])
  })
})

describe('chatSummaries', () => {
  it('orders chats by last activity, then contacts without messages by name', async () => {
    const carol = await addContact(db, 'Carol')
    await addContact(db, 'dave', { nickname: 'Aaron' })

    await send(alice, 'old', 1_000)
    const aliceLast = await send(alice, 'newer', 2_000)
    const bobLast = await send(bob, 'bob', 1_500)
    // Carol's clock is behind, but her message arrived last.
    await storeIncoming(db, { ...incoming('01JD00000000000000000000D1', carol, 500), receivedAt: 3_000 })

    const summaries = await chatSummaries(db)
    expect(summaries.map((s) => [s.contact.username, s.lastMessage?.id])).toEqual([
      ['Carol', '01JD00000000000000000000D1'],
      ['alice', aliceLast],
      ['bob', bobLast],
      ['dave', undefined]
    ])
    expect(summaries[3]).not.toHaveProperty('lastMessage')
  })

  it('lists every contact even when nobody has written yet', async () => {
    await addContact(db, 'Ann')
    expect((await chatSummaries(db)).map((s) => s.contact.username)).toEqual(['alice', 'Ann', 'bob'])
  })
})
