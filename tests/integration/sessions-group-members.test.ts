/**
 * Issue 57, item 1, for group members who are not contacts: a relay that
 * hides a member's prekeys cannot make our group items to it go without a
 * session. The relay is a real relay-node that answers `not-found` to every
 * prekey FETCH (`testHidePrekeys`). Bob made a group with Alice and Carol, who
 * are his contacts and not each other's, and who are never online at the same
 * time: they have never had a session.
 *
 * On the old code nothing told Alice that Carol's app speaks sessions (no
 * hello of hers, no session), so the relay's `not-found` sent Alice's group
 * message to Carol's mailbox under the static seal alone, and Carol took an
 * unboxed group item from Alice. Now each member's `profile` operation says
 * `"sessions": true`, signed: Alice's message to Carol waits for her keys,
 * and Carol refuses what comes from Alice outside a box.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { peerIdFromString } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { signGroupMessage } from '@parley/protocol/group/message'
import { decodeGroupOp } from '@parley/protocol/group/op'
import { encodeGroupItem } from '@parley/protocol/group/wire'
import { mailboxRequest } from '@parley/protocol/mailbox/client'
import { open, seal } from '@parley/protocol/mailbox/seal'
import { createLibp2p } from 'libp2p'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { newMessageId } from '../../src/lib/db/messages.ts'
import { capture, contains } from '../support/mailbox-capture.ts'
import { internals } from '../support/internals.ts'
import { befriend, identityKeyOf, peerIdOf, startHarness } from './harness.ts'
import type { Harness, Peer } from './harness.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

let harness: Harness
beforeEach(async () => { harness = await startHarness({ relay: { testHidePrekeys: true } }) })
afterEach(async () => { await harness.close() })

const SLOW = { timeout: 90_000, interval: 200 }
const SECRET = 'the boat leaves at six from pier 9'
const text = new TextEncoder()

/** Whether `peer` holds a `profile` operation of `author` in `groupId`. */
async function holdsProfileOf (peer: Peer, groupId: string, author: string): Promise<boolean> {
  const rows = await peer.db.groupOps.where('group').equals(groupId).toArray()
  return rows.some((row) => {
    const op = decodeGroupOp(row.signed, { verified: true })
    return op.kind === 'profile' && op.author === author
  })
}

/** What `peer`'s mailbox path makes of each group item for `to`: a box, nothing (the static seal), or an error's name. */
function watchMailboxItems (peer: Peer, to: string): string[] {
  const outcomes: string[] = []
  const boxes = peer.node.components.groupBoxes
  const mailboxItem = boxes.mailboxItem.bind(boxes)
  boxes.mailboxItem = async (recipient, id, payload, mailboxes, options) => {
    try {
      const box = await mailboxItem(recipient, id, payload, mailboxes, options)
      if (recipient === to) outcomes.push(box === undefined ? 'static seal' : 'box')
      return box
    } catch (err) {
      if (recipient === to) outcomes.push((err as Error).name)
      throw err
    }
  }
  return outcomes
}

