import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getContact, upsertContact } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { peerIdOf, relaysOf, startFederation, WAIT } from './harness.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { Federation, Peer } from './harness.ts'

/**
 * Issue 8: three relay-nodes in one DHT. A's served config lists only R1,
 * B's only R3; B knows A by its PeerID alone and finds it through the DHT.
 * When R1 stops, A holds its reservations on the other relays (learnt from
 * the DHT, not configured) and B reaches it again by itself.
 */

let federation: Federation | undefined
afterEach(async () => {
  await federation?.close()
  federation = undefined
})

/** Reservations must move within this (the bound). */
const FAILOVER_MS = 30_000

async function states (db: ParleyDb, contactId: ContactId): Promise<string[]> {
  return (await chatMessages(db, contactId)).map(m => `${m.direction}:${m.body}:${m.state}`)
}

/**
 * Waits until the peer's DHT client has every relay of the federation in its
 * routing table: it has learnt the network through R1 (its self-lookup), so it
 * knows where else to go. A relay that dies before that leaves it nowhere.
 */
async function learnsTheNetwork (peer: Peer, relays: number): Promise<void> {
  await vi.waitFor(() => { expect(peer.node.libp2p?.services.dht.routingTable.size).toBe(relays) }, WAIT)
}

/**
 * Alice (config: R1 only) and Bob (config: R3 only), each with the other as
 * an accepted contact; Bob's row for Alice has her PeerID and no address.
 */
async function aliceAndBob (f: Federation): Promise<{ alice: Peer, bob: Peer, aToB: ContactId, bToA: ContactId }> {
  const alice = await f.startPeer([0], { name: 'Alice' })
  const bob = await f.startPeer([2], { name: 'Bob' })
  const aToB = await upsertContact(alice.db, { peerId: peerIdOf(bob), username: 'Bob', addresses: [] })
  const bToA = await upsertContact(bob.db, { peerId: peerIdOf(alice), username: 'Alice', addresses: [] })
  return { alice, bob, aToB, bToA }
}

describe('federation: relay-nodes in one DHT', () => {
  it('B finds A by its PeerID alone through the DHT; the message arrives and B keeps where A is', async () => {
    federation = await startFederation(3)
    const [r1, , r3] = federation.relays
    const { alice, bob, aToB, bToA } = await aliceAndBob(federation)
    // each came online through its only configured relay (a second reservation may follow on a relay learnt from the DHT)
    expect(relaysOf(alice)).toContain(r1?.peerId)
    expect(relaysOf(bob)).toContain(r3?.peerId)
    expect((await getContact(bob.db, bToA))?.addresses).toEqual([])
    expect(bob.node.libp2p?.getConnections(peerIdFromString(peerIdOf(alice)))).toEqual([])
    // B's lookup can reach R1 (which holds A's reservation) only once B knows R1; before that
    // the message may go to A's mailbox instead, and A's receipt brings A to B: B learns nothing
    await learnsTheNetwork(bob, 3)

    await bob.node.call('sendMessage', { contactId: bToA, text: 'found you' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['in:found you:delivered']) }, WAIT)
    await vi.waitFor(async () => { expect(await states(bob.db, bToA)).toEqual(['out:found you:delivered']) }, WAIT)

    // the DHT's answer is in B's row now: a relay holding A's reservation names its own addresses +
    // /p2p-circuit, or, when its peer store has them, the addresses A told it (circuit and /webrtc)
    const found = (await getContact(bob.db, bToA))?.addresses ?? []
    expect(found.length).toBeGreaterThan(0)
    for (const address of found) expect(address).toMatch(new RegExp(`/p2p-circuit(/webrtc)?/p2p/${peerIdOf(alice)}$`))
    expect(found.some(a => alice.node.status.addresses.includes(a))).toBe(true)
  }, 60_000)

  it('R1 stops: A holds its reservations on R2 and R3 within 30 s, and B reaches A again by itself', async () => {
    federation = await startFederation(3)
    const [r1, r2, r3] = federation.relays
    if (r1 == null || r2 == null || r3 == null) throw new Error('three relays expected')
    const { alice, bob, aToB, bToA } = await aliceAndBob(federation)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'before' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['in:before:delivered']) }, WAIT)
    expect(relaysOf(alice)).toContain(r1.peerId)
    await learnsTheNetwork(alice, 3)

    await federation.stopRelay(0)
    // two reservations (the node listens for two) on the relays it knows now, neither configured
    await vi.waitFor(() => {
      expect(relaysOf(alice)).toEqual([r2.peerId, r3.peerId].sort())
    }, { timeout: FAILOVER_MS, interval: 100 })
    const alicePeer = peerIdFromString(peerIdOf(alice))
    expect(r2.node.services.relay.reservations.has(alicePeer)).toBe(true)
    expect(r3.node.services.relay.reservations.has(alicePeer)).toBe(true)

    await bob.node.call('sendMessage', { contactId: bToA, text: 'after' })
    await vi.waitFor(async () => {
      expect(await states(alice.db, aToB)).toEqual(['in:before:delivered', 'in:after:delivered'])
    }, WAIT)
    await vi.waitFor(async () => {
      expect(await states(bob.db, bToA)).toEqual(['out:before:delivered', 'out:after:delivered'])
    }, WAIT)
  }, 90_000)

  it("B knows A only at R1, which stopped while B was away: B's dial fails, the DHT names A's new relays, B's row follows", async () => {
    federation = await startFederation(3)
    const [r1] = federation.relays
    if (r1 == null) throw new Error('three relays expected')
    const { alice, bob, aToB, bToA } = await aliceAndBob(federation)
    // what an invite made while A was on R1 says
    const atR1 = alice.node.status.addresses.filter(a => a.includes(`/p2p/${r1.peerId}/p2p-circuit/p2p/`))
    expect(atR1.length).toBeGreaterThan(0)
    await bob.db.contacts.update(bToA, { addresses: atR1 })
    const bobDb = bob.factory
    await bob.stop()
    await learnsTheNetwork(alice, 3)

    await federation.stopRelay(0)
    await vi.waitFor(() => {
      expect(relaysOf(alice).length).toBeGreaterThan(0)
      expect(relaysOf(alice)).not.toContain(r1.peerId)
    }, { timeout: FAILOVER_MS, interval: 100 })

    // B starts again: its node dials A at R1 (from the row), fails, and asks the DHT. For about a
    // second after A moved, the relays may still answer with A's addresses from before (until A's
    // identify-push reaches them); B then asks again after its back-off (2 s, 4 s, …)
    const bobAgain = await federation.startPeer([2], { factory: bobDb })
    await bobAgain.node.call('sendMessage', { contactId: bToA, text: 'you moved' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['in:you moved:delivered']) }, { timeout: FAILOVER_MS, interval: 100 })
    // the row follows once B reaches A through what the DHT said; on a busy machine the message
    // may have gone through A's mailbox first, and B's next try (back-off) finds A
    await vi.waitFor(async () => {
      const row = (await getContact(bobAgain.db, bToA))?.addresses ?? []
      expect(row.length).toBeGreaterThan(0)
      expect(row.filter(a => a.includes(r1.peerId))).toEqual([])
      expect(row.some(a => alice.node.status.addresses.includes(a))).toBe(true)
    }, { timeout: FAILOVER_MS, interval: 100 })
  }, 120_000)
})
