/**
 * What the pages and the service worker (src/sw.ts) say to each other, and
 * the share target's address (also in the manifest, scripts/lib/pwa-manifest.ts).
 */

/** Where the share sheet posts its multipart form; the service worker answers it. */
export const SHARE_TARGET_ACTION = '/share-target'

/** Page → service worker: activate the waiting version now (workbox-window sends this). */
export const SKIP_WAITING_MESSAGE = 'SKIP_WAITING'

/** Service worker → page: show this in-app href (a notification was clicked). */
export const NAVIGATE_MESSAGE = 'parley:navigate'

/** The one tag of the notification a relay's Web Push shows (push-notice.ts): a newer one replaces the older, a page on screen closes it. */
export const PUSH_TAG = 'parley-push'

/** What a Parley notification carries: the screen its click opens. */
export interface NotificationData {
  /** an in-app hash route: '#/' or '#/chat/<id>' */
  href: string
}

/** The hrefs a notification (or the worker's message) may open: the chats list, a chat or a group's chat. */
const SAFE_HREF = /^#\/(?:chat\/[1-9]\d{0,15}|group\/[0-9a-f]{32})?$/

export function isSafeHref (href: unknown): href is string {
  return typeof href === 'string' && SAFE_HREF.test(href)
}

export function isNotificationData (value: unknown): value is NotificationData {
  return typeof value === 'object' && value !== null && isSafeHref((value as { href?: unknown }).href)
}

/** A `{ type: NAVIGATE_MESSAGE, href }` message with a safe href, else undefined. */
export function navigateHref (data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined
  const { type, href } = data as { type?: unknown, href?: unknown }
  return type === NAVIGATE_MESSAGE && isSafeHref(href) ? href : undefined
}

/** Service worker → pages: a version the server offered was not installed (`refusal`: lib/pwa/release-guard.ts). */
export const RELEASE_REFUSED_MESSAGE = 'parley:release-refused'
