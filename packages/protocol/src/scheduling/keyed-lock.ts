/**
 * One task at a time per key, in the order asked (a mutex per key). A key's
 * entry lives only while tasks for it run or wait, so the map holds at most
 * as many keys as there are tasks in flight; `maxWaiting` bounds those.
 */
export class TooManyWaitingError extends Error {
  override name = 'TooManyWaitingError'
}

export const DEFAULT_MAX_WAITING = 4096

export class KeyedLock<K> {
  readonly #tails = new Map<K, Promise<unknown>>()
  readonly #maxWaiting: number
  #waiting = 0

  constructor (maxWaiting: number = DEFAULT_MAX_WAITING) {
    this.#maxWaiting = maxWaiting
  }

  /**
   * Runs `fn` once every task asked before it for `key` has settled; resolves
   * or rejects as `fn` does.
   *
   * @throws TooManyWaitingError when `maxWaiting` tasks already run or wait
   */
  async run<T> (key: K, fn: () => Promise<T>): Promise<T> {
    if (this.#waiting >= this.#maxWaiting) throw new TooManyWaitingError(`${this.#waiting} tasks already wait for a lock`)
    this.#waiting++
    const before = this.#tails.get(key) ?? Promise.resolve()
    const mine = before.then(fn, fn)
    const tail = mine.then(() => {}, () => {})
    this.#tails.set(key, tail)
    try {
      return await mine
    } finally {
      this.#waiting--
      if (this.#tails.get(key) === tail) this.#tails.delete(key)
    }
  }

  /** Keys with a task running or waiting. */
  get size (): number {
    return this.#tails.size
  }
}
