import { peerIdFromString } from '@libp2p/peer-id'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { getContact, upsertContact } from '../../src/lib/db/contacts.ts'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { peerRecordKey, sealPeerRecord } from '@parley/protocol/peer-record/record'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdOf, relaysOf, startFederation, WAIT } from './harness.ts'
import { putValueTo } from '../../src/lib/p2p/relays/dht.ts'
import type { RelayNode } from '../../relay-node/src/index.ts'
import type { Federation } from './harness.ts'
import type { QueryEvent } from '@libp2p/kad-dht'

/**
 * Issue 27: eight relay-nodes whose FIND_NODE answers name no browser (the
 * answer for reserved peers is off), so a browser can be found only by its
 * peer record. A, whose config lists R1 only, is found by B, whose config
 * lists R8 only and which has never been told where A is; A moves off R1 and
 * B finds its new address; a forged, a replayed and an oversize record are
 * refused and counted.
 */

let federation: Federation | undefined
afterEach(async () => {
  await federation?.close()
  federation = undefined
})

/** Reservations move within this after a relay stops (federation.test.ts). */
const FAILOVER_MS = 30_000

/** A sample of a relay's /metrics, e.g. `parley_peer_records`. */
async function metric (r: RelayNode | undefined, sample: string): Promise<number> {
  const text = await (await fetch(`${r?.opsUrl ?? ''}/metrics`)).text()
  const line = text.split('\n').find(l => l.startsWith(`${sample} `))
  return line == null ? Number.NaN : Number(line.slice(sample.length + 1))
}

async function sum (relays: readonly RelayNode[], sample: string, skip: Set<number> = new Set()): Promise<number> {
  let total = 0
  for (const [i, r] of relays.entries()) if (!skip.has(i)) total += await metric(r, sample)
  return total
}

async function drain (events: AsyncIterable<QueryEvent>): Promise<QueryEvent[]> {
  const out: QueryEvent[] = []
  try {
    for await (const event of events) out.push(event)
  } catch {
    // a put that every relay refused ends with an error: the events say so
  }
  return out
}