describe('a relay that hides a group member\'s prekeys', () => {
  it('gets nothing unboxed between members who are not contacts: Alice\'s message to Carol waits, and Carol refuses Alice\'s unboxed item', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    let carol = await harness.startPeer(undefined, 'Carol')
    const { aToB: bToA } = await befriend(bob, alice)
    const { aToB: bToC } = await befriend(bob, carol)
    await vi.waitFor(async () => { expect((await bob.db.contacts.bulkGet([bToA, bToC])).map((c) => c?.state)).toEqual(['accepted', 'accepted']) }, SLOW)
    const aliceId = peerIdOf(alice)
    const carolId = peerIdOf(carol)
    const aliceKey = await identityKeyOf(alice)
    const carolKey = await identityKeyOf(carol)
    const carolPeer = peerIdFromString(carolId)
    const relayAddr = harness.relay.multiaddrs[0] ?? ''

    // Carol is away while Bob makes the group and Alice joins it
    const carolFactory = carol.factory
    await carol.stop()
    const { groupId } = await bob.node.call('createGroup', { name: 'Sailing', contactIds: [bToA, bToC] })
    await vi.waitFor(async () => { expect((await alice.db.groups.get(groupId))?.state).toBe('invited') }, SLOW)
    await alice.node.call('acceptGroup', { groupId })
    await vi.waitFor(async () => { expect(await holdsProfileOf(bob, groupId, aliceId)).toBe(true) }, SLOW)

    // Alice is away while Carol comes back and joins
    const aliceFactory = alice.factory
    await alice.stop()
    carol = await harness.startPeer(carolFactory)
    await vi.waitFor(async () => { expect((await carol.db.groups.get(groupId))?.state).toBe('invited') }, SLOW)
    await carol.node.call('acceptGroup', { groupId })
    await vi.waitFor(async () => { expect(await holdsProfileOf(bob, groupId, carolId)).toBe(true) }, SLOW)
    const heads = (await carol.db.groups.get(groupId))?.heads ?? []
    await carol.stop()
    // Bob writes: his message names the operations he holds, so Alice, back, syncs them from him
    await bob.node.call('sendGroupMessage', { groupId, text: 'welcome aboard, Carol' })

    // Alice is back, learns Carol's profile from Bob, and writes to the group
    const aliceAgain = await harness.startPeer(aliceFactory)
    await vi.waitFor(async () => { expect(await holdsProfileOf(aliceAgain, groupId, carolId)).toBe(true) }, SLOW)
    expect(await aliceAgain.db.sessions.where('peer').equals(carolId).count()).toBe(0)
    const outcomes = watchMailboxItems(aliceAgain, carolId)
    await aliceAgain.node.call('sendGroupMessage', { groupId, text: SECRET })
    await vi.waitFor(() => { expect(outcomes.length).toBeGreaterThan(0) }, SLOW)
    // Carol's profile said her app speaks sessions: no item goes to her unboxed, it waits for her keys
    expect(outcomes).not.toContain('static seal')
    expect(outcomes).toContain('PrekeysAwaitedError')
    expect((await aliceAgain.db.groupDeliveries.where('[peer+state]').between([carolId, ''], [carolId, '\uffff']).toArray()).map((d) => d.state)).not.toContain('stored')
    const carolMultihash = carolPeer.toMultihash().bytes
    for (const item of await capture(relayAddr, carolKey)) {
      expect(contains(open(item, carolKey.raw.subarray(0, 32), carolMultihash).payload, text.encode(SECRET))).toBe(false)
    }
    await aliceAgain.stop()

    // someone with Alice's key (or an app that downgraded) leaves Carol a group message of Alice's under the static seal alone
    const forged = signGroupMessage({ group: groupId, author: aliceId, lamport: 7, ops: heads.slice(0, 16) }, { type: 'message', id: newMessageId(), text: 'unboxed from Alice', sentAt: Date.now() }, aliceKey.raw.subarray(0, 32))
    const item = seal(encodeGroupItem({ type: 'message', message: forged.signed }), { senderSecret: aliceKey.raw.subarray(0, 32), recipientPublic: carolPeer.publicKey?.raw ?? new Uint8Array(0), recipientMultihash: carolMultihash })
    const depositor = await createLibp2p({ privateKey: await generateKeyPair('Ed25519') as Ed25519PrivateKey, transports: [webSockets()], connectionEncrypters: [noise()], streamMuxers: [yamux()], services: { identify: identify() } })
    try {
      const connection = await depositor.dial(multiaddr(relayAddr))
      await mailboxRequest(connection, { op: 'deposit', id: crypto.getRandomValues(new Uint8Array(16)), recipient: carolMultihash, item })
    } finally {
      await depositor.stop()
    }
    // Carol, back, drains it: refused and counted, never stored (on the old code: stored as Alice's)
    const carolAgain = await harness.startPeer(carolFactory)
    await internals(carolAgain.node).courier.drain()
    await vi.waitFor(async () => { expect(harness.relay.mailboxUsage(carolId)?.items ?? 0).toBe(0) }, SLOW)
    expect(await carolAgain.db.messages.filter((m) => m.body === 'unboxed from Alice').count()).toBe(0)
    expect(internals(carolAgain.node).courier.stats.dropped.unboxed).toBeGreaterThanOrEqual(1)
    expect((await carolAgain.node.call('sessionRefusals')).mailbox).toBeGreaterThanOrEqual(1)
  }, 300_000)

  it('gets nothing unboxed for a member who has not answered yet: the creator\'s word in the create holds Alice to Carol\'s keys before any profile of hers', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const carol = await harness.startPeer(undefined, 'Carol')
    const { aToB: bToA } = await befriend(bob, alice)
    const { aToB: bToC } = await befriend(bob, carol)
    await vi.waitFor(async () => { expect((await bob.db.contacts.bulkGet([bToA, bToC])).map((c) => [c?.state, c?.sessions])).toEqual([['accepted', true], ['accepted', true]]) }, SLOW)
    const carolId = peerIdOf(carol)
    // Carol is away: she never answers the invitation, so no profile of hers exists anywhere
    await carol.stop()
    const { groupId } = await bob.node.call('createGroup', { name: 'Sailing', contactIds: [bToA, bToC] })
    await vi.waitFor(async () => { expect((await alice.db.groups.get(groupId))?.state).toBe('invited') }, SLOW)
    await alice.node.call('acceptGroup', { groupId })
    expect(await holdsProfileOf(alice, groupId, carolId)).toBe(false)
    const create = (await alice.db.groupOps.where('group').equals(groupId).toArray()).map((row) => decodeGroupOp(row.signed, { verified: true })).find((op) => op.kind === 'create')
    expect(create?.kind === 'create' ? create.members.find((m) => m.peer === carolId) : undefined).toMatchObject({ sessions: true })
    expect(await alice.db.sessions.where('peer').equals(carolId).count()).toBe(0)

    const outcomes = watchMailboxItems(alice, carolId)
    await alice.node.call('sendGroupMessage', { groupId, text: SECRET })
    await vi.waitFor(() => { expect(outcomes.length).toBeGreaterThan(0) }, SLOW)
    // on the code before the adder's word (profiles only), this went under the static seal
    expect(outcomes).not.toContain('static seal')
    expect(outcomes).toContain('PrekeysAwaitedError')
  }, 300_000)
})
