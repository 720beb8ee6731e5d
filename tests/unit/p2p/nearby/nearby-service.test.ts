/**
 * Nearby in the worker's node, in Node against a real relay-node on
 * loopback (tests/integration/harness.ts): off until opted in and remembered
 * in the settings table; opted-in peers see each other by name; "Add" sends
 * the same contact request an invite would, which the other side accepts as
 * usual; turning it off withdraws at once; bad requests are refused in words
 * and change nothing.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContactByPeerId } from '../../../../src/lib/db/contacts.ts'
import { nearbyEnabled } from '../../../../src/lib/db/settings.ts'
import { WAIT, startHarness } from '../../../integration/harness.ts'
import { expectRefusal } from '../../../support/words.ts'
import { MAX_NEARBY_NAME_CHARS } from '@parley/protocol/nearby/codec'
import { MAX_NAME_CHARS } from '../../../../src/lib/p2p/identity/invite.ts'
import type { Harness, Peer } from '../../../integration/harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

async function names (peer: Peer): Promise<string[]> {
  return ((await peer.node.call('listNearby')).people).map(p => p.name)
}

const peerIdOf = (peer: Peer): string => peer.node.status.peerId ?? ''

describe('Nearby in the node', () => {
  it('is off by default; two who opt in see each other; one adds the other, who gets an ordinary request and accepts', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const carol = await harness.startPeer(undefined, 'Carol')
    expect(await nearbyEnabled(alice.db)).toBe(false)
    expect((await alice.node.call('listNearby')).people).toEqual([])

    await alice.node.call('setNearby', { enabled: true })
    await bob.node.call('setNearby', { enabled: true })
    expect(await nearbyEnabled(alice.db)).toBe(true)
    await vi.waitFor(async () => { expect(await names(alice)).toEqual(['Bob']) }, WAIT)
    await vi.waitFor(async () => { expect(await names(bob)).toEqual(['Alice']) }, WAIT)
    // Carol never opted in: listed by no one, and she lists no one
    expect((await carol.node.call('listNearby')).people).toEqual([])
    expect(((await alice.node.call('listNearby')).people).map(p => p.peerId)).toEqual([peerIdOf(bob)])

    const { contactId } = await alice.node.call('addNearby', { peerId: peerIdOf(bob) })
    const asked = await getContactByPeerId(alice.db, peerIdOf(bob))
    expect(asked).toMatchObject({ id: contactId, username: 'Bob', state: 'requested' })
    expect(asked?.addresses.every(a => a.endsWith(`/p2p-circuit/p2p/${peerIdOf(bob)}`))).toBe(true)
    // Bob sees a request like any other, and nothing is accepted for him
    await vi.waitFor(async () => { expect(await getContactByPeerId(bob.db, peerIdOf(alice))).toMatchObject({ username: 'Alice', state: 'pending' }) }, WAIT)
    const request = await getContactByPeerId(bob.db, peerIdOf(alice))
    await bob.node.call('acceptContact', { contactId: request?.id ?? -1 })
    await vi.waitFor(async () => { expect((await getContactByPeerId(alice.db, peerIdOf(bob)))?.state).toBe('accepted') }, WAIT)
  })

  it('turning it off withdraws from the relay at once; the choice is remembered across a restart', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    await alice.node.call('setNearby', { enabled: true })
    await bob.node.call('setNearby', { enabled: true })
    await vi.waitFor(async () => { expect(await names(alice)).toEqual(['Bob']) }, WAIT)

    await bob.node.call('setNearby', { enabled: false })
    expect(await nearbyEnabled(bob.db)).toBe(false)
    expect((await bob.node.call('listNearby')).people).toEqual([])
    await vi.waitFor(async () => { expect(await names(alice)).toEqual([]) }, WAIT)
    // Bob is no longer listed: adding him from the old list is refused
    await expect(alice.node.call('addNearby', { peerId: peerIdOf(bob) })).rejects.toMatchObject({ name: 'NotNearbyError' })
    expect(await getContactByPeerId(alice.db, peerIdOf(bob))).toBeUndefined()

    await bob.node.call('setNearby', { enabled: true })
    await vi.waitFor(async () => { expect(await names(alice)).toEqual(['Bob']) }, WAIT)
    // Alice restarts: still opted in, she registers again by herself
    const factory = alice.factory
    await alice.stop()
    await vi.waitFor(async () => { expect(await names(bob)).toEqual([]) }, WAIT)
    const again = await harness.startPeer(factory)
    expect(await nearbyEnabled(again.db)).toBe(true)
    await vi.waitFor(async () => { expect(await names(bob)).toEqual(['Alice']) }, WAIT)
  })

  it('refuses malformed requests in words, changing nothing', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    for (const params of [undefined, null, {}, { enabled: 'yes' }, { enabled: true, extra: 1 }, [true]]) {
      await expect(alice.node.call('setNearby', params as never)).rejects.toMatchObject({ name: 'InvalidParamsError', params: { method: 'setNearby' } })
    }
    for (const params of [undefined, {}, { peerId: 7 }, { peerId: '' }, { peerId: 'x'.repeat(129) }, { peerId: 'a', more: true }]) {
      await expect(alice.node.call('addNearby', params as never)).rejects.toMatchObject({ name: 'InvalidParamsError', params: { method: 'addNearby' } })
    }
    await expectRefusal(alice.node.call('addNearby', { peerId: '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj' }),
      'NotNearbyError', /^This person is not nearby any more/)
    expect(await nearbyEnabled(alice.db)).toBe(false)
    // the only setting is this browser's instance id (p2p/instances), made at start
    expect((await alice.db.settings.toArray()).map(row => row.key)).toEqual(['instance'])
    expect(await alice.db.contacts.count()).toBe(0)
  })
})

describe('Nearby names', () => {
  it('carry exactly the names the app allows (an invite\'s, a profile\'s)', () => {
    expect(MAX_NEARBY_NAME_CHARS).toBe(MAX_NAME_CHARS)
  })
})
