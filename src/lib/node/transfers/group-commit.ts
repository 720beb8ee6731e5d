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
 * running and the interval has passed is written at once. Each call resolves
 * once its item is written (or rejects with its batch's error).
 */
export function groupCommit<T> (write: (items: T[]) => Promise<void>, options: GroupCommitOptions = {}): (item: T) => Promise<void> {
  const minIntervalMs = options.minIntervalMs ?? 0
  let waiting: Array<{ item: T, settle: PromiseWithResolvers<void> }> = []
  let running = false
  let lastStart = -Infinity
  const run = async (): Promise<void> => {
    running = true
    while (waiting.length > 0) {
      const wait = lastStart + minIntervalMs - performance.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      const batch = waiting
      waiting = []
      lastStart = performance.now()
      try {
        await write(batch.map(b => b.item))
        for (const b of batch) b.settle.resolve()
      } catch (err) {
        for (const b of batch) b.settle.reject(err)
      }
    }
    running = false
  }
  return async (item) => {
    const settle = Promise.withResolvers<void>()
    waiting.push({ item, settle })
    if (!running) void run()
    return settle.promise
  }
}
