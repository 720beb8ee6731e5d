/**
 * Removing a linked device, end to end in the worker's nodes against a real
 * relay-node (issue 58, increment 8; docs/protocols.md, "Removing a
 * device"). Alice's laptop (A, the holder) links her phone (N) and removes
 * it: A signs a newer list without N, Bob (her contact) gets it over their
 * session and from then on refuses what N sends (N is nobody he knows); N,
 * looking its account's list up in the relays' DHT, finds the newer list
 * that no longer names it, stops, and says 'removed' (also after a restart)
 * until erased; erasing leaves it a browser with no identity. A list older
 * than N's, one of its version with another body, or of another account,
 * changes nothing on N (here N does not speak the devices protocol by the
 * time of the removal, so that it learns it by its lookup: told by the
 * holder directly, sibling-list.test.ts); a forged one does not open (lookups drop it:
 * unit/p2p/presence/own-list.test.ts; the relay refuses it:
 * contact-devices-dht.test.ts). One test: each link costs seconds.
 */
import { signDeviceList, openDeviceList } from '@parley/protocol/devices/list'
import { DEVICES_PROTOCOL } from '@parley/protocol/devices/wire'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { internals } from '../support/internals.ts'
import { befriend, identityKeyOf, peerIdOf, startHarness, WAIT } from './harness.ts'
import { linkNewDevice, startBlank, stopBlanks } from './link-support.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await stopBlanks()
  await harness.close()
})

const texts = async (peer: Peer, contactId: number): Promise<string[]> =>
  (await chatMessages(peer.db, contactId)).filter(m => m.kind === 'text').map(m => m.body)

describe('removing a linked device', () => {
  it('Alice removes her phone: Bob refuses its frames, the phone learns it is removed, stops, and erasing leaves no identity', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'hi bob' })
    await vi.waitFor(async () => { expect(await texts(bob, bToA)).toEqual(['hi bob']) }, WAIT)
    const n = await linkNewDevice(harness, alice)
    const phone = n.node.status.peerId ?? ''
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicePeers).toEqual([peerIdOf(alice), phone]) }, WAIT)

    // a list older than the phone's, of its version with another body, or of another account changes nothing on it
    const held = await getAccount(n.db)
    if (held?.list === undefined) throw new Error('no list on the phone')
    const sign = async (version: number, name: string, owner = alice): Promise<ReturnType<typeof openDeviceList>> => {
      const account = peerIdOf(owner)
      const key = await identityKeyOf(owner)
      return openDeviceList(signDeviceList(key.raw.subarray(0, 32), { account, version, at: version, devices: [{ peer: account, name, added: 1 }] }).signed, { account })
    }
    const devices = n.node.components.devices
    expect(await devices.takeOwnList(await sign(held.version - 1, 'older'))).toBe('older')
    expect(await devices.takeOwnList(await sign(held.version, 'other body'))).toBe('conflict')
    expect(await devices.takeOwnList(await sign(held.version + 9, 'foreign', bob))).toBe('ignored')
    expect(await getAccount(n.db)).toEqual(held)
    expect(n.node.status.phase).toBe('online')

    // while listed, what the phone sends Bob lands in Alice's chat
    const phoneToBob = (await n.db.contacts.toArray())[0]?.id ?? 0
    await n.node.call('sendMessage', { contactId: phoneToBob, text: 'from the phone' })
    await vi.waitFor(async () => { expect(await texts(bob, bToA)).toEqual(['hi bob', 'from the phone']) }, WAIT)

    const view = await alice.node.call('getDevices', undefined)
    expect(view.devices.map(d => [d.peer, d.thisDevice])).toEqual([[peerIdOf(alice), true], [phone, false]])
    // the phone answers the laptop's devices protocol no more, as an app from before the holder gave its list to its devices
    // (sibling-list.test.ts has the phone told directly): it learns the removal by its own lookup below
    await n.node.libp2p?.unhandle(DEVICES_PROTOCOL)
    const removed = await alice.node.call('removeDevice', { peer: phone })
    expect(removed.version).toBeGreaterThan(view.version)
    expect(removed.devices.map(d => d.peer)).toEqual([peerIdOf(alice)])
    await expect(alice.node.call('removeDevice', { peer: phone })).rejects.toMatchObject({ code: 'deviceNotListed' })
    await expect(alice.node.call('removeDevice', { peer: peerIdOf(alice) })).rejects.toMatchObject({ code: 'removeThisDevice' })
    await expect(alice.node.call('eraseDevice', undefined)).rejects.toMatchObject({ code: 'holderCannotErase' })
    // Bob holds the new list: the phone maps to nobody
    await vi.waitFor(async () => { expect((await bob.db.contacts.get(bToA))?.devicePeers).toEqual([peerIdOf(alice)]) }, WAIT)
    expect(await bob.node.components.contactBook.byPeerId(phone)).toBeUndefined()

    // the phone has not looked yet: it still runs, and what it sends Bob now is a stranger's
    expect(n.node.status.phase).toBe('online')
    await n.node.call('sendMessage', { contactId: phoneToBob, text: 'after removal' })
    await alice.node.call('sendMessage', { contactId: aToB, text: 'still here' })
    await vi.waitFor(async () => { expect((await texts(bob, bToA)).at(-1)).toBe('still here') }, WAIT)
    // it left the phone ('sent': handed to the connection; Bob refuses it, so it is never delivered), and nothing of it waits in Bob's mailbox either
    await vi.waitFor(async () => { expect((await n.db.messages.toArray()).find(m => m.body === 'after removal')?.state).toBe('sent') }, WAIT)
    await internals(bob.node).courier.drain()
    expect(await texts(bob, bToA)).not.toContain('after removal')
    expect((await bob.db.messages.toArray()).filter(m => m.fromPeerId === phone)).toEqual([])

    // the phone looks its account up (as it does after each start and every 10 minutes): the newer list no longer names it
    const watcher = n.node.components.ownListWatcher
    await vi.waitFor(async () => {
      await watcher.check()
      expect(n.node.status).toMatchObject({ phase: 'stopped', error: { code: 'deviceRemoved', params: { name: 'Alice' } } })
    }, { timeout: 30_000, interval: 500 })
    expect(await getAccount(n.db)).toMatchObject({ holder: false, version: removed.version, removed: { version: removed.version } })
    expect(await n.node.call('getDevices', undefined)).toMatchObject({ removed: true, version: removed.version })
    expect(n.node.libp2p?.status).toBe('stopped')
    await expect(n.node.call('sendMessage', { contactId: phoneToBob, text: 'nope' })).rejects.toMatchObject({ code: 'deviceRemoved' })
    // its history stays until erased, and a restart stops again at once
    expect(await n.db.messages.count()).toBeGreaterThan(0)
    await n.node.stop()
    const again = await startBlank(harness, n.factory)
    expect(again.node.status).toMatchObject({ phase: 'stopped', error: { code: 'deviceRemoved', params: { name: 'Alice' } } })
    expect(again.node.libp2p).toBeUndefined()

    await again.node.call('eraseDevice', undefined)
    expect(again.node.status.phase).toBe('needs-profile')
    expect(await again.db.profile.count()).toBe(0)
    expect(await again.db.account.count()).toBe(0)
    expect(await again.db.contacts.count()).toBe(0)
    expect(await again.db.messages.count()).toBe(0)
    // a browser like a new one: onboarding works again
    await again.node.call('createProfile', { username: 'Fresh' })
    await vi.waitFor(() => { expect(again.node.status.phase).toBe('online') }, WAIT)
    expect((await getAccount(again.db))?.holder).toBe(true)
  })
})
