/**
 * Which received messages have been read: a message counts as read once at
 * least half of it (or, for one taller than twice the log, half the log's
 * height) has been inside the message log while the tab was visible
 * (`document.visibilityState === 'visible'`). Watches the log's unread
 * incoming messages (`li.message[data-direction="in"][data-state="delivered"]`,
 * MessageBubble's attributes) and reports each id through `onread`; the
 * caller batches them (state/read-batcher.ts). Call it again when the list
 * changes (it observes the elements there at the time).
 */

/** How much of a message must have been on screen for it to count as read. */
export const READ_VISIBLE_RATIO = 0.5

const UNREAD_INCOMING = 'li.message[data-direction="in"][data-state="delivered"]'

/** Starts watching `log`'s unread incoming messages; returns the function that stops. */
export function watchReads (log: HTMLElement, onread: (id: string) => void): () => void {
  /** ids of the messages enough of which is in view now */
  const inView = new Set<string>()
  const visible = (): boolean => document.visibilityState === 'visible'

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      const id = (entry.target as HTMLElement).dataset['messageId']
      if (id === undefined) continue
      const rootHeight = entry.rootBounds?.height ?? Infinity
      const enough = entry.isIntersecting &&
        (entry.intersectionRatio >= READ_VISIBLE_RATIO || entry.intersectionRect.height >= rootHeight * READ_VISIBLE_RATIO)
      if (!enough) {
        inView.delete(id)
        continue
      }
      if (visible()) {
        observer.unobserve(entry.target)
        onread(id)
      } else {
        inView.add(id)
      }
    }
  }, { root: log, threshold: [0, 0.25, READ_VISIBLE_RATIO, 0.75, 1] })

  function onvisibility (): void {
    if (!visible()) return
    for (const id of inView) onread(id)
    inView.clear()
  }

  for (const element of log.querySelectorAll(UNREAD_INCOMING)) observer.observe(element)
  document.addEventListener('visibilitychange', onvisibility)
  return () => {
    observer.disconnect()
    document.removeEventListener('visibilitychange', onvisibility)
  }
}
