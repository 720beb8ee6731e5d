/**
 * "Never two at once, and once more if asked meanwhile", written once: a task
 * runs at most once at a time; a request while it runs makes it run exactly
 * once more afterwards, however many requests came. The outbox's delivery
 * per contact, the greeter's announcements, the transfer scheduler and the
 * mailbox drain are such tasks. A task triggered by events that may come in
 * a storm (a connection that opens and closes many times a second) can also
 * keep a floor between the starts of its runs (`minGapMs`).
 */

/** Where a task's failure goes (tasks should handle their own; this is the last stop). */
export type FlightErrorHandler<K> = (key: K, err: unknown) => void

export interface KeyedSingleFlightInit<K> {
  /** The task of a key. Its rejection goes to `onError`, never to the requester. */
  run(key: K): Promise<void>
  onError: FlightErrorHandler<K>
  /** Most keys running at once; a request for another key past it is refused (reported to `onError`). Default 1024. */
  maxKeys?: number
  /**
   * A key's run starts at least this long after its previous run started: a
   * request sooner waits for the rest of the gap, and the run it waits for
   * serves every request made meanwhile. Default 0 (no floor).
   */
  minGapMs?: number
}

interface Flight {
  running: Promise<void>
  /** set while the run waits out `minGapMs` (a request meanwhile is served by it): the timer, and what ends the wait early when stopped */
  gap?: { timer: ReturnType<typeof setTimeout>, end: () => void }
  /** the one run after the current one, shared by every request made meanwhile */
  queued?: Promise<void>
}

/** Raised (to onError) for a request refused because `maxKeys` keys are running. */
export class TooManyFlightsError extends Error {
  override name = 'TooManyFlightsError'
}

export const DEFAULT_MAX_FLIGHTS = 1024

/** One single flight per key (per contact, per peer). */
export class KeyedSingleFlight<K> {
  readonly #init: KeyedSingleFlightInit<K>
  readonly #flights = new Map<K, Flight>()
  /** when each key's last run started (`minGapMs` only), as many keys as `maxKeys` */
  readonly #lastStarts = new Map<K, number>()
  #stopped = false

  constructor (init: KeyedSingleFlightInit<K>) {
    this.#init = init
  }

  /**
   * Runs `key`'s task now, or once more after the run in progress.
   * `task` replaces the key's task for this run when it starts now (it is
   * ignored when the request has to wait: the queued run is the usual task).
   *
   * @returns resolves once a run that started after this request has finished
   * (never rejects); at once when stopped or refused
   */
  async request (key: K, task?: () => Promise<void>): Promise<void> {
    if (this.#stopped) return
    const flight = this.#flights.get(key)
    if (flight !== undefined) {
      // a run that has not started yet starts after this request
      if (flight.gap !== undefined) return flight.running
      flight.queued ??= flight.running.then(async () => {
        // the rerun starts as a flight of its own
        if (this.#flights.get(key) === flight) this.#flights.delete(key)
        return this.request(key)
      })
      return flight.queued
    }
    const maxKeys = this.#init.maxKeys ?? DEFAULT_MAX_FLIGHTS
    if (this.#flights.size >= maxKeys) {
      this.#init.onError(key, new TooManyFlightsError(`${this.#flights.size} tasks are running; not starting another`))
      return
    }
    const wait = this.#gapLeft(key)
    const entry: Flight = { running: Promise.resolve() }
    const start = async (): Promise<void> => {
      entry.gap = undefined
      if (this.#stopped) return
      if ((this.#init.minGapMs ?? 0) > 0) {
        this.#lastStarts.delete(key)
        this.#lastStarts.set(key, Date.now())
        const oldest = this.#lastStarts.keys().next()
        if (this.#lastStarts.size > maxKeys && oldest.done !== true) this.#lastStarts.delete(oldest.value)
      }
      await (wait === 0 && task !== undefined ? task() : this.#init.run(key))
    }
    const started = wait === 0
      ? start()
      : new Promise<void>((resolve) => {
        entry.gap = { timer: setTimeout(resolve, wait), end: resolve }
      }).then(start)
    entry.running = started
      .catch((err: unknown) => { this.#init.onError(key, err) })
      .finally(() => {
        if (this.#flights.get(key) === entry && entry.queued === undefined) this.#flights.delete(key)
      })
    this.#flights.set(key, entry)
    return entry.running
  }

  /** How long a run of `key` must still wait for its gap (0: it may start now). */
  #gapLeft (key: K): number {
    const gap = this.#init.minGapMs ?? 0
    const last = this.#lastStarts.get(key)
    if (gap <= 0 || last === undefined) return 0
    return Math.max(0, last + gap - Date.now())
  }

  /** True while `key`'s task runs, or a run of it waits (for the run in progress, or for its gap). */
  running (key: K): boolean {
    return this.#flights.has(key)
  }

  /** Keys running now. */
  get size (): number {
    return this.#flights.size
  }

  /** Starts nothing more; runs in progress finish, queued reruns and runs waiting out their gap do not start. */
  stop (): void {
    this.#stopped = true
    for (const flight of this.#flights.values()) {
      if (flight.gap === undefined) continue
      clearTimeout(flight.gap.timer)
      flight.gap.end()
    }
  }
}

/** A single flight of one task. */
export class SingleFlight {
  readonly #flights: KeyedSingleFlight<undefined>

  constructor (run: () => Promise<void>, onError: (err: unknown) => void, options: Pick<KeyedSingleFlightInit<undefined>, 'minGapMs'> = {}) {
    this.#flights = new KeyedSingleFlight({ run, onError: (_key, err) => { onError(err) }, maxKeys: 1, ...options })
  }

  /** Runs the task now, or once more after the run in progress; resolves once a run that started after this call has finished. */
  async request (): Promise<void> {
    return this.#flights.request(undefined)
  }

  get running (): boolean {
    return this.#flights.running(undefined)
  }

  stop (): void {
    this.#flights.stop()
  }
}
