/**
 * Typing indicators, sent, for a contact (actions/typing.ts) and a group
 * (groups/typing.ts) alike: only while the user keeps them on, at most one
 * "typing" per TYPING_REPEAT_MS per chat, a "stopped" only after a "typing",
 * never queued, stored or put in a mailbox. A message sent ends the typing
 * without a "stopped" of its own (the other side stops showing it when the
 * message arrives): the next "typing" goes at once. What differs between a
 * contact's chat and a group's is only where the signal goes and how it is
 * sealed: each feature's TypingRoute.
 */
import { TYPING_REPEAT_MS } from '../../contract/methods/actions.ts'
import { messagingSettings } from '../../db/settings.ts'
import type { ParleyDb } from '../../db/db.ts'

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

/**
 * Where one chat's typing signal goes now: a function that sends it (and
 * never throws for the network's sake: it logs what did not go), or
 * undefined when nothing should go now (no longer a contact, not connected,
 * not a member). A signal that went, even to nobody, counts for the throttle;
 * one that had nowhere to go does not.
 */
export type TypingRoute<K> = (key: K, typing: boolean, now: number) => Promise<((signal: AbortSignal) => Promise<void>) | undefined>

export interface TypingSignalsComponents {
  db: ParleyDb
}

/** One kind of chat's typing signals: the throttle, the user's setting and the timeout, around that chat's route. */
export class TypingSignals<K> {
  readonly #components: TypingSignalsComponents
  readonly #route: TypingRoute<K>
  readonly #last: TypingThrottle<K>

  constructor (components: TypingSignalsComponents, max: number, route: TypingRoute<K>) {
    this.#components = components
    this.#route = route
    this.#last = new TypingThrottle<K>(max)
  }

  /** A message to the chat was sent: it ends our typing there (`TypingThrottle.messageSent`). */
  messageSent (key: K): void {
    this.#last.messageSent(key, Date.now())
  }

  /** Tells the chat, when it makes sense now; never throws for the network's sake. */
  async set (key: K, typing: boolean): Promise<void> {
    const now = Date.now()
    if (!this.#last.due(key, typing, now)) return
    if (!(await messagingSettings(this.#components.db)).typing) return
    const send = await this.#route(key, typing, now)
    if (send === undefined) return
    this.#last.sent(key, typing, now)
    await send(AbortSignal.timeout(TYPING_SEND_TIMEOUT_MS))
  }
}
