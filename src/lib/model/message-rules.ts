/**
 * What the message actions allow on a row, and how a row reads as a quote or
 * as reaction counts: pure functions of the stored row (db/types.ts), shared
 * by the actions manager (message-actions.svelte.ts) and the bubble's parts;
 * and the menu's items and the bubble's marks, each described once.
 * The worker checks the same windows again (db/events.ts `refusal`); these
 * only decide what the menu offers.
 */
import { DELETE_WINDOW_MS, EDIT_WINDOW_MS } from '@parley/protocol/chat/constants'
import { isLocalEntry } from './local-entries.ts'
import type { NodeMethod, NodeParams } from '../contract/index.ts'
import type { MessageRow, Reaction } from '../contract/rows.ts'

/** The reactions offered at once; any other emoji can be typed. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🙏'] as const

/** Longest first line a quote shows, in characters (the rest is cut with an ellipsis). */
export const QUOTE_CHARS = 120

/** Our text message, not deleted, younger than the edit window (by our clock, as we stamped it). */
export function canEdit (row: MessageRow, now: number): boolean {
  return row.direction === 'out' && row.kind === 'text' && row.deleted === undefined && now - row.sentAt <= EDIT_WINDOW_MS
}

/** Our message, not deleted yet, younger than the delete window (a call or notice kept in the chat is ours alone: never). */
export function canDeleteForEveryone (row: MessageRow, now: number): boolean {
  return row.direction === 'out' && !isLocalEntry(row) && row.deleted === undefined && now - row.sentAt <= DELETE_WINDOW_MS
}

/**
 * One item of a message's menu (its words are `actions.<item>`):
 * - `does`: 'dialog' opens its dialog about the message (focus comes back
 *   when it closes); 'composer' puts the message in the composer (focus
 *   goes there); 'here' is done in the tab at once, and 'call' is one call
 *   to the node (focus goes back to where it was);
 * - `offered`: whether a message that is neither deleted nor a call or
 *   notice kept in the chat offers it (always, when absent); `onDeleted`,
 *   `onLocal`: offered on a message deleted for everyone, on a call or notice;
 * - `danger`: it shows as a destructive item.
 */
export type MenuItem = {
  offered?: (row: MessageRow, now: number) => boolean
  onDeleted?: true
  onLocal?: true
  danger?: true
} & ({ does: 'dialog' | 'composer' | 'here' } | { does: 'call', call: (row: MessageRow) => NodeCall })

/** One call to the node, its method with its parameters. */
export type NodeCall = { [M in NodeMethod]: { method: M, params: NodeParams<M> } }[NodeMethod]

/**
 * The menu's items, in the order it shows them, each described once: the
 * actions manager (state/message-actions.svelte.ts `choose`), the menu
 * (ui/MessageMenu.svelte) and the layer that gives focus back
 * (ui/MessageActionsLayer.svelte) read this table.
 */
export const MENU_ITEMS = {
  reply: { does: 'composer' },
  react: { does: 'dialog' },
  copy: { does: 'here', offered: (row) => row.body.trim() !== '' },
  edit: { does: 'composer', offered: canEdit },
  delete: { does: 'dialog', onDeleted: true, onLocal: true, danger: true },
  info: { does: 'dialog', onDeleted: true }
} satisfies Record<string, MenuItem>

export type MessageAction = keyof typeof MENU_ITEMS
type ItemsThat<D extends MenuItem['does']> = { [A in MessageAction]: (typeof MENU_ITEMS)[A] extends { does: D } ? A : never }[MessageAction]
/** The items that open a dialog about the message (react, delete, info). */
export type DialogAction = ItemsThat<'dialog'>
/** The items the actions manager does itself: in the composer (reply, edit) or at once (copy). */
export type OwnAction = ItemsThat<'composer' | 'here'>

const MENU_ORDER = Object.keys(MENU_ITEMS) as MessageAction[]

/** What choosing `action` does (MENU_ITEMS). */
export function menuItem (action: MessageAction): MenuItem {
  return MENU_ITEMS[action]
}

export function isDialogAction (action: MessageAction): action is DialogAction {
  return menuItem(action).does === 'dialog'
}

