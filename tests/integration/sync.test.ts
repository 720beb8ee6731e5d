/**
 * My own devices in step (issue 58, increment 5b; src/lib/p2p/sync), end to
 * end in the worker's nodes against a real relay-node: Alice's laptop (the
 * account's holder, Bob as a contact) links a phone, then what she does on
 * one device shows on the other: a message sent (as hers, also when the
 * phone was stopped while it was sent: live once it is back, or from its
 * mailbox when the laptop is gone by then), a chat read, a reaction, a delete
 * for everyone, a contact renamed. A sync box from a peer the account's list
 * does not name (Bob) is refused and stores nothing.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { peerIdFromString } from '@libp2p/peer-id'
import { ulidBytes } from '@parley/protocol/ulid'
import { decodeSyncItem, decodeSyncReply, encodeSyncItem, SYNC_PROTOCOL } from '@parley/protocol/sync/wire'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { newMessageId } from '../../src/lib/db/messages.ts'
import { NodeRoot } from '../../src/lib/p2p/root/root.ts'
import { locksFor, TEST_BUILD } from '../support/writer-locks.ts'
import { befriend, peerIdOf, rawAsker, startHarness, WAIT } from './harness.ts'
import type { MessageId } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness
const phones: Array<{ node: NodeRoot, db: ParleyDb }> = []

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  for (const phone of phones.splice(0)) {
    await phone.node.stop()
    phone.db.close()
  }
  await harness.close()
})

interface Phone { node: NodeRoot, db: ParleyDb, factory: IDBFactory }

/** A browser's node on `factory` (a new one: no identity yet; the same again: a restart). */
async function startBrowser (factory = new IDBFactory()): Promise<Phone> {
  const db = new ParleyDb('parley', { indexedDB: factory, IDBKeyRange })
  const node = new NodeRoot({
    db,
    writer: { locks: locksFor(factory), build: TEST_BUILD },
    origin: 'http://127.0.0.1:5173',
    loadConfig: async () => ({ relays: harness.relay.multiaddrs, iceServers: [] })
  })
  await node.start()
  const phone = { node, db, factory }
  phones.push(phone)
  return phone
}

/** Stops a phone started by startBrowser. */
async function stopBrowser (phone: Phone): Promise<void> {
  phones.splice(phones.indexOf(phone), 1)
  await phone.node.stop()
  phone.db.close()
}

/** Alice's laptop with Bob as a contact and `bobSays` from him (unread), and her phone linked to it. */
async function linkedPair (bobSays: string): Promise<{ laptop: Peer, bob: Peer, phone: Phone, aToB: number }> {
  const laptop = await harness.startPeer(undefined, 'Alice')
  const bob = await harness.startPeer(undefined, 'Bob')
  const { aToB, bToA } = await befriend(laptop, bob)
  await bob.node.call('sendMessage', { contactId: bToA, text: bobSays })
  await vi.waitFor(async () => { expect(await laptop.db.messages.where('contactId').equals(aToB).count()).toBe(1) }, WAIT)
  const phone = await startBrowser()
  const { qr } = await phone.node.call('linkAsNewDevice', undefined)
  await laptop.node.call('linkDevice', { qr: qr ?? '' })
  await vi.waitFor(async () => { expect(await phone.node.call('getLink', undefined)).toMatchObject({ phase: 'confirm' }) }, WAIT)
  await laptop.node.call('confirmLink', { same: true })
  await vi.waitFor(() => { expect(phone.node.status.phase).toBe('online') }, WAIT)
  return { laptop, bob, phone, aToB }
}

/** The chat's rows on `db`, as the chat shows them. */
async function chat (db: ParleyDb, contactId: number): Promise<Array<{ body: string, direction: string }>> {
  return (await db.messages.where('contactId').equals(contactId).sortBy('sentAt')).map(r => ({ body: r.body, direction: r.direction }))
}

