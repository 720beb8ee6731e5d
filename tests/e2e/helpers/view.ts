import type { Page } from '@playwright/test'

/**
 * Where a chat's newest message is on screen, measured as a reader sees it:
 * inside the message log's visible area and above the composer (issue 22,
 * "Open where the reader is"). Read in the page, in one go, from the
 * elements' bounding boxes.
 */
export interface NewestPlace {
  /** the newest message's id (the log's last message) */
  id: string
  top: number
  bottom: number
  logTop: number
  logBottom: number
  composerTop: number
  /** the newest message holds a preview image that has loaded (and decoded) */
  imageLoaded: boolean
  /** height of the preview's frame, when the newest message has one */
  frameHeight: number | undefined
  /** what the log keeps in place (its `data-follow`: 'newest' or 'message'), and how it is scrolled */
  follow: string
  scroll: string
}

/** Layout rounding: edges this close count as touching. */
const EDGE_SLACK_PX = 1

/** Whether the newest message is wholly in the log's visible area and above the composer. */
export function fullyVisible (place: NewestPlace): boolean {
  return place.top >= place.logTop - EDGE_SLACK_PX &&
    place.bottom <= place.logBottom + EDGE_SLACK_PX &&
    place.bottom <= place.composerTop + EDGE_SLACK_PX
}

/** Says where the newest message is, for a failure message. */
export function describePlace (place: NewestPlace | undefined): string {
  if (place === undefined) return 'no message shown'
  const { top, bottom, logTop, logBottom, composerTop, follow, scroll } = place
  return `newest message ${Math.round(top)}–${Math.round(bottom)} px, log ${Math.round(logTop)}–${Math.round(logBottom)} px, composer from ${Math.round(composerTop)} px (the log keeps ${follow}, scrolled ${scroll})`
}

/**
 * The in-page reader of the newest message's place. A function declared in
 * the page by `startWatchingNewest`, so that one frame's sample and a single
 * reading are the same code.
 */
const READ_NEWEST = `(() => {
  const log = document.querySelector('[role="log"]')
  const composer = document.getElementById('chat-message')?.closest('form')
  if (log == null || composer == null) return undefined
  const items = log.querySelectorAll('li.message')
  const last = items[items.length - 1]
  if (last === undefined) return undefined
  const box = last.getBoundingClientRect()
  const logBox = log.getBoundingClientRect()
  const img = last.querySelector('img[data-testid="file-thumb"]')
  const frame = last.querySelector('[data-testid="file-thumb-frame"]')
  return {
    id: last.dataset.messageId ?? '',
    top: box.top,
    bottom: box.bottom,
    logTop: logBox.top,
    logBottom: logBox.bottom,
    composerTop: composer.getBoundingClientRect().top,
    imageLoaded: img !== null && img.complete && img.naturalWidth > 0 && img.dataset.decoded === 'yes',
    frameHeight: frame === null ? undefined : frame.getBoundingClientRect().height,
    follow: log.dataset.follow ?? 'nothing yet',
    scroll: Math.round(log.scrollTop) + ' of ' + Math.round(log.scrollHeight - log.clientHeight) + ' px'
  }
})`

/** Where the newest message is now (undefined when the chat shows none). */
export async function newestPlace (page: Page): Promise<NewestPlace | undefined> {
  return page.evaluate(`${READ_NEWEST}()`)
}

/** Most frames one watch records. */
const MAX_SAMPLES = 3000

/**
 * Starts recording where the newest message is in every frame, after the
 * frame is painted (a task queued from requestAnimationFrame runs after the
 * frame's layout, resize observers and paint). Also marks a preview image
 * `data-decoded="yes"` once `decode()` resolved, so a sample can tell a
 * loaded image from one still being decoded.
 */
export async function startWatchingNewest (page: Page): Promise<void> {
  await page.evaluate(`(() => {
    const read = ${READ_NEWEST}
    const watch = { samples: [], running: true }
    window.__newestWatch = watch
    const decodeImages = () => {
      for (const img of document.querySelectorAll('img[data-testid="file-thumb"]:not([data-decoding])')) {
        img.dataset.decoding = 'yes'
        img.decode().then(() => { img.dataset.decoded = 'yes' }, () => { img.dataset.decoded = 'failed' })
      }
    }
    const frame = () => {
      if (!watch.running) return
      requestAnimationFrame(() => setTimeout(() => {
        decodeImages()
        const place = read()
        if (place !== undefined && watch.samples.length < ${MAX_SAMPLES}) watch.samples.push(place)
        frame()
      }, 0))
    }
    frame()
  })()`)
}

/** Stops the recording and returns every frame's sample. */
export async function stopWatchingNewest (page: Page): Promise<NewestPlace[]> {
  return page.evaluate(`(() => {
    const watch = window.__newestWatch
    if (watch === undefined) return []
    watch.running = false
    return watch.samples
  })()`)
}

/** The frames recorded so far (the watch goes on). */
export async function watchedSoFar (page: Page): Promise<NewestPlace[]> {
  return page.evaluate('window.__newestWatch?.samples ?? []')
}
