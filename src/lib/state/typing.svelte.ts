/**
 * Typing indicators for the open chat (docs/protocols.md, "Message actions",
 * typing), both ways:
 *
 * - out: while the user writes, the node is told `setTyping(true)` at most
 *   once per TYPING_REPEAT_MS (the worker drops faster calls anyway), and
 *   `setTyping(false)` once the draft is empty again (cleared, or sent) or
 *   the chat closes or changes;
 * - in: the contact's `typing` events, shown until TYPING_SHOWN_MS pass
 *   without a new one, a `typing: false`, or a message from them arrives.
 *
 * The worker sends and shows nothing while the user turned typing indicators
 * off in Settings; the tab then skips its calls too.
 *
 * ```ts
 * const typing = new ChatTyping(getNodeManager(), () => messaging.typing)
 * $effect(() => { typing.open(contactId) })
 * $effect(() => { typing.draftChanged(chat.draft) })
 * $effect(() => () => { typing.reset() })
 * ```
 */
import { untrack } from 'svelte'
import { TYPING_REPEAT_MS, TYPING_SHOWN_MS } from '../contract/methods/actions.ts'
import type { ContactId } from '../db/types.ts'
import { handleError } from './handle-error.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** What typing needs of the node. */
export type TypingNode = Pick<NodeManager, 'call' | 'onTyping' | 'onMessage'>

/** The clock and timers, so tests can drive them (vi.useFakeTimers does). */
export interface TypingClock {
  now: () => number
  setTimeout: (fn: () => void, ms: number) => ReturnType<typeof setTimeout>
  clearTimeout: (id: ReturnType<typeof setTimeout>) => void
}

const REAL_CLOCK: TypingClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => { clearTimeout(id) }
}

export class ChatTyping {
  readonly #node: TypingNode
  readonly #enabled: () => boolean
  readonly #clock: TypingClock
  #contactId: ContactId | undefined
  /** when we last told the node "typing" for this chat; undefined while we are not typing */
  #sentAt: number | undefined
  /** the contact is typing to us (shown) */
  #theyType = $state(false)
  #hideTimer: ReturnType<typeof setTimeout> | undefined
  #off: Array<() => void> = []

  constructor (node: TypingNode, enabled: () => boolean = () => true, clock: TypingClock = REAL_CLOCK) {
    this.#node = node
    this.#enabled = enabled
    this.#clock = clock
  }

  /** Whether the open chat's contact is typing to us now. */
  get theyType (): boolean {
    return this.#theyType
  }

  /** Follows the chat with `contactId`; another contact than before stops our typing to the old one. Safe in an `$effect`. */
  open (contactId: ContactId): void {
    untrack(() => {
      if (contactId === this.#contactId) return
      this.#stopTyping()
      this.#hide()
      this.#contactId = contactId
      if (this.#off.length > 0) return
      this.#off = [
        this.#node.onTyping((event) => {
          if (event.contactId !== this.#contactId) return
          if (event.typing) this.#show()
          else this.#hide()
        }),
        this.#node.onMessage((event) => {
          // their message arrived: what they typed is here
          if (event.kind === 'received' && event.message.direction === 'in' && event.message.contactId === this.#contactId) this.#hide()
          if (event.kind === 'stored' && event.messages.some(m => m.direction === 'in' && m.contactId === this.#contactId)) this.#hide()
        })
      ]
    })
  }

  /** The composer's text changed: tell the node we type (throttled), or that we stopped once it is empty. */
  draftChanged (draft: string): void {
    untrack(() => {
      if (draft === '') {
        this.#stopTyping()
        return
      }
      const contactId = this.#contactId
      if (contactId === undefined || !this.#enabled()) return
      const now = this.#clock.now()
      if (this.#sentAt !== undefined && now - this.#sentAt < TYPING_REPEAT_MS) return
      this.#sentAt = now
      this.#tell(contactId, true)
    })
  }

  #stopTyping (): void {
    const contactId = this.#contactId
    if (this.#sentAt === undefined || contactId === undefined) return
    this.#sentAt = undefined
    this.#tell(contactId, false)
  }

  #tell (contactId: ContactId, typing: boolean): void {
    // a lost typing signal is harmless: the next keystroke (or the contact's TYPING_SHOWN_MS) settles it
    this.#node.call('setTyping', { contactId, typing }).catch((err: unknown) => { handleError(err, 'setTyping') })
  }

  #show (): void {
    this.#theyType = true
    if (this.#hideTimer !== undefined) this.#clock.clearTimeout(this.#hideTimer)
    this.#hideTimer = this.#clock.setTimeout(() => { this.#hide() }, TYPING_SHOWN_MS)
  }

  #hide (): void {
    if (this.#hideTimer !== undefined) this.#clock.clearTimeout(this.#hideTimer)
    this.#hideTimer = undefined
    this.#theyType = false
  }

  /** The chat closes: we stop typing (the node is told), nothing is shown, and events are no longer followed. */
  reset (): void {
    this.#stopTyping()
    this.#hide()
    for (const off of this.#off) off()
    this.#off = []
    this.#contactId = undefined
  }
}
