/**
 * What a chat's last message says in the chats list, as Signal's list says
 * it: a voice message is "🎤 Voice message 0:03", a photo "📷 Photo" (or its
 * caption), another file its name, a message deleted for everyone "You
 * deleted a message" (ours) or "This message was deleted" (theirs), on both
 * sides alike. This module decides which; the row (ui/ChatRow.svelte) words it.
 */
import type { CallRecord, MessageDirection, MessageRow, NoticeKind } from '../db/types.ts'

/** The last message of a chat as its row shows it. */
export type ChatPreview =
  | { kind: 'text', body: string }
  | { kind: 'voice', durationMs: number }
  /** an image sent with a preview (the chat shows it as a photo); `caption` '' for none */
  | { kind: 'photo', caption: string }
  /** any other file; `caption` '' for none */
  | { kind: 'file', name: string, caption: string }
  /** deleted for everyone by its author: ours or theirs */
  | { kind: 'deleted', mine: boolean }
  | { kind: 'call', call: CallRecord, direction: MessageDirection }
  | { kind: 'notice', notice: NoticeKind }

/** The preview and whether the row puts its author before it ("You:", a group member's name). */
export interface PreviewLine {
  preview: ChatPreview
  /** false where the words already say who (a deleted message, a call, a notice) */
  byline: boolean
}

/** The preview of `message`; `mine` says whether we wrote it (a group's own messages may come back 'in'). */
export function chatPreview (message: MessageRow, mine: boolean = message.direction === 'out'): PreviewLine {
  if (message.deleted !== undefined) return { preview: { kind: 'deleted', mine }, byline: false }
  if (message.call !== undefined) return { preview: { kind: 'call', call: message.call, direction: message.direction }, byline: false }
  if (message.notice !== undefined) return { preview: { kind: 'notice', notice: message.notice }, byline: false }
  const caption = message.body.trim()
  const file = message.file
  if (message.kind !== 'file' || file === undefined) return { preview: { kind: 'text', body: message.body }, byline: true }
  if (file.voice !== undefined) return { preview: { kind: 'voice', durationMs: file.voice.durationMs }, byline: true }
  if (file.thumb !== undefined && file.thumbMime !== undefined) return { preview: { kind: 'photo', caption }, byline: true }
  return { preview: { kind: 'file', name: file.name, caption }, byline: true }
}
