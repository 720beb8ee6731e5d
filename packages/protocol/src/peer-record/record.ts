/**
 * Peer records in Parley's DHT (docs/protocols.md, "Peer records"): where a
 * browser can be reached, signed by its own key, stored by the relay-nodes
 * closest to its key and asked for by contacts who cannot find it otherwise.
 *
 * A record is a libp2p signed envelope (domain `libp2p-peer-record`, payload
 * type 0x0301) holding a libp2p peer record: the PeerID, a sequence number
 * and the browser's circuit addresses. It is kept in the DHT under the key
 * `/parley-peer/` + the PeerID's multihash (bytes), as the value of a
 * kad-dht PUT_VALUE / GET_VALUE record. The sequence number is the time it
 * was made, in milliseconds since the epoch (each newer than the last): a
 * record lives at most PEER_RECORD_TTL_MS past it, wherever it is copied.
 *
 * This module checks what any holder can check alone (shape, signature,
 * owner, addresses, time); a relay adds that each relay named exists
 * (relay-node/src/peer-records). Pure, shared by the app and relay-node.
 */
import { peerIdFromMultihash, peerIdFromPublicKey } from '@libp2p/peer-id'
import { PeerRecord, RecordEnvelope } from '@libp2p/peer-record'
import * as Digest from 'multiformats/hashes/digest'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** The DHT namespace of Parley's peer records (kad-dht picks validators and selectors by it). */
export const PEER_RECORD_NAMESPACE = 'parley-peer'
const KEY_PREFIX = new TextEncoder().encode(`/${PEER_RECORD_NAMESPACE}/`)
/** Largest envelope a holder accepts, in bytes (8 addresses through relays with long DNS names fit in about 1.3 KiB). */
export const MAX_PEER_RECORD_BYTES = 2048
/** Most addresses one record may carry (a browser holds reservations on 2 to 4 relays). */
export const MAX_PEER_RECORD_ADDRESSES = 8
/** A record is dropped this long after its sequence number (the time it was made). */
export const PEER_RECORD_TTL_MS = 60 * 60 * 1000
/** How far apart the publisher's clock and a holder's may be: a record made later than this in the holder's future is refused, and one lives at most this much longer than its TTL. */
export const PEER_RECORD_CLOCK_SKEW_MS = 10 * 60 * 1000
/** A browser that is online publishes again this often (and at once when its reservations change): two missed publications still leave a record alive. */
export const PEER_RECORD_REPUBLISH_MS = 20 * 60 * 1000

/** Why a record is refused; relay-node counts refusals by these codes (and adds its own: unknown-relay, stale, rate, full). */
export type PeerRecordProblem =
  | 'bad-key' | 'too-large' | 'malformed' | 'bad-signature' | 'wrong-key'
  | 'no-addresses' | 'too-many-addresses' | 'not-circuit' | 'expired' | 'from-the-future'

export const PEER_RECORD_PROBLEMS: readonly PeerRecordProblem[] = [
  'bad-key', 'too-large', 'malformed', 'bad-signature', 'wrong-key',
  'no-addresses', 'too-many-addresses', 'not-circuit', 'expired', 'from-the-future'
]

export class PeerRecordError extends Error {
  override name = 'PeerRecordError'
  constructor (readonly code: PeerRecordProblem, message: string) {
    super(message)
  }
}

/** A record that passed {@link openPeerRecord}. */
export interface OpenedPeerRecord {
  peer: PeerId
  /** the time it was made, in ms since the epoch */
  seq: bigint
  /** its circuit addresses, as signed (each `…/p2p/<relay>/p2p-circuit[/webrtc][/p2p/<peer>]`) */
  addresses: Multiaddr[]
  /** the PeerIDs of the relays they go through, in order, without repeats */
  relays: string[]
  /** when a holder drops it: seq + PEER_RECORD_TTL_MS */
  expiresAt: number
}

