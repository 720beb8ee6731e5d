/**
 * Prekeys and first contact through a real relay-node (issue 26, increments
 * 2 and 3): each node's PrekeyKeeper stocks the relay over
 * `/parley/prekeys/1.0.0`; Alice fetches Bob's bundle from it (its records
 * signed by Bob), starts a session and seals to Bob, who opens it with the
 * secrets he kept; the one-time keys used are gone on both sides and Bob's
 * stock is refilled.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { verifyBundle } from '@parley/protocol/prekeys/client'
import { decodeBox } from '@parley/protocol/session/box'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_ONE_TIME } from '@parley/protocol/session/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sessionTables } from '../../src/lib/db/sessions.ts'
import { ONE_TIME_TARGET } from '../../src/lib/p2p/sessions/prekey-keeper.ts'
import { startHarness, WAIT } from './harness.ts'
import type { Harness, Peer } from './harness.ts'
import type { SessionPeer } from '../../src/lib/p2p/kernel/ports/sessions.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

function sessionPeer (peer: Peer): SessionPeer {
  const keys = peer.node.components.ownKeys.identity()
  return { peer: peer.node.status.peerId ?? '', publicKey: keys.publicKey, multihash: keys.multihash }
}

describe('prekeys on a relay-node, and a first session through them', () => {
  it('both stock the relay; Alice starts a session from Bob\'s bundle and Bob opens her box', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const relay = harness.relay.multiaddrs[0] ?? ''
    const bobId = peerIdFromString(bob.node.status.peerId ?? '')
    const stock = async (peer: Peer): Promise<unknown> => peer.node.components.prekeyDirectory.status(relay, AbortSignal.timeout(5_000))
    await vi.waitFor(async () => {
      expect(await stock(alice)).toMatchObject({ pqOneTime: ONE_TIME_TARGET, ecOneTime: ONE_TIME_TARGET })
      expect(await stock(bob)).toMatchObject({ pqOneTime: ONE_TIME_TARGET, ecOneTime: ONE_TIME_TARGET })
    }, WAIT)

    const bobKeys = sessionPeer(bob)
    const fetched = await alice.node.components.prekeyDirectory.fetch(relay, bobId.toMultihash().bytes, AbortSignal.timeout(5_000))
    verifyBundle(fetched, bobKeys.publicKey, bobKeys.multihash)
    expect(fetched.pq.kind).toBe(PREKEY_PQ_ONE_TIME)
    expect(fetched.ecOneTime?.kind).toBe(PREKEY_EC_ONE_TIME)

    const id = new Uint8Array(16).fill(7)
    const box = await alice.node.components.sessions.seal(bobKeys, 'item-1', id, new TextEncoder().encode('sealed for Bob'), async () => fetched)
    const init = decodeBox(box).init
    expect(init).toMatchObject({ signedPrekeyId: fetched.signed.id, pqPrekeyId: fetched.pq.id, oneTimePrekeyId: fetched.ecOneTime?.id })

    const opened = await bob.node.components.sessions.open(sessionPeer(alice), box)
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await opened.commit() })
    expect(new TextDecoder().decode(opened.plaintext)).toBe('sealed for Bob')
    expect(opened.started).toBe(true)
    // the one-time keys are used up: gone from Bob's secrets
    expect(await bob.db.prekeys.get([PREKEY_PQ_ONE_TIME, fetched.pq.id])).toBeUndefined()
    expect(await bob.db.prekeys.get([PREKEY_EC_ONE_TIME, fetched.ecOneTime?.id ?? 0])).toBeUndefined()
    // the relay handed out one of each; Bob's keeper looks again after the init and tops it up when low (here it is not)
    expect(await stock(bob)).toMatchObject({ pqOneTime: ONE_TIME_TARGET - 1, ecOneTime: ONE_TIME_TARGET - 1 })
  })
})
