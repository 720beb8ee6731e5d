/**
 * The message actions of `/parley/chat/1.1.0` (docs/protocols.md, "Message
 * actions"): frames that change what an earlier message shows (reaction,
 * edit, delete), say it was read, set the chat's disappearing-messages
 * timer, or say the dialer is typing. Each carries its own ULID `id`; each
 * kind's fields and checks are described once, in ACTIONS.
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
/** The actions a receiver stores and applies (every one but typing, which is only shown). */
export type ChatEventFrame = Exclude<ChatActionFrame, ChatTypingFrame>
export type ChatEventType = ChatEventFrame['type']

/** What the wire says of one kind of action. */
export interface ActionWire<F extends ChatActionFrame> {
  /** Every field its frame has, in the order they are encoded. */
  readonly fields: readonly string[]
  /** Reads and checks the frame's fields after `type` and `id` (and nothing else: decodeAction checked the keys against `fields`). */
  readonly decode: (obj: Record<string, unknown>, id: string) => F
}

/** `id` and the checked `sentAt` of a frame that has one. */
function stamped (obj: Record<string, unknown>, id: string): { id: string, sentAt: number } {
  return { id, sentAt: sentAtField(obj) }
}

/**
 * The action kinds of chat 1.1.0, each described once: its fields and how
 * they are checked (docs/protocols.md, "Message actions"). The codec's
 * lists and decoder read this table; what the app does with each kind is
 * its own table (src/lib/db/event-kinds.ts).
 */
export const ACTIONS: { readonly [K in ChatActionType]: ActionWire<Extract<ChatActionFrame, { type: K }>> } = {
  reaction: {
    fields: ['type', 'id', 'sentAt', 'target', 'emoji'],
    decode: (obj, id) => {
      const head = stamped(obj, id)
      const target = ulidField(obj, 'target')
      const emoji = textField(obj, 'emoji', 0, MAX_EMOJI_BYTES)
      if (emoji !== '' && !isReactionEmoji(emoji)) throw invalid(`"emoji" must be one emoji or "", got ${describe(emoji)}`)
      return { type: 'reaction', ...head, target, emoji }
    }
  },
  edit: {
    fields: ['type', 'id', 'sentAt', 'target', 'text'],
    decode: (obj, id) => ({ type: 'edit', ...stamped(obj, id), target: ulidField(obj, 'target'), text: textField(obj, 'text', 1, MAX_TEXT_BYTES) })
  },
  delete: {
    fields: ['type', 'id', 'sentAt', 'target'],
    decode: (obj, id) => ({ type: 'delete', ...stamped(obj, id), target: ulidField(obj, 'target') })
  },
  read: {
    fields: ['type', 'id', 'sentAt', 'targets'],
    decode: (obj, id) => {
      const head = stamped(obj, id)
      const targets = obj.targets
      if (!Array.isArray(targets) || targets.length < 1 || targets.length > MAX_READ_TARGETS ||
        !targets.every((t): t is string => typeof t === 'string' && ULID_PATTERN.test(t)) || new Set(targets).size !== targets.length) {
        throw invalid(`"targets" must be 1..${MAX_READ_TARGETS} distinct ULIDs, got ${describe(targets)}`)
      }
      return { type: 'read', ...head, targets }
    }
  },
  timer: {
    fields: ['type', 'id', 'sentAt', 'ttl'],
    decode: (obj, id) => {
      const head = stamped(obj, id)
      const ttl = obj.ttl
      if (typeof ttl !== 'number' || (ttl !== 0 && !MESSAGE_TTLS.includes(ttl))) {
        throw invalid(`"ttl" must be 0 or one of ${MESSAGE_TTLS.join(', ')} seconds, got ${describe(ttl)}`)
      }
      return { type: 'timer', ...head, ttl }
    }
  },
  typing: {
    fields: ['type', 'id', 'typing'],
    decode: (obj, id) => {
      if (typeof obj.typing !== 'boolean') throw invalid(`"typing" must be true or false, got ${describe(obj.typing)}`)
      return { type: 'typing', id, typing: obj.typing }
    }
  }
}

export function isActionType (type: unknown): type is ChatActionType {
  return typeof type === 'string' && Object.hasOwn(ACTIONS, type)
}

/** Pictographs, flags, keycaps and their modifiers: what one reaction may be made of. */
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Emoji_Presentation}|\u200D|\uFE0F|\u20E3)+$/u
const EMOJI_BASE = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20E3/u

// pure: a bundle that imports this module but checks no emoji leaves it out
const graphemes = /* @__PURE__ */ new Intl.Segmenter('en', { granularity: 'grapheme' })

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

/** Validates an action frame: its keys against its kind's fields, its `id`, then what its kind says. */
export function decodeAction (type: ChatActionType, obj: Record<string, unknown>): ChatActionFrame {
  const action: ActionWire<ChatActionFrame> = ACTIONS[type]
  onlyFields(obj, action.fields, `a "${type}" frame`)
  return action.decode(obj, ulidField(obj, 'id'))
}
