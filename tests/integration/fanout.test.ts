/**
 * Fan-out to a contact's devices between the app's nodes through a real
 * relay-node (issue 58, increment 5a; docs/protocols.md, "Delivery to an
 * account's devices"): Alice writes to Bob, whose signed list names two
 * devices, his own (the account's holder) and a laptop. Each device gets
 * each message in its own session, live when connected, else from its own
 * mailbox; one device's ack leaves the other pending; a device a newer list
 * removes is no longer a target. As in contact-devices.test.ts, the laptop
 * is a node of its own that the test lists in Bob's list with Bob's key, and
 * that holds Alice as an accepted contact, as a linked device would.
 */
import { signDeviceList } from '@parley/protocol/devices/list'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { markSpeaksSessions, upsertContact } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { befriend, identityKeyOf, peerIdOf, startHarness, WAIT } from './harness.ts'
import type { ContactId, MessageRow } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

/** Dialling a device that is gone and looking it up take a few seconds before its mailbox gets the message. */
const SLOW = { timeout: 60_000, interval: 100 }

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

/** Signs `holder`'s list anew with `others` after its own device and has its node take it and give it to its contacts (version grown). */
async function lists (holder: Peer, others: Peer[], name: string): Promise<number> {
  const row = await getAccount(holder.db)
  if (row === undefined) throw new Error('no account')
  const key = await identityKeyOf(holder)
  const account = peerIdOf(holder)
  const version = row.version + 1
  const list = signDeviceList(key.raw.subarray(0, 32), {
    account,
    version,
    at: version,
    devices: [{ peer: account, name: row.deviceName, added: 1 }, ...others.map((o, i) => ({ peer: peerIdOf(o), name: `device ${i + 2}`, added: 2 }))]
  })
  await holder.db.account.put({ ...row, list: list.signed, version })
  return (await holder.node.call('renameDevice', { name })).version
}

/** `other` as an accepted contact of `device`, as a device linked to an account holds the account's contacts. */
async function contactOn (device: Peer, other: Peer, name: string): Promise<ContactId> {
  const id = await upsertContact(device.db, { peerId: peerIdOf(other), username: name, addresses: other.node.status.addresses, state: 'accepted' })
  await markSpeaksSessions(device.db, peerIdOf(other))
  return id
}

const aliceOn = async (device: Peer, alice: Peer): Promise<ContactId> => contactOn(device, alice, 'Alice')

/**
 * Bob answers Alice: a session both ways, on which his node gives her his
 * list (sessions/device-lists.ts); she holds the one he signed at start
 * before the test signs another (an offer under way to a peer takes no
 * second one meanwhile).
 */
async function talkBack (alice: Peer, bob: Peer, aToB: ContactId, bToA: ContactId): Promise<void> {
  await bob.node.call('sendMessage', { contactId: bToA, text: 'hi' })
  await vi.waitFor(async () => { expect(await bodiesFrom(alice, aToB)).toEqual(['hi']) }, WAIT)
  const first = (await getAccount(bob.db))?.version
  await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicesVersion).toBe(first) }, WAIT)
}

const bodiesFrom = async (peer: Peer, contactId: ContactId): Promise<string[]> =>
  (await chatMessages(peer.db, contactId)).filter(m => m.kind === 'text' && m.direction === 'in').map(m => m.body)

async function sent (alice: Peer, aToB: ContactId, text: string): Promise<MessageRow> {
  const { messageId } = await alice.node.call('sendMessage', { contactId: aToB, text })
  const row = await alice.db.messages.get(messageId)
  if (row === undefined) throw new Error('not stored')
  return row
}

