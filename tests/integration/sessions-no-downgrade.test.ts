/**
 * Issue 57, item 1: a relay that hides someone's prekeys cannot make their
 * messages go without a session. The relay here is a real relay-node told to
 * answer `not-found` to every prekey FETCH (`testHidePrekeys`, a test-only
 * option) while it still stores mailbox items. Alice and Bob are contacts
 * with no session yet (as after a first contact, a restored identity or a
 * contact added again); Bob is away when Alice writes.
 *
 * On the old code Alice's node took the relay's `not-found` as "Bob's app has
 * no sessions" and deposited her message as plain JSON under the static seal:
 * whoever captured it read it with Bob's identity key. Now Bob's hello said
 * his app speaks sessions, so the message waits, queued, her chat says it
 * waits for his keys, nothing of it is on the relay; once Bob is back, his
 * own bundle (from him, over the connection) starts the session and the
 * message reaches him in a box.
 */
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { open } from '@parley/protocol/mailbox/seal'
import { BOX_VERSION } from '@parley/protocol/session/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { getContact } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { getProfile } from '../../src/lib/db/profile.ts'
import { capture, contains } from '../support/mailbox-capture.ts'
import { decodeGroupReply, encodeGroupFrame } from '@parley/protocol/group/wire'
import { GROUP_PROTOCOL } from '@parley/protocol/group/constants'
import { befriend, peerIdOf, rawAsker, startHarness } from './harness.ts'
import type { Harness } from './harness.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import type { GroupReply } from '@parley/protocol/group/wire'

let harness: Harness
beforeEach(async () => { harness = await startHarness({ relay: { testHidePrekeys: true } }) })
afterEach(async () => { await harness.close() })

const SLOW = { timeout: 45_000, interval: 100 }
const SECRET = 'the vault code is 4512'

describe('a relay that answers not-found to every prekey FETCH', () => {
  it('gets nothing unboxed: Alice\'s message to Bob waits for his keys, and reaches him in a box once he is back', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    // Bob's accept said his app speaks sessions; they have no session yet
    await vi.waitFor(async () => { expect(await getContact(alice.db, aToB)).toMatchObject({ state: 'accepted', sessions: true }) }, SLOW)
    await vi.waitFor(async () => { expect((await getContact(bob.db, bToA))?.state).toBe('accepted') }, SLOW)
    expect(await alice.db.sessions.count()).toBe(0)
    const bobKey = privateKeyFromProtobuf((await getProfile(bob.db))!.privateKey) as Ed25519PrivateKey
    const bobMultihash = peerIdFromString(peerIdOf(bob)).toMultihash().bytes

    // Bob goes away; Alice writes
    const bobFactory = bob.factory
    await bob.stop()
    await alice.node.call('sendMessage', { contactId: aToB, text: SECRET })
    // the courier tried the mailbox, found no bundle anywhere, and the message waits for Bob's keys
    await vi.waitFor(async () => { expect((await getContact(alice.db, aToB))?.waitingKeys).toBe(true) }, SLOW)
    // (queued, or sent when a live try went first: handed to a connection that was going away; never stored)
    expect(['queued', 'sent']).toContain((await chatMessages(alice.db, aToB))[0]?.state)
    // the relay holds nothing of it (on the old code: the message, under the static seal alone)
    const captured = await capture(harness.relay.multiaddrs[0] ?? '', bobKey)
    for (const item of captured) {
      const opened = open(item, bobKey.raw.subarray(0, 32), bobMultihash)
      expect(contains(opened.payload, new TextEncoder().encode(SECRET))).toBe(false)
    }
    expect(captured).toEqual([])

    // Bob is back: the message goes to him in a box of a session started from his own bundle
    const bobAgain = await harness.startPeer(bobFactory)
    await vi.waitFor(async () => { expect((await chatMessages(bobAgain.db, bToA)).map(m => m.body)).toEqual([SECRET]) }, SLOW)
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.state)).toEqual(['delivered']) }, SLOW)
    await vi.waitFor(async () => { expect((await getContact(alice.db, aToB))?.waitingKeys).toBeUndefined() }, SLOW)
    expect(await bobAgain.db.sessions.where('peer').equals(peerIdOf(alice)).count()).toBeGreaterThan(0)
    expect(await alice.db.sessions.where('peer').equals(peerIdOf(bob)).count()).toBeGreaterThan(0)
    // and nothing unboxed was ever deposited for him
    for (const item of await capture(harness.relay.multiaddrs[0] ?? '', bobKey)) {
      expect(open(item, bobKey.raw.subarray(0, 32), bobMultihash).payload[0]).toBe(BOX_VERSION)
    }
  }, 150_000)

  it('a peer that speaks sessions gets no group 1.0.0 exchange: refused and counted, where an older app\'s is answered', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await befriend(alice, bob)
    await vi.waitFor(async () => { expect(await getContact(alice.db, aToB)).toMatchObject({ state: 'accepted', sessions: true }) }, SLOW)
    const sync = encodeGroupFrame({ type: 'sync', group: 'ab'.repeat(16), heads: [] })
    const ask = await rawAsker<GroupReply>(bob, alice, GROUP_PROTOCOL, (bytes) => decodeGroupReply(bytes))
    expect(await ask(sync)).toEqual({ type: 'reject', reason: 'invalid' })
    // counted, and the diagnostics say so
    expect(await alice.node.call('sessionRefusals')).toEqual({ mailbox: 0, chat: 0, group: 1 })
    // Carol never said she speaks sessions (as an older app): her sync is answered as before
    const carol = await harness.startPeer(undefined, 'Carol')
    const askAsCarol = await rawAsker<GroupReply>(carol, alice, GROUP_PROTOCOL, (bytes) => decodeGroupReply(bytes))
    expect(await askAsCarol(sync)).toEqual({ type: 'reject', reason: 'unknown-group' })
  }, 60_000)
})
