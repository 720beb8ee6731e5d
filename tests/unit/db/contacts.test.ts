import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  getContact, getContactByPeerId, listContacts, setPresence, upsertContact
} from '../../../src/lib/db/contacts.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { addContact, openTestDb } from './helpers.ts'

let db: ParleyDb

beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

describe('upsertContact', () => {
  it('adds a new contact as accepted, offline, unblocked and unverified', async () => {
    const publicKey = new Uint8Array([8, 1, 18, 32, 9])
    const id = await upsertContact(db, {
      peerId: '12D3KooWAlice', username: 'alice', addresses: ['/ip4/1.2.3.4/tcp/1/ws'], publicKey, now: 500
    })

    expect(await getContact(db, id)).toEqual({
      id,
      peerId: '12D3KooWAlice',
      username: 'alice',
      addresses: ['/ip4/1.2.3.4/tcp/1/ws'],
      publicKey,
      status: 'offline',
      notes: '',
      blocked: false,
      state: 'accepted',
      verified: false,
      addedAt: 500,
      updatedAt: 500
    })
  })

  it('refreshes an existing contact and keeps everything the user or network set', async () => {
    const publicKey = new Uint8Array([1, 2, 3])
    const id = await upsertContact(db, { peerId: '12D3KooWBob', username: 'bob', addresses: ['/a'], publicKey, now: 100 })
    await db.contacts.update(id, {
      nickname: 'Bobby', notes: 'neighbour', state: 'pending', blocked: true, verified: true, status: 'online'
    })

    const again = await upsertContact(db, { peerId: '12D3KooWBob', username: 'robert', addresses: ['/b', '/c'], now: 200 })

    expect(again).toBe(id)
    expect(await db.contacts.count()).toBe(1)
    expect(await getContact(db, id)).toEqual({
      id,
      peerId: '12D3KooWBob',
      username: 'robert',
      nickname: 'Bobby',
      addresses: ['/b', '/c'],
      publicKey, // omitted in the second call: kept
      status: 'online',
      notes: 'neighbour',
      blocked: true,
      state: 'pending',
      verified: true,
      addedAt: 100,
      updatedAt: 200
    })
  })

  it('replaces the public key when a new one is given', async () => {
    const id = await upsertContact(db, { peerId: 'p', username: 'p', addresses: [], publicKey: new Uint8Array([1]) })
    await upsertContact(db, { peerId: 'p', username: 'p', addresses: [], publicKey: new Uint8Array([2]) })
    expect((await getContact(db, id))?.publicKey).toEqual(new Uint8Array([2]))
  })
})

describe('lookups', () => {
  it('finds a contact by PeerID and returns undefined for strangers', async () => {
    const id = await addContact(db, 'carol')
    expect((await getContactByPeerId(db, '12D3KooWcarol'))?.id).toBe(id)
    expect(await getContactByPeerId(db, '12D3KooWstranger')).toBeUndefined()
    expect(await getContact(db, id + 100)).toBeUndefined()
  })

  it('lists contacts by display name (nickname, else username), case-insensitively', async () => {
    await addContact(db, 'zed')
    await addContact(db, 'Mallory')
    await addContact(db, 'alice')
    await addContact(db, 'xavier', { nickname: 'Bob' })
    await addContact(db, 'charlie')

    const names = (await listContacts(db)).map((c) => c.nickname ?? c.username)
    expect(names).toEqual(['alice', 'Bob', 'charlie', 'Mallory', 'zed'])
  })
})

describe('setPresence', () => {
  it('marks a contact online without touching lastSeen, and offline with lastSeen', async () => {
    const id = await addContact(db, 'dave', { now: 10 })

    expect(await setPresence(db, '12D3KooWdave', 'online', 1_000)).toBe(true)
    let row = await getContact(db, id)
    expect(row?.status).toBe('online')
    expect(row?.lastSeen).toBeUndefined()

    expect(await setPresence(db, '12D3KooWdave', 'offline', 2_000)).toBe(true)
    row = await getContact(db, id)
    expect(row?.status).toBe('offline')
    expect(row?.lastSeen).toBe(2_000)
    expect(row?.updatedAt).toBe(10)

    await setPresence(db, '12D3KooWdave', 'online', 3_000)
    expect((await getContact(db, id))?.lastSeen).toBe(2_000)
  })

  it('reports an unknown PeerID and writes nothing', async () => {
    expect(await setPresence(db, '12D3KooWnobody', 'offline', 5)).toBe(false)
    expect(await db.contacts.count()).toBe(0)
  })
})