describe('peer records: a browser found by its record alone', () => {
  it('B (through R8) finds A (reserved on R1) by A\'s record; A moves and B finds it again; bad records are refused and counted', async () => {
    federation = await startFederation(8, { options: { answerForReservedPeers: false }, config: { metricsPort: 0 } })
    const relays = federation.relays
    const alice = await federation.startPeer([0], { name: 'Alice' })
    const bob = await federation.startPeer([7], { name: 'Bob' })
    expect(relaysOf(alice)).toContain(relays[0]?.peerId)
    // with fewer relays than K, every relay holds every record: Alice's and Bob's
    await vi.waitFor(async () => {
      for (const r of relays) expect(await metric(r, 'parley_peer_records')).toBeGreaterThanOrEqual(2)
    }, WAIT)

    // B knows A's PeerID and nothing else; no relay's FIND_NODE answer names A
    const bToA = await upsertContact(bob.db, { peerId: peerIdOf(alice), username: 'Alice', addresses: [] })
    const alicePeer = peerIdFromString(peerIdOf(alice))
    const lookupsBefore = await sum(relays, 'parley_peer_record_lookups_total{found="true"}')
    const connection = await bob.node.components.dialer.connect({ peerId: peerIdOf(alice) }, { signal: AbortSignal.timeout(30_000) })
    expect(connection.remotePeer.equals(alicePeer)).toBe(true)
    expect(await sum(relays, 'parley_peer_record_lookups_total{found="true"}')).toBeGreaterThan(lookupsBefore)
    const first = (await getContact(bob.db, bToA))?.addresses ?? []
    expect(first.length).toBeGreaterThan(0)
    for (const address of first) expect(alice.node.status.addresses).toContain(address)

    // and a message goes through, once A has B as a contact too
    const aToB = await upsertContact(alice.db, { peerId: peerIdOf(bob), username: 'Bob', addresses: [] })
    await bob.node.call('sendMessage', { contactId: bToA, text: 'found by record' })
    await vi.waitFor(async () => { expect((await chatMessages(alice.db, aToB)).map(m => m.body)).toEqual(['found by record']) }, WAIT)

    // bad records under A's key, from B: each refused by every relay, and counted
    const key = peerRecordKey(alicePeer)
    const dht = bob.node.libp2p?.services.dht
    if (dht == null) throw new Error('no DHT')
    const other = await generateKeyPair('Ed25519')
    const forged = await sealPeerRecord(other, [multiaddr(`${relays[7]?.wsMultiaddrs[0] ?? ''}/p2p-circuit`)], BigInt(Date.now()))
    const stored = (events: QueryEvent[]): number => events.filter(e => e.name === 'PEER_RESPONSE' && e.messageName === 'PUT_VALUE').length
    expect(stored(await drain(dht.put(key, forged, { signal: AbortSignal.timeout(20_000) })))).toBe(0)
    expect(stored(await drain(dht.put(key, new Uint8Array(4096), { signal: AbortSignal.timeout(20_000) })))).toBe(0)
    expect(await sum(relays, 'parley_peer_record_rejections_total{op="put",code="wrong-key"}')).toBeGreaterThan(0)
    expect(await sum(relays, 'parley_peer_record_rejections_total{op="put",code="too-large"}')).toBeGreaterThan(0)

    // the record A published first, as B gets it now (to replay it once A has published a newer one)
    const values = (await drain(dht.get(key, { signal: AbortSignal.timeout(20_000) }))).flatMap(e => e.name === 'VALUE' ? [e.value] : [])
    const firstRecord = values.at(-1)
    if (firstRecord === undefined) throw new Error('no record of A')
    // a PUT_VALUE to one relay alone, as A's publisher sends when it renews its record without a lookup
    // (putValueTo): a newer record of A's is stored there (the echo, and the relay's count), the forged one is not
    const r5 = peerIdFromString(relays[4]?.peerId ?? '')
    const newer = await sealPeerRecord(alice.node.components.identity.privateKey(), alice.node.status.addresses.filter(a => a.includes(`/p2p/${relays[0]?.peerId ?? '-'}/p2p-circuit`)).map(a => multiaddr(a)), BigInt(Date.now()))
    const storedAtR5 = await metric(relays[4], 'parley_peer_records_stored_total')
    expect(await putValueTo(dht, r5, key, forged, AbortSignal.timeout(20_000))).toBe(false)
    expect(await putValueTo(dht, r5, key, newer, AbortSignal.timeout(20_000))).toBe(true)
    expect(await metric(relays[4], 'parley_peer_records_stored_total')).toBeGreaterThan(storedAtR5)

    // A moves: R1 stops. B goes offline first, so that no connection of theirs outlives it, and A
    // forgets B: A's greeter would dial B when it comes back, and B would find A connected already
    // B's row keeps only A's addresses through R1 (A may hold a second reservation on a relay it
    // learnt from the DHT, which would still work after the move)
    const bobDb = bob.factory
    const atR1 = alice.node.status.addresses.filter(a => a.includes(`/p2p/${relays[0]?.peerId ?? '-'}/p2p-circuit`))
    expect(atR1.length).toBeGreaterThan(0)
    await bob.db.contacts.update(bToA, { addresses: atR1 })
    await bob.stop()
    await alice.node.call('deleteContact', { contactId: aToB, withHistory: true })
    await vi.waitFor(() => { expect(alice.node.libp2p?.services.dht.routingTable.size).toBe(8) }, WAIT)
    const storedBefore = await sum(relays, 'parley_peer_records_stored_total', new Set([0]))
    await federation.stopRelay(0)
    await vi.waitFor(() => {
      expect(relaysOf(alice).length).toBeGreaterThan(0)
      expect(relaysOf(alice)).not.toContain(relays[0]?.peerId)
    }, { timeout: FAILOVER_MS, interval: 100 })
    // A re-publishes where it is now
    await vi.waitFor(async () => {
      expect(await sum(relays, 'parley_peer_records_stored_total', new Set([0]))).toBeGreaterThan(storedBefore)
    }, WAIT)

    // B comes back; the record A had before, sent again, is refused as stale by the relays that hold the new one
    const bobAgain = await federation.startPeer([7], { factory: bobDb })
    const again = bobAgain.node.libp2p?.services.dht
    if (again == null) throw new Error('no DHT')
    expect(stored(await drain(again.put(key, firstRecord, { signal: AbortSignal.timeout(20_000) })))).toBe(0)
    expect(await sum(relays, 'parley_peer_record_rejections_total{op="put",code="stale"}', new Set([0]))).toBeGreaterThan(0)
    // B's greeter dials A's old address (its row) in vain, and finds the new one by A's record
    await vi.waitFor(async () => {
      const moved = (await getContact(bobAgain.db, bToA))?.addresses ?? []
      expect(moved.length).toBeGreaterThan(0)
      expect(moved.filter(a => a.includes(relays[0]?.peerId ?? '-'))).toEqual([])
      expect(moved.some(a => alice.node.status.addresses.includes(a))).toBe(true)
    }, { timeout: FAILOVER_MS, interval: 100 })
    const reached = await bobAgain.node.components.dialer.connect({ peerId: peerIdOf(alice) }, { signal: AbortSignal.timeout(30_000) })
    expect(reached.remotePeer.equals(alicePeer)).toBe(true)
  }, 180_000)
})
