/**
 * Contacts' device lists between the app's nodes through a real relay-node
 * (issue 58, increments 3–4; docs/protocols.md, "A contact's device list"):
 * Alice's node (the account's holder) gives Bob her signed list over
 * `/parley/devices/1.0.0` in a box of their session when its version grows;
 * Bob keeps it, and refuses a forged or older one. A message from a device
 * her list names lands in Alice's chat on Bob's side, from her PeerID; a
 * device not in the list, or removed in a newer one, is nobody Bob knows.
 * Linking itself is not here: the test signs Alice's list with her key, as
 * her node would once a device is linked.
 */
import { decodeDevicesReply, DEVICES_PROTOCOL, encodeDevicesPayload } from '@parley/protocol/devices/wire'
import { signDeviceList } from '@parley/protocol/devices/list'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { markSpeaksSessions, upsertContact } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { sessionPeerOf } from '../../src/lib/p2p/sessions/index.ts'
import { peerIdFromString } from '@libp2p/peer-id'
import { befriend, identityKeyOf, peerIdOf, rawAsker, startHarness, WAIT } from './harness.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { DeviceListExchange } from '../../src/lib/p2p/sessions/device-lists.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

/** Signs Alice's list anew with `others` after her own device, as her node would after a link or a removal, and has her node take it (a rename re-signs it, version grown). */
async function aliceLists (alice: Peer, others: Peer[], name: string): Promise<number> {
  const row = await getAccount(alice.db)
  if (row === undefined) throw new Error('no account')
  const key = await identityKeyOf(alice)
  const account = peerIdOf(alice)
  const version = row.version + 1
  const list = signDeviceList(key.raw.subarray(0, 32), {
    account,
    version,
    at: version,
    devices: [{ peer: account, name: row.deviceName, added: 1 }, ...others.map((o, i) => ({ peer: peerIdOf(o), name: `device ${i + 2}`, added: 2 }))]
  })
  await alice.db.account.put({ ...row, list: list.signed, version })
  return (await alice.node.call('renameDevice', { name })).version
}

/** Bob as a contact of `device` (its own identity), made on `device`'s side alone: no hello goes to Bob. */
async function bobOn (device: Peer, bob: Peer): Promise<ContactId> {
  const id = await upsertContact(device.db, { peerId: peerIdOf(bob), username: 'Bob', addresses: bob.node.status.addresses, state: 'accepted' })
  await markSpeaksSessions(device.db, peerIdOf(bob))
  return id
}

const noticesIn = async (peer: Peer, contactId: ContactId): Promise<string[]> =>
  (await chatMessages(peer.db, contactId)).flatMap(m => m.notice === undefined ? [] : [m.notice])

const bodies = async (peer: Peer, contactId: ContactId): Promise<string[]> =>
  (await chatMessages(peer.db, contactId)).filter(m => m.kind === 'text').map(m => `${m.fromPeerId === '' ? '?' : m.fromPeerId.slice(-6)}:${m.body}`)

