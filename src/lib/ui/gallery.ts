/**
 * The chat's photos as the image viewer pages through them (ChatLog.svelte,
 * ImageViewer.svelte): which messages count as photos, and which one is
 * before or after the one shown. Pure, so the rules are tested without a
 * browser.
 */
import type { MessageId, MessageRow } from '../db/types.ts'

/** A photo: an image its sender sent with a preview (the bubble shows it as a picture), not deleted. */
export function isPhoto (message: MessageRow): boolean {
  const file = message.file
  return message.kind === 'file' && file !== undefined && file.voice === undefined && file.thumb !== undefined && file.thumbMime !== undefined && message.deleted === undefined
}

/** The photos before and after `current` among `photos` (the log's order: older first); none past either end. */
export interface Neighbours {
  previous: MessageId | undefined
  next: MessageId | undefined
}

/** Where `current` stands among `photos`: its neighbours, or none when it is not among them (deleted while shown). */
export function neighbours (photos: readonly Pick<MessageRow, 'id'>[], current: MessageId): Neighbours {
  const at = photos.findIndex((photo) => photo.id === current)
  if (at < 0) return { previous: undefined, next: undefined }
  return { previous: photos[at - 1]?.id, next: photos[at + 1]?.id }
}

/** Smallest horizontal travel, in CSS pixels, that makes a touch on the image a swipe. */
export const SWIPE_MIN_PX = 48

/**
 * Which way a touch from (x0, y0) to (x1, y1) pages: a swipe to the left
 * shows the next photo, to the right the previous one; a short or mostly
 * vertical move is no swipe.
 */
export function swipeStep (x0: number, y0: number, x1: number, y1: number): -1 | 0 | 1 {
  const dx = x1 - x0
  const dy = y1 - y0
  if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dx) <= Math.abs(dy)) return 0
  return dx < 0 ? 1 : -1
}
