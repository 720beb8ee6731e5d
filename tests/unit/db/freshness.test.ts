/**
 * Freshness and tombstones (issue 57, items 2 and 3; db/contacts.ts
 * receiveHello, db/tombstones.ts, db/settings.ts nextHelloTime), on the
 * clock each call is given.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ulid } from 'ulid'
import { deleteContact, getContactByPeerId, receiveHello, upsertContact } from '../../../src/lib/db/contacts.ts'
import { storeEvent } from '../../../src/lib/db/events.ts'
import { storeGroupMessage } from '../../../src/lib/db/groups.ts'
import { storeIncoming, storeIncomingMany } from '../../../src/lib/db/messages-incoming.ts'
import { nextHelloTime } from '../../../src/lib/db/settings.ts'
import {
  ITEM_MAX_AGE_MS, MAX_TOMBSTONES, addTombstones, pruneTombstones, tombstoned, tooOld
} from '../../../src/lib/db/tombstones.ts'
import { removeExpired } from '../../../src/lib/p2p/actions/expiry.ts'
import { openTestDb } from './helpers.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import type { HelloInput } from '../../../src/lib/db/contacts.ts'
import type { ContactId, MessageId, MessageRow } from '../../../src/lib/db/types.ts'

let db: ParleyDb
beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

/** 2026-11-29, the clock of these tests */
const NOW = Date.UTC(2026, 10, 29)
const PEER = '12D3KooWcarol'
const hello = (type: HelloInput['type'], time: number | undefined, name = 'Carol'): HelloInput => ({ peerId: PEER, type, name, addresses: [], now: NOW, ...(time === undefined ? {} : { time }) })
const contact = async (): Promise<ReturnType<typeof getContactByPeerId>> => getContactByPeerId(db, PEER)

describe('hellos: an older one changes nothing', () => {
  it('a hello not newer than the newest taken is stale, and leaves name, addresses and state as they are', async () => {
    expect(await receiveHello(db, hello('request', NOW - 10))).toBe('pending')
    expect(await receiveHello(db, hello('request', NOW, 'Caroline'))).toBe('pending')
    expect(await contact()).toMatchObject({ username: 'Caroline', helloAt: NOW })
    for (const time of [NOW, NOW - 10, 1]) expect(await receiveHello(db, hello('request', time, 'Old Carol'))).toBe('stale')
    expect(await contact()).toMatchObject({ username: 'Caroline', helloAt: NOW, state: 'pending' })
    // a live hello of an app without times is taken (no relay can replay a live one), and moves no time
    expect(await receiveHello(db, hello('request', undefined, 'Carol live'))).toBe('pending')
    expect(await contact()).toMatchObject({ username: 'Carol live', helloAt: NOW })
  })

  it('a request made before the user deleted them does not make them pending again; one made after does', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [], state: 'accepted' })
    expect(await receiveHello(db, hello('accept', NOW - 5000))).toBe('accepted')
    await deleteContact(db, id, false, NOW)
    // never seen, but made before the delete (it waited on a relay)
    expect(await receiveHello(db, hello('request', NOW - 1000))).toBe('stale')
    expect(await contact()).toMatchObject({ state: 'deleted', deletedAt: NOW })
    expect(await receiveHello(db, hello('request', NOW + 1))).toBe('pending')
  })

  it('deleted with the history, they leave a tombstone: an old request does not bring them back', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [], state: 'accepted' })
    expect(await receiveHello(db, hello('accept', NOW - 5000))).toBe('accepted')
    await deleteContact(db, id, true, NOW)
    expect(await db.peerTombstones.get(PEER)).toEqual({ peer: PEER, helloAt: NOW - 5000, deletedAt: NOW, at: NOW + ITEM_MAX_AGE_MS })
    expect(await receiveHello(db, hello('request', NOW - 5000))).toBe('stale')
    expect(await receiveHello(db, hello('request', NOW - 1))).toBe('stale')
    expect(await contact()).toBeUndefined()
    expect(await receiveHello(db, hello('request', NOW + 1))).toBe('pending')
  })

  it('the hellos we make are later each time, also when the clock steps back', async () => {
    expect(await nextHelloTime(db, NOW)).toBe(NOW)
    expect(await nextHelloTime(db, NOW)).toBe(NOW + 1)
    expect(await nextHelloTime(db, NOW - 60_000)).toBe(NOW + 2)
    expect(await nextHelloTime(db, NOW + 60_000)).toBe(NOW + 60_000)
  })
})

