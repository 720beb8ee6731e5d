/**
 * When a message is long enough to be shown folded (MessageBubble.svelte):
 * a 4,000-character message in full would fill several screens of a phone
 * and push the rest of the chat away. Folded, it shows its first
 * FOLDED_LINES lines and a "Show more" button; all of the text stays in the
 * page (screen readers, find in page and copying get it whole).
 */

/** Lines a folded message shows. */
export const FOLDED_LINES = 12
/** A message longer than this many characters is folded, however its lines break. */
export const FOLD_OVER_CHARS = 1000

/** Whether `text` is shown folded at first: over FOLD_OVER_CHARS characters, or more than FOLDED_LINES lines. */
export function isLongText (text: string): boolean {
  if (text.length > FOLD_OVER_CHARS) return true
  let lines = 1
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
    if (++lines > FOLDED_LINES) return true
  }
  return false
}
