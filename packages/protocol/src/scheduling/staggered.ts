/**
 * "Ask the next one if this one is slow", written once: tasks that may each
 * give the one result wanted (a bundle from one of several relays) run in
 * order, each starting when the one before gave nothing, or when it has
 * given nothing for `delayMs` (then both run on). The first result ends the
 * others: their signal aborts. So a source that hangs costs `delayMs`, not
 * its whole timeout, and sources that answer fast are asked one at a time.
 */

/** One source: resolves its result, or undefined for none (it handles its own failures). */
export type StaggeredTask<T> = (signal: AbortSignal) => Promise<T | undefined>

/**
 * The first result of `tasks`, started in order and staggered by `delayMs`;
 * undefined once every task gave none. A task's rejection rejects it at once
 * (the others aborted): tasks reject only for what ends the whole, such as
 * the caller's own abort.
 */
export async function firstStaggered<T> (tasks: ReadonlyArray<StaggeredTask<T>>, delayMs: number): Promise<T | undefined> {
  const ended = new AbortController()
  return new Promise<T | undefined>((resolve, reject) => {
    let next = 0
    let running = 0
    let settled = false
    let stagger: ReturnType<typeof setTimeout> | undefined
    const settle = (): void => {
      settled = true
      clearTimeout(stagger)
      ended.abort()
    }
    const start = (): void => {
      clearTimeout(stagger)
      const task = tasks[next++]
      if (settled || task === undefined) return
      running++
      if (next < tasks.length) stagger = setTimeout(start, delayMs)
      task(ended.signal).then((result) => {
        running--
        if (settled) return
        if (result !== undefined) {
          settle()
          resolve(result)
        } else if (next < tasks.length) {
          start()
        } else if (running === 0) {
          settle()
          resolve(undefined)
        }
      }, (err: unknown) => {
        if (settled) return
        settle()
        reject(err)
      })
    }
    if (tasks.length === 0) resolve(undefined)
    else start()
  })
}
