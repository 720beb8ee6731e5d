/**
 * Issue 27: peer records (packages/protocol/src/peer-record/record.ts): what
 * any holder checks alone, and the selector (newest sequence number wins).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import { multiaddr } from '@multiformats/multiaddr'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  MAX_PEER_RECORD_ADDRESSES, MAX_PEER_RECORD_BYTES, PEER_RECORD_CLOCK_SKEW_MS, PEER_RECORD_TTL_MS, PeerRecordError,
  openPeerRecord, peerOfRecordKey, peerRecordKey, sealPeerRecord, selectPeerRecord
} from '../../src/peer-record/record.ts'
import { circuitsFor, NOW, relayIds } from './helpers.ts'
import type { PeerId, PrivateKey } from '@libp2p/interface'

let owner: PrivateKey
let ownerId: PeerId
let other: PrivateKey
let key: Uint8Array

beforeAll(async () => {
  owner = await generateKeyPair('Ed25519')
  ownerId = peerIdFromPrivateKey(owner)
  other = await generateKeyPair('Ed25519')
  key = peerRecordKey(ownerId)
})

async function refusal (promise: Promise<unknown>): Promise<PeerRecordError> {
  const err = await promise.then(() => undefined, (e: unknown) => e)
  expect(err).toBeInstanceOf(PeerRecordError)
  return err as PeerRecordError
}

describe('peer record keys', () => {
  it('name the PeerID they were made for, under /parley-peer/', () => {
    expect(new TextDecoder().decode(key.subarray(0, 13))).toBe('/parley-peer/')
    expect(peerOfRecordKey(key).equals(ownerId)).toBe(true)
  })

  it('refuse another namespace, a bare prefix and a key that names no PeerID', async () => {
    expect((await refusal(Promise.resolve().then(() => peerOfRecordKey(new TextEncoder().encode('/pk/abc'))))).code).toBe('bad-key')
    expect((await refusal(Promise.resolve().then(() => peerOfRecordKey(new TextEncoder().encode('/parley-peer/'))))).code).toBe('bad-key')
    expect((await refusal(Promise.resolve().then(() => peerOfRecordKey(new TextEncoder().encode('/parley-peer/xyz'))))).code).toBe('bad-key')
    // an identity multihash of bytes that are no public key: @libp2p/peer-id reads it as a URL PeerID
    const url = Uint8Array.from([...new TextEncoder().encode('/parley-peer/'), 0x00, 0x04, ...new TextEncoder().encode('A:xy')])
    expect((await refusal(Promise.resolve().then(() => peerOfRecordKey(url)))).code).toBe('bad-key')
  })
})

describe('openPeerRecord', () => {
  it('opens a record its owner sealed: peer, sequence, addresses, relays and expiry', async () => {
    const addresses = circuitsFor(ownerId, 3)
    const opened = await openPeerRecord(key, await sealPeerRecord(owner, addresses, BigInt(NOW)), NOW)
    expect(opened.peer.equals(ownerId)).toBe(true)
    expect(opened.seq).toBe(BigInt(NOW))
    expect(opened.addresses.map(String)).toEqual(addresses.map(String))
    expect(opened.relays).toEqual(relayIds.slice(0, 3))
    expect(opened.expiresAt).toBe(NOW + PEER_RECORD_TTL_MS)
  })

  it('takes a circuit address with /webrtc and with or without the owner at its end', async () => {
    const relay = `/ip4/127.0.0.1/tcp/9001/ws/p2p/${relayIds[0] ?? ''}/p2p-circuit`
    const addresses = [multiaddr(relay), multiaddr(`${relay}/webrtc`), multiaddr(`${relay}/webrtc/p2p/${ownerId.toString()}`)]
    const opened = await openPeerRecord(key, await sealPeerRecord(owner, addresses, BigInt(NOW)), NOW)
    expect(opened.relays).toEqual([relayIds[0]])
  })

  it('refuses a record signed by another key under this key (a forgery)', async () => {
    const forged = await sealPeerRecord(other, circuitsFor(peerIdFromPrivateKey(other), 1), BigInt(NOW))
    expect((await refusal(openPeerRecord(key, forged, NOW))).code).toBe('wrong-key')
  })

  it('refuses a record whose signature does not verify', async () => {
    const record = new PeerRecord({ peerId: ownerId, multiaddrs: circuitsFor(ownerId, 1), seqNumber: BigInt(NOW) })
    const envelope = await RecordEnvelope.seal(record, owner)
    const tampered = new RecordEnvelope({ ...envelope, signature: envelope.signature.map((b, i) => i === 0 ? b ^ 1 : b) })
    expect((await refusal(openPeerRecord(key, tampered.marshal(), NOW))).code).toBe('bad-signature')
    // the signature is over the payload: another sequence number with the old signature
    const later = new PeerRecord({ peerId: ownerId, multiaddrs: circuitsFor(ownerId, 1), seqNumber: BigInt(NOW + 1) })
    const replaced = new RecordEnvelope({ ...envelope, payload: later.marshal() })
    expect((await refusal(openPeerRecord(key, replaced.marshal(), NOW))).code).toBe('bad-signature')
  })

  it('refuses a record the owner signed for another PeerID', async () => {
    const record = new PeerRecord({ peerId: peerIdFromPrivateKey(other), multiaddrs: circuitsFor(ownerId, 1), seqNumber: BigInt(NOW) })
    const bytes = (await RecordEnvelope.seal(record, owner)).marshal()
    expect((await refusal(openPeerRecord(key, bytes, NOW))).code).toBe('wrong-key')
  })

  it('refuses bytes over the size limit before reading them, and bytes that are no signed peer record', async () => {
    expect((await refusal(openPeerRecord(key, new Uint8Array(MAX_PEER_RECORD_BYTES + 1), NOW))).code).toBe('too-large')
    expect((await refusal(openPeerRecord(key, Uint8Array.of(1, 2, 3), NOW))).code).toBe('malformed')
  })

  it('refuses no address, too many, and any address that is not a circuit through a relay', async () => {
    const sealed = async (addresses: string[]): Promise<Uint8Array> => sealPeerRecord(owner, addresses.map(a => multiaddr(a)), BigInt(NOW))
    expect((await refusal(openPeerRecord(key, await sealed([]), NOW))).code).toBe('no-addresses')
    const many = circuitsFor(ownerId, MAX_PEER_RECORD_ADDRESSES + 1).map(String)
    expect((await refusal(openPeerRecord(key, await sealed(many), NOW))).code).toBe('too-many-addresses')
    const relay = relayIds[0] ?? ''
    for (const address of [
      '/ip4/192.168.1.20/udp/4001/webrtc-direct', // the browser's own address
      `/ip4/127.0.0.1/tcp/1/ws/p2p/${relay}`, // the relay itself, no circuit
      '/p2p-circuit', // no relay
      `/ip4/127.0.0.1/tcp/1/ws/p2p-circuit`, // a relay without its PeerID
      `/ip4/127.0.0.1/tcp/1/ws/p2p/${ownerId.toString()}/p2p-circuit`, // through itself
      `/ip4/127.0.0.1/tcp/1/ws/p2p/${relay}/p2p-circuit/ip4/10.0.0.1/tcp/2`, // something after the circuit
      `/ip4/127.0.0.1/tcp/1/ws/p2p/${relay}/p2p-circuit/p2p/${relayIds[1] ?? ''}`, // to another peer
      `/ip4/127.0.0.1/tcp/1/ws/p2p/${relay}/p2p-circuit/p2p/${relay}/p2p-circuit` // two hops
    ]) {
      expect({ address, code: (await refusal(openPeerRecord(key, await sealed([address]), NOW))).code }).toEqual({ address, code: 'not-circuit' })
    }
  })

  it('refuses a record made too long ago, and one from further in the future than the clock skew', async () => {
    const addresses = circuitsFor(ownerId, 1)
    expect((await refusal(openPeerRecord(key, await sealPeerRecord(owner, addresses, BigInt(NOW - PEER_RECORD_TTL_MS)), NOW))).code).toBe('expired')
    expect((await refusal(openPeerRecord(key, await sealPeerRecord(owner, addresses, BigInt(NOW + PEER_RECORD_CLOCK_SKEW_MS + 1)), NOW))).code).toBe('from-the-future')
    // within the skew it is taken, and lives its TTL from when it was made
    const ahead = await openPeerRecord(key, await sealPeerRecord(owner, addresses, BigInt(NOW + PEER_RECORD_CLOCK_SKEW_MS)), NOW)
    expect(ahead.expiresAt).toBe(NOW + PEER_RECORD_CLOCK_SKEW_MS + PEER_RECORD_TTL_MS)
  })
})

describe('selectPeerRecord', () => {
  it('picks the newest record; a forged or malformed one never wins, even with a higher sequence number', async () => {
    const addresses = circuitsFor(ownerId, 1)
    const older = await sealPeerRecord(owner, addresses, BigInt(NOW - 5000))
    const newer = await sealPeerRecord(owner, addresses, BigInt(NOW - 10))
    const forged = await sealPeerRecord(other, circuitsFor(peerIdFromPrivateKey(other), 1), BigInt(NOW))
    expect(await selectPeerRecord(key, [older, newer], NOW)).toBe(1)
    expect(await selectPeerRecord(key, [newer, older], NOW)).toBe(0)
    expect(await selectPeerRecord(key, [forged, older, Uint8Array.of(9), newer], NOW)).toBe(3)
    expect(await selectPeerRecord(key, [older, newer, newer], NOW)).toBe(1)
    expect((await refusal(selectPeerRecord(key, [forged, Uint8Array.of(9)], NOW))).code).toBe('malformed')
  })
})
