export interface GroupCommitOptions {
  /**
   * Least time from the start of one batch to the start of the next, in ms
   * (0: the next batch starts as soon as the previous one is written). Items
   * arriving meanwhile wait and go together.
   */
  minIntervalMs?: number
}

/**
 * Wraps a batch writer so that items arriving while a batch is being written
 * (or, with `minIntervalMs`, until that much time has passed since the last
 * batch began) go together in the next one. An item arriving when nothing is
 * running and the interval has passed is written at once. Each `add` resolves
 * once its item is written (or rejects with its batch's error).
 */
export class GroupCommit<T> {
  readonly #write: (items: T[]) => Promise<void>
  readonly #minIntervalMs: number
  #waiting: Array<{ item: T, settle: PromiseWithResolvers<void> }> = []
  #running = false
  #lastStart = -Infinity
  /** set by hurry(): the next batches do not wait out the interval */
  #hurried = false
  /** ends the current wait for the interval early */
  #wake: (() => void) | undefined

  constructor (write: (items: T[]) => Promise<void>, options: GroupCommitOptions = {}) {
    this.#write = write
    this.#minIntervalMs = options.minIntervalMs ?? 0
  }

  async add (item: T): Promise<void> {
    const settle = Promise.withResolvers<void>()
    this.#waiting.push({ item, settle })
    if (!this.#running) void this.#run()
    return settle.promise
  }

  /** Writes what waits as soon as the batch being written (if any) is done, without waiting out the interval. */
  hurry (): void {
    if (this.#waiting.length === 0) return
    this.#hurried = true
    this.#wake?.()
  }

  async #run (): Promise<void> {
    this.#running = true
    while (this.#waiting.length > 0) {
      const wait = this.#lastStart + this.#minIntervalMs - performance.now()
      if (wait > 0 && !this.#hurried) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait)
          this.#wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
        this.#wake = undefined
      }
      const batch = this.#waiting
      this.#waiting = []
      this.#lastStart = performance.now()
      try {
        await this.#write(batch.map(b => b.item))
        for (const b of batch) b.settle.resolve()
      } catch (err) {
        for (const b of batch) b.settle.reject(err)
      }
    }
    this.#hurried = false
    this.#running = false
  }
}
