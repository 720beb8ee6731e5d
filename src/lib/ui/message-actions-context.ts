/**
 * How a bubble (MessageBubble.svelte) reaches the chat's message actions
 * without every screen passing them down: the Chat screen sets them, a
 * bubble outside a chat (none today) simply has no menu.
 */
import { getContext, setContext } from 'svelte'
import type { MessageActionsManager } from '../state/message-actions.svelte.ts'

const KEY = Symbol('message-actions')

/** What the bubbles need: the actions, and how quotes name the contact (or a group's members). */
export interface MessageActionsContext {
  actions: MessageActionsManager
  /** the contact's name (the author of their messages in quotes) */
  readonly contactName: string
  /** in a group: a member's name by PeerID (authors in quotes, recipients in a message's Info) */
  readonly nameOf?: (peer: string) => string
}

/** How the chat names the author of `message` (not ours: ours say "You"). */
export function authorName (context: MessageActionsContext | undefined, fromPeerId: string): string {
  return context?.nameOf?.(fromPeerId) ?? context?.contactName ?? ''
}

export function setMessageActions (context: MessageActionsContext): void {
  setContext(KEY, context)
}

export function getMessageActions (): MessageActionsContext | undefined {
  return getContext<MessageActionsContext | undefined>(KEY)
}
