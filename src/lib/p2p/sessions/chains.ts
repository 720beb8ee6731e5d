/**
 * What each side is known to hold of a session's chains (docs/protocols.md,
 * "Sessions"; docs/security.md, "KEM fields"). Known in memory only: after a
 * restart every header carries its chain's KEM fields again until the next
 * answer, and no chain is waiting to be stored.
 *
 * - `HeldChains`: our sending chains a peer holds. A listener answers a live
 *   box on a chain it has not stored only once the chain is stored
 *   (`UnstoredChains`), so an answer to a box says the peer holds its chain,
 *   and the next boxes on it leave the KEM fields out of their headers
 *   (ratchet.ts, `EncryptOptions.kem`): 2,272 bytes less each.
 * - `UnstoredChains`: the peers' chains we opened boxes on and whose state is
 *   not stored yet. Every commit of an opened box stores the session as it
 *   is then, every chain in it; once its transaction is done, those are stored.
 */
import { bytesToHex as hex } from '@noble/hashes/utils.js'
import { MAX_RECEIVING_CHAINS } from '@parley/protocol/session/constants'
import type { SessionRow } from '../../db/session-types.ts'

/** Sessions (held) and peers (unstored) remembered at most; the least recently set go first. */
export const MAX_TRACKED = 1024

/** Drops the oldest entries of `map` beyond MAX_TRACKED. */
function bound<V> (map: Map<string, V>): void {
  while (map.size > MAX_TRACKED) map.delete(map.keys().next().value ?? '')
}

export class HeldChains {
  /** session id → our ratchet public key (hex) whose sending chain the peer holds */
  readonly #held = new Map<string, string>()

  /** Whether the peer holds the chain `row`'s next box goes on (none when a pending step will start a new one). */
  holds (row: SessionRow): boolean {
    return row.state.pending == null && this.#held.get(row.id) === hex(row.state.dhPublic)
  }

  /** The peer answered a box of `row` on our ratchet key `dh`: it holds that chain (if it is still our current one). */
  heard (row: SessionRow, dh: Uint8Array): void {
    const chain = hex(dh)
    if (chain !== hex(row.state.dhPublic)) return
    this.#held.delete(row.id)
    this.#held.set(row.id, chain)
    bound(this.#held)
  }
}

export class UnstoredChains {
  /** peer → its ratchet keys (hex) whose receiving chains we hold in memory only */
  readonly #unstored = new Map<string, Set<string>>()

  add (peer: string, dh: Uint8Array): void {
    const chains = this.#unstored.get(peer) ?? new Set<string>()
    chains.add(hex(dh))
    // a session keeps MAX_RECEIVING_CHAINS chains; a peer may have a few sessions
    if (chains.size > 2 * MAX_RECEIVING_CHAINS) chains.delete(chains.values().next().value ?? '')
    this.#unstored.delete(peer)
    this.#unstored.set(peer, chains)
    bound(this.#unstored)
  }

  has (peer: string, dh: Uint8Array): boolean {
    return this.#unstored.get(peer)?.has(hex(dh)) === true
  }

  /** A commit that wrote the peer's ratchet keys `chains` (their receiving chains) is done: they are stored. */
  stored (peer: string, chains: Uint8Array[]): void {
    const left = this.#unstored.get(peer)
    if (left === undefined) return
    for (const chain of chains) left.delete(hex(chain))
    if (left.size === 0) this.#unstored.delete(peer)
  }

  /** The peer's rows are read again from the database: what was not stored is gone with the cache. */
  drop (peer: string): void {
    this.#unstored.delete(peer)
  }
}
