/**
 * "Never two at once, and once more if asked meanwhile", written once: a task
 * runs at most once at a time; a request while it runs makes it run exactly
 * once more afterwards, however many requests came. The outbox's delivery
 * per contact, the greeter's announcements, the transfer scheduler and the
 * mailbox drain are such tasks.
 */

/** Where a task's failure goes (tasks should handle their own; this is the last stop). */
export type FlightErrorHandler<K> = (key: K, err: unknown) => void

export interface KeyedSingleFlightInit<K> {
  /** The task of a key. Its rejection goes to `onError`, never to the requester. */
  run(key: K): Promise<void>
  onError: FlightErrorHandler<K>
  /** Most keys running at once; a request for another key past it is refused (reported to `onError`). Default 1024. */
  maxKeys?: number
}

interface Flight {
  running: Promise<void>
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
      flight.queued ??= flight.running.then(async () => {
        // the rerun starts as a flight of its own
        if (this.#flights.get(key) === flight) this.#flights.delete(key)
        return this.request(key)
      })
      return flight.queued
    }
    if (this.#flights.size >= (this.#init.maxKeys ?? DEFAULT_MAX_FLIGHTS)) {
      this.#init.onError(key, new TooManyFlightsError(`${this.#flights.size} tasks are running; not starting another`))
      return
    }
    const entry: Flight = { running: Promise.resolve() }
    entry.running = (task ?? (async () => this.#init.run(key)))()
      .catch((err: unknown) => { this.#init.onError(key, err) })
      .finally(() => {
        if (this.#flights.get(key) === entry && entry.queued === undefined) this.#flights.delete(key)
      })
    this.#flights.set(key, entry)
    return entry.running
  }

  /** True while `key`'s task runs (or a rerun waits for it). */
  running (key: K): boolean {
    return this.#flights.has(key)
  }

  /** Keys running now. */
  get size (): number {
    return this.#flights.size
  }

  /** Starts nothing more; runs in progress finish, queued reruns do not start. */
  stop (): void {
    this.#stopped = true
  }
}

/** A single flight of one task. */
export class SingleFlight {
  readonly #flights: KeyedSingleFlight<undefined>

  constructor (run: () => Promise<void>, onError: (err: unknown) => void) {
    this.#flights = new KeyedSingleFlight({ run, onError: (_key, err) => { onError(err) }, maxKeys: 1 })
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
