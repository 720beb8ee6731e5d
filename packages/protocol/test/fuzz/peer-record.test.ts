/**
 * Fuzzing of peer record validation and selection (packages/protocol/src/peer-record/record.ts),
 * which every relay-node runs on each PUT_VALUE and the app on each record it
 * is given. Contract checked, for 10,000 generated inputs per property:
 * - arbitrary bytes, and mutations of valid records, under a valid key open
 *   or throw PeerRecordError only; a mutation that still opens says exactly
 *   what the original said (the signature covers it);
 * - arbitrary keys (identity multihashes among them) name a key's PeerID or
 *   throw PeerRecordError('bad-key');
 * - records sealed with random addresses (circuits, the browser's own, junk
 *   after a circuit), random sequence numbers around now and by the owner or
 *   another key open exactly when they should, with the reason when not;
 * - the selector picks the valid record with the highest sequence number
 *   (the first of equals) from any mix of valid, forged and garbled ones.
 *
 * Records are signed ahead (signing is the slow part), and the properties
 * draw from them.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import fc from 'fast-check'
import { beforeAll, describe, it } from 'vitest'
import {
  MAX_PEER_RECORD_ADDRESSES, PEER_RECORD_CLOCK_SKEW_MS, PEER_RECORD_TTL_MS, PeerRecordError,
  openPeerRecord, peerOfRecordKey, peerRecordKey, sealPeerRecord, selectPeerRecord
} from '../../src/peer-record/record.ts'
import { circuitsFor, NOW, relayIds } from '../peer-record/helpers.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typedAsync } from './wire-helpers.ts'
import type { OpenedPeerRecord } from '../../src/peer-record/record.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

const ALLOWED = [PeerRecordError]
/** Records signed ahead per kind; the properties draw from them. */
const SIGNED = 64

interface Signed {
  bytes: Uint8Array
  /** what openPeerRecord must say at NOW: the sequence number, or the refusal's code */
  expect: { seq: bigint } | { code: string }
}

let owner: PrivateKey
let ownerId: PeerId
let key: Uint8Array
/** valid records of the owner, each with another sequence number around NOW */
let valid: Signed[]
/** records the owner or another key sealed, valid or not, with what opening them must say */
let mixed: Signed[]

const same = (a: OpenedPeerRecord, b: OpenedPeerRecord): boolean =>
  a.peer.equals(b.peer) && a.seq === b.seq && a.addresses.map(String).join() === b.addresses.map(String).join()

beforeAll(async () => {
  owner = await generateKeyPair('Ed25519')
  ownerId = peerIdFromPrivateKey(owner)
  const other = await generateKeyPair('Ed25519')
  key = peerRecordKey(ownerId)
  const rng = fc.sample(fc.tuple(fc.integer({ min: 1, max: MAX_PEER_RECORD_ADDRESSES }), fc.integer({ min: -100_000, max: 100_000 })), { numRuns: SIGNED, seed: 27 })
  valid = await Promise.all(rng.map(async ([n, offset]) => {
    const seq = BigInt(NOW + offset)
    return { bytes: await sealPeerRecord(owner, circuitsFor(ownerId, n), seq), expect: { seq } }
  }))
  const relay = relayIds[0] ?? ''
  const cases: Array<{ signer: PrivateKey, addresses: string[], seq: number, code?: string }> = []
  const picks = fc.sample(fc.record({
    signer: fc.constantFrom('owner', 'other'),
    count: fc.integer({ min: 0, max: MAX_PEER_RECORD_ADDRESSES + 2 }),
    bad: fc.constantFrom('none', 'own-ip', 'after-circuit', 'no-relay-id'),
    age: fc.constantFrom(0, PEER_RECORD_TTL_MS - 1, PEER_RECORD_TTL_MS, -PEER_RECORD_CLOCK_SKEW_MS, -PEER_RECORD_CLOCK_SKEW_MS - 1)
  }), { numRuns: SIGNED, seed: 2027 })
  for (const p of picks) {
    const addresses = circuitsFor(ownerId, p.count).map(String)
    if (p.count > 0 && p.bad === 'own-ip') addresses[0] = '/ip4/192.168.1.20/udp/4001/webrtc-direct'
    if (p.count > 0 && p.bad === 'after-circuit') addresses[0] = `/ip4/127.0.0.1/tcp/1/ws/p2p/${relay}/p2p-circuit/ip4/10.0.0.1/tcp/2`
    if (p.count > 0 && p.bad === 'no-relay-id') addresses[0] = '/ip4/127.0.0.1/tcp/1/ws/p2p-circuit'
    // the checks in openPeerRecord's order
    const code = p.signer === 'other'
      ? 'wrong-key'
      : p.count === 0
        ? 'no-addresses'
        : p.count > MAX_PEER_RECORD_ADDRESSES
          ? 'too-many-addresses'
          : p.bad !== 'none'
            ? 'not-circuit'
            : p.age === -PEER_RECORD_CLOCK_SKEW_MS - 1 ? 'from-the-future' : p.age >= PEER_RECORD_TTL_MS ? 'expired' : undefined
    cases.push({ signer: p.signer === 'owner' ? owner : other, addresses, seq: NOW - p.age, ...(code === undefined ? {} : { code }) })
  }
  mixed = await Promise.all(cases.map(async c => ({
    bytes: await sealPeerRecord(c.signer, c.addresses.map(a => multiaddr(a)), BigInt(c.seq)),
    expect: c.code === undefined ? { seq: BigInt(c.seq) } : { code: c.code }
  })))
})

