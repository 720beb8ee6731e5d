/**
 * Group chats between NodeRoots in Node (docs/protocols.md, "Groups"): Alice
 * makes a group with Bob and Carol, who are not each other's contacts; the
 * invitations arrive, are accepted, and messages from each reach the other
 * two, pairwise, in the same order everywhere; Alice removes Carol, who gets
 * nothing after that; Bob leaves; every device holds the same group.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { groupMessages } from '../../src/lib/db/groups.ts'
import { befriend, startHarness, WAIT } from './harness.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

async function bodies (peer: Peer, groupId: string): Promise<string[]> {
  return (await groupMessages(peer.db, groupId)).map((m) => m.body)
}

async function stateOf (peer: Peer, groupId: string): Promise<unknown> {
  const row = await peer.db.groups.get(groupId)
  return { name: row?.name, owner: row?.owner, members: row?.members.map((m) => [m.peer, m.role]), heads: row?.heads }
}

describe('groups between nodes', () => {
  it('invite, accept, talk both ways in one order, remove, leave: every device ends with the same group', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const carol = await harness.startPeer(undefined, 'Carol')
    const { aToB } = await befriend(alice, bob)
    const { aToB: aToC } = await befriend(alice, carol)
    await vi.waitFor(async () => { expect((await alice.db.contacts.bulkGet([aToB, aToC])).map((c) => c?.state)).toEqual(['accepted', 'accepted']) }, WAIT)

    const { groupId } = await alice.node.call('createGroup', { name: 'Family', contactIds: [aToB, aToC] })
    // the invitation: name, who invited, how many
    for (const peer of [bob, carol]) {
      await vi.waitFor(async () => {
        const row = await peer.db.groups.get(groupId)
        expect(row).toMatchObject({ name: 'Family', state: 'invited', invitedBy: alice.node.status.peerId })
        expect(row?.members).toHaveLength(3)
      }, WAIT)
    }
    await bob.node.call('acceptGroup', { groupId })
    await carol.node.call('acceptGroup', { groupId })
    await vi.waitFor(async () => {
      for (const peer of [alice, bob, carol]) expect((await peer.db.groups.get(groupId))?.heads).toEqual((await alice.db.groups.get(groupId))?.heads)
      // both acceptances (profile operations) are held everywhere
      expect((await alice.db.groupOps.where('group').equals(groupId).count())).toBe(3)
    }, WAIT)

    await alice.node.call('sendGroupMessage', { groupId, text: 'hello from Alice' })
    await vi.waitFor(async () => { for (const peer of [bob, carol]) expect(await bodies(peer, groupId)).toEqual(['hello from Alice']) }, WAIT)
    // Bob and Carol are not contacts: each one's message still reaches the other, signed by its author
    await bob.node.call('sendGroupMessage', { groupId, text: 'hello from Bob' })
    await carol.node.call('sendGroupMessage', { groupId, text: 'hello from Carol' })
    await vi.waitFor(async () => {
      const order = await bodies(alice, groupId)
      expect(order).toHaveLength(3)
      for (const peer of [bob, carol]) expect(await bodies(peer, groupId)).toEqual(order)
    }, WAIT)
    expect(await bob.db.contacts.where('peerId').equals(carol.node.status.peerId ?? '').count()).toBe(0)

    // Alice removes Carol: Carol learns it, and nothing sent after reaches her
    await alice.node.call('removeGroupMember', { groupId, peerId: carol.node.status.peerId ?? '' })
    await vi.waitFor(async () => { expect((await carol.db.groups.get(groupId))?.state).toBe('removed') }, WAIT)
    await vi.waitFor(async () => { expect((await bob.db.groups.get(groupId))?.members).toHaveLength(2) }, WAIT)
    await bob.node.call('sendGroupMessage', { groupId, text: 'after Carol' })
    await vi.waitFor(async () => { expect(await bodies(alice, groupId)).toContain('after Carol') }, WAIT)
    await expect(carol.node.call('sendGroupMessage', { groupId, text: 'am I still here?' })).rejects.toThrow()
    expect(await bodies(carol, groupId)).not.toContain('after Carol')

    // Bob leaves
    await bob.node.call('leaveGroup', { groupId })
    await vi.waitFor(async () => {
      expect((await alice.db.groups.get(groupId))?.members.map((m) => m.peer)).toEqual([alice.node.status.peerId])
      expect((await bob.db.groups.get(groupId))?.state).toBe('left')
    }, WAIT)
    await vi.waitFor(async () => { expect(await stateOf(bob, groupId)).toEqual(await stateOf(alice, groupId)) }, WAIT)
    expect(new Set(await bodies(alice, groupId)).size).toBe(4)
  })

  it('a member who is offline gets the invitation and every message once, from its mailboxes, when it comes back', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    let carol = await harness.startPeer(undefined, 'Carol')
    const { aToB } = await befriend(alice, bob)
    const { aToB: aToC } = await befriend(alice, carol)
    await vi.waitFor(async () => { expect((await alice.db.contacts.bulkGet([aToB, aToC])).map((c) => c?.state)).toEqual(['accepted', 'accepted']) }, WAIT)
    const carolId = carol.node.status.peerId ?? ''
    await carol.stop()

    const { groupId } = await alice.node.call('createGroup', { name: 'Weekend', contactIds: [aToB, aToC] })
    await vi.waitFor(async () => { expect((await bob.db.groups.get(groupId))?.state).toBe('invited') }, WAIT)
    await bob.node.call('acceptGroup', { groupId })
    await alice.node.call('sendGroupMessage', { groupId, text: 'while Carol is away 1' })
    await bob.node.call('sendGroupMessage', { groupId, text: 'while Carol is away 2' })
    // each message for Carol ends on a relay: stored, not delivered
    await vi.waitFor(async () => {
      expect((await alice.db.groupDeliveries.where('[peer+state]').between([carolId, ''], [carolId, '\uffff']).toArray()).map((d) => d.state)).toEqual(['stored'])
      expect((await bob.db.groupDeliveries.where('[peer+state]').between([carolId, ''], [carolId, '\uffff']).toArray()).map((d) => d.state)).toEqual(['stored'])
    }, { timeout: 90_000, interval: 200 })

    carol = await harness.startPeer(carol.factory)
    await vi.waitFor(async () => {
      expect((await carol.db.groups.get(groupId))?.state).toBe('invited')
      expect(await bodies(carol, groupId)).toEqual(await bodies(alice, groupId))
    }, { timeout: 60_000, interval: 200 })
    expect(await bodies(carol, groupId)).toHaveLength(2)
    await carol.node.call('acceptGroup', { groupId })
    await vi.waitFor(async () => { expect((await alice.db.groups.get(groupId))?.heads).toEqual((await carol.db.groups.get(groupId))?.heads) }, WAIT)
    // a second drain brings nothing twice
    expect(new Set((await groupMessages(carol.db, groupId)).map((m) => m.id)).size).toBe(2)
  }, 180_000)
})
