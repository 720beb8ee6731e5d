/**
 * Typing indicators for the open chat, a contact's or a group's
 * (docs/protocols.md, "Message actions", typing), both ways:
 *
 * - out: while the user writes, the node is told `setTyping(true)` (in a
 *   group, `setGroupTyping(true)`) at most once per TYPING_REPEAT_MS (the
 *   worker drops faster calls anyway), and `false` once the draft is cleared
 *   or the chat closes or changes; not when the draft was sent: the message
 *   tells them itself (their app stops showing us when it arrives), and a
 *   "stopped" beside it would only keep their node busy while it comes;
 * - in: the contact's `typing` events (a group's members' `groupTyping`
 *   events, each member on its own), shown until TYPING_SHOWN_MS pass
 *   without a new one, a `typing: false`, or a message from them arrives:
 *   a contact's is announced (`message` event) before it is stored, and a
 *   member's message comes with a `groupTyping` `typing: false`, also
 *   before it is stored, so either way the line goes before the message can
 *   show.
 *
 * The worker sends and shows nothing while the user turned typing indicators
 * off in Settings; the tab then skips its calls too.
 *
 * ```ts
 * const typing = new ChatTyping(getNodeManager(), () => messaging.typing)
 * $effect(() => { typing.open(contactId) })   // or a group's id
 * $effect(() => { typing.draftChanged(chat.draft, chat.draftSent) })
 * $effect(() => () => { typing.reset() })
 * ```
 */
import { untrack } from 'svelte'
import { MAX_MEMBERS } from '@parley/protocol/group/constants'
import { TYPING_REPEAT_MS, TYPING_SHOWN_MS } from '../contract/methods/actions.ts'
import type { ContactId, MessageRow } from '../db/types.ts'
import { handleError } from '../i18n/handle-error.ts'
import type { NodeManager } from './node-manager.svelte.ts'

/** What typing needs of the node. */
export type TypingNode = Pick<NodeManager, 'call' | 'onTyping' | 'onGroupTyping' | 'onMessage'>

/** The chat typing follows: a contact's (its id) or a group's (its group id). */
export type TypingChat = ContactId | string

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

/** Who types in a contact's chat: the contact (never a PeerID). */
const CONTACT = ''

/**
 * Who is typing to us, each shown until TYPING_SHOWN_MS pass without a new
 * signal from them, in the order they began. At most `max` at once (a
 * group's members): a signal beyond that is dropped.
 */
export class Typers {
  readonly #clock: TypingClock
  readonly #max: number
  // timers, not state: nothing renders from this map
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()
  #list = $state.raw<readonly string[]>([])

  constructor (clock: TypingClock = REAL_CLOCK, max = MAX_MEMBERS) {
    this.#clock = clock
    this.#max = max
  }

  /** Who is typing now, in the order they began. */
  get list (): readonly string[] {
    return this.#list
  }

  /** `who` typed: shown (again) for TYPING_SHOWN_MS. */
  show (who: string): void {
    const timer = this.#timers.get(who)
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    else if (this.#timers.size >= this.#max) return
    else this.#list = [...this.#list, who]
    this.#timers.set(who, this.#clock.setTimeout(() => { this.hide(who) }, TYPING_SHOWN_MS))
  }

  /** `who` stopped, or their message arrived. */
  hide (who: string): void {
    const timer = this.#timers.get(who)
    if (timer === undefined) return
    this.#clock.clearTimeout(timer)
    this.#timers.delete(who)
    this.#list = this.#list.filter(w => w !== who)
  }

  /** Nobody is shown. */
  clear (): void {
    for (const timer of this.#timers.values()) this.#clock.clearTimeout(timer)
    this.#timers.clear()
    if (this.#list.length > 0) this.#list = []
  }
}

export class ChatTyping {
  readonly #node: TypingNode
  readonly #enabled: () => boolean
  readonly #clock: TypingClock
  #chat: TypingChat | undefined
  /** when we last told the node "typing" for this chat; undefined while we are not typing */
  #sentAt: number | undefined
  readonly #typers: Typers
  #off: Array<() => void> = []

  constructor (node: TypingNode, enabled: () => boolean = () => true, clock: TypingClock = REAL_CLOCK) {
    this.#node = node
    this.#enabled = enabled
    this.#clock = clock
    this.#typers = new Typers(clock)
  }

  /** Whether someone in the open chat (the contact, or any member of the group) is typing to us now. */
  get theyType (): boolean {
    return this.#typers.list.length > 0
  }

  /** In a group's chat, the members typing to us now (PeerIDs, in the order they began); empty in a contact's. */
  get typers (): readonly string[] {
    return typeof this.#chat === 'string' ? this.#typers.list : []
  }

  /** Follows `chat` (a contact's id or a group's id); another chat than before stops our typing to the old one. Safe in an `$effect`. */
  open (chat: TypingChat): void {
    untrack(() => {
      if (chat === this.#chat) return
      this.#stopTyping()
      this.#typers.clear()
      this.#chat = chat
      if (this.#off.length > 0) return
      this.#off = [
        this.#node.onTyping((event) => {
          if (event.contactId !== this.#chat) return
          if (event.typing) this.#typers.show(CONTACT)
          else this.#typers.hide(CONTACT)
        }),
        this.#node.onGroupTyping((event) => {
          if (event.groupId !== this.#chat) return
          if (event.typing) this.#typers.show(event.peer)
          else this.#typers.hide(event.peer)
        }),
        this.#node.onMessage((event) => {
          // their message arrived: what they typed is here
          if (event.kind === 'received') this.#arrived(event.message)
          if (event.kind === 'stored') for (const message of event.messages) this.#arrived(message)
        })
      ]
    })
  }

  #arrived (message: MessageRow): void {
    if (message.direction !== 'in') return
    if (message.groupId === undefined) {
      if (message.contactId === this.#chat) this.#typers.hide(CONTACT)
    } else if (message.groupId === this.#chat) {
      this.#typers.hide(message.fromPeerId)
    }
  }

  /** The composer's text changed: tell the node we type (throttled), or that we stopped once it is empty (unless it was `sent`: the message says so). */
  draftChanged (draft: string, sent = false): void {
    untrack(() => {
      if (draft === '') {
        if (sent) this.#sentAt = undefined
        else this.#stopTyping()
        return
      }
      const chat = this.#chat
      if (chat === undefined || !this.#enabled()) return
      const now = this.#clock.now()
      if (this.#sentAt !== undefined && now - this.#sentAt < TYPING_REPEAT_MS) return
      this.#sentAt = now
      this.#tell(chat, true)
    })
  }

  #stopTyping (): void {
    const chat = this.#chat
    if (this.#sentAt === undefined || chat === undefined) return
    this.#sentAt = undefined
    this.#tell(chat, false)
  }

  #tell (chat: TypingChat, typing: boolean): void {
    // a lost typing signal is harmless: the next keystroke (or the others' TYPING_SHOWN_MS) settles it
    const told = typeof chat === 'number'
      ? this.#node.call('setTyping', { contactId: chat, typing })
      : this.#node.call('setGroupTyping', { groupId: chat, typing })
    told.catch((err: unknown) => { handleError(err, typeof chat === 'number' ? 'setTyping' : 'setGroupTyping') })
  }

  /** The chat closes: we stop typing (the node is told), nothing is shown, and events are no longer followed. */
  reset (): void {
    this.#stopTyping()
    this.#typers.clear()
    for (const off of this.#off) off()
    this.#off = []
    this.#chat = undefined
  }
}
