/**
 * When the relay sends a push (README.md, "Web Push"): an item stored for a
 * recipient with subscriptions and no connection here starts a window
 * (`coalesceMs`); every item stored for it within the window joins the same
 * push, which says how many. A subscription gets at most `perMinute` pushes
 * a minute (items past it wait for the next one it may have), and after a
 * failed POST (timeout, 429, 5xx) the next waits a back-off doubling from
 * PUSH_BACKOFF_INITIAL_MS to PUSH_BACKOFF_MAX_MS (or a 429's Retry-After,
 * up to that), its items kept; after PUSH_MAX_ATTEMPTS in a row the push is
 * given up (the items still wait in the mailbox). A 404 or 410 forgets the
 * subscription. At most PUSH_MAX_IN_FLIGHT POSTs are in flight at once; the
 * rest wait their turn, one place per subscription.
 *
 * Each push also carries the sealed hints (opaque, HINT_BYTES each) of the
 * newest PUSH_HINT_SLOTS items it says that came with one; older hints are
 * dropped as newer come, and a push that failed keeps its hints for the
 * next. Held in memory only, with the push: nothing else reads them.
 *
 * Pure apart from what it is given: the clock and timers, the POST, whether
 * the recipient is connected. State is held per stored subscription only and
 * dropped with it (`forget`): bounded by the store's bound.
 */
import { PUSH_HINT_SLOTS } from '@parley/protocol/push/constants'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { PUSH_BACKOFF_INITIAL_MS, PUSH_BACKOFF_MAX_MS, PUSH_MAX_ATTEMPTS, PUSH_MAX_IN_FLIGHT } from './constants.ts'
import type { PushSubscription } from './store.ts'

/** What a POST came to. */
export type PushOutcome =
  | { kind: 'sent' }
  /** 404 or 410: the subscription is no more */
  | { kind: 'gone', status: number }
  /** timeout, network error, 429 or 5xx: try again later (`afterMs`: the service's Retry-After) */
  | { kind: 'retry', reason: string, afterMs?: number }
  /** any other answer: this push is given up */
  | { kind: 'refused', status: number }

export interface SchedulerClock {
  now(): number
  /** runs `fn` after `ms`; returns what cancels it */
  setTimeout(fn: () => void, ms: number): () => void
}

export interface SchedulerMetrics {
  sent(): void
  /** an item that joined a push already waiting (it gets none of its own) */
  coalesced(): void
  failed(reason: string): void
  /** items that needed no push: their recipient was connected here when they came, or when their push was due */
  skipped(n: number): void
}

export interface SchedulerInit {
  clock: SchedulerClock
  coalesceMs: number
  perMinute: number
  /** `hints`: those of the newest items said, newest first, at most PUSH_HINT_SLOTS */
  send(subscription: PushSubscription, items: number, hints: Uint8Array[]): Promise<PushOutcome>
  /** whether `subject` has a live connection to this relay now */
  connected(subject: string): boolean
  /** a push service said the subscription is gone: forget it (the store, then `forget`) */
  gone(subscription: PushSubscription): void
  metrics: SchedulerMetrics
  maxInFlight?: number
  /** jitter of the back-off; default Math.random */
  random?: () => number
}

const MINUTE_MS = 60_000

/** Adds `hints` (oldest first) to what `state` keeps, keeping the newest PUSH_HINT_SLOTS. */
function keepHints (state: { hints: Uint8Array[] }, hints: Uint8Array[]): void {
  state.hints.push(...hints)
  if (state.hints.length > PUSH_HINT_SLOTS) state.hints.splice(0, state.hints.length - PUSH_HINT_SLOTS)
}
const keyOf = (s: Pick<PushSubscription, 'subject' | 'endpoint'>): string => `${s.subject} ${s.endpoint}`

interface State {
  subscription: PushSubscription
  /** items stored since the last push began */
  pending: number
  /** the hints of the newest of them, oldest first, at most PUSH_HINT_SLOTS */
  hints: Uint8Array[]
  /** when the first of them came */
  since: number
  /** when the last pushes (attempts) began, oldest first, within the last minute */
  sentAt: number[]
  /** failures in a row */
  failures: number
  /** no POST before this */
  notBefore: number
  cancel?: () => void
  inFlight: boolean
  waiting: boolean
}

export class PushScheduler {
  readonly #states = new Map<string, State>()
  /** subscriptions due while PUSH_MAX_IN_FLIGHT POSTs are out, in order (each at most once) */
  readonly #queue: State[] = []
  #inFlight = 0
  #stopped = false

  constructor (private readonly init: SchedulerInit) {}

