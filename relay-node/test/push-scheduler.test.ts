/**
 * When the relay sends pushes (src/push/scheduler.ts), on a clock the test
 * moves: a burst is one push, the per-minute limit holds items for the next,
 * a failed POST backs off and keeps its items, 404/410 forgets the
 * subscription, a connected recipient gets none, and POSTs in flight are
 * bounded.
 */
import { describe, expect, it } from 'vitest'
import { PUSH_BACKOFF_INITIAL_MS, PUSH_BACKOFF_MAX_MS, PUSH_MAX_ATTEMPTS } from '../src/push/constants.ts'
import { PushScheduler } from '../src/push/scheduler.ts'
import type { PushOutcome, SchedulerClock } from '../src/push/scheduler.ts'
import type { PushSubscription } from '../src/push/store.ts'

/** A clock whose timers run only when the test moves it. */
class ManualClock implements SchedulerClock {
  at = 1_000_000
  #timers: Array<{ at: number, fn: () => void, id: number }> = []
  #ids = 0
  now (): number { return this.at }
  setTimeout (fn: () => void, ms: number): () => void {
    const id = ++this.#ids
    this.#timers.push({ at: this.at + ms, fn, id })
    return () => { this.#timers = this.#timers.filter(t => t.id !== id) }
  }

  /** Moves the clock by `ms`, running each timer due on the way at its time (and what its promises do). */
  async advance (ms: number): Promise<void> {
    const end = this.at + ms
    for (;;) {
      await settle()
      const next = this.#timers.filter(t => t.at <= end).sort((a, b) => a.at - b.at)[0]
      if (next === undefined) break
      this.#timers = this.#timers.filter(t => t !== next)
      this.at = next.at
      next.fn()
    }
    this.at = end
    await settle()
  }
}

async function settle (): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

const sub = (endpoint = 'https://push.example.net/a'): PushSubscription => ({
  subject: 'peer-a', endpoint, p256dh: new Uint8Array(65), auth: new Uint8Array(16), signedAt: 0, registeredAt: 0, expiresAt: Number.MAX_SAFE_INTEGER
})

function setup (options: { answers?: PushOutcome[], connected?: boolean, perMinute?: number, maxInFlight?: number, hold?: boolean } = {}) {
  const clock = new ManualClock()
  const sent: Array<{ endpoint: string, items: number, at: number, hints: number[] }> = []
  const counts = { sent: 0, coalesced: 0, skipped: 0, failed: [] as string[] }
  const gone: PushSubscription[] = []
  const held: Array<() => void> = []
  const state = { connected: options.connected ?? false }
  const answers = [...(options.answers ?? [])]
  const scheduler = new PushScheduler({
    clock,
    coalesceMs: 2000,
    perMinute: options.perMinute ?? 6,
    maxInFlight: options.maxInFlight,
    random: () => 0.5,
    send: async (s, items, hints) => {
      sent.push({ endpoint: s.endpoint, items, at: clock.now(), hints: hints.map(h => h[0] ?? -1) })
      if (options.hold === true) await new Promise<void>(resolve => { held.push(resolve) })
      return answers.shift() ?? { kind: 'sent' }
    },
    connected: () => state.connected,
    gone: (s) => { gone.push(s) },
    metrics: { sent: () => { counts.sent++ }, coalesced: () => { counts.coalesced++ }, failed: (r) => { counts.failed.push(r) }, skipped: (n) => { counts.skipped += n } }
  })
  return { clock, scheduler, sent, counts, gone, state, held }
}

describe('push scheduler', () => {
  it('says a burst of 20 items in one push, after the window', async () => {
    const { clock, scheduler, sent, counts } = setup()
    for (let i = 0; i < 20; i++) { scheduler.deposited('peer-a', [sub()]); await clock.advance(50) }
    expect(sent).toEqual([])
    await clock.advance(2000)
    expect(sent.map(s => s.items)).toEqual([20])
    expect(sent[0]?.at).toBe(1_002_000)
    expect(counts).toEqual({ sent: 1, coalesced: 19, skipped: 0, failed: [] })
  })

  it('carries the hints of the newest 4 items said, newest first, and keeps a failed push\'s for the next', async () => {
    const hint = (n: number): Uint8Array => new Uint8Array(112).fill(n)
    const { clock, scheduler, sent } = setup({ answers: [{ kind: 'sent' }, { kind: 'retry', reason: 'server-error' }] })
    for (let i = 1; i <= 6; i++) scheduler.deposited('peer-a', [sub()], i === 3 ? undefined : hint(i))
    await clock.advance(2000)
    expect(sent.map(s => [s.items, s.hints])).toEqual([[6, [6, 5, 4, 2]]])
    scheduler.deposited('peer-a', [sub()], hint(7))
    await clock.advance(2000)
    scheduler.deposited('peer-a', [sub()], hint(8))
    await clock.advance(PUSH_BACKOFF_INITIAL_MS)
    // the failed push's hint and the newer one go together
    expect(sent.map(s => [s.items, s.hints])).toEqual([[6, [6, 5, 4, 2]], [1, [7]], [2, [8, 7]]])
  })

  it('holds items past the per-minute limit for the next push it may have', async () => {
    const { clock, scheduler, sent } = setup({ perMinute: 2 })
    for (let round = 0; round < 3; round++) {
      scheduler.deposited('peer-a', [sub()])
      await clock.advance(3000)
    }
    // the third push waits until a minute after the first
    expect(sent.map(s => s.items)).toEqual([1, 1])
    scheduler.deposited('peer-a', [sub()])
    await clock.advance(60_000)
    expect(sent.map(s => s.items)).toEqual([1, 1, 2])
    expect((sent[2]?.at ?? 0) - (sent[0]?.at ?? 0)).toBe(60_000)
  })

  it('sends nothing to a recipient connected here, before the window or at its end', async () => {
    const { clock, scheduler, sent, state, counts } = setup({ connected: true })
    scheduler.deposited('peer-a', [sub()])
    await clock.advance(5000)
    state.connected = false
    scheduler.deposited('peer-a', [sub()])
    state.connected = true
    await clock.advance(5000)
    expect(sent).toEqual([])
    expect(counts.skipped).toBe(2)
  })

  it('backs off after failures, keeping the items, and gives the push up after the last attempt', async () => {
    const retry: PushOutcome = { kind: 'retry', reason: 'server-error' }
    const { clock, scheduler, sent, counts } = setup({ answers: Array.from({ length: PUSH_MAX_ATTEMPTS }, () => retry) })
    scheduler.deposited('peer-a', [sub()])
    await clock.advance(2000)
    scheduler.deposited('peer-a', [sub()])
    // with jitter 0.5 (random() = 0.5) each wait is 3/4 of its base: 5 s, 10 s, 20 s…
    await clock.advance(PUSH_BACKOFF_INITIAL_MS * 0.75 - 1)
    expect(sent.map(s => s.items)).toEqual([1])
    await clock.advance(1)
    // the failed item and the new one go together
    expect(sent.map(s => s.items)).toEqual([1, 2])
    await clock.advance(PUSH_BACKOFF_MAX_MS * PUSH_MAX_ATTEMPTS)
    expect(sent).toHaveLength(PUSH_MAX_ATTEMPTS)
    const gaps = sent.slice(1).map((s, i) => s.at - (sent[i]?.at ?? 0))
    expect(gaps.slice(1)).toEqual([10_000, 20_000, 40_000, 80_000].map(ms => ms * 0.75))
    expect(counts.failed).toEqual(Array.from({ length: PUSH_MAX_ATTEMPTS }, () => 'server-error'))
    expect(counts.sent).toBe(0)
  })

  it('honours a Retry-After up to the longest back-off', async () => {
    const { clock, scheduler, sent } = setup({ answers: [{ kind: 'retry', reason: 'rate-limited', afterMs: 90_000 }] })
    scheduler.deposited('peer-a', [sub()])
    await clock.advance(2000 + 89_999)
    expect(sent).toHaveLength(1)
    await clock.advance(1)
    expect(sent).toHaveLength(2)
  })

  it('forgets a subscription a push service calls gone, and sends it nothing more', async () => {
    const { clock, scheduler, sent, gone, counts } = setup({ answers: [{ kind: 'gone', status: 410 }] })
    scheduler.deposited('peer-a', [sub()])
    await clock.advance(2000)
    expect(gone.map(s => s.endpoint)).toEqual(['https://push.example.net/a'])
    expect(counts.failed).toEqual(['gone'])
    expect(scheduler.active).toBe(0)
    expect(sent).toHaveLength(1)
  })

  it('keeps at most the bound of POSTs in flight; the others wait their turn', async () => {
    const { clock, scheduler, sent, held } = setup({ maxInFlight: 2, hold: true })
    for (const name of ['a', 'b', 'c']) scheduler.deposited('peer-a', [sub(`https://push.example.net/${name}`)])
    await clock.advance(2000)
    expect(sent.map(s => s.endpoint.slice(-1))).toEqual(['a', 'b'])
    held.shift()?.()
    await clock.advance(0)
    expect(sent.map(s => s.endpoint.slice(-1))).toEqual(['a', 'b', 'c'])
  })

  it('drops what waits for a removed subscription', async () => {
    const { clock, scheduler, sent } = setup()
    scheduler.deposited('peer-a', [sub()])
    scheduler.forget(sub())
    await clock.advance(10_000)
    expect(sent).toEqual([])
  })
})
