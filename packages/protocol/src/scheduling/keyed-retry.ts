/**
 * "Try this again later", written once: per-key retry plans with bounded
 * exponential back-off and jitter ({@link backoffDelay}). The outbox plans
 * per contact, the greeter its redials, the upgrader its WebRTC attempts, the
 * relay keeper its relay dials, transfers their pulls, and relay-node its
 * bootstrap peers: each keeps a failure count and at most one timer per key,
 * and every such map is bounded.
 */
import { backoffDelay } from './backoff.ts'
import type { BackoffOptions } from './backoff.ts'

export interface KeyedRetryInit<K> {
  backoff: BackoffOptions
  /** A key's planned attempt is due (its timer fired). The plan is gone by then; the failure count stays. */
  onDue(key: K): void
  /** Most keys remembered at once (with a plan, or failures counted). */
  maxKeys: number
  /**
   * A new key when `maxKeys` are remembered: forget the longest-remembered
   * one to make room ('evict-oldest', the default: it is tried again on its
   * next trigger), or plan nothing for the new one ('refuse').
   */
  whenFull?: 'evict-oldest' | 'refuse'
  /**
   * At most this many retries are planned for a key in a row: a failure past
   * them plans nothing, until `succeeded` or `forget`.
   */
  maxRetries?: number
  /** For tests: the jitter's random source (default Math.random). */
  random?(): number
  /** Node: the timers do not keep the process alive. */
  unref?: boolean
}

interface Entry {
  failures: number
  timer?: ReturnType<typeof setTimeout>
}

export class KeyedRetry<K> {
  readonly #init: KeyedRetryInit<K>
  readonly #entries = new Map<K, Entry>()
  #stopped = false

  constructor (init: KeyedRetryInit<K>) {
    this.#init = init
  }

  /**
   * An attempt for `key` failed: count it and plan the next attempt after the
   * back-off for the failures before it (about `initialMs` after the first).
   *
   * @returns the delay planned, or undefined when nothing was planned: one is
   * planned already (the failure is not counted then), the key is out of
   * retries, the map is full ('refuse'), or the scheduler is stopped
   */
  failed (key: K): number | undefined {
    const entry = this.#entry(key)
    if (entry === undefined || entry.timer !== undefined || this.#outOfRetries(entry)) return undefined
    const delay = backoffDelay(entry.failures, this.#init.backoff, this.#init.random)
    entry.failures++
    this.#arm(key, entry, delay)
    return delay
  }

  /**
   * Plans an attempt for `key` after `delayMs` without counting a failure
   * (e.g. 0: as soon as possible, once).
   *
   * @returns false when nothing was planned: one is planned already, the key
   * is out of retries, the map is full ('refuse'), or the scheduler is stopped
   */
  plan (key: K, delayMs: number): boolean {
    const entry = this.#entry(key)
    if (entry === undefined || entry.timer !== undefined || this.#outOfRetries(entry)) return false
    this.#arm(key, entry, delayMs)
    return true
  }

  /** `key` worked: its failures and any plan are forgotten. */
  succeeded (key: K): void {
    this.forget(key)
  }

  /** Drops `key`'s plan (if any) and keeps its failure count. */
  cancel (key: K): void {
    const entry = this.#entries.get(key)
    if (entry === undefined) return
    clearTimeout(entry.timer)
    entry.timer = undefined
  }

  /** Forgets `key` entirely: no plan, no failures. */
  forget (key: K): void {
    clearTimeout(this.#entries.get(key)?.timer)
    this.#entries.delete(key)
  }

  /** True while an attempt is planned for `key`. */
  planned (key: K): boolean {
    return this.#entries.get(key)?.timer !== undefined
  }

  /** Failures in a row counted for `key`. */
  failures (key: K): number {
    return this.#entries.get(key)?.failures ?? 0
  }

  /** Keys remembered now. */
  get size (): number {
    return this.#entries.size
  }

  /** Keys with an attempt planned now. */
  get plannedKeys (): K[] {
    return [...this.#entries].flatMap(([key, entry]) => entry.timer === undefined ? [] : [key])
  }

  /** Clears every plan and plans nothing more. */
  stop (): void {
    this.#stopped = true
    for (const entry of this.#entries.values()) clearTimeout(entry.timer)
    this.#entries.clear()
  }

  #outOfRetries (entry: Entry): boolean {
    return this.#init.maxRetries !== undefined && entry.failures >= this.#init.maxRetries
  }

  #entry (key: K): Entry | undefined {
    if (this.#stopped) return undefined
    let entry = this.#entries.get(key)
    if (entry !== undefined) return entry
    if (this.#entries.size >= this.#init.maxKeys) {
      if (this.#init.whenFull === 'refuse') return undefined
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.forget(oldest.value)
    }
    entry = { failures: 0 }
    this.#entries.set(key, entry)
    return entry
  }

  #arm (key: K, entry: Entry, delayMs: number): void {
    const timer = setTimeout(() => {
      if (entry.timer !== timer) return
      entry.timer = undefined
      this.#init.onDue(key)
    }, delayMs)
    entry.timer = timer
    if (this.#init.unref === true && typeof timer === 'object' && 'unref' in timer) timer.unref()
  }
}
