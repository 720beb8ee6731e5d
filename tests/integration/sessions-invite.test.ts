/**
 * Issue 57, item 1, the invite's part: a contact who became accepted without
 * our having seen its `sessions` was treated as an older app, so a relay that
 * hides its prekeys got our items to it under the static seal. The path: Bob
 * deletes Alice (with the history: the row, and his sessions with her, go)
 * and adds her again from her invite while she still has him as a contact;
 * her node answers his request `accepted`, which makes her his contact at
 * once, with no hello of hers. Her identify, over a connection opened before
 * Bob had a row of her, marked nothing either. The relay here is a real
 * relay-node that answers `not-found` to every prekey FETCH
 * (`testHidePrekeys`).
 *
 * On the old code Bob's message to Alice, away, went to the relay as plain
 * JSON under the static seal. Now her checked short link marks her when Bob
 * adds her (and a link that says nothing leaves it to her reply, which now
 * says she speaks sessions): the message waits for her keys, nothing of it is
 * on the relay, and it reaches her in a box once she is back.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { open } from '@parley/protocol/mailbox/seal'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact, getContactByPeerId } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { parseInvite } from '../../src/lib/p2p/identity/invite.ts'
import { capture, contains } from '../support/mailbox-capture.ts'
import { befriend, identityKeyOf, inviteOf, peerIdOf, startHarness } from './harness.ts'
import type { Harness, Peer } from './harness.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { TabCapabilities } from '../../src/lib/contract/index.ts'
import type { IdentifyResult } from '@libp2p/interface'

let harness: Harness
beforeEach(async () => { harness = await startHarness({ relay: { testHidePrekeys: true } }) })
afterEach(async () => { await harness.close() })

const SLOW = { timeout: 45_000, interval: 100 }
const SECRET = 'the boat leaves at six'
const NO_WEBRTC: TabCapabilities = { webrtc: false, transferableChannels: false, sharedWorker: true }

/**
 * Alice and Bob (browsers without WebRTC, so one relayed connection between
 * them) are contacts; Bob deletes Alice with the history, and her node
 * connects to him again (identified before he has any row of her), then
 * Bob adds her again from `invite`. Resolves his new contact id of her once
 * her reply made her his contact.
 */
async function addedAgain (alice: Peer, bob: Peer, invite: (alice: Peer) => Promise<string>): Promise<ContactId> {
  // browsers without WebRTC: the two keep the one relayed connection, identified once
  alice.node.onTabCapabilities(NO_WEBRTC)
  bob.node.onTabCapabilities(NO_WEBRTC)
  const { aToB, bToA } = await befriend(alice, bob)
  await vi.waitFor(async () => { expect((await getContact(alice.db, aToB))?.state).toBe('accepted') }, SLOW)
  await vi.waitFor(async () => { expect((await getContact(bob.db, bToA))?.state).toBe('accepted') }, SLOW)
  const bobLibp2p = bob.node.libp2p
  const aliceLibp2p = alice.node.libp2p
  if (bobLibp2p === undefined || aliceLibp2p === undefined) throw new Error('no libp2p')
  // the connections over which Bob's node identified Alice's, from the deletion on
  const identifiedOver = new Set<string>()
  const onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.peerId.toString() === peerIdOf(alice)) identifiedOver.add(evt.detail.connection.id)
  }
  bobLibp2p.addEventListener('peer:identify', onIdentify)
  await bob.node.call('deleteContact', { contactId: bToA, withHistory: true })
  expect(await getContactByPeerId(bob.db, peerIdOf(alice))).toBeUndefined()
  expect(await bob.db.sessions.where('peer').equals(peerIdOf(alice)).count()).toBe(0)

  // Alice still has Bob: her node reaches him, and his node identifies hers while she is nobody to
  // him, so that identify marks nothing (and no other connection comes after it: no WebRTC here)
  const alicePeer = peerIdFromString(peerIdOf(alice))
  await vi.waitFor(async () => {
    if (bobLibp2p.getConnections(alicePeer).length === 0) await aliceLibp2p.dial(peerIdFromString(peerIdOf(bob)))
    expect(bobLibp2p.getConnections(alicePeer).some(c => c.status === 'open' && identifiedOver.has(c.id))).toBe(true)
  }, SLOW)
  bobLibp2p.removeEventListener('peer:identify', onIdentify)
  expect(await getContactByPeerId(bob.db, peerIdOf(alice))).toBeUndefined()

  const { contactId } = await bob.node.call('addContact', { invite: await invite(alice) })
  // her node still has him: its reply `accepted` makes her his contact, with no hello of hers
  await vi.waitFor(async () => { expect((await getContact(bob.db, contactId))?.state).toBe('accepted') }, SLOW)
  expect((await getContact(alice.db, aToB))?.state).toBe('accepted')
  return contactId
}

