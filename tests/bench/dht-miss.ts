/**
 * Why a lookup of the DHT bench (dht-records.ts) found nothing: where the
 * target's record is at that moment. The searcher asks every running relay
 * for the record with a GET_VALUE of its own (no lookup), and the answer is
 * put next to the K relays closest to the record's key (kad-dht's distance:
 * XOR of the SHA-256 of the key and of each relay's PeerID multihash), which
 * are the ones a publication stores at and a lookup ends at.
 */
import { createHash } from 'node:crypto'
import { MessageType } from '@libp2p/kad-dht'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { openPeerRecord, peerRecordKey } from '@parley/protocol/peer-record/record'
import { kadRequestOf } from '../../src/lib/p2p/relays/dht.ts'
import { firstLine, pool } from './federation.ts'
import type { ClientStatus } from './dht-clients.ts'
import type { FederationRelay } from './federation-host.ts'
import type { FederationPeer } from './federation-peers.ts'

/** kad-dht's K: a record is stored at the K relays closest to its key. */
const K = 20
const ASK_TIMEOUT_MS = 5_000
const ASK_CONCURRENCY = 10

const sha256 = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

/** `a` XOR `b` compared with `c` XOR `b`, byte by byte (the Kademlia distance to `b`). */
function closer (a: Buffer, c: Buffer, b: Buffer): number {
  for (let i = 0; i < b.length; i++) {
    const d = ((a[i] ?? 0) ^ (b[i] ?? 0)) - ((c[i] ?? 0) ^ (b[i] ?? 0))
    if (d !== 0) return d
  }
  return 0
}

/** The record's sequence number at `relay` (its own store, no lookup), 'none', or why asking failed. */
async function recordAt (searcher: FederationPeer, relay: FederationRelay, key: Uint8Array): Promise<bigint | 'none' | string> {
  const signal = AbortSignal.timeout(ASK_TIMEOUT_MS)
  try {
    const request = kadRequestOf(searcher.services.dht)
    await searcher.dial(multiaddr(relay.wsAddr), { signal })
    for await (const event of request(peerIdFromString(relay.peerId), { type: MessageType.GET_VALUE, key }, { signal, path: { index: -1, queued: 0, running: 0, total: 0 } })) {
      if (event.name !== 'PEER_RESPONSE' || event.messageType !== MessageType.GET_VALUE) continue
      if (event.record == null) return 'none'
      return (await openPeerRecord(key, event.record.value)).seq
    }
    return 'none'
  } catch (err) {
    return firstLine(err)
  }
}

/** Where `target`'s record is now, in words: which relays hold it (and which sequence numbers), and how many of them are among the K closest to its key. */
export async function describeMiss (searcher: FederationPeer, target: ClientStatus, relays: readonly FederationRelay[]): Promise<string> {
  const key = peerRecordKey(peerIdFromString(target.peerId))
  const keyId = sha256(key)
  const ids = new Map(relays.map(r => [r.peerId, sha256(peerIdFromString(r.peerId).toMultihash().bytes)]))
  const closest = [...relays].sort((a, b) => closer(ids.get(a.peerId) ?? Buffer.alloc(32), ids.get(b.peerId) ?? Buffer.alloc(32), keyId)).slice(0, K)
  const held = new Map<string, bigint | 'none' | string>()
  await pool(relays.length, ASK_CONCURRENCY, async (i) => {
    const relay = relays[i]
    if (relay != null) held.set(relay.peerId, await recordAt(searcher, relay, key))
  })
  const holders = relays.filter(r => typeof held.get(r.peerId) === 'bigint')
  const seqs = [...new Set(holders.map(r => String(held.get(r.peerId))))]
  const failed = relays.filter(r => { const v = held.get(r.peerId); return typeof v === 'string' && v !== 'none' })
  const reservedClosest = target.relays.filter(id => closest.some(r => r.peerId === id)).length
  return `target …${target.peerId.slice(-6)} (reserved on ${target.relays.length} relays, ${reservedClosest} of them among the ${K} closest to its key; published: ${String(target.published)}): ` +
    `its record is held by ${holders.length} of ${relays.length} relays (seq ${seqs.join(', ') || '-'}), ${holders.filter(r => closest.includes(r)).length} of them among the ${K} closest` +
    (failed.length > 0 ? `; ${failed.length} relays did not answer (${firstLine(held.get(failed[0]?.peerId ?? ''))})` : '')
}
