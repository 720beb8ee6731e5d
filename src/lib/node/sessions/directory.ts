/**
 * Where our prekeys are published and others' fetched: `/parley/prekeys/1.0.0`
 * on relays (docs/protocols.md). The keeper and the sessions speak to this
 * interface; `RelayPrekeyDirectory` is the one over libp2p, unit tests pass
 * one in memory.
 */
import type { PrekeyRecord } from '@parley/protocol/session/records'

/** What a relay holds of ours: the signed and last-resort ids (0 for none) and the one-time keys left. */
export interface PrekeyStatus { signedId: number, lastResortId: number, pqOneTime: number, ecOneTime: number }

/** One PUBLISH: the signed EC prekey, the PQ last-resort key, and one-time keys (kinds 3 and 4) to add. */
export interface PrekeyUpload { signed: PrekeyRecord, lastResort: PrekeyRecord, oneTime: PrekeyRecord[] }

/** What FETCH hands out for someone: its signed prekey, a PQ key (one-time, else last-resort), maybe an EC one-time key. */
export interface FetchedBundle { signed: PrekeyRecord, pq: PrekeyRecord, ecOneTime?: PrekeyRecord }

export interface PrekeyDirectory {
  /** What `relay` (a full multiaddr ending in /p2p/<relay>) holds of ours. */
  status(relay: string, signal: AbortSignal): Promise<PrekeyStatus>
  /** Stores our keys there; resolves what it holds after. */
  publish(relay: string, upload: PrekeyUpload, signal: AbortSignal): Promise<PrekeyStatus>
  /** Drops everything it holds of ours. */
  clear(relay: string, signal: AbortSignal): Promise<void>
  /** A bundle of `owner` (PeerID multihash) from `relay`, consuming its one-time keys there. */
  fetch(relay: string, owner: Uint8Array, signal: AbortSignal): Promise<FetchedBundle>
}