/** Bob writes to Alice, away: the message waits for her keys (on the old code it was deposited under the static seal). */
async function writesWhileAway (alice: Peer, bob: Peer, bToA: ContactId): Promise<void> {
  const aliceKey = await identityKeyOf(alice)
  const aliceMultihash = peerIdFromString(peerIdOf(alice)).toMultihash().bytes
  await alice.stop()
  await bob.node.call('sendMessage', { contactId: bToA, text: SECRET })
  // either it waits for her keys, or (the old code) a relay took it
  await vi.waitFor(async () => {
    const waiting = (await getContact(bob.db, bToA))?.waitingKeys === true
    const stored = (await chatMessages(bob.db, bToA))[0]?.state === 'stored'
    expect(waiting || stored).toBe(true)
  }, SLOW)
  const captured = await capture(harness.relay.multiaddrs[0] ?? '', aliceKey)
  for (const item of captured) {
    expect(contains(open(item, aliceKey.raw.subarray(0, 32), aliceMultihash).payload, new TextEncoder().encode(SECRET))).toBe(false)
  }
  expect(captured).toEqual([])
  expect((await getContact(bob.db, bToA))?.waitingKeys).toBe(true)
  expect(['queued', 'sent']).toContain((await chatMessages(bob.db, bToA))[0]?.state)
}

describe('a contact added again from an invite while the other still has us', () => {
  it('from her checked short link: she is held to session boxes at once; Bob\'s message waits for her keys, then reaches her in a box', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const aliceFactory = alice.factory
    const link = async (peer: Peer): Promise<string> => {
      const { invite } = await inviteOf(peer, 'link')
      expect(parseInvite(invite)).toMatchObject({ checked: true, sessions: true })
      return invite
    }
    const bToA = await addedAgain(alice, bob, link)
    expect((await getContact(bob.db, bToA))?.sessions).toBe(true)
    await writesWhileAway(alice, bob, bToA)

    // Alice is back: her own bundle (over the connection) starts the session, and the message goes in a box
    const aliceAgain = await harness.startPeer(aliceFactory)
    const aToB = (await getContactByPeerId(aliceAgain.db, peerIdOf(bob)))?.id ?? -1
    await vi.waitFor(async () => { expect((await chatMessages(aliceAgain.db, aToB)).map(m => m.body)).toEqual([SECRET]) }, SLOW)
    await vi.waitFor(async () => { expect((await chatMessages(bob.db, bToA)).map(m => m.state)).toEqual(['delivered']) }, SLOW)
    const aliceKey = await identityKeyOf(aliceAgain)
    for (const item of await capture(harness.relay.multiaddrs[0] ?? '', aliceKey)) {
      expect(open(item, aliceKey.raw.subarray(0, 32), peerIdFromString(peerIdOf(aliceAgain)).toMultihash().bytes).payload[0]).toBe(BOX_VERSION)
    }
  }, 150_000)

  it('from her PeerID alone (no check, nothing said): her reply `accepted` says she speaks sessions, and Bob\'s message waits for her keys', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const bToA = await addedAgain(alice, bob, async (peer) => {
      expect(parseInvite(peerIdOf(peer)).sessions).toBeUndefined()
      return peerIdOf(peer)
    })
    expect((await getContact(bob.db, bToA))?.sessions).toBe(true)
    await writesWhileAway(alice, bob, bToA)
  }, 120_000)
})