describe('contacts\' device lists', () => {
  it('Bob learns Alice\'s list when its version grows, and refuses a forged one and an older one', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const phone = await harness.startPeer(undefined, 'Phone')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi' })
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toContain('hi') }, WAIT)

    const version = await aliceLists(alice, [phone], 'Laptop')
    await vi.waitFor(async () => {
      const row = await bob.db.contacts.get(bToA)
      expect(row?.devicesVersion).toBe(version)
      expect(row?.devicePeers).toEqual([peerIdOf(alice), peerIdOf(phone)])
      expect((await alice.db.contacts.get(aToB))?.devicesSent).toBe(version)
    }, WAIT)

    // sealed on Alice's session with Bob, as her node does, but saying what her key never signed
    const ask = await rawAsker(alice, bob, DEVICES_PROTOCOL, decodeDevicesReply)
    const boxed = async (list: { body: string, sig: string }): Promise<Uint8Array> => {
      const id = crypto.getRandomValues(new Uint8Array(16))
      return alice.node.components.sessions.seal(sessionPeerOf(peerIdFromString(peerIdOf(bob))), `t${id.join('')}`, id, encodeDevicesPayload(list), async () => { throw new Error('no new session') }, { keep: false })
    }
    const held = (await bob.db.contacts.get(bToA))?.devices
    if (held === undefined) throw new Error('no list')
    const forged = { body: held.body.replace(`"version":${version}`, `"version":${version + 5}`), sig: held.sig }
    expect(await ask(await boxed(forged))).toEqual({ type: 'reject', reason: 'invalid' })
    const phoneKey = await identityKeyOf(phone)
    const others = signDeviceList(phoneKey.raw.subarray(0, 32), { account: peerIdOf(phone), version: version + 9, at: 1, devices: [{ peer: peerIdOf(phone), name: '', added: 1 }] })
    expect(await ask(await boxed(others.signed))).toEqual({ type: 'reject', reason: 'invalid' })
    expect(await ask(await boxed(held))).toEqual({ type: 'ack', status: 'same' })
    expect((await bob.db.contacts.get(bToA))?.devices).toEqual(held)
  })

  it('a message from a device in Alice\'s list lands in her chat on Bob\'s side; one not listed, or removed, does not', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const phone = await harness.startPeer(undefined, 'Phone')
    const stranger = await harness.startPeer(undefined, 'Stranger')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'from the laptop' })
    await vi.waitFor(async () => { expect(await bodies(bob, bToA)).toEqual([`${peerIdOf(alice).slice(-6)}:from the laptop`]) }, WAIT)
    const listed = await aliceLists(alice, [phone], 'Laptop')
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicesVersion).toBe(listed) }, WAIT)

    const phoneToBob = await bobOn(phone, bob)
    await phone.node.call('sendMessage', { contactId: phoneToBob, text: 'from the phone' })
    await vi.waitFor(async () => {
      expect(await bodies(bob, bToA)).toEqual([`${peerIdOf(alice).slice(-6)}:from the laptop`, `${peerIdOf(alice).slice(-6)}:from the phone`])
      expect((await phone.db.messages.toArray()).map(m => m.state)).toEqual(['delivered'])
    }, WAIT)
    // the quiet notice: Alice's chat on Bob's side says she linked a device
    expect(await noticesIn(bob, bToA)).toEqual(['device-added'])
    // one chat, one contact: the phone is no contact of Bob's of its own
    expect((await bob.db.contacts.toArray()).map(c => c.peerId)).toEqual([peerIdOf(alice)])

    const strangerToBob = await bobOn(stranger, bob)
    await stranger.node.call('sendMessage', { contactId: strangerToBob, text: 'not listed' })
    // Bob answers not-a-contact: the stranger's message is refused, stored nowhere on Bob's side
    await vi.waitFor(async () => { expect((await stranger.db.messages.toArray()).map(m => m.state)).not.toContain('delivered') }, WAIT)

    const removed = await aliceLists(alice, [], 'Laptop again')
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicePeers).toEqual([peerIdOf(alice)]) }, WAIT)
    expect(removed).toBeGreaterThan(listed)
    expect(await noticesIn(bob, bToA)).toEqual(['device-added', 'device-removed'])
    await phone.node.call('sendMessage', { contactId: phoneToBob, text: 'after removal' })
    await alice.node.call('sendMessage', { contactId: aToB, text: 'still here' })
    await vi.waitFor(async () => { expect((await bodies(bob, bToA)).at(-1)).toBe(`${peerIdOf(alice).slice(-6)}:still here`) }, WAIT)
    expect((await bodies(bob, bToA)).map(b => b.split(':')[1])).not.toContain('after removal')
    expect((await bodies(bob, bToA)).map(b => b.split(':')[1])).not.toContain('not listed')
    expect((await bob.db.messages.toArray()).filter(m => m.fromPeerId === peerIdOf(phone) || m.fromPeerId === peerIdOf(stranger))).toEqual([])
  })

  it('to an app that predates the protocol nothing is sealed and nothing marked, and the chat goes on as before', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const phone = await harness.startPeer(undefined, 'Phone')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'before' })
    await vi.waitFor(async () => { expect((await bodies(bob, bToA)).map(b => b.split(':')[1])).toEqual(['before']) }, WAIT)
    // Bob has her one-device list (given once the session exists), so that no offer is under way below
    const first = (await getAccount(alice.db))?.version
    await (alice.node.components.deviceLists as DeviceListExchange).offer(peerIdOf(bob))
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicesSent).toBe(first) }, WAIT)
    // Bob's app from before: no handler, so multistream-select answers na
    await bob.node.libp2p?.unhandle(DEVICES_PROTOCOL)
    const sealed = vi.spyOn(alice.node.components.sessions, 'seal')
    const markBefore = (await alice.db.contacts.get(aToB))?.devicesSent
    const heldBefore = (await bob.db.contacts.get(bToA))?.devices
    const version = await aliceLists(alice, [phone], 'Laptop')
    await alice.node.call('sendMessage', { contactId: aToB, text: 'after' })
    await vi.waitFor(async () => { expect((await bodies(bob, bToA)).map(b => b.split(':')[1])).toEqual(['before', 'after']) }, WAIT)
    // one seal: the message's; none for the new list, and the mark stays below its version
    expect(sealed).toHaveBeenCalledTimes(1)
    expect((await alice.db.contacts.get(aToB))?.devicesSent).toBe(markBefore)
    expect(markBefore ?? 0).toBeLessThan(version)
    expect((await bob.db.contacts.get(bToA))?.devices).toEqual(heldBefore)
  })
})

