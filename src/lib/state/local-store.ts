/**
 * This browser's small preferences in localStorage (shared by the origin's
 * tabs). Storage can be disabled (privacy settings) or full: reads then give
 * null and writes are dropped, so a choice holds for this visit only.
 */

/** The stored string for `key`, or null (unset, or storage unavailable). */
export function readLocal (key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null
  } catch {
    return null
  }
}

/** Stores `value` under `key` when storage allows it. */
export function writeLocal (key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value)
  } catch {
    // storage disabled or full: nothing to keep it in
  }
}
