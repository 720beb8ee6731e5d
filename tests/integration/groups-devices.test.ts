/**
 * A linked device takes part in groups as its account (issue 58, increment
 * 6; docs/protocols.md, "Groups", "Made on a linked device"), end to end in
 * the worker's nodes against a real relay-node. Alice's laptop (the holder)
 * makes a group with Carol, then links her phone: the laptop gives the group
 * its new list (a `devices` operation), so Carol's message reaches both of
 * Alice's devices; what Alice writes on the phone reaches Carol as Alice's
 * and shows on the laptop as hers; a file sent from the phone is fetched
 * from the phone by Carol and by the laptop. Alice removes the phone: the laptop gives
 * the group the list without it, Carol's next message goes to the laptop
 * only, and an operation or a message the removed phone makes afterwards is
 * void, or refused, at Carol. One test: each link costs seconds.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { signGroupMessage } from '@parley/protocol/group/message'
import { signGroupOp } from '@parley/protocol/group/op'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { deliveriesOf, groupMessages } from '../../src/lib/db/groups.ts'
import { newMessageId } from '../../src/lib/db/messages.ts'
import { befriend, peerIdOf, startHarness, WAIT } from './harness.ts'
import { linkNewDevice, stopBlanks } from './link-support.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { Harness } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => {
  await stopBlanks()
  await harness.close()
})

/** The group's messages on `db`: body, author, and whether it shows as ours. */
async function shown (db: ParleyDb, groupId: string): Promise<Array<{ body: string, from: string, direction: string }>> {
  return (await groupMessages(db, groupId)).map((m) => ({ body: m.body, from: m.fromPeerId, direction: m.direction }))
}

describe('groups with a linked device', () => {
  it('Carol reaches both of Alice\'s devices, the phone writes as Alice and sends a file fetched from it, and once removed it reaches no one and gets nothing new', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const carol = await harness.startPeer(undefined, 'Carol')
    const { aToB: aToC } = await befriend(alice, carol)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToC))?.state).toBe('accepted') }, WAIT)
    const { groupId } = await alice.node.call('createGroup', { name: 'Trip', contactIds: [aToC] })
    await vi.waitFor(async () => { expect((await carol.db.groups.get(groupId))?.state).toBe('invited') }, WAIT)
    await carol.node.call('acceptGroup', { groupId })
    const account = peerIdOf(alice)
    const carolId = peerIdOf(carol)

    // the phone: the group came with the account's state; the laptop tells the group its list
    const n = await linkNewDevice(harness, alice)
    const phone = n.node.status.peerId ?? ''
    await vi.waitFor(async () => { expect((await carol.db.groups.get(groupId))?.devices).toEqual([phone]) }, WAIT)
    await vi.waitFor(async () => { expect((await n.db.groups.get(groupId))?.state).toBe('member') }, WAIT)

    // Carol's message reaches both of Alice's devices
    await carol.node.call('sendGroupMessage', { groupId, text: 'to both' })
    for (const db of [alice.db, n.db]) {
      await vi.waitFor(async () => { expect(await shown(db, groupId)).toContainEqual({ body: 'to both', from: carolId, direction: 'in' }) }, WAIT)
    }

    // written on the phone: Alice's at Carol, and Alice's own on the laptop
    await n.node.call('sendGroupMessage', { groupId, text: 'from the phone' })
    await vi.waitFor(async () => { expect(await shown(carol.db, groupId)).toContainEqual({ body: 'from the phone', from: account, direction: 'in' }) }, WAIT)
    await vi.waitFor(async () => { expect(await shown(alice.db, groupId)).toContainEqual({ body: 'from the phone', from: account, direction: 'out' }) }, WAIT)

    // a file sent from the phone: Carol and the laptop fetch it from the phone, the one device that holds it
    // (asked of the account's PeerID, the laptop, Carol's pull failed and the laptop's waited on itself)
    const photo = new Uint8Array(300_000).map((_, i) => (i * 31) % 251)
    const { messageId: fileId } = await n.node.call('sendGroupFile', { groupId, file: new Blob([photo]), name: 'beach.bin', mime: 'application/octet-stream', caption: 'the beach', thumb: null })
    for (const peer of [carol, alice]) {
      await vi.waitFor(async () => { expect((await peer.db.transfers.get(fileId))?.state).toBe('complete') }, WAIT)
      const { file } = await peer.node.call('getFile', { id: fileId })
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(photo)
    }
    expect(await carol.db.messages.get(fileId)).toMatchObject({ groupId, fromPeerId: account, body: 'the beach', kind: 'file', direction: 'in' })
    // on the laptop it is Alice's own, as the phone's text is, though its bytes came in from the phone
    expect(await alice.db.messages.get(fileId)).toMatchObject({ groupId, fromPeerId: account, body: 'the beach', kind: 'file', direction: 'out', state: 'sent' })
    expect(await alice.db.transfers.get(fileId)).toMatchObject({ direction: 'in', peer: phone })

    // removed: the laptop gives the group the list without the phone
    const phoneKey = n.node.components.identity.privateKey().raw.subarray(0, 32)
    await alice.node.call('removeDevice', { peer: phone })
    await vi.waitFor(async () => { expect((await carol.db.groups.get(groupId))?.devices).toBeUndefined() }, WAIT)

    // Carol's next message goes to the laptop only
    const { messageId: id } = await carol.node.call('sendGroupMessage', { groupId, text: 'after the removal' })
    await vi.waitFor(async () => { expect(await shown(alice.db, groupId)).toContainEqual({ body: 'after the removal', from: carolId, direction: 'in' }) }, WAIT)
    expect((await deliveriesOf(carol.db, id)).map((d) => d.peer)).toEqual([account])
    expect((await shown(n.db, groupId)).map((m) => m.body)).not.toContain('after the removal')

    // what the removed phone makes now: its operation is void at Carol, its message refused
    const book = carol.node.components.groupBook
    const log = await book.log(groupId)
    if (log === undefined) throw new Error('Carol holds no group')
    const heads = log.heads()
    const lamport = 1 + Math.max(...heads.map((h) => log.get(h)?.lamport ?? 0))
    const rename = signGroupOp({ kind: 'rename', name: 'Hijacked' }, { group: groupId, author: account, device: phone, lamport, deps: heads, at: Date.now() }, phoneKey)
    // handed over by a member (a forwarder), so that only the fold judges it
    const from = peerIdFromString(account)
    expect(await book.receive(from, { type: 'ops', group: groupId, ops: [rename.signed] }, {})).toMatchObject({ type: 'reply' })
    expect(log.state().void.has(rename.id)).toBe(true)
    expect((await carol.db.groups.get(groupId))?.name).toBe('Trip')
    const message = signGroupMessage({ group: groupId, author: account, device: phone, lamport: 99, ops: log.heads() }, { type: 'message', id: newMessageId(), text: 'ghost', sentAt: Date.now() }, phoneKey)
    expect(await book.receive(from, { type: 'message', message: message.signed }, {})).toEqual({ type: 'reject', reason: 'invalid' })
    // and the phone itself is nobody Carol takes group items from
    expect(await book.receive(peerIdFromString(phone), { type: 'ops', group: groupId, ops: [rename.signed] }, {})).toEqual({ type: 'reject', reason: 'not-a-member' })
    expect((await shown(carol.db, groupId)).map((m) => m.body)).not.toContain('ghost')
  })
})
