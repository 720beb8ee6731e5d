/**
 * "One identity, one place" becomes linking (issue 58, increment 9): Alice's
 * backup restored in a second browser while her first runs. Both hear of the
 * other copy; only the restored one is told it may link instead. Asked to,
 * it stops, erases its copy (its key first of all: no second holder of the
 * account key) keeping only the browser's instance id, and its worker starts
 * again with no identity; linked by Alice's first device, it runs as a
 * device of her account, and the warning goes. The first copy, not restored,
 * is refused and erases nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getAccount } from '../../src/lib/db/account.ts'
import { befriend, peerIdOf, startHarness, WAIT } from './harness.ts'
import { startBlank, stopBlanks, stored } from './link-support.ts'
import type { Harness } from './harness.ts'

let harness: Harness | undefined
afterEach(async () => {
  await stopBlanks()
  await harness?.close()
})

describe('a restored backup while the account runs elsewhere', () => {
  it('offers to link instead; linking it erases the copy and makes this browser a device of the account', async () => {
    harness = await startHarness()
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    await befriend(alice, bob)
    const { file } = await alice.node.call('exportIdentity', { passphrase: 'a long passphrase', includeHistory: true })

    const restored = await startBlank(harness)
    await restored.node.call('importIdentity', { file, passphrase: 'a long passphrase' })
    await vi.waitFor(() => {
      expect(restored.node.status.elsewhere).toMatchObject({ count: 1, restored: true })
      expect(alice.node.status.elsewhere).toMatchObject({ count: 1 })
    }, WAIT)
    // the first copy was not restored: it is not offered to give way, and refused if it asks
    expect(alice.node.status.elsewhere?.restored).toBeUndefined()
    const aliceBefore = await stored(alice.db)
    await expect(alice.node.call('linkInstead', undefined)).rejects.toMatchObject({ name: 'LinkInsteadError', code: 'notRestoredCopy' })
    expect(await stored(alice.db)).toEqual(aliceBefore)
    expect(alice.node.status.phase).toBe('online')

    const instance = await restored.db.settings.get('instance')
    expect(await restored.node.call('linkInstead', undefined)).toBeNull()
    expect(restored.node.status).toMatchObject({ phase: 'stopped', error: { code: 'restarting' } })
    // the copy is gone, its key with it; the browser's instance id stays
    expect(await stored(restored.db)).toEqual({ contacts: 0, messages: 0, groups: 0 })
    expect(await restored.db.sessions.count()).toBe(0)
    expect(await restored.db.relays.count()).toBe(0)
    expect(await restored.db.settings.toArray()).toEqual([instance])
    // the other copy is gone for Alice's first device too
    await vi.waitFor(() => { expect(alice.node.status.elsewhere).toBeUndefined() }, WAIT)

    // the worker starts again on the same browser's database: no identity, so it links as a new device
    await restored.node.stop()
    const again = await startBlank(harness, restored.factory)
    expect(again.node.status.phase).toBe('needs-profile')
    const { qr } = await again.node.call('linkAsNewDevice', undefined)
    await alice.node.call('linkDevice', { qr: qr ?? '' })
    await alice.node.call('confirmLink', { same: true })
    await vi.waitFor(() => { expect(again.node.status.phase).toBe('online') }, WAIT)
    const device = again.node.status.peerId ?? ''
    expect(device).not.toBe(peerIdOf(alice))
    expect(await getAccount(again.db)).toMatchObject({ account: peerIdOf(alice), holder: false })
    expect((await again.db.contacts.toArray()).map(c => c.peerId)).toEqual([peerIdOf(bob)])
    // a device of the account, not a copy of it: no warning on either side
    expect(again.node.status.elsewhere).toBeUndefined()
    expect(alice.node.status.elsewhere).toBeUndefined()
    expect(await again.db.settings.get('restored')).toBeUndefined()
  }, 90_000)
})
