import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  MAX_PENDING_REQUESTS, MAX_REREQUESTS, addFromInvite, deleteContact, getContactByPeerId, receiveHello, setBlocked, setContactState, shortPeerId, updateContactDetails, upsertContact
} from '../../../src/lib/db/contacts.ts'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import { queueOutgoing } from '../../../src/lib/db/messages.ts'
import type { HelloInput } from '../../../src/lib/db/contacts.ts'
import { openTestDb } from './helpers.ts'

let db: ParleyDb
beforeEach(async () => { db = await openTestDb() })
afterEach(() => { db.close() })

const PEER = '12D3KooWcarol'
function hello (type: HelloInput['type'], extra: Partial<HelloInput> = {}): HelloInput {
  return { peerId: PEER, type, name: 'Carol', addresses: ['/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWcarol'], now: 5_000, ...extra }
}
async function stateOf (): Promise<string | undefined> {
  return (await getContactByPeerId(db, PEER))?.state
}

describe('receiveHello', () => {
  it('a stranger\'s request becomes a pending contact with its name and addresses', async () => {
    expect(await receiveHello(db, hello('request'))).toBe('pending')
    const row = await getContactByPeerId(db, PEER)
    expect(row).toMatchObject({ state: 'pending', username: 'Carol', blocked: false, status: 'offline' })
    expect(row?.addresses).toHaveLength(1)
    // asking again changes nothing but the name and addresses
    expect(await receiveHello(db, hello('request', { name: 'Caroline' }))).toBe('pending')
    expect((await getContactByPeerId(db, PEER))?.username).toBe('Caroline')
  })

  it('keeps that their app speaks sessions once a hello said so: a later hello without it (or a refused one) takes nothing away', async () => {
    expect(await receiveHello(db, hello('request', { sessions: true }))).toBe('pending')
    expect((await getContactByPeerId(db, PEER))?.sessions).toBe(true)
    await receiveHello(db, hello('request'))
    expect((await getContactByPeerId(db, PEER))?.sessions).toBe(true)
    // an older app's hello: nothing set
    await db.contacts.clear()
    await upsertContact(db, { peerId: PEER, username: 'C', addresses: [], state: 'requested', helloPending: true })
    expect(await receiveHello(db, hello('accept'))).toBe('accepted')
    expect((await getContactByPeerId(db, PEER))?.sessions).toBeUndefined()
    expect(await receiveHello(db, hello('accept', { sessions: true }))).toBe('accepted')
    expect((await getContactByPeerId(db, PEER))?.sessions).toBe(true)
  })

  it('a request from someone we asked, or their accept, makes both contacts', async () => {
    await upsertContact(db, { peerId: PEER, username: 'C', addresses: [], state: 'requested', helloPending: true })
    expect(await receiveHello(db, hello('accept'))).toBe('accepted')
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ state: 'accepted', helloPending: false, username: 'Carol' })
    expect(await receiveHello(db, hello('request'))).toBe('accepted')

    await db.contacts.clear()
    await upsertContact(db, { peerId: PEER, username: 'C', addresses: [], state: 'requested', helloPending: true })
    expect(await receiveHello(db, hello('request'))).toBe('accepted')
    expect(await stateOf()).toBe('accepted')
  })

  it('refuses an accept nobody asked for, and a pending contact\'s accept', async () => {
    expect(await receiveHello(db, hello('accept'))).toBe('refused')
    expect(await getContactByPeerId(db, PEER)).toBeUndefined()
    await receiveHello(db, hello('request'))
    expect(await receiveHello(db, hello('accept'))).toBe('refused')
    expect(await stateOf()).toBe('pending')
  })

  it(`after a decline, lets the peer ask again ${MAX_REREQUESTS} times, then refuses`, async () => {
    await receiveHello(db, hello('request'))
    const id = (await getContactByPeerId(db, PEER))?.id ?? -1
    for (let i = 0; i < MAX_REREQUESTS; i++) {
      await setContactState(db, id, 'declined', false)
      expect(await receiveHello(db, hello('request'))).toBe('pending')
    }
    await setContactState(db, id, 'declined', false)
    expect(await receiveHello(db, hello('request'))).toBe('refused')
    expect(await stateOf()).toBe('declined')
    expect((await getContactByPeerId(db, PEER))?.rerequests).toBe(MAX_REREQUESTS)
  })

  it('refuses everything from a blocked peer and changes nothing', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Old name', addresses: [], state: 'requested' })
    await db.contacts.update(id, { blocked: true })
    expect(await receiveHello(db, hello('request'))).toBe('refused')
    expect(await receiveHello(db, hello('accept'))).toBe('refused')
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ state: 'requested', username: 'Old name' })
  })

  it(`refuses strangers while ${MAX_PENDING_REQUESTS} requests wait`, async () => {
    await db.transaction('rw', db.contacts, async () => {
      for (let i = 0; i < MAX_PENDING_REQUESTS; i++) {
        await upsertContact(db, { peerId: `12D3KooWp${i}`, username: `p${i}`, addresses: [], state: 'pending' })
      }
    })
    expect(await receiveHello(db, hello('request'))).toBe('refused')
    expect(await getContactByPeerId(db, PEER)).toBeUndefined()
  })
})

