/**
 * What the message actions allow on a row, and how a row reads as a quote or
 * as reaction counts: pure functions of the stored row (db/types.ts), shared
 * by the actions manager (message-actions.svelte.ts) and the bubble's parts.
 * The worker checks the same windows again (db/events.ts `refusal`); these
 * only decide what the menu offers.
 */
import { DELETE_WINDOW_MS, EDIT_WINDOW_MS } from '@parley/protocol/chat/constants'
import { isLocalEntry } from './local-entries.ts'
import type { MessageRow, Reaction } from '../contract/rows.ts'

/** The menu's items, in the order it shows them. */
export type MessageAction = 'reply' | 'react' | 'copy' | 'edit' | 'delete' | 'info'

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

/** The menu for `row`: a deleted message can only be deleted here or looked into; a call or notice in the chat only deleted here. */
export function menuActions (row: MessageRow, now: number): MessageAction[] {
  if (isLocalEntry(row)) return ['delete']
  if (row.deleted !== undefined) return ['delete', 'info']
  const actions: MessageAction[] = ['reply', 'react']
  if (row.body.trim() !== '') actions.push('copy')
  if (canEdit(row, now)) actions.push('edit')
  actions.push('delete', 'info')
  return actions
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
