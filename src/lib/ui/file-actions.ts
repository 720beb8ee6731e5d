/**
 * What a chat's file cards and its image viewer take (ChatMessage.svelte,
 * ChatLog.svelte); the screen hands them in (state/file-actions.ts gives
 * them).
 */
import type { MessageId } from '../db/types.ts'

/** What the image viewer shows: the message's image as an object URL the log revokes, and its alternative text. */
export interface Viewed {
  id: MessageId
  src: string
  alt: string
}

/** What a chat's file messages can do. */
export interface FileActions {
  cancel: (id: MessageId) => void
  retry: (id: MessageId) => void
  /** the browser's download */
  save: (id: MessageId, name: string) => void
  /** an image full size (the viewer), anything else saved */
  open: (id: MessageId, name: string, mime: string) => void
  /** the file's bytes, disk-backed (a voice message's player) */
  load: (id: MessageId) => Promise<Blob>
}