describe('contact details and blocking', () => {
  it('sets and removes a nickname, keeps notes, and says when the contact is unknown', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [] })
    expect(await updateContactDetails(db, id, { nickname: 'Caz', notes: 'from work\nsecond line' }, 7_000)).toBe(true)
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ nickname: 'Caz', notes: 'from work\nsecond line', updatedAt: 7_000 })
    await updateContactDetails(db, id, { nickname: null, notes: '' })
    const row = await getContactByPeerId(db, PEER)
    expect(row?.nickname).toBeUndefined()
    expect(row?.notes).toBe('')
    expect(await updateContactDetails(db, 999, { nickname: 'x', notes: '' })).toBe(false)
  })

  it('blocks and unblocks', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [] })
    expect(await setBlocked(db, id, true)).toBe(true)
    expect((await getContactByPeerId(db, PEER))?.blocked).toBe(true)
    expect(await receiveHello(db, hello('request'))).toBe('refused')
    await setBlocked(db, id, false)
    expect((await getContactByPeerId(db, PEER))?.blocked).toBe(false)
    expect(await setBlocked(db, 999, true)).toBe(false)
  })
})

describe('deleteContact', () => {
  it('with the history removes the contact and every message with them, and nothing of others', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [] })
    const other = await upsertContact(db, { peerId: '12D3KooWdave', username: 'Dave', addresses: [] })
    await queueOutgoing(db, { contactId: id, fromPeerId: 'me', body: 'one' })
    await queueOutgoing(db, { contactId: id, fromPeerId: 'me', body: 'two' })
    await queueOutgoing(db, { contactId: other, fromPeerId: 'me', body: 'keep' })
    expect(await deleteContact(db, id, true)).toBe(true)
    expect(await getContactByPeerId(db, PEER)).toBeUndefined()
    expect((await db.messages.toArray()).map(m => m.body)).toEqual(['keep'])
    expect(await deleteContact(db, id, true)).toBe(false)
  })

  it('without the history hides the contact and keeps the chat; their new request brings it back as pending', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Carol', addresses: [] })
    await queueOutgoing(db, { contactId: id, fromPeerId: 'me', body: 'kept' })
    expect(await deleteContact(db, id, false)).toBe(true)
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ id, state: 'deleted' })
    expect(await db.messages.count()).toBe(1)
    expect(await receiveHello(db, hello('accept'))).toBe('refused')
    expect(await receiveHello(db, hello('request'))).toBe('pending')
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ id, state: 'pending' })
  })
})

describe('addFromInvite', () => {
  const input = { peerId: PEER, name: 'Carol', addresses: ['/ip4/127.0.0.1/tcp/1/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWcarol'] }

  it('a new contact is requested and owed a hello', async () => {
    const { id, blocked } = await addFromInvite(db, input)
    expect(blocked).toBe(false)
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ id, state: 'requested', helloPending: true })
  })

  it('accepts a waiting request, asks a deleted contact again, and only refreshes an accepted one', async () => {
    await receiveHello(db, hello('request'))
    await addFromInvite(db, input)
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ state: 'accepted', helloPending: true })

    await setContactState(db, (await getContactByPeerId(db, PEER))?.id ?? -1, 'accepted', false)
    await addFromInvite(db, { ...input, name: 'Caroline' })
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ state: 'accepted', helloPending: false, username: 'Caroline' })

    await deleteContact(db, (await getContactByPeerId(db, PEER))?.id ?? -1, false)
    await addFromInvite(db, input)
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ state: 'requested', helloPending: true })
  })

  it('what an invite leaves out (a short link has no addresses, the text form no name) an existing contact keeps', async () => {
    const { id } = await addFromInvite(db, input)
    await addFromInvite(db, { peerId: PEER, addresses: [] })
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ id, username: 'Carol', addresses: input.addresses })
    await addFromInvite(db, { peerId: PEER, name: 'Caroline', addresses: [] })
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ id, username: 'Caroline', addresses: input.addresses })
  })

  it('a new contact from an invite without a name is named by its short PeerID', async () => {
    await addFromInvite(db, { peerId: PEER, addresses: [] })
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ username: shortPeerId(PEER), addresses: [] })
  })

  it('a request and an add at the same moment end accepted, whichever commits first', async () => {
    await Promise.all([receiveHello(db, hello('request')), addFromInvite(db, input)])
    expect((await getContactByPeerId(db, PEER))?.state).toBe('accepted')
  })

  it('leaves a blocked contact as it is', async () => {
    const id = await upsertContact(db, { peerId: PEER, username: 'Old', addresses: [], state: 'declined' })
    await setBlocked(db, id, true)
    expect(await addFromInvite(db, input)).toEqual({ id, blocked: true })
    expect(await getContactByPeerId(db, PEER)).toMatchObject({ state: 'declined', username: 'Old' })
  })
})
