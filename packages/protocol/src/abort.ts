/**
 * Deadlines and abort racing for stream protocols. Racing a promise against
 * a signal is libp2p's own `raceSignal` (race-signal): it rejects with the
 * signal's reason.
 */
import { TimeoutError } from '@libp2p/interface'

export { raceSignal } from 'race-signal'

/** `err` as an Error (for `stream.abort(err)`, which takes one). */
export function toError (err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

/**
 * Runs `fn` with a signal that aborts with a TimeoutError(`message`) after
 * `ms`, or with the reason of any aborted parent signal.
 */
export async function withDeadline<T> (ms: number, message: string, parents: Array<AbortSignal | undefined>, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  const timer = setTimeout(() => { controller.abort(new TimeoutError(message)) }, ms)
  const onAbort = (evt: Event): void => { controller.abort((evt.target as AbortSignal).reason) }
  for (const parent of parents) {
    if (parent?.aborted === true) {
      controller.abort(parent.reason)
    }
    parent?.addEventListener('abort', onAbort, { once: true })
  }
  try {
    return await fn(controller.signal)
  } finally {
    clearTimeout(timer)
    for (const parent of parents) {
      parent?.removeEventListener('abort', onAbort)
    }
  }
}
