/**
 * Disappearing messages, the tab's part: a message whose `expiresAt` has come
 * is hidden at once, though the worker removes it from the database only on
 * its next sweep (within EXPIRY_CHECK_MS, p2p/actions/expiry.ts).
 *
 * ```ts
 * const clock = new ExpiryClock(() => chat.shown)   // during component init
 * const shown = $derived(unexpired(chat.shown, clock.now))
 * ```
 */
import type { MessageRow } from '../db/types.ts'

/** Longest a browser timer may wait (2^31 − 1 ms); a later expiry is looked at again then. */
const MAX_TIMER_MS = 2_147_483_647

/** `rows` without those expired by `now` (the same array when none is). */
export function unexpired<T extends Pick<MessageRow, 'expiresAt'>> (rows: readonly T[], now: number): readonly T[] {
  return rows.some(r => r.expiresAt !== undefined && r.expiresAt <= now) ? rows.filter(r => r.expiresAt === undefined || r.expiresAt > now) : rows
}

/** The soonest `expiresAt` after `now` among `rows`, if any. */
export function nextExpiry (rows: ReadonlyArray<Pick<MessageRow, 'expiresAt'>>, now: number): number | undefined {
  let next: number | undefined
  for (const { expiresAt } of rows) {
    if (expiresAt !== undefined && expiresAt > now && (next === undefined || expiresAt < next)) next = expiresAt
  }
  return next
}

/**
 * A clock that moves when one of `rows` expires: `now` changes at the
 * soonest `expiresAt` after it (at once for a row that came in already due),
 * so what reads it hides that message then. Create it during component
 * initialisation.
 */
export class ExpiryClock {
  #now = $state(Date.now())

  constructor (rows: () => ReadonlyArray<Pick<MessageRow, 'expiresAt'>>) {
    $effect(() => {
      const next = nextExpiry(rows(), this.#now)
      if (next === undefined) return
      const timer = setTimeout(() => { this.#now = Date.now() }, Math.min(Math.max(0, next - Date.now()), MAX_TIMER_MS))
      return () => { clearTimeout(timer) }
    })
  }

  /** ms since epoch, as of the last expiry (or creation). */
  get now (): number {
    return this.#now
  }
}
