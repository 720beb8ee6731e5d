/**
 * Group chats between NodeRoots in Node (docs/protocols.md, "Groups"): Alice
 * makes a group with Bob and Carol, who are not each other's contacts; the
 * invitations arrive, are accepted, and messages from each reach the other
 * two, pairwise, in the same order everywhere; Alice removes Carol, who gets
 * nothing after that; Bob leaves; every device holds the same group.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { GROUP_PROTOCOL } from '@parley/protocol/group/constants'
import { decodeGroupReply, encodeGroupFrame } from '@parley/protocol/group/wire'
import type { GroupReply } from '@parley/protocol/group/wire'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deliveriesOf, groupMessages } from '../../src/lib/db/groups.ts'
import { isRelayed, isWebRtc } from '../../src/lib/p2p/kernel/connections.ts'
import { UPGRADE_BACKOFF, UPGRADE_TIMEOUT_MS } from '../../src/lib/p2p/presence/direct-upgrade.ts'
import type { ContactId, MessageRow } from '../../src/lib/db/types.ts'
import { asOlderApps, befriend, rawAsker, startHarness, WAIT } from './harness.ts'
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

/** Alice, Bob and Carol; Bob and Carol are each Alice's contact (accepted), not each other's. */
async function aliceAndHerFriends (): Promise<{ alice: Peer, bob: Peer, carol: Peer, aToB: ContactId, aToC: ContactId }> {
  const alice = await harness.startPeer(undefined, 'Alice')
  const bob = await harness.startPeer(undefined, 'Bob')
  const carol = await harness.startPeer(undefined, 'Carol')
  const { aToB } = await befriend(alice, bob)
  const { aToB: aToC } = await befriend(alice, carol)
  await vi.waitFor(async () => { expect((await alice.db.contacts.bulkGet([aToB, aToC])).map((c) => c?.state)).toEqual(['accepted', 'accepted']) }, WAIT)
  return { alice, bob, carol, aToB, aToC }
}

/** Alice's group `name` with Bob and Carol, both accepted: every one holds the same operations. */
async function threeInAGroup (name: string): Promise<{ alice: Peer, bob: Peer, carol: Peer, aToB: ContactId, aToC: ContactId, groupId: string }> {
  const friends = await aliceAndHerFriends()
  const { alice, bob, carol, aToB, aToC } = friends
  const { groupId } = await alice.node.call('createGroup', { name, contactIds: [aToB, aToC] })
  for (const peer of [bob, carol]) {
    await vi.waitFor(async () => { expect((await peer.db.groups.get(groupId))?.state).toBe('invited') }, WAIT)
    await peer.node.call('acceptGroup', { groupId })
  }
  await vi.waitFor(async () => {
    for (const peer of [bob, carol]) expect((await peer.db.groups.get(groupId))?.heads).toEqual((await alice.db.groups.get(groupId))?.heads)
  }, WAIT)
  return { ...friends, groupId }
}

