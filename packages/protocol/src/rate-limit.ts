/**
 * Token buckets by key (an IP address, a PeerID): `capacity` tokens, refilled
 * at `perMs` tokens per millisecond. Bounded: at most `maxKeys` keys, the least
 * recently used forgotten first. What relay-node holds each peer and address
 * to, and what the one-request server (one-request/server.ts) limits requests by.
 *
 * Not @libp2p/utils' RateLimiter, the one installed: it counts in fixed
 * windows (a burst at a window's edge gets twice the rate), keeps a timer per
 * key and no bound on keys, and reads the wall clock with no way to pass
 * another (tests here pass `now`).
 */

/** Keys tracked at once unless the owner says otherwise. */
export const DEFAULT_MAX_RATE_KEYS = 65_536

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number, at: number }>()

  constructor (
    private readonly capacity: number,
    private readonly perMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys: number = DEFAULT_MAX_RATE_KEYS
  ) {}

  /** Takes a token for `key`; false when its bucket is empty. */
  take (key: string): boolean {
    const now = this.now()
    const bucket = this.#buckets.get(key)
    let tokens = this.capacity
    if (bucket != null) {
      tokens = Math.min(this.capacity, bucket.tokens + (now - bucket.at) * this.perMs)
      this.#buckets.delete(key)
    } else if (this.#buckets.size >= this.maxKeys) {
      const oldest = this.#buckets.keys().next().value
      if (oldest != null) this.#buckets.delete(oldest)
    }
    const allowed = tokens >= 1
    this.#buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now })
    return allowed
  }

  get size (): number {
    return this.#buckets.size
  }
}
