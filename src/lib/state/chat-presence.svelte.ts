/**
 * The open chat's presence features, wired to the screen: typing both ways
 * (typing.svelte.ts; in a group, each member who types), read
 * marks for the received messages on screen (read-watch.ts,
 * read-batcher.ts: markRead, or markGroupRead in a group), and hiding
 * messages whose time is up (expiry-clock.svelte.ts). Read receipts and typing indicators follow the
 * device's settings (messaging-settings.svelte.ts); the screen hands the
 * read-receipts setting (`readReceipts`) to the bubbles.
 *
 * Create it during the chat screen's initialisation, with getters for what
 * it follows:
 *
 * ```ts
 * const presence = new ChatPresence(node, () => contactId, () => chat, () => chat.shown, () => log)
 * const shown = $derived(presence.unexpired(chat.shown))
 * ```
 */
import type { ContactId, MessageId, MessageRow } from '../db/types.ts'
import type { ChatRef } from './chat-scope.ts'
import { ExpiryClock, unexpired } from './expiry-clock.svelte.ts'
import { getMessagingSettings, type MessagingSettings } from './messaging-settings.svelte.ts'
import type { NodeManager } from './node-manager.svelte.ts'
import { ReadBatcher } from './read-batcher.ts'
import { watchReads } from './read-watch.ts'
import { ChatTyping } from './typing.svelte.ts'

export type PresenceNode = Pick<NodeManager, 'call' | 'onTyping' | 'onGroupTyping' | 'onMessage'>

export class ChatPresence {
  readonly #typing: ChatTyping
  readonly #clock: ExpiryClock
  readonly #settings: Pick<MessagingSettings, 'readReceipts' | 'typing'>

  constructor (
    node: PresenceNode,
    /** the chat: a contact's id, or a group's chat */
    chat: () => ContactId | ChatRef,
    /** the composer: its draft, and whether it is empty because it was just sent */
    composer: () => { draft: string, draftSent: boolean },
    rows: () => readonly MessageRow[],
    log: () => HTMLElement | null,
    settings: Pick<MessagingSettings, 'readReceipts' | 'typing'> = getMessagingSettings()
  ) {
    this.#settings = settings
    const typing = new ChatTyping(node, () => settings.typing)
    this.#typing = typing
    // a contact's chat is keyed by its id, a group's by its group id
    const reads = new ReadBatcher<ContactId | string>(async (id, ids) => typeof id === 'number'
      ? node.call('markRead', { contactId: id, ids })
      : node.call('markGroupRead', { groupId: id, ids }))
    this.#clock = new ExpiryClock(rows)

    const key = (): ContactId | string => {
      const ref = chat()
      return typeof ref === 'number' ? ref : ref.kind === 'contact' ? ref.contactId : ref.groupId
    }
    $effect(() => { typing.open(key()) })
    $effect(() => {
      const { draft, draftSent } = composer()
      typing.draftChanged(draft, draftSent)
    })
    // the received messages on screen are read; watched afresh as the list changes
    $effect(() => {
      const element = log()
      const id = key()
      void rows()
      if (element === null) return
      return watchReads(element, (messageId) => { reads.add(id, messageId as MessageId) })
    })
    $effect(() => () => {
      typing.reset()
      reads.close()
    })
  }

  /** Read receipts are on on this device: ours show 'read' (off: neither sent nor shown). */
  get readReceipts (): boolean {
    return this.#settings.readReceipts
  }

  /** The contact (in a group, any member) is typing to us now. */
  get theyType (): boolean {
    return this.#typing.theyType
  }

  /** In a group, the members typing to us now: PeerIDs, in the order they began. */
  get typers (): readonly string[] {
    return this.#typing.typers
  }

  /** `rows` without the messages whose time is up (the worker removes them within seconds). */
  unexpired (rows: readonly MessageRow[]): readonly MessageRow[] {
    return unexpired(rows, this.#clock.now)
  }
}