describe('groups between nodes', () => {
  it('invite, accept, talk both ways in one order, remove, leave: every device ends with the same group', async () => {
    const { alice, bob, carol, aToB, aToC } = await aliceAndHerFriends()

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
      // the creator's profile and both acceptances (profile operations) are held everywhere
      expect((await alice.db.groupOps.where('group').equals(groupId).count())).toBe(4)
    }, WAIT)

    // the owner renames the group and gives it a picture; a member may not
    const picture = 'data:image/png;base64,iVBORw0KGgo='
    await alice.node.call('renameGroup', { groupId, name: 'Family 🌻' })
    await alice.node.call('setGroupPicture', { groupId, picture })
    await expect(bob.node.call('renameGroup', { groupId, name: 'Bob\'s' })).rejects.toThrow()
    await expect(alice.node.call('setGroupPicture', { groupId, picture: 'https://example.com/x.png' })).rejects.toThrow()
    await vi.waitFor(async () => {
      for (const peer of [bob, carol]) expect(await peer.db.groups.get(groupId)).toMatchObject({ name: 'Family 🌻', picture })
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
    // typing: told to the members connected now, by its author; not to one who turned typing indicators off
    const heard: Array<[string, string, boolean]> = []
    bob.node.events.addEventListener('groupTyping', (e) => { heard.push(['Bob', e.detail.peer, e.detail.typing]) })
    carol.node.events.addEventListener('groupTyping', (e) => { heard.push(['Carol', e.detail.peer, e.detail.typing]) })
    await carol.node.call('setMessagingSettings', { readReceipts: true, typing: false })
    await alice.node.call('setGroupTyping', { groupId, typing: true })
    await vi.waitFor(() => { expect(heard).toEqual([['Bob', alice.node.status.peerId, true]]) }, WAIT)
    await alice.node.call('setGroupTyping', { groupId, typing: false })
    await vi.waitFor(() => { expect(heard).toEqual([['Bob', alice.node.status.peerId, true], ['Bob', alice.node.status.peerId, false]]) }, WAIT)
    await carol.node.call('setMessagingSettings', { readReceipts: true, typing: true })
    // never stored
    expect(await bodies(bob, groupId)).toHaveLength(3)
    // a message ends its author's typing, with no "stopped" sent: the members who hear the message hear that
    heard.length = 0
    await alice.node.call('setGroupTyping', { groupId, typing: true })
    await vi.waitFor(() => { expect([...heard].sort()).toEqual([['Bob', alice.node.status.peerId, true], ['Carol', alice.node.status.peerId, true]]) }, WAIT)
    await alice.node.call('sendGroupMessage', { groupId, text: 'typed, and sent' })
    await vi.waitFor(async () => {
      expect(await bodies(bob, groupId)).toContain('typed, and sent')
      expect(await bodies(carol, groupId)).toContain('typed, and sent')
    }, WAIT)
    expect(heard.filter(([, , typing]) => !typing).sort()).toEqual([['Bob', alice.node.status.peerId, false], ['Carol', alice.node.status.peerId, false]])

    // and, members of one group, they connect directly (WebRTC) though they are not contacts: on a
    // loaded machine a first attempt may run out its time, and the next comes after the back-off
    await vi.waitFor(() => {
      const connections = bob.node.libp2p?.getConnections(peerIdFromString(carol.node.status.peerId ?? '')) ?? []
      expect(connections.some((c) => c.status === 'open' && isWebRtc(c) && !isRelayed(c))).toBe(true)
    }, { ...WAIT, timeout: 2 * UPGRADE_TIMEOUT_MS + UPGRADE_BACKOFF.initialMs })

    // message actions: Bob reacts to Alice's message, Alice edits it, Carol deletes hers for everyone,
    // Bob reads Alice's: Alice's Info says read by Bob, delivered to Carol
    const byBody = async (peer: Peer, body: string): Promise<MessageRow> => {
      const found = (await groupMessages(peer.db, groupId)).find((m) => m.body === body)
      if (found === undefined) throw new Error(`no "${body}"`)
      return found
    }
    const hello = (await byBody(alice, 'hello from Alice')).id
    const carols = (await byBody(carol, 'hello from Carol')).id
    await bob.node.call('react', { messageId: hello, emoji: '🎉' })
    await alice.node.call('editMessage', { messageId: hello, text: 'hello from Alice (edited)' })
    await carol.node.call('deleteMessage', { messageId: carols, forEveryone: true })
    await bob.node.call('markGroupRead', { groupId, ids: [hello] })
    await vi.waitFor(async () => {
      for (const peer of [alice, bob, carol]) {
        const row = await peer.db.messages.get(hello)
        expect(row?.reactions?.map((r) => [r.from, r.emoji])).toEqual([[bob.node.status.peerId, '🎉']])
        expect(row?.body).toBe('hello from Alice (edited)')
        expect(await peer.db.messages.get(carols)).toMatchObject({ body: '', deleted: expect.anything() })
      }
      expect((await deliveriesOf(alice.db, hello)).map((d) => [d.peer, d.state]).sort()).toEqual(
        [[bob.node.status.peerId, 'read'], [carol.node.status.peerId, 'delivered']].sort())
    }, WAIT)
    // Bob may not edit Alice's message: refused here, and a forged edit would be refused by every member
    await expect(bob.node.call('editMessage', { messageId: hello, text: 'not mine' })).rejects.toThrow()

    // a file from Carol and one from Alice: each member pulls it from its author and holds the same bytes
    const photo = new Uint8Array(300_000).map((_, i) => (i * 31) % 251)
    const { messageId: fromCarol } = await carol.node.call('sendGroupFile', { groupId, file: new Blob([photo]), name: 'beach.bin', mime: 'application/octet-stream', caption: 'the beach', thumb: null })
    const { messageId: fromAlice } = await alice.node.call('sendGroupFile', { groupId, file: new Blob([photo.slice(0, 1000)]), name: 'note.txt', mime: 'text/plain', caption: '', thumb: null })
    for (const [peer, id, size] of [[alice, fromCarol, 300_000], [bob, fromCarol, 300_000], [bob, fromAlice, 1000], [carol, fromAlice, 1000]] as const) {
      await vi.waitFor(async () => { expect((await peer.db.transfers.get(id))?.state).toBe('complete') }, WAIT)
      const { file } = await peer.node.call('getFile', { id })
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(photo.slice(0, size))
    }
    expect((await bob.db.messages.get(fromCarol))).toMatchObject({ groupId, fromPeerId: carol.node.status.peerId, body: 'the beach', kind: 'file' })
    await vi.waitFor(async () => {
      for (const peer of [bob, carol]) expect(await bodies(peer, groupId)).toEqual(await bodies(alice, groupId))
    }, WAIT)

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
    expect((await groupMessages(alice.db, groupId)).map((m) => m.id).filter((id, i, all) => all.indexOf(id) !== i)).toEqual([])
    expect(await groupMessages(alice.db, groupId)).toHaveLength(7)
  }, 120_000)

  it('a member who is offline gets the invitation and every message once, from its mailboxes, when it comes back', async () => {
    const friends = await aliceAndHerFriends()
    const { alice, bob, aToB, aToC } = friends
    let carol = friends.carol
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

  it('a file whose author went offline is pulled from a member who holds it whole, verified by the author\'s offer', async () => {
    const three = await threeInAGroup('Photos')
    const { alice, bob, groupId } = three
    let carol = three.carol
    const carolId = carol.node.status.peerId ?? ''
    await carol.stop()

    // Alice sends a file while Carol is away; Bob pulls it whole; then Alice goes
    const photo = new Uint8Array(200_000).map((_, i) => (i * 7) % 253)
    const { messageId } = await alice.node.call('sendGroupFile', { groupId, file: new Blob([photo]), name: 'album.bin', mime: 'application/octet-stream', caption: 'the album', thumb: null })
    await vi.waitFor(async () => { expect((await bob.db.transfers.get(messageId))?.state).toBe('complete') }, WAIT)
    await vi.waitFor(async () => {
      expect((await alice.db.groupDeliveries.where('[peer+state]').between([carolId, ''], [carolId, '\uffff']).toArray()).map((d) => d.state)).toEqual(['stored'])
    }, { timeout: 90_000, interval: 200 })
    const bobRowBefore = await bob.db.transfers.get(messageId)
    await alice.stop()

    // Carol comes back: the offer arrives from her mailbox, and the bytes from Bob, verified by Alice's signed offer
    carol = await harness.startPeer(carol.factory)
    await vi.waitFor(async () => { expect((await carol.db.transfers.get(messageId))?.state).toBe('complete') }, { timeout: 90_000, interval: 200 })
    const { file } = await carol.node.call('getFile', { id: messageId })
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(photo)
    expect(await carol.db.messages.get(messageId)).toMatchObject({ groupId, fromPeerId: alice.node.status.peerId, body: 'the album', kind: 'file' })
    // Bob's row is a receiver's and stays as it was: serving a copy records nothing
    expect(await bob.db.transfers.get(messageId)).toEqual(bobRowBefore)
    // the file's key came to each in a session box (Carol's in her mailbox): Bob served it sealed with it
    expect(bobRowBefore?.key).toHaveLength(32)
    expect((await carol.db.transfers.get(messageId))?.key).toEqual(bobRowBefore?.key)

  }, 240_000)

  it('disappearing messages: any member sets the group\'s timer, every member holds it (one added later too), and messages and files carry it', async () => {
    const { alice, bob, carol, groupId } = await threeInAGroup('Brief')
    const [alicePeer, bobPeer] = [alice.node.status.peerId ?? '', bob.node.status.peerId ?? '']
    await expect(bob.node.call('setGroupTimer', { groupId, ttl: 42 })).rejects.toMatchObject({ code: 'chatTimerInvalid' })
    // Bob is a member, not an admin: the timer is everyone's to set, as in a chat
    await bob.node.call('setGroupTimer', { groupId, ttl: 3600 })
    await vi.waitFor(async () => {
      for (const peer of [alice, bob, carol]) expect((await peer.db.groups.get(groupId))?.timer).toMatchObject({ ttl: 3600, by: bobPeer })
    }, WAIT)

    await alice.node.call('sendGroupMessage', { groupId, text: 'gone in an hour' })
    const photo = new Uint8Array(5000).map((_, i) => i % 199)
    const { messageId: fileId } = await carol.node.call('sendGroupFile', { groupId, file: new Blob([photo]), name: 'brief.bin', mime: 'application/octet-stream', caption: '', thumb: null })
    await vi.waitFor(async () => {
      for (const peer of [alice, bob, carol]) {
        const rows = await groupMessages(peer.db, groupId)
        expect(rows).toHaveLength(2)
        for (const row of rows) {
          expect(row.ttl).toBe(3600)
          // the sender counts from when it sent it, a receiver from when it came
          expect(row.expiresAt).toBe((row.direction === 'out' ? row.sentAt : row.receivedAt ?? NaN) + 3_600_000)
        }
      }
      expect((await bob.db.messages.get(fileId))?.kind).toBe('file')
    }, WAIT)

    // Dave, added later, learns the timer from the group's operations, before he even accepts
    const dave = await harness.startPeer(undefined, 'Dave')
    const { aToB: aToD } = await befriend(alice, dave)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToD))?.state).toBe('accepted') }, WAIT)
    await alice.node.call('addGroupMember', { groupId, contactId: aToD })
    await vi.waitFor(async () => { expect(await dave.db.groups.get(groupId)).toMatchObject({ state: 'invited', timer: { ttl: 3600, by: bobPeer } }) }, WAIT)

    // off again: what is sent next stays
    await alice.node.call('setGroupTimer', { groupId, ttl: 0 })
    await vi.waitFor(async () => { expect((await carol.db.groups.get(groupId))?.timer).toMatchObject({ ttl: 0, by: alicePeer }) }, WAIT)
    await carol.node.call('sendGroupMessage', { groupId, text: 'this one stays' })
    await vi.waitFor(async () => {
      for (const peer of [alice, bob]) expect((await groupMessages(peer.db, groupId)).find((m) => m.body === 'this one stays')).toMatchObject({ body: 'this one stays' })
    }, WAIT)
    for (const peer of [alice, bob, carol]) {
      const kept = (await groupMessages(peer.db, groupId)).find((m) => m.body === 'this one stays')
      expect(kept?.ttl).toBeUndefined()
      expect(kept?.expiresAt).toBeUndefined()
    }
  }, 180_000)

  it('a malformed or forged request is answered reject invalid and changes nothing; the node keeps serving', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await befriend(alice, bob)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted') }, WAIT)
    const { groupId } = await alice.node.call('createGroup', { name: 'Pair', contactIds: [aToB] })
    await vi.waitFor(async () => { expect((await bob.db.groups.get(groupId))?.state).toBe('invited') }, WAIT)
    // group 1.0.0 from Bob as an older app would speak it (his, which speaks sessions, is refused it: sessions-no-downgrade.test.ts)
    asOlderApps(alice)
    const ask = await rawAsker<GroupReply>(bob, alice, GROUP_PROTOCOL, (bytes) => decodeGroupReply(bytes))
    const opsBefore = await alice.db.groupOps.count()
    expect(await ask(new TextEncoder().encode('{"type":"ops","group":"nope"'))).toEqual({ type: 'reject', reason: 'invalid' })
    // an operation with a signature that is not its author's (the create, which names the group)
    const op = (await alice.db.groupOps.toArray()).find((row) => row.signed.body.includes('"Pair"'))
    if (op === undefined) throw new Error('no operation')
    const forged = { body: op.signed.body.replace('"Pair"', '"Mine"'), sig: op.signed.sig }
    expect(await ask(encodeGroupFrame({ type: 'ops', group: groupId, ops: [forged] }))).toEqual({ type: 'reject', reason: 'invalid' })
    expect(await alice.db.groupOps.count()).toBe(opsBefore)
    expect((await alice.db.groups.get(groupId))?.name).toBe('Pair')
    // and it still answers a good request
    const sync = await ask(encodeGroupFrame({ type: 'sync', group: groupId, heads: [] }))
    expect(sync).toMatchObject({ type: 'reply', status: 'ok' })
    expect(sync.type === 'reply' ? sync.ops?.length : 0).toBe(opsBefore)
  })
})
