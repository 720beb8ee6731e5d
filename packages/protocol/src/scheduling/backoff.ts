/**
 * Bounded exponential back-off with full jitter: attempt 0 waits about
 * `initialMs`, each later attempt doubles, never beyond `maxMs`.
 */
export interface BackoffOptions {
  initialMs: number
  maxMs: number
  /** 0..1, the share of the delay that is randomised (default 0.5) */
  jitter?: number
}

export function backoffDelay (attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30))
  const jitter = options.jitter ?? 0.5
  return Math.round(base * (1 - jitter) + base * jitter * random())
}
