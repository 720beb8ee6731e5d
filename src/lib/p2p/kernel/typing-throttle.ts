/** How often typing signals go, for a contact (actions/typing.ts) and a group (groups/typing.ts) alike. */
import { TYPING_REPEAT_MS } from '../../contract/methods/actions.ts'

/** A typing signal that is not answered within this long is given up (the next one replaces it anyway). */
export const TYPING_SEND_TIMEOUT_MS = 5000

/**
 * The last typing signal sent per chat (a contact, a group), oldest first, at
 * most `max`: a "typing" goes at most once per TYPING_REPEAT_MS, a "stopped"
 * only after a "typing".
 */
export class TypingThrottle<K> {
  readonly #last = new Map<K, { typing: boolean, at: number }>()

  constructor (private readonly max: number) {}

  /** Whether `typing` is worth sending for `key` at `now`. */
  due (key: K, typing: boolean, now: number): boolean {
    const last = this.#last.get(key)
    return typing ? !(last?.typing === true && now - last.at < TYPING_REPEAT_MS) : last?.typing === true
  }

  /** `typing` was sent for `key` at `now`. */
  sent (key: K, typing: boolean, now: number): void {
    this.#last.delete(key)
    this.#last.set(key, { typing, at: now })
    if (this.#last.size > this.max) this.#last.delete(this.#last.keys().next().value as K)
  }

  /** A message went to `key` at `now`: it says the typing stopped (no "stopped" is due after it), and the next "typing" is due at once. */
  messageSent (key: K, now: number): void {
    if (this.#last.get(key)?.typing === true) this.sent(key, false, now)
  }
}
