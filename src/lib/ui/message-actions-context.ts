/**
 * How a bubble (MessageBubble.svelte and its parts) reaches the chat's
 * message actions without every screen passing them down: the chat screen
 * sets them (state/message-actions.svelte.ts's manager fits `actions`), a
 * bubble outside a chat (none today) simply has no menu.
 */
import { getContext, setContext } from 'svelte'
import type { MessageId, MessageRow } from '../db/types.ts'

const KEY = Symbol('message-actions')

/** What a bubble can do with its message: the menu, reactions, its quote's original. */
export interface BubbleActions {
  /** the menu open now, if any (its button shows it expanded) */
  readonly menu: { readonly message: Pick<MessageRow, 'id'> } | undefined
  /** opens the menu on `message` at a point (a pointer, or under its button) */
  openMenu: (message: MessageRow, at: { x: number, y: number }) => void
  /** whether a reaction (its author's PeerID) is ours */
  isMine: (from: string) => boolean
  /** reacts with `emoji` (ours again takes it back) */
  react: (message: MessageRow, emoji: string) => Promise<void>
  /** shows a message of this chat (a quote's original) */
  jumpTo: (id: MessageId) => void
}

/** What the bubbles need: the actions, how quotes name the contact (or a group's members), and the quoted originals. */
export interface MessageActionsContext {
  actions: BubbleActions
  /** the contact's name (the author of their messages in quotes) */
  readonly contactName: string
  /** in a group: a member's name by PeerID (authors in quotes, recipients in a message's Info) */
  readonly nameOf?: (peer: string) => string
  /** a reply's original: its row; null when it is gone (deleted here, disappeared, never arrived); undefined until read */
  readonly quote: (id: MessageId) => MessageRow | null | undefined
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
