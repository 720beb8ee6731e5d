/**
 * Where our prekeys are published and others' fetched: `/parley/prekeys/1.0.0`
 * on relays, and a connected peer's own bundle from that peer
 * (docs/protocols.md). The keeper and the sessions speak to this interface;
 * `RelayPrekeyDirectory` is the one over libp2p, unit tests pass one in
 * memory.
 */
import type { FetchedBundle, PrekeyStatus, PrekeyUpload } from '@parley/protocol/prekeys/codec'

export type { FetchedBundle, PrekeyStatus, PrekeyUpload }

export interface PrekeyDirectory {
  /** What `relay` (a full multiaddr ending in /p2p/<relay>) holds of ours. */
  status(relay: string, signal: AbortSignal): Promise<PrekeyStatus>
  /** Stores our keys there; resolves what it holds after. */
  publish(relay: string, upload: PrekeyUpload, signal: AbortSignal): Promise<PrekeyStatus>
  /** Drops everything it holds of ours. */
  clear(relay: string, signal: AbortSignal): Promise<void>
  /** A bundle of `owner` (PeerID multihash) from `relay`, consuming its one-time keys there. */
  fetch(relay: string, owner: Uint8Array, signal: AbortSignal): Promise<FetchedBundle>
  /**
   * `owner`'s own bundle from `owner` itself (its signed and last-resort keys)
   * over a connection to it that is open (none is dialled); undefined when
   * none is.
   */
  fromOwner(owner: string, signal: AbortSignal): Promise<FetchedBundle | undefined>
}