/** The DHT key of `peer`'s record: `/parley-peer/` + its multihash. */
export function peerRecordKey (peer: PeerId): Uint8Array {
  const multihash = peer.toMultihash().bytes
  const key = new Uint8Array(KEY_PREFIX.byteLength + multihash.byteLength)
  key.set(KEY_PREFIX)
  key.set(multihash, KEY_PREFIX.byteLength)
  return key
}

/** Whether `key` is under `/parley-peer/` (what it names is checked by {@link peerOfRecordKey}). */
export function isPeerRecordKey (key: Uint8Array | undefined): key is Uint8Array {
  return key != null && key.byteLength > KEY_PREFIX.byteLength && KEY_PREFIX.every((b, i) => key[i] === b)
}

/** The PeerID a record key names; throws PeerRecordError('bad-key') when it is not one of ours. */
export function peerOfRecordKey (key: Uint8Array): PeerId {
  if (!isPeerRecordKey(key) || key.byteLength > KEY_PREFIX.byteLength + 128) {
    throw new PeerRecordError('bad-key', `not a ${PEER_RECORD_NAMESPACE} key`)
  }
  let peer: PeerId
  try {
    peer = peerIdFromMultihash(Digest.decode(key.subarray(KEY_PREFIX.byteLength)))
  } catch {
    throw new PeerRecordError('bad-key', `the ${PEER_RECORD_NAMESPACE} key does not name a PeerID`)
  }
  // an identity multihash that holds no public key decodes as a URL "PeerID", which has no key to sign with
  if (peer.type === 'url') {
    throw new PeerRecordError('bad-key', `the ${PEER_RECORD_NAMESPACE} key names a URL, not a key's PeerID`)
  }
  return peer
}

/** Signs a record of `addresses` for the owner of `privateKey`, made at `seq` (ms since the epoch, newer than the last one). */
export async function sealPeerRecord (privateKey: PrivateKey, addresses: Multiaddr[], seq: bigint): Promise<Uint8Array> {
  const record = new PeerRecord({ peerId: peerIdFromPublicKey(privateKey.publicKey), multiaddrs: addresses, seqNumber: seq })
  return (await RecordEnvelope.seal(record, privateKey)).marshal()
}

const CIRCUIT = 'p2p-circuit'

/**
 * The PeerID of the relay `address` goes through, when it is one of the
 * circuit addresses a record may carry: a relay's address ending in
 * `/p2p/<relay>`, then `/p2p-circuit`, then optionally `/webrtc`, then
 * optionally `/p2p/<owner>`; nothing else (never an address of the browser's
 * own, which would tell its IP address).
 */
function relayOf (address: Multiaddr, owner: string): string | undefined {
  const parts = address.getComponents()
  const at = parts.findIndex(c => c.name === CIRCUIT)
  if (at < 2 || parts.findIndex((c, i) => i > at && c.name === CIRCUIT) >= 0) return undefined
  const relay = parts[at - 1]
  if (relay?.name !== 'p2p' || relay.value == null || relay.value === owner) return undefined
  let rest = parts.slice(at + 1)
  if (rest[0]?.name === 'webrtc') rest = rest.slice(1)
  if (rest.length > 1 || (rest.length === 1 && (rest[0]?.name !== 'p2p' || rest[0].value !== owner))) return undefined
  return relay.value
}

/** Whether `address` may go into a record of `owner`'s (a circuit address through a relay, as {@link openPeerRecord} takes). */
export function isRecordAddress (address: Multiaddr, owner: PeerId): boolean {
  return relayOf(address, owner.toString()) !== undefined
}

/**
 * Opens and checks the record `bytes` stored under `key` at time `now`:
 * at most MAX_PEER_RECORD_BYTES, a peer record envelope signed by the key
 * the DHT key names, for that PeerID, with 1 to MAX_PEER_RECORD_ADDRESSES
 * circuit addresses (relayOf), made no later than PEER_RECORD_CLOCK_SKEW_MS
 * from now and less than PEER_RECORD_TTL_MS ago.
 *
 * @throws PeerRecordError saying what is wrong
 */
