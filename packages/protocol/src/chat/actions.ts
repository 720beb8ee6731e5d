/**
 * The message actions of `/parley/chat/1.1.0` (docs/protocols.md, "Message
 * actions"): frames that change what an earlier message shows (reaction,
 * edit, delete), say it was read, set the chat's disappearing-messages
 * timer, or say the dialer is typing. Each carries its own ULID `id`.
 */
import { describe, invalid, onlyFields, sentAtField, textField, ulidField, ULID_PATTERN } from './checks.ts'
import { MAX_EMOJI_BYTES, MAX_READ_TARGETS, MAX_TEXT_BYTES, MESSAGE_TTLS } from './constants.ts'

/** Reacts to `target` with `emoji`, replacing the dialer's earlier reaction to it; '' takes it back. */
export interface ChatReactionFrame { type: 'reaction', id: string, sentAt: number, target: string, emoji: string }
/** Replaces the text of `target`, a text message the dialer sent, within EDIT_WINDOW_MS of its `sentAt`. */
export interface ChatEditFrame { type: 'edit', id: string, sentAt: number, target: string, text: string }
/** Deletes `target`, a message the dialer sent, for everyone, within DELETE_WINDOW_MS of its `sentAt`. */
export interface ChatDeleteFrame { type: 'delete', id: string, sentAt: number, target: string }
/** The dialer's user has seen these messages the listener sent. */
export interface ChatReadFrame { type: 'read', id: string, sentAt: number, targets: string[] }
/** Sets the chat's disappearing-messages timer: seconds, 0 = off. */
export interface ChatTimerFrame { type: 'timer', id: string, sentAt: number, ttl: number }
/** The dialer's user started or stopped typing. Never stored, never put in a mailbox. */
export interface ChatTypingFrame { type: 'typing', id: string, typing: boolean }

export type ChatActionFrame = ChatReactionFrame | ChatEditFrame | ChatDeleteFrame | ChatReadFrame | ChatTimerFrame | ChatTypingFrame
export type ChatActionType = ChatActionFrame['type']

export const ACTION_FIELDS: Record<ChatActionType, readonly string[]> = {
  reaction: ['type', 'id', 'sentAt', 'target', 'emoji'],
  edit: ['type', 'id', 'sentAt', 'target', 'text'],
  delete: ['type', 'id', 'sentAt', 'target'],
  read: ['type', 'id', 'sentAt', 'targets'],
  timer: ['type', 'id', 'sentAt', 'ttl'],
  typing: ['type', 'id', 'typing']
}

export const ACTION_TYPES = Object.keys(ACTION_FIELDS) as ChatActionType[]

export function isActionType (type: unknown): type is ChatActionType {
  return typeof type === 'string' && (ACTION_TYPES as string[]).includes(type)
}

/** Pictographs, flags, keycaps and their modifiers: what one reaction may be made of. */
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Emoji_Presentation}|\u200D|\uFE0F|\u20E3)+$/u
const EMOJI_BASE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' })

/**
 * Whether `text` is an emoji a reaction may carry (docs/protocols.md): one
 * grapheme cluster of 1..MAX_EMOJI_BYTES made of emoji characters only.
 */
export function isReactionEmoji (text: string): boolean {
  if (!EMOJI_PARTS.test(text) || !EMOJI_BASE.test(text) || new TextEncoder().encode(text).byteLength > MAX_EMOJI_BYTES) return false
  let count = 0
  for (const _ of graphemes.segment(text)) if (++count > 1) return false
  return count === 1
}

/** Validates an action frame whose keys were already checked against ACTION_FIELDS. */
export function decodeAction (type: ChatActionType, obj: Record<string, unknown>): ChatActionFrame {
  onlyFields(obj, ACTION_FIELDS[type], `a "${type}" frame`)
  const id = ulidField(obj, 'id')
  if (type === 'typing') {
    if (typeof obj.typing !== 'boolean') throw invalid(`"typing" must be true or false, got ${describe(obj.typing)}`)
    return { type, id, typing: obj.typing }
  }
  const sentAt = sentAtField(obj)
  switch (type) {
    case 'reaction': {
      const target = ulidField(obj, 'target')
      const emoji = textField(obj, 'emoji', 0, MAX_EMOJI_BYTES)
      if (emoji !== '' && !isReactionEmoji(emoji)) throw invalid(`"emoji" must be one emoji or "", got ${describe(emoji)}`)
      return { type, id, sentAt, target, emoji }
    }
    case 'edit':
      return { type, id, sentAt, target: ulidField(obj, 'target'), text: textField(obj, 'text', 1, MAX_TEXT_BYTES) }
    case 'delete':
      return { type, id, sentAt, target: ulidField(obj, 'target') }
    case 'read': {
      const targets = obj.targets
      if (!Array.isArray(targets) || targets.length < 1 || targets.length > MAX_READ_TARGETS ||
        !targets.every((t): t is string => typeof t === 'string' && ULID_PATTERN.test(t)) || new Set(targets).size !== targets.length) {
        throw invalid(`"targets" must be 1..${MAX_READ_TARGETS} distinct ULIDs, got ${describe(targets)}`)
      }
      return { type, id, sentAt, targets }
    }
    case 'timer': {
      const ttl = obj.ttl
      if (typeof ttl !== 'number' || (ttl !== 0 && !MESSAGE_TTLS.includes(ttl))) {
        throw invalid(`"ttl" must be 0 or one of ${MESSAGE_TTLS.join(', ')} seconds, got ${describe(ttl)}`)
      }
      return { type, id, sentAt, ttl }
    }
  }
}
