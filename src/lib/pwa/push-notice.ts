/**
 * What the service worker (src/sw.ts) does with a relay's Web Push (issue
 * 59; docs/protocols.md, "Web Push", "The payload"). A push says only which
 * relay holds how many new items; the node drains them when Parley runs.
 *
 * - A Parley page on screen (the app, at the scope's root with its hash
 *   routes, focused or visible): nothing is shown. Its node drains the
 *   mailbox as usual and the page tells of what came
 *   (lib/state/notifications.svelte.ts). Another page of the origin (a file
 *   such as /config.json) is not the app.
 * - Otherwise one notification, under one tag (`PUSH_TAG`, protocol.ts), so that
 *   several pushes replace one another: "3 new messages", the counts of the
 *   pushes since the notification was last closed added up (kept in its
 *   `data`). Nothing from the payload is shown but the count: no name, no
 *   text. A payload that is not in its one form still shows "New messages"
 *   (a browser may require a notification for every push, and something did
 *   wake us), without a count.
 * - In the language the page last used (lib/pwa/sw-locale.ts), else the
 *   browser's; the app badge, where the browser has one, shows the count.
 *
 * Clicking it is the service worker's `notificationclick`: it focuses a
 * Parley window or opens one, at the chats list (`href`).
 */
import { decodePushPayload } from '@parley/protocol/push/payload'
import { MAX_PUSH_ITEMS } from '@parley/protocol/push/constants'
import type { Locale } from '../i18n/index.ts'
import { en, ru } from '../i18n/messages/wake.ts'
import { PUSH_TAG, type NotificationData } from './protocol.ts'

/** What a push notification carries: the chats list, and the count so far. */
export interface PushNoticeData extends NotificationData {
  /** new items said by the pushes since the notification was shown first (0: unknown) */
  count: number
}

/** What the service worker hands {@link showPushNotice}: its clients, its registration, the language. */
export interface PushNoticeScope {
  /** `self.clients.matchAll({ type: 'window', includeUncontrolled: true })` */
  windows: () => Promise<ReadonlyArray<Pick<WindowClient, 'focused' | 'visibilityState' | 'url'>>>
  registration: Pick<ServiceWorkerRegistration, 'getNotifications' | 'showNotification'>
  /** the service worker's origin: only its windows count as Parley's */
  origin: string
  locale: () => Promise<Locale>
  /** `navigator.setAppBadge`, where the browser has it */
  setBadge?: (count: number) => Promise<void>
}

/** What a push did: shown (with the count said), or skipped because a Parley page is on screen. */
export type PushNoticeOutcome = { shown: true, count: number } | { shown: false }

const TABLES: Readonly<Record<Locale, typeof en | typeof ru>> = { en, ru }

/** The notification's title for `count` new items (0: not known) in `locale`. */
export function pushNoticeTitle (count: number, locale: Locale): string {
  const table = TABLES[locale]
  if (count < 1) return table.newMessages
  const forms: Partial<Record<Intl.LDMLPluralRule, string>> = table.count
  const form = forms[new Intl.PluralRules(locale).select(count)] ?? table.count.other
  return form.replace('{count}', count.toLocaleString(locale))
}

/** The items a push's plaintext says, or 0 when it says none in its one form. */
export function itemsOf (plaintext: Uint8Array | undefined): number {
  if (plaintext === undefined) return 0
  try {
    return decodePushPayload(plaintext).items
  } catch {
    return 0
  }
}

function countOf (data: unknown): number {
  const count = typeof data === 'object' && data !== null ? (data as { count?: unknown }).count : undefined
  return typeof count === 'number' && Number.isSafeInteger(count) && count > 0 ? Math.min(count, MAX_PUSH_ITEMS) : 0
}

/** The app's own page: the origin's root (every screen is a hash route there), not another file of the origin. */
function isAppPage (url: string, origin: string): boolean {
  const parsed = new URL(url)
  return parsed.origin === origin && (parsed.pathname === '/' || parsed.pathname === '/index.html')
}

/** Shows (or updates) the one push notification for a push with `plaintext`, unless a Parley page is on screen. */
export async function showPushNotice (scope: PushNoticeScope, plaintext: Uint8Array | undefined): Promise<PushNoticeOutcome> {
  const windows = await scope.windows()
  const onScreen = windows.some(w => isAppPage(w.url, scope.origin) && (w.focused || w.visibilityState === 'visible'))
  if (onScreen) return { shown: false }
  const shown = await scope.registration.getNotifications({ tag: PUSH_TAG })
  const before = shown.reduce((most, n) => Math.max(most, countOf(n.data)), 0)
  const items = itemsOf(plaintext)
  const count = Math.min(before + items, MAX_PUSH_ITEMS)
  const data: PushNoticeData = { href: '#/', count }
  await scope.registration.showNotification(pushNoticeTitle(count, await scope.locale()), {
    tag: PUSH_TAG, data, icon: '/icon-192.png', badge: '/icon-96.png'
  })
  if (count > 0) await scope.setBadge?.(count).catch(() => { /* a badge is a nicety */ })
  return { shown: true, count }
}
