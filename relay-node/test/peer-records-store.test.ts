/**
 * Issue 27: the peer records a relay holds (src/peer-records/store.ts):
 * newer replaces, older is refused, the same again changes nothing, expiry
 * keeps to the record's own time, and the store is bounded.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { describe, expect, it } from 'vitest'
import { PEER_RECORD_TTL_MS, openPeerRecord, peerRecordKey, sealPeerRecord } from '@parley/protocol/peer-record/record'
import { PeerRecordStore, PeerRecordRefusedError } from '../src/peer-records/store.ts'
import type { PrivateKey } from '@libp2p/interface'

const RELAY = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const T0 = Date.UTC(2026, 10, 26, 12)

async function recordOf (key: PrivateKey, seq: number, port = 9001): Promise<{ key: Uint8Array, bytes: Uint8Array, opened: Awaited<ReturnType<typeof openPeerRecord>> }> {
  const peer = peerIdFromPrivateKey(key)
  const bytes = await sealPeerRecord(key, [multiaddr(`/ip4/127.0.0.1/tcp/${port}/ws/p2p/${RELAY}/p2p-circuit`)], BigInt(seq))
  const dhtKey = peerRecordKey(peer)
  return { key: dhtKey, bytes, opened: await openPeerRecord(dhtKey, bytes, T0) }
}

function codeOf (fn: () => unknown): string | undefined {
  try {
    fn()
    return undefined
  } catch (err) {
    expect(err).toBeInstanceOf(PeerRecordRefusedError)
    return (err as PeerRecordRefusedError).code
  }
}

describe('PeerRecordStore', () => {
  it('keeps the newest record: a newer one replaces it, an older one and another with its number are refused, the same one changes nothing', async () => {
    const store = new PeerRecordStore({ now: () => T0 })
    const owner = await generateKeyPair('Ed25519')
    const first = await recordOf(owner, T0 - 1000)
    const second = await recordOf(owner, T0 - 500, 9002)
    const sameNumber = await recordOf(owner, T0 - 500, 9003)
    expect(store.compare(first.key, first.bytes, first.opened)).toBe('newer')
    expect(store.put(first.key, first.bytes, first.opened)).toBe(true)
    expect(store.compare(first.key, first.bytes, first.opened)).toBe('same')
    expect(store.put(first.key, first.bytes, first.opened)).toBe(false)
    expect(store.compare(second.key, second.bytes, second.opened)).toBe('newer')
    expect(store.put(second.key, second.bytes, second.opened)).toBe(true)
    expect(store.get(first.key)?.bytes).toEqual(second.bytes)
    expect(store.compare(first.key, first.bytes, first.opened)).toBe('stale')
    expect(codeOf(() => store.put(first.key, first.bytes, first.opened))).toBe('stale')
    expect(store.compare(sameNumber.key, sameNumber.bytes, sameNumber.opened)).toBe('stale')
    expect(codeOf(() => store.put(sameNumber.key, sameNumber.bytes, sameNumber.opened))).toBe('stale')
    expect(store.get(first.key)?.bytes).toEqual(second.bytes)
    expect(store.usage).toEqual({ records: 1, bytes: second.bytes.byteLength })
  })

  it('drops a record at its own expiry, not later for having been copied late', async () => {
    let now = T0
    const store = new PeerRecordStore({ now: () => now })
    const owner = await generateKeyPair('Ed25519')
    // made 50 minutes ago, received now: it lives 10 more minutes, not an hour
    const old = await recordOf(owner, T0 - 50 * 60_000)
    store.put(old.key, old.bytes, old.opened)
    expect(store.get(old.key)?.expiresAt).toBe(T0 - 50 * 60_000 + PEER_RECORD_TTL_MS)
    now = T0 + 10 * 60_000 - 1
    expect(store.get(old.key)).toBeDefined()
    now = T0 + 10 * 60_000
    expect(store.get(old.key)).toBeUndefined()
    expect(store.usage.records).toBe(0)
  })

  it('holds at most maxRecords: an expired one makes room, else a new peer\'s record is refused "full"', async () => {
    let now = T0
    const store = new PeerRecordStore({ now: () => now, maxRecords: 2 })
    const [a, b, c] = await Promise.all([0, 1, 2].map(async () => generateKeyPair('Ed25519')))
    if (a === undefined || b === undefined || c === undefined) throw new Error('keys')
    const ra = await recordOf(a, T0 - 30 * 60_000)
    const rb = await recordOf(b, T0)
    const rc = await recordOf(c, T0)
    store.put(ra.key, ra.bytes, ra.opened)
    store.put(rb.key, rb.bytes, rb.opened)
    expect(codeOf(() => store.put(rc.key, rc.bytes, rc.opened))).toBe('full')
    // a newer record of a peer held still fits
    const rb2 = await recordOf(b, T0 + 1)
    expect(store.put(rb2.key, rb2.bytes, rb2.opened)).toBe(true)
    now = T0 + 30 * 60_000
    expect(store.put(rc.key, rc.bytes, rc.opened)).toBe(true)
    expect(store.usage.records).toBe(2)
    expect([...store.records()].map(r => r.seq)).toEqual([BigInt(T0 + 1), BigInt(T0)])
  })
})