export function isOwnAction (action: MessageAction): action is OwnAction {
  const { does } = menuItem(action)
  return does === 'composer' || does === 'here'
}

/** The menu for `row`: a deleted message can only be deleted here or looked into; a call or notice in the chat only deleted here. */
export function menuActions (row: MessageRow, now: number): MessageAction[] {
  const local = isLocalEntry(row)
  const deleted = row.deleted !== undefined
  return MENU_ORDER.filter((action) => {
    const item = menuItem(action)
    if (local) return item.onLocal === true
    if (deleted) return item.onDeleted === true
    return item.offered?.(row, now) ?? true
  })
}

/**
 * The words after a message's time that say what was done to it, in the
 * order they show (the bubble words each as `actions.<mark>`).
 */
export const MESSAGE_MARKS = {
  edited: (row) => row.edit !== undefined && row.deleted === undefined
} satisfies Record<string, (row: MessageRow) => boolean>

export type MessageMark = keyof typeof MESSAGE_MARKS

/** The marks `row` shows. */
export function messageMarks (row: MessageRow): MessageMark[] {
  return (Object.keys(MESSAGE_MARKS) as MessageMark[]).filter(mark => MESSAGE_MARKS[mark](row))
}

/** One chip under a bubble: an emoji, how many gave it, whether we are among them. */
export interface ReactionChip {
  emoji: string
  count: number
  mine: boolean
}

/**
 * The chips of `reactions` (taken-back ones, `emoji: ''`, left out), in the
 * order each emoji was first given; `isMine` tells our own reactions.
 */
export function reactionChips (reactions: readonly Reaction[] | undefined, isMine: (from: string) => boolean): ReactionChip[] {
  const chips = new Map<string, ReactionChip>()
  const given = [...(reactions ?? [])].filter(r => r.emoji !== '').sort((a, b) => a.sentAt - b.sentAt || (a.id < b.id ? -1 : 1))
  for (const reaction of given) {
    const chip = chips.get(reaction.emoji) ?? { emoji: reaction.emoji, count: 0, mine: false }
    chip.count++
    chip.mine ||= isMine(reaction.from)
    chips.set(reaction.emoji, chip)
  }
  return [...chips.values()]
}

/** Our current reaction to a message ('' for none). */
export function myReaction (reactions: readonly Reaction[] | undefined, isMine: (from: string) => boolean): string {
  return reactions?.find(r => isMine(r.from))?.emoji ?? ''
}

/** What choosing `chosen` sends when our reaction is `current`: the same one again takes it back (''). */
export function nextReaction (current: string, chosen: string): string {
  return chosen === current ? '' : chosen
}

/** How a quoted message reads: its first line, its file's name, a voice message, or deleted. */
export type QuoteText =
  | { kind: 'text', text: string }
  | { kind: 'file', name: string, image: boolean }
  | { kind: 'voice' }
  | { kind: 'deleted' }

/** The first non-blank line of `text`, cut to `max` characters (an ellipsis marks the cut). */
export function firstLine (text: string, max = QUOTE_CHARS): string {
  const line = text.split('\n').map(l => l.trim()).find(l => l !== '') ?? ''
  const chars = [...line]
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : line
}

export function quoteText (row: MessageRow): QuoteText {
  if (row.deleted !== undefined) return { kind: 'deleted' }
  const file = row.file
  if (file === undefined) return { kind: 'text', text: firstLine(row.body) }
  if (file.voice !== undefined) return { kind: 'voice' }
  return { kind: 'file', name: file.name, image: file.thumb !== undefined }
}

/** The times the Info dialog lists; undefined where the message has not got there (or we cannot know). */
export interface MessageTimes {
  sent: number
  /** incoming: when it reached this device */
  received?: number
  read?: number
  /** outgoing: it reached the contact (the time is not recorded, only the state) */
  delivered: boolean
}

export function messageTimes (row: MessageRow): MessageTimes {
  const delivered = row.direction === 'in' || row.state === 'delivered' || row.state === 'read'
  return {
    sent: row.sentAt,
    ...(row.receivedAt === undefined ? {} : { received: row.receivedAt }),
    ...(row.readAt === undefined ? {} : { read: row.readAt }),
    delivered
  }
}