describe('peer record fuzzing', () => {
  it('arbitrary bytes under a valid key open or throw PeerRecordError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2200 }), async bytes => {
      const result = await typedAsync(async () => openPeerRecord(key, bytes, NOW), ALLOWED)
      // nobody but the owner can make bytes that open
      expectSame(result.ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated valid records open as the original or throw PeerRecordError', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(SIGNED - 1), mutationArb, async (i, mutations) => {
      const original = valid[i]
      if (original === undefined) throw new Error('no record')
      const before = await openPeerRecord(key, original.bytes, NOW)
      const result = await typedAsync(async () => openPeerRecord(key, mutate(original.bytes, mutations), NOW), ALLOWED)
      expectSame(!result.ok || same(result.value, before), true)
    }), FUZZ_PARAMS)
  })

  it('arbitrary keys name a PeerID or throw bad-key', async () => {
    const prefix = new TextEncoder().encode('/parley-peer/')
    const keys = fc.oneof(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 150 }).map(tail => Uint8Array.from([...prefix, ...tail])),
      fc.tuple(fc.nat(40), mutationArb).map(([cut, m]) => mutate(key.subarray(0, key.byteLength - (cut % 3)), m)),
      // identity multihashes of arbitrary bytes: a public key, or what @libp2p/peer-id would read as a URL
      fc.uint8Array({ maxLength: 100 }).map(tail => Uint8Array.from([...prefix, 0x00, tail.byteLength, ...tail])))
    await fc.assert(fc.asyncProperty(keys, async k => {
      const result = await typedAsync(async () => peerOfRecordKey(k), ALLOWED)
      expectSame(result.ok ? Buffer.from(peerRecordKey(result.value)).equals(k) : (result.error as PeerRecordError).code === 'bad-key', true)
    }), FUZZ_PARAMS)
  })

  it('sealed records open exactly when they should, and say why not', async () => {
    await fc.assert(fc.asyncProperty(fc.nat(SIGNED - 1), async i => {
      const c = mixed[i]
      if (c === undefined) throw new Error('no record')
      const result = await typedAsync(async () => openPeerRecord(key, c.bytes, NOW), ALLOWED)
      const said = result.ok ? { seq: result.value.seq } : { code: (result.error as PeerRecordError).code }
      expectEqual(said, c.expect)
    }), FUZZ_PARAMS)
  })

  it('the selector picks the newest valid record, the first of equals', async () => {
    const entry = fc.oneof(
      fc.nat(SIGNED - 1).map(i => valid[i]),
      fc.nat(SIGNED - 1).map(i => mixed[i]),
      fc.uint8Array({ maxLength: 64 }).map(bytes => ({ bytes, expect: { code: 'malformed' } }))
    )
    await fc.assert(fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 8 }), async entries => {
      const records = entries.map(e => e?.bytes ?? new Uint8Array(0))
      let best = -1
      let bestSeq = -1n
      entries.forEach((e, i) => {
        if (e !== undefined && 'seq' in e.expect && e.expect.seq > bestSeq) {
          best = i
          bestSeq = e.expect.seq
        }
      })
      const result = await typedAsync(async () => selectPeerRecord(key, records, NOW), ALLOWED)
      expectSame(result.ok ? result.value : -1, best)
    }), FUZZ_PARAMS)
  })
})