export async function openPeerRecord (key: Uint8Array, bytes: Uint8Array, now: number = Date.now()): Promise<OpenedPeerRecord> {
  const owner = peerOfRecordKey(key)
  if (bytes.byteLength > MAX_PEER_RECORD_BYTES) throw new PeerRecordError('too-large', `a peer record is at most ${MAX_PEER_RECORD_BYTES} bytes, this one ${bytes.byteLength}`)
  let envelope: RecordEnvelope
  let record: PeerRecord
  try {
    envelope = RecordEnvelope.createFromProtobuf(bytes)
    if (!equalBytes(envelope.payloadType, PeerRecord.CODEC)) throw new Error('not a peer record')
    record = PeerRecord.createFromProtobuf(envelope.payload)
  } catch {
    throw new PeerRecordError('malformed', 'not a signed peer record')
  }
  const signer = peerIdFromPublicKey(envelope.publicKey)
  if (!signer.equals(owner) || !record.peerId.equals(owner)) throw new PeerRecordError('wrong-key', `the record under ${owner.toString()}'s key is not ${owner.toString()}'s`)
  let valid = false
  try {
    valid = await envelope.validate(PeerRecord.DOMAIN)
  } catch {
    valid = false
  }
  if (!valid) throw new PeerRecordError('bad-signature', 'the record\'s signature does not verify')
  const addresses = record.multiaddrs
  if (addresses.length === 0) throw new PeerRecordError('no-addresses', 'the record has no address')
  if (addresses.length > MAX_PEER_RECORD_ADDRESSES) throw new PeerRecordError('too-many-addresses', `a record carries at most ${MAX_PEER_RECORD_ADDRESSES} addresses, this one ${addresses.length}`)
  const relays: string[] = []
  for (const address of addresses) {
    const relay = relayOf(address, owner.toString())
    if (relay === undefined) throw new PeerRecordError('not-circuit', `${address.toString()} is not a circuit address through a relay`)
    if (!relays.includes(relay)) relays.push(relay)
  }
  const made = record.seqNumber
  if (made > BigInt(now + PEER_RECORD_CLOCK_SKEW_MS)) throw new PeerRecordError('from-the-future', `the record was made at ${made}, more than ${PEER_RECORD_CLOCK_SKEW_MS} ms after now (${now}): is a clock wrong?`)
  const expiresAt = Number(made) + PEER_RECORD_TTL_MS
  if (expiresAt <= now) throw new PeerRecordError('expired', `the record was made at ${made}, more than ${PEER_RECORD_TTL_MS} ms ago (now ${now})`)
  return { peer: owner, seq: made, addresses, relays, expiresAt }
}

/**
 * Which of `records` (values under one key) is the one to use: the newest
 * valid one (highest sequence number; the first of equals). Kad-dht's
 * selector for the namespace: records that do not open lose to any that do.
 *
 * @throws PeerRecordError('malformed') when none of them opens
 */
export async function selectPeerRecord (key: Uint8Array, records: Uint8Array[], now: number = Date.now()): Promise<number> {
  let best = -1
  let bestSeq = -1n
  for (const [i, bytes] of records.entries()) {
    try {
      const { seq } = await openPeerRecord(key, bytes, now)
      if (seq > bestSeq) {
        best = i
        bestSeq = seq
      }
    } catch (err) {
      if (!(err instanceof PeerRecordError)) throw err
    }
  }
  if (best < 0) throw new PeerRecordError('malformed', 'none of the records opens')
  return best
}

/** Whether two byte arrays hold the same bytes (records and keys: public data, no constant time needed). */
export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((x, i) => x === b[i])
}

/** What a kad-dht node is configured with to put and get peer records (its `validators` and `selectors` options). */
export const PEER_RECORD_DHT_OPTIONS = {
  validators: { [PEER_RECORD_NAMESPACE]: async (key: Uint8Array, value: Uint8Array): Promise<void> => { await openPeerRecord(key, value) } },
  selectors: { [PEER_RECORD_NAMESPACE]: async (key: Uint8Array, records: Uint8Array[]): Promise<number> => selectPeerRecord(key, records) }
}
