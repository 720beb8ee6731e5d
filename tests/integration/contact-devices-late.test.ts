/**
 * A contact's session that forms after a link (issue 58; docs/protocols.md,
 * "A contact's device list"), end to end in the worker's nodes against a
 * real relay-node: Alice and Bob are contacts who never wrote, so Alice's
 * laptop (the holder) has no session with Bob when she links her phone, and
 * its new list goes to nobody. Bob's first message starts the session on a
 * connection identified already: the laptop gives him its list then
 * (sessions/device-lists.ts), so that his next message reaches both of
 * Alice's devices, not the laptop alone.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { befriend, peerIdOf, startHarness, WAIT } from './harness.ts'
import { linkNewDevice, stopBlanks } from './link-support.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await stopBlanks()
  await harness.close()
})

describe('a contact\'s device list once a session forms late', () => {
  it('Bob\'s first message after Alice links a phone gets him her list, and his next one reaches both of her devices', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    expect(await alice.node.components.sessions.hasSession(peerIdOf(bob))).toBe(false)
    const phone = await linkNewDevice(harness, alice)
    const phoneId = phone.node.status.peerId ?? ''
    const version = alice.node.components.devices.ownList()?.version
    // the phone's DHT lookups are not what tells Bob here: only the laptop's list to him
    expect((await bob.db.contacts.get(bToA))?.devicePeers ?? [peerIdOf(alice)]).toEqual([peerIdOf(alice)])

    await bob.node.call('sendMessage', { contactId: bToA, text: 'first' })
    await vi.waitFor(async () => {
      const row = await bob.db.contacts.get(bToA)
      expect(row?.devicesVersion).toBe(version)
      expect(row?.devicePeers).toEqual([peerIdOf(alice), phoneId])
      expect((await alice.db.contacts.get(aToB))?.devicesSent).toBe(version)
    }, WAIT)

    await bob.node.call('sendMessage', { contactId: bToA, text: 'second' })
    const phoneToBob = (await phone.db.contacts.toArray()).find(c => c.peerId === peerIdOf(bob))
    if (phoneToBob === undefined) throw new Error('no Bob on the phone')
    await vi.waitFor(async () => {
      const onPhone = await phone.db.messages.where('contactId').equals(phoneToBob.id).toArray()
      expect(onPhone.filter(m => m.body === 'second')).toMatchObject([{ direction: 'in', fromPeerId: peerIdOf(bob) }])
      const onLaptop = await alice.db.messages.where('contactId').equals(aToB).toArray()
      expect(onLaptop.filter(m => m.direction === 'in').map(m => m.body)).toEqual(['first', 'second'])
    }, WAIT)
  })
})