describe('fan-out to a contact\'s devices', () => {
  it('each of Bob\'s devices gets Alice\'s message; an offline one from its own mailbox, and its ack alone leaves nothing pending', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    let laptop = await harness.startPeer(undefined, 'Laptop')
    const { aToB, bToA } = await befriend(alice, bob)
    const laptopToA = await aliceOn(laptop, alice)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'before the list' })
    await vi.waitFor(async () => { expect(await bodiesFrom(bob, bToA)).toEqual(['before the list']) }, WAIT)
    await talkBack(alice, bob, aToB, bToA)

    const version = await lists(bob, [laptop], 'Phone')
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicesVersion).toBe(version) }, WAIT)

    // both connected: each stores it, and Alice's row waits for nobody once both acked
    const both = await sent(alice, aToB, 'to both')
    expect(both.pendingDevices).toEqual([peerIdOf(bob), peerIdOf(laptop)])
    await vi.waitFor(async () => {
      expect(await bodiesFrom(bob, bToA)).toEqual(['before the list', 'to both'])
      expect(await bodiesFrom(laptop, laptopToA)).toEqual(['to both'])
      const row = await alice.db.messages.get(both.id)
      expect(row?.state).toBe('delivered')
      expect(row?.pendingDevices).toBeUndefined()
    }, WAIT)
    // a device listed later gets only what was sent after it was listed
    expect(await bodiesFrom(laptop, laptopToA)).not.toContain('before the list')

    // the laptop goes away: Bob's own device acks at once, the laptop stays pending and its own mailbox holds it
    const laptopFactory = laptop.factory
    const laptopId = peerIdOf(laptop)
    await laptop.stop()
    const away = await sent(alice, aToB, 'while the laptop is away')
    await vi.waitFor(async () => {
      expect(await bodiesFrom(bob, bToA)).toContain('while the laptop is away')
      expect(await alice.db.messages.get(away.id)).toMatchObject({ state: 'delivered', pendingDevices: [laptopId], storedDevices: [laptopId] })
      expect(harness.relay.mailboxUsage(laptopId)?.items).toBeGreaterThanOrEqual(1)
    }, SLOW)
    // Bob's own device had it live: nothing was deposited for him
    expect(harness.relay.mailboxUsage(peerIdOf(bob))?.items ?? 0).toBe(0)

    laptop = await harness.startPeer(laptopFactory)
    await vi.waitFor(async () => {
      expect(await bodiesFrom(laptop, laptopToA)).toEqual(['to both', 'while the laptop is away'])
      expect(harness.relay.mailboxUsage(laptopId)?.items ?? 0).toBe(0)
    }, SLOW)
    // its ack (a receipt, or a live duplicate ack) takes the laptop off the row
    await vi.waitFor(async () => {
      const row = await alice.db.messages.get(away.id)
      expect(row?.pendingDevices).toBeUndefined()
      expect(row?.storedDevices).toBeUndefined()
    }, SLOW)
    // every message once on each device
    expect(await bodiesFrom(bob, bToA)).toEqual(['before the list', 'to both', 'while the laptop is away'])
  }, 180_000)

  it('a file offer reaches both of Bob\'s devices, and each pulls the file from Alice', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const laptop = await harness.startPeer(undefined, 'Laptop')
    const { aToB, bToA } = await befriend(alice, bob)
    await aliceOn(laptop, alice)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello' })
    await vi.waitFor(async () => { expect(await bodiesFrom(bob, bToA)).toEqual(['hello']) }, WAIT)
    await talkBack(alice, bob, aToB, bToA)
    const listed = await lists(bob, [laptop], 'Phone')
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicesVersion).toBe(listed) }, WAIT)

    const bytes = crypto.getRandomValues(new Uint8Array(50_000))
    const { messageId } = await alice.node.call('sendFile', { contactId: aToB, file: new Blob([bytes]), name: 'notes.txt', mime: 'text/plain', caption: 'for both', thumb: null })
    for (const device of [bob, laptop]) {
      await vi.waitFor(async () => { expect((await device.db.transfers.get(messageId))?.state).toBe('complete') }, SLOW)
      const file = (await device.node.call('getFile', { id: messageId })).file
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(bytes)
    }
    await vi.waitFor(async () => { expect((await alice.db.messages.get(messageId))?.pendingDevices).toBeUndefined() }, WAIT)
  }, 120_000)

  it('a file Alice offers from another device of her list is pulled from that device, which holds it', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const laptop = await harness.startPeer(undefined, 'Laptop')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello' })
    await vi.waitFor(async () => { expect(await bodiesFrom(bob, bToA)).toEqual(['hello']) }, WAIT)
    const listed = await lists(alice, [laptop], 'Desktop')
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicesVersion).toBe(listed) }, WAIT)

    const laptopToB = await contactOn(laptop, bob, 'Bob')
    const bytes = crypto.getRandomValues(new Uint8Array(40_000))
    const { messageId } = await laptop.node.call('sendFile', { contactId: laptopToB, file: new Blob([bytes]), name: 'from-laptop.txt', mime: 'text/plain', caption: '', thumb: null })
    // in Alice's chat on Bob's side, pulled from the laptop (Alice's own device never had it)
    await vi.waitFor(async () => { expect((await bob.db.transfers.get(messageId))?.state).toBe('complete') }, SLOW)
    expect(await bob.db.transfers.get(messageId)).toMatchObject({ contactId: bToA, peer: peerIdOf(laptop) })
    expect(new Uint8Array(await (await bob.node.call('getFile', { id: messageId })).file.arrayBuffer())).toEqual(bytes)
  }, 120_000)

  it('a device removed from Bob\'s list stops being a target, and what waited for it no longer does', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const laptop = await harness.startPeer(undefined, 'Laptop')
    const { aToB, bToA } = await befriend(alice, bob)
    await aliceOn(laptop, alice)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hello' })
    await vi.waitFor(async () => { expect(await bodiesFrom(bob, bToA)).toEqual(['hello']) }, WAIT)
    await talkBack(alice, bob, aToB, bToA)
    const listed = await lists(bob, [laptop], 'Phone')
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicesVersion).toBe(listed) }, WAIT)

    // the laptop is away while Alice writes: the row waits for it
    const laptopId = peerIdOf(laptop)
    await laptop.stop()
    const waiting = await sent(alice, aToB, 'for both')
    await vi.waitFor(async () => {
      expect(await alice.db.messages.get(waiting.id)).toMatchObject({ state: 'delivered', pendingDevices: [laptopId], storedDevices: [laptopId] })
    }, SLOW)
    const held = harness.relay.mailboxUsage(laptopId)?.items ?? 0
    expect(held).toBeGreaterThanOrEqual(1)

    // Bob's newer list without the laptop reaches Alice: nothing waits for the laptop any more
    const removed = await lists(bob, [], 'Phone')
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicesVersion).toBe(removed) }, WAIT)
    expect((await alice.db.messages.get(waiting.id))?.pendingDevices).toBeUndefined()
    expect(await alice.db.messages.where('pendingDevices').equals(laptopId).count()).toBe(0)

    // and what Alice writes now goes to Bob's device alone: nothing more for the laptop's mailbox
    const after = await sent(alice, aToB, 'after the removal')
    expect(after.pendingDevices).toEqual([peerIdOf(bob)])
    await vi.waitFor(async () => {
      expect(await bodiesFrom(bob, bToA)).toEqual(['hello', 'for both', 'after the removal'])
      expect((await alice.db.messages.get(after.id))?.pendingDevices).toBeUndefined()
    }, WAIT)
    expect(harness.relay.mailboxUsage(laptopId)?.items ?? 0).toBe(held)
  }, 120_000)
})
