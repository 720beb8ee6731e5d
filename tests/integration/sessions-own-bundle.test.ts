/**
 * A first message when no relay hands out the contact's prekeys (a relay-node
 * without `/parley/prekeys/1.0.0`, as one that is down or shutting down
 * answers none), between two of the app's nodes connected through that relay:
 * the sender asks the contact itself for its own bundle over the connection
 * they have (own-bundle.ts), starts the session with it, and the message goes
 * live, in a box; so does the answer.
 */
import { PREKEY_PQ_LAST_RESORT } from '@parley/protocol/session/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { befriend, countBoxes, peerIdOf, startHarness, WAIT } from './harness.ts'
import type { FetchedBundle } from '../../src/lib/p2p/sessions/directory.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness({ relay: { prekeys: false } }) })
afterEach(async () => { await harness.close() })

/** The bundles `peer` handed out itself. */
function ownBundlesOf (peer: Peer): FetchedBundle[] {
  const handed: FetchedBundle[] = []
  const { prekeys } = peer.node.components
  const ownBundle = prekeys.ownBundle.bind(prekeys)
  prekeys.ownBundle = async () => {
    const bundle = await ownBundle()
    handed.push(bundle)
    return bundle
  }
  return handed
}

describe('a session started from the contact\'s own bundle', () => {
  it('the relay holds no prekeys: Alice gets Bob\'s bundle from Bob over their connection, and both messages go live in boxes', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const bobHanded = ownBundlesOf(bob)
    const bobOpened = countBoxes(bob)
    const aliceOpened = countBoxes(alice)
    const { aToB, bToA } = await befriend(alice, bob)

    await alice.node.call('sendMessage', { contactId: aToB, text: 'first words, no relay keys' })
    await vi.waitFor(async () => {
      expect((await chatMessages(alice.db, aToB)).map(m => `${m.body}:${m.state}`)).toEqual(['first words, no relay keys:delivered'])
    }, WAIT)
    // Bob handed out his bundle (last-resort key, no one-time key) and opened her box
    expect(bobHanded.length).toBeGreaterThanOrEqual(1)
    expect(bobHanded.every(b => b.pq.kind === PREKEY_PQ_LAST_RESORT && b.ecOneTime === undefined)).toBe(true)
    expect(bobOpened.opened).toBeGreaterThanOrEqual(1)
    expect((await chatMessages(bob.db, bToA)).map(m => m.body)).toEqual(['first words, no relay keys'])

    await bob.node.call('sendMessage', { contactId: bToA, text: 'and back' })
    await vi.waitFor(async () => {
      expect((await chatMessages(bob.db, bToA)).map(m => `${m.body}:${m.state}`).at(-1)).toBe('and back:delivered')
    }, WAIT)
    expect(aliceOpened.opened).toBeGreaterThanOrEqual(1)
    // one session each, the one Alice started from Bob's own bundle
    expect(await alice.db.sessions.where('peer').equals(peerIdOf(bob)).count()).toBe(1)
    expect(await bob.db.sessions.where('peer').equals(peerIdOf(alice)).count()).toBe(1)
  })
})
