/**
 * The holder's list to its own devices (issue 58; docs/protocols.md, "Our
 * list to our own devices"), end to end in the worker's nodes against a real
 * relay-node: Alice's laptop (the holder, Bob as a contact) links her phone,
 * then her tablet. The phone, whose lookups in the DHT are stopped (so
 * that only the holder can tell it), learns the list naming the tablet once
 * it is connected to the laptop, and what it sends from then on reaches the
 * tablet as Alice's (the tablet is its sibling: sync takes it). The laptop
 * removes the phone: the phone is told at once over the same protocol and
 * stops as `deviceRemoved`, and the tablet holds the list without it. A
 * contact's linked device (Bob's phone) is given the holder's newer list too.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { befriend, peerIdOf, startHarness, WAIT } from './harness.ts'
import { linkNewDevice, stopBlanks } from './link-support.ts'
import type { Harness, Peer } from './harness.ts'
import type { Blank } from './link-support.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await stopBlanks()
  await harness.close()
})

const listed = (device: Blank): string[] => device.node.components.devices.ownList()?.devices.map(d => d.peer) ?? []

async function bobOn (device: Blank, bob: Peer): Promise<number> {
  const row = (await device.db.contacts.toArray()).find(c => c.peerId === peerIdOf(bob))
  if (row === undefined) throw new Error('no Bob on this device')
  return row.id
}

describe('the holder\'s list to its own devices', () => {
  it('a device linked later becomes a sibling of the others at once, and a removed device is told directly and stops', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    await befriend(alice, bob)
    const phone = await linkNewDevice(harness, alice)
    // from here the phone learns lists only from the holder
    phone.node.components.ownListWatcher.stop()
    const tablet = await linkNewDevice(harness, alice)
    const tabletId = tablet.node.status.peerId ?? ''
    const phoneId = phone.node.status.peerId ?? ''
    expect(listed(tablet)).toEqual([peerIdOf(alice), phoneId, tabletId])

    // the phone reaches the laptop (its sync item of a message sent), and the laptop gives it the list
    const phoneToBob = await bobOn(phone, bob)
    await phone.node.call('sendMessage', { contactId: phoneToBob, text: 'before' })
    await vi.waitFor(() => { expect(listed(phone)).toEqual([peerIdOf(alice), phoneId, tabletId]) }, WAIT)
    expect((await getAccount(phone.db))?.version).toBe(tablet.node.components.devices.ownList()?.version)

    // the tablet is the phone's sibling now: what the phone sends shows on the tablet as Alice's
    await phone.node.call('sendMessage', { contactId: phoneToBob, text: 'seen on the tablet' })
    const tabletToBob = await bobOn(tablet, bob)
    await vi.waitFor(async () => {
      const rows = await tablet.db.messages.where('contactId').equals(tabletToBob).toArray()
      expect(rows.find(r => r.body === 'seen on the tablet')).toMatchObject({ direction: 'out' })
    }, { timeout: 40_000, interval: 100 })

    // removed on the laptop: the phone is told at once (it does not look itself) and stops
    const removed = await alice.node.call('removeDevice', { peer: phoneId })
    await vi.waitFor(() => {
      expect(phone.node.status).toMatchObject({ phase: 'stopped', error: { code: 'deviceRemoved', params: { name: 'Alice' } } })
    }, WAIT)
    expect(await getAccount(phone.db)).toMatchObject({ holder: false, version: removed.version, removed: { version: removed.version } })
    await vi.waitFor(() => { expect(listed(tablet)).toEqual([peerIdOf(alice), tabletId]) }, WAIT)
  })

  it('a contact\'s linked device learns a newer list from the holder at once, not only from the DHT', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    // a session between the two laptops, which a list never starts
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi' })
    await vi.waitFor(async () => { expect((await bob.db.messages.where('contactId').equals(bToA).toArray()).map(m => m.body)).toContain('hi') }, WAIT)
    const bobsPhone = await linkNewDevice(harness, bob)
    const bobsPhoneId = bobsPhone.node.status.peerId ?? ''
    const phoneToAlice = (await bobsPhone.db.contacts.toArray()).find(c => c.peerId === peerIdOf(alice))
    if (phoneToAlice === undefined) throw new Error('no Alice on Bob\'s phone')
    // Alice's laptop holds Bob's list naming his phone (from Bob's laptop), and writes to both of his devices
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.devicePeers).toContain(bobsPhoneId) }, WAIT)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'to both of Bob\'s devices' })
    await vi.waitFor(async () => {
      expect((await bobsPhone.db.messages.toArray()).map(m => m.body)).toContain('to both of Bob\'s devices')
    }, WAIT)

    // Alice links a tablet: her laptop gives the new list to Bob's phone too (its mark kept in memory)
    const tablet = await linkNewDevice(harness, alice)
    const tabletId = tablet.node.status.peerId ?? ''
    const version = alice.node.components.devices.ownList()?.version
    await vi.waitFor(async () => {
      const row = await bobsPhone.db.contacts.get(phoneToAlice.id)
      expect(row?.devicesVersion).toBe(version)
      expect(row?.devicePeers).toContain(tabletId)
    }, WAIT)
  })
})