describe('own devices in step', () => {
  it('a message sent on either device shows on the other as mine, once', async () => {
    const { laptop, phone, aToB } = await linkedPair('hi alice')
    const phoneChat = (await phone.db.contacts.toArray())[0]?.id ?? 0
    const { messageId } = await laptop.node.call('sendMessage', { contactId: aToB, text: 'from the laptop' })
    await vi.waitFor(async () => { expect(await phone.db.messages.get(messageId)).toMatchObject({ direction: 'out', body: 'from the laptop', contactId: phoneChat, fromPeerId: peerIdOf(laptop) }) }, WAIT)
    const back = await phone.node.call('sendMessage', { contactId: phoneChat, text: 'from the phone' })
    await vi.waitFor(async () => { expect(await laptop.db.messages.get(back.messageId)).toMatchObject({ direction: 'out', body: 'from the phone', contactId: aToB }) }, WAIT)
    const expected = [{ body: 'hi alice', direction: 'in' }, { body: 'from the laptop', direction: 'out' }, { body: 'from the phone', direction: 'out' }]
    expect(await chat(laptop.db, aToB)).toEqual(expected)
    expect(await chat(phone.db, phoneChat)).toEqual(expected)
    // everything acknowledged: nothing left in either queue
    await vi.waitFor(async () => { expect(await laptop.db.syncQueue.count() + await phone.db.syncQueue.count()).toBe(0) }, WAIT)
  })

  it('what was sent while the phone was stopped reaches it when it starts again, in order', async () => {
    const { laptop, phone, aToB } = await linkedPair('hi alice')
    await stopBrowser(phone)
    const sent: MessageId[] = []
    for (const text of ['one', 'two', 'three']) sent.push((await laptop.node.call('sendMessage', { contactId: aToB, text })).messageId)
    await vi.waitFor(async () => { expect(await laptop.db.syncQueue.count()).toBe(3) }, WAIT)
    const again = await startBrowser(phone.factory)
    await vi.waitFor(async () => {
      expect((await again.db.messages.bulkGet(sent)).map(r => r?.body)).toEqual(['one', 'two', 'three'])
    }, { ...WAIT, timeout: 60_000 })
    await vi.waitFor(async () => { expect(await laptop.db.syncQueue.count()).toBe(0) }, WAIT)
  }, 120_000)

  it('what was sent while the phone was stopped waits in its mailbox: it gets it there once started, with the laptop gone', async () => {
    const { laptop, phone, aToB } = await linkedPair('hi alice')
    // the two have a session (as devices in use do): what goes to the mailbox needs no bundle of the phone's
    const warm = await laptop.node.call('sendMessage', { contactId: aToB, text: 'warm' })
    await vi.waitFor(async () => { expect(await phone.db.messages.get(warm.messageId)).toBeDefined() }, WAIT)
    await stopBrowser(phone)
    const sent: MessageId[] = []
    for (const text of ['one', 'two', 'three']) sent.push((await laptop.node.call('sendMessage', { contactId: aToB, text })).messageId)
    // the phone cannot be reached: the items go to its mailbox relays (and stay queued until it takes them live)
    // ('warm' too, when its ack was lost in the phone's stop)
    await vi.waitFor(async () => {
      const rows = await laptop.db.syncQueue.toArray()
      expect(rows.filter(r => r.deposited !== true)).toEqual([])
      expect(rows.map(r => decodeSyncItem(r.item)).flatMap(i => i.kind === 'sent' ? [i.message.body] : []).filter(b => b !== 'warm')).toEqual(['one', 'two', 'three'])
    }, { ...WAIT, timeout: 90_000 })
    await laptop.stop()
    const again = await startBrowser(phone.factory)
    await vi.waitFor(async () => {
      expect((await again.db.messages.bulkGet(sent)).map(r => [r?.body, r?.direction])).toEqual([['one', 'out'], ['two', 'out'], ['three', 'out']])
    }, { ...WAIT, timeout: 60_000 })
  }, 180_000)

  it('a chat read on the phone is read on the laptop; a reaction and a delete on the laptop show on the phone', async () => {
    const { laptop, phone, aToB } = await linkedPair('read me')
    const theirs = (await laptop.db.messages.where('contactId').equals(aToB).first())
    expect(theirs?.state).toBe('delivered')
    const id = theirs?.id ?? ('' as MessageId)
    const phoneChat = (await phone.db.contacts.toArray())[0]?.id ?? 0
    expect((await phone.db.messages.get(id))?.state).toBe('delivered')
    await phone.node.call('markRead', { contactId: phoneChat, ids: [id] })
    await vi.waitFor(async () => { expect((await laptop.db.messages.get(id))?.state).toBe('read') }, WAIT)

    await laptop.node.call('react', { messageId: id, emoji: '👍' })
    await vi.waitFor(async () => { expect((await phone.db.messages.get(id))?.reactions?.map(r => r.emoji)).toEqual(['👍']) }, WAIT)

    const { messageId } = await laptop.node.call('sendMessage', { contactId: aToB, text: 'oops' })
    await vi.waitFor(async () => { expect((await phone.db.messages.get(messageId))?.body).toBe('oops') }, WAIT)
    await laptop.node.call('deleteMessage', { messageId, forEveryone: true })
    await vi.waitFor(async () => { expect((await phone.db.messages.get(messageId))?.deleted).toBeDefined() }, WAIT)
  })

  it('a contact renamed and verified on the laptop is so on the phone', async () => {
    const { laptop, bob, phone, aToB } = await linkedPair('hi')
    await laptop.node.call('updateContact', { contactId: aToB, nickname: 'Bobby', notes: '' })
    await laptop.node.call('setVerified', { contactId: aToB, verified: true })
    await vi.waitFor(async () => {
      expect(await phone.db.contacts.where('peerId').equals(peerIdOf(bob)).first()).toMatchObject({ nickname: 'Bobby', verified: true })
    }, WAIT)
  })

  it('a sync box from a peer our list does not name is refused, and nothing is stored', async () => {
    const { laptop, bob, aToB } = await linkedPair('hi')
    const id = newMessageId()
    const item = encodeSyncItem({ type: 'sync', id: newMessageId(), kind: 'sent', chat: peerIdOf(bob), message: { id, sentAt: Date.now(), body: 'forged' } })
    const box = await bob.node.components.peerBoxes.seal(peerIdFromString(peerIdOf(laptop)), ulidBytes(id), item, [])
    const ask = await rawAsker(bob, laptop, SYNC_PROTOCOL, decodeSyncReply)
    const before = await laptop.db.messages.count()
    expect(await ask(box)).toEqual({ type: 'reject', reason: 'not-a-sibling' })
    expect(await laptop.db.messages.get(id)).toBeUndefined()
    expect(await laptop.db.messages.count()).toBe(before)
    expect(await chat(laptop.db, aToB)).toEqual([{ body: 'hi', direction: 'in' }])
    // and no session with Bob was started by it beyond the one chat already had
    expect(await laptop.db.syncQueue.count()).toBe(0)
  })
})
