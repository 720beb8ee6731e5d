/**
 * How a bubble (MessageBubble.svelte) reaches the chat's message actions
 * without every screen passing them down: the Chat screen sets them, a
 * bubble outside a chat (none today) simply has no menu.
 */
import { getContext, setContext } from 'svelte'
import type { MessageActionsManager } from '../state/message-actions.svelte.ts'

const KEY = Symbol('message-actions')

/** What the bubbles need: the actions, and how quotes name the contact. */
export interface MessageActionsContext {
  actions: MessageActionsManager
  /** the contact's name (the author of their messages in quotes) */
  readonly contactName: string
}

export function setMessageActions (context: MessageActionsContext): void {
  setContext(KEY, context)
}

export function getMessageActions (): MessageActionsContext | undefined {
  return getContext<MessageActionsContext | undefined>(KEY)
}