const row = (id: string, contactId: ContactId, extra: Partial<MessageRow> = {}): MessageRow => ({
  id: id as MessageId, contactId, direction: 'in', fromPeerId: PEER, kind: 'text', body: 'hi', sentAt: NOW, receivedAt: NOW, state: 'delivered', ...extra
})
const input = (id: string, contactId: ContactId): Parameters<typeof storeIncoming>[1] => ({ id: id as MessageId, contactId, fromPeerId: PEER, body: 'again', sentAt: NOW, receivedAt: NOW + 1 })

describe('tombstones: what expired or was deleted here stays gone', () => {
  it('an expired message leaves a tombstone, and its copy is not stored again on any path', async () => {
    const contactId = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [], state: 'accepted' })
    const [a, b, c] = [ulid(NOW), ulid(NOW + 1), ulid(NOW + 2)]
    await db.messages.bulkAdd([row(a, contactId, { ttl: 60, expiresAt: NOW + 60_000 }), row(b, contactId, { ttl: 60, expiresAt: NOW + 60_000 })])
    expect(await removeExpired(db, { forget: async () => {} }, NOW + 60_001)).toBe(2)
    expect([...await tombstoned(db, [a, b, c])].sort()).toEqual([a, b])
    expect(await storeIncoming(db, input(a, contactId))).toBe('duplicate')
    expect(await storeIncomingMany(db, [input(b, contactId), input(c, contactId)])).toEqual(['duplicate', 'stored'])
    expect((await db.messages.toArray()).map(m => m.id)).toEqual([c])
  })

  it('a message deleted here (delete for me) or with its contact leaves a tombstone; a group message tombstoned is not stored', async () => {
    const contactId = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [], state: 'accepted' })
    const [hidden, chat] = [ulid(NOW), ulid(NOW + 1)]
    await db.messages.bulkAdd([row(hidden, contactId), row(chat, contactId)])
    await storeEvent(db, { id: ulid(NOW + 2), contactId, fromPeerId: 'me', direction: 'out', kind: 'hide', targets: [hidden as MessageId], sentAt: NOW + 2, state: 'delivered' } as Parameters<typeof storeEvent>[1])
    expect(await tombstoned(db, [hidden])).toEqual(new Set([hidden]))
    await deleteContact(db, contactId, true, NOW + 3)
    expect(await tombstoned(db, [chat])).toEqual(new Set([chat]))

    const group = ulid(NOW + 4)
    await addTombstones(db, [group], NOW)
    expect(await storeGroupMessage(db, row(group, 0, { groupId: 'a'.repeat(32), lamport: 1 }))).toBe('duplicate')
    expect(await db.messages.get(group as MessageId)).toBeUndefined()
  })

  it('is kept until a copy would be refused for its age, then forgotten; never more than its bound (the oldest go)', async () => {
    const id = ulid(NOW)
    await addTombstones(db, [id], NOW)
    // a copy is refused for its age from the moment the tombstone may go
    expect(tooOld(id, NOW + ITEM_MAX_AGE_MS)).toBe(false)
    expect(await pruneTombstones(db, NOW + ITEM_MAX_AGE_MS)).toBe(0)
    expect(tooOld(id, NOW + ITEM_MAX_AGE_MS + 1)).toBe(true)
    expect(await pruneTombstones(db, NOW + ITEM_MAX_AGE_MS + 1)).toBe(1)
    // an id dated in the future (the sender's clock) is kept until its own time is old enough
    const ahead = ulid(NOW + 86_400_000)
    await addTombstones(db, [ahead], NOW)
    expect((await db.tombstones.get(ahead))?.at).toBe(NOW + 86_400_000 + ITEM_MAX_AGE_MS)

    await db.tombstones.clear()
    // MAX_TOMBSTONES in the app; 2,000 here
    const many = Array.from({ length: 2003 }, (_, i) => ({ id: `id${String(i).padStart(6, '0')}`, at: NOW + i }))
    await db.tombstones.bulkAdd(many)
    expect(await pruneTombstones(db, NOW, { messages: 2000, peers: 1 })).toBe(3)
    expect(await db.tombstones.count()).toBe(2000)
    expect(MAX_TOMBSTONES).toBeGreaterThanOrEqual(2000)
    expect(await db.tombstones.get('id000002')).toBeUndefined()
    expect(await db.tombstones.get('id000003')).toBeDefined()
  })
})
