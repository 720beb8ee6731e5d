/**
 * Wraps a batch writer so that items arriving while a batch is being written
 * go together in the next one. Each call resolves once its item is written
 * (or rejects with its batch's error).
 */
export function groupCommit<T> (write: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let waiting: Array<{ item: T, settle: PromiseWithResolvers<void> }> = []
  let running = false
  const run = async (): Promise<void> => {
    running = true
    while (waiting.length > 0) {
      const batch = waiting
      waiting = []
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