  /** An item was stored for `subject`, whose subscriptions these are (`hint`: the one its depositor attached). */
  deposited (subject: string, subscriptions: readonly PushSubscription[], hint?: Uint8Array): void {
    if (this.#stopped || subscriptions.length === 0) return
    if (this.init.connected(subject)) { this.init.metrics.skipped(1); return }
    const now = this.init.clock.now()
    for (const subscription of subscriptions) {
      let state = this.#states.get(keyOf(subscription))
      if (state === undefined) {
        state = { subscription, pending: 0, hints: [], since: now, sentAt: [], failures: 0, notBefore: 0, inFlight: false, waiting: false }
        this.#states.set(keyOf(subscription), state)
      }
      state.subscription = subscription
      if (state.pending === 0) state.since = now
      else this.init.metrics.coalesced()
      state.pending++
      if (hint !== undefined) keepHints(state, [hint])
      this.#schedule(state)
    }
  }

  /** The subscription was registered again (maybe with new keys): what waits goes with the new ones. */
  renewed (subscription: PushSubscription): void {
    const state = this.#states.get(keyOf(subscription))
    if (state !== undefined) state.subscription = subscription
  }

  /** The subscription was removed with other keys, or expired: drop what waits for it. */
  forget (subscription: Pick<PushSubscription, 'subject' | 'endpoint'>): void {
    const state = this.#states.get(keyOf(subscription))
    if (state === undefined) return
    state.cancel?.()
    this.#states.delete(keyOf(subscription))
    const at = this.#queue.indexOf(state)
    if (at >= 0) this.#queue.splice(at, 1)
  }

  /** Subscriptions with something waiting or in flight. */
  get active (): number {
    return [...this.#states.values()].filter(s => s.pending > 0 || s.inFlight).length
  }

  stop (): void {
    this.#stopped = true
    for (const state of this.#states.values()) state.cancel?.()
    this.#states.clear()
    this.#queue.length = 0
  }

  /** When `state` may be pushed next, by the window, the per-minute limit and the back-off. */
  #due (state: State, now: number): number {
    while (state.sentAt.length > 0 && (state.sentAt[0] ?? 0) <= now - MINUTE_MS) state.sentAt.shift()
    const byRate = state.sentAt.length < this.init.perMinute ? 0 : (state.sentAt[0] ?? 0) + MINUTE_MS
    return Math.max(state.since + this.init.coalesceMs, byRate, state.notBefore)
  }

  #schedule (state: State): void {
    if (state.cancel !== undefined || state.inFlight || state.waiting || state.pending === 0) return
    const now = this.init.clock.now()
    state.cancel = this.init.clock.setTimeout(() => {
      state.cancel = undefined
      this.#fire(state)
    }, Math.max(0, this.#due(state, now) - now))
  }

  #fire (state: State): void {
    if (this.#stopped || this.#states.get(keyOf(state.subscription)) !== state || state.pending === 0) return
    const now = this.init.clock.now()
    if (this.#due(state, now) > now) { this.#schedule(state); return }
    if (this.init.connected(state.subscription.subject)) {
      // it came back before the push went: it drains the mailbox itself
      this.init.metrics.skipped(state.pending)
      state.pending = 0
      state.hints = []
      return
    }
    if (this.#inFlight >= (this.init.maxInFlight ?? PUSH_MAX_IN_FLIGHT)) {
      state.waiting = true
      this.#queue.push(state)
      return
    }
    void this.#post(state, now)
  }

  async #post (state: State, now: number): Promise<void> {
    const items = state.pending
    const hints = state.hints
    state.pending = 0
    state.hints = []
    state.inFlight = true
    state.sentAt.push(now)
    this.#inFlight++
    let outcome: PushOutcome
    try {
      outcome = await this.init.send(state.subscription, items, [...hints].reverse())
    } catch (err) {
      outcome = { kind: 'retry', reason: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network' }
    }
    this.#inFlight--
    state.inFlight = false
    this.#settle(state, items, hints, outcome)
    this.#next()
  }

  #settle (state: State, items: number, hints: Uint8Array[], outcome: PushOutcome): void {
    const current = this.#states.get(keyOf(state.subscription)) === state
    switch (outcome.kind) {
      case 'sent':
        state.failures = 0
        this.init.metrics.sent()
        break
      case 'gone':
        this.init.metrics.failed('gone')
        if (current) {
          this.forget(state.subscription)
          this.init.gone(state.subscription)
        }
        return
      case 'refused':
        state.failures = 0
        this.init.metrics.failed('refused')
        break
      case 'retry': {
        this.init.metrics.failed(outcome.reason)
        state.failures++
        const now = this.init.clock.now()
        const wait = Math.min(PUSH_BACKOFF_MAX_MS, Math.max(backoffDelay(state.failures - 1, { initialMs: PUSH_BACKOFF_INITIAL_MS, maxMs: PUSH_BACKOFF_MAX_MS }, this.init.random), outcome.afterMs ?? 0))
        state.notBefore = now + wait
        if (state.failures >= PUSH_MAX_ATTEMPTS) {
          // given up: the items wait in the mailbox; the next item starts afresh, after this wait
          state.failures = 0
        } else {
          if (state.pending === 0) state.since = now
          state.pending += items
          // what came meanwhile is newer than what failed
          const newer = state.hints
          state.hints = []
          keepHints(state, [...hints, ...newer])
        }
        break
      }
    }
    if (current) this.#schedule(state)
  }

  #next (): void {
    while (this.#inFlight < (this.init.maxInFlight ?? PUSH_MAX_IN_FLIGHT)) {
      const state = this.#queue.shift()
      if (state === undefined) return
      state.waiting = false
      this.#fire(state)
    }
  }
}
