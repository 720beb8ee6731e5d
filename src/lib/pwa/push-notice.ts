/**
 * What the service worker (src/sw.ts) does with a relay's Web Push (issue
 * 59; docs/protocols.md, "Web Push", "What the service worker shows"). A
 * push says which relay holds how many new items, and (version 2) carries
 * the sealed hints of the newest of them; the node drains the items when
 * Parley runs.
 *
 * - A Parley page on screen (the app, at the scope's root with its hash
 *   routes, focused or visible): nothing is shown. Its node drains the
 *   mailbox as usual and the page tells of what came
 *   (lib/state/notifications.svelte.ts). Another page of the origin (a file
 *   such as /config.json) is not the app.
 * - Otherwise one notification, under one tag (`PUSH_TAG`, protocol.ts), so that
 *   several pushes replace one another: "3 new messages", the counts of the
 *   pushes since the notification was last closed added up (kept in its
 *   `data`). The hints that open with this device's notification key
 *   (lib/pwa/push-names.ts) name chats it has: with "Show names in
 *   notifications" the title is their names and the count goes below;
 *   off, the count alone. Naming that fails or takes longer than
 *   NAMING_TIMEOUT_MS (the database, WebCrypto) is the count alone too: the
 *   push is always told. Never a message's text. A payload that is not in
 *   its one form still shows "New messages" (a browser may require a
 *   notification for every push, and something did wake us), without a count.
 * - Its click (`data.href`) opens the one chat every item so far was named
 *   to, else the chats list: an item without a hint that opens, or from a
 *   chat this device does not have, cannot be told.
 * - In the language the page last used (lib/pwa/sw-locale.ts), else the
 *   browser's; the app badge, where the browser has one, shows the count.
 *
 * Nothing here writes: no session state, no row.
 */
import { decodePushPayload } from '@parley/protocol/push/payload'
import { MAX_PUSH_ITEMS } from '@parley/protocol/push/constants'
import { importNotifySecret, openHintWeb } from '@parley/protocol/push/hint-web'
import type { Locale } from '../i18n/index.ts'
import { en, ru } from '../i18n/messages/wake.ts'
import { PUSH_TAG, isSafeHref, type NotificationData } from './protocol.ts'
import type { NoticeBook, NoticeChat } from './push-names.ts'

/**
 * How long naming a push's chats (reading the book, opening the hints) may
 * take; past it, as on any failure in naming, the notification says the
 * count alone.
 */
export const NAMING_TIMEOUT_MS = 3_000

/** Chats one notification remembers, at most (the newest first). */
export const MAX_NOTICE_CHATS = 8
/** Names a title lists before "and N more". */
const TITLE_NAMES = 2

/** What a push notification carries: where its click goes, the count so far, and the chats named so far. */
export interface PushNoticeData extends NotificationData {
  /** new items said by the pushes since the notification was shown first (0: unknown) */
  count: number
  /** the chats hints named, newest first, at most MAX_NOTICE_CHATS (names '' while names are off) */
  chats: NoticeChat[]
  /** items said that no hint named to a chat of this device's */
  unnamed: number
}

/** What the service worker hands {@link showPushNotice}: its clients, its registration, the language, the book. */
export interface PushNoticeScope {
  /** `self.clients.matchAll({ type: 'window', includeUncontrolled: true })` */
  windows: () => Promise<ReadonlyArray<Pick<WindowClient, 'focused' | 'visibilityState' | 'url'>>>
  registration: Pick<ServiceWorkerRegistration, 'getNotifications' | 'showNotification'>
  /** the service worker's origin: only its windows count as Parley's */
  origin: string
  locale: () => Promise<Locale>
  /** `navigator.setAppBadge`, where the browser has it */
  setBadge?: (count: number) => Promise<void>
  /** this device's notification key and chats (push-names.ts); undefined: none, the count alone */
  book?: () => Promise<(NoticeBook & { close?: () => void }) | undefined>
}

/** What a push did: shown (with the count said), or skipped because a Parley page is on screen. */
export type PushNoticeOutcome = { shown: true, count: number } | { shown: false }

const TABLES: Readonly<Record<Locale, typeof en | typeof ru>> = { en, ru }

function plural (forms: Partial<Record<Intl.LDMLPluralRule, string>> & { other: string }, count: number, locale: Locale): string {
  return forms[new Intl.PluralRules(locale).select(count)] ?? forms.other
}

/** The notification's title for `count` new items (0: not known) in `locale`. */
export function pushNoticeTitle (count: number, locale: Locale): string {
  const table = TABLES[locale]
  if (count < 1) return table.newMessages
  return plural(table.count, count, locale).replace('{count}', count.toLocaleString(locale))
}

/** "Alice", "Alice, Bob", "Alice, Bob and 2 more". */
export function namesTitle (names: readonly string[], locale: Locale): string {
  const shown = names.slice(0, TITLE_NAMES).join(', ')
  const more = names.length - TITLE_NAMES
  if (more <= 0) return shown
  return plural(TABLES[locale].namesMore, more, locale).replace('{names}', shown).replace('{count}', more.toLocaleString(locale))
}

/** The items a push's plaintext says, or 0 when it says none in its one form. */
export function itemsOf (plaintext: Uint8Array | undefined): number {
  return readPush(plaintext).items
}

function readPush (plaintext: Uint8Array | undefined): { items: number, hints: Uint8Array[] } {
  try {
    // none: refused as not in its form
    const payload = decodePushPayload(plaintext ?? new Uint8Array())
    return { items: payload.items, hints: payload.hints ?? [] }
  } catch {
    return { items: 0, hints: [] }
  }
}

/** The data of the notification shown before, as far as it is in its form. */
export function dataOf (data: unknown): PushNoticeData {
  const record = typeof data === 'object' && data !== null ? data as Record<string, unknown> : {}
  const whole = (v: unknown): number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? Math.min(v, MAX_PUSH_ITEMS) : 0
  const chats = Array.isArray(record['chats'])
    ? record['chats'].filter((c): c is NoticeChat => typeof c === 'object' && c !== null && isSafeHref((c as NoticeChat).href) && typeof (c as NoticeChat).name === 'string').slice(0, MAX_NOTICE_CHATS)
    : []
  return { href: '#/', count: whole(record['count']), chats, unnamed: whole(record['unnamed']) }
}

/**
 * The notification after a push (pure): the data shown before, the push's
 * items, the chats its hints named (`named`: one entry per hint that opened
 * to a chat of this device's), whether names are on.
 */
export function nextNotice (before: PushNoticeData, items: number, named: readonly NoticeChat[], names: boolean, locale: Locale): { title: string, body?: string, data: PushNoticeData } {
  const count = Math.min(before.count + items, MAX_PUSH_ITEMS)
  const fresh = named.map(c => ({ href: c.href, name: names ? c.name : '' }))
  const chats: NoticeChat[] = []
  for (const chat of [...fresh.reverse(), ...before.chats]) {
    if (chats.length < MAX_NOTICE_CHATS && !chats.some(c => c.href === chat.href)) chats.push(chat)
  }
  // a push that could not be read (items 0) still woke us for something: it cannot be told
  const unnamed = Math.min(before.unnamed + Math.max(items - named.length, items === 0 ? 1 : 0), MAX_PUSH_ITEMS)
  const only = chats.length === 1 && unnamed === 0 ? chats[0] : undefined
  const data: PushNoticeData = { href: only?.href ?? '#/', count, chats, unnamed }
  const titled = chats.map(c => c.name).filter(n => n !== '')
  if (names && titled.length > 0) return { title: namesTitle(titled, locale), body: pushNoticeTitle(count, locale), data }
  return { title: pushNoticeTitle(count, locale), data }
}

/** The chats a push's hints named, and whether names are on. */
interface Naming { named: NoticeChat[], names: boolean }

/**
 * The chats of a push's hints that open with the book's key and name a chat
 * it has (one entry per such hint), then closes the book. WebCrypto opens
 * them (hint-web.ts): where it has no X25519, none opens.
 */
async function namedChats (book: NoticeBook & { close?: () => void }, hints: readonly Uint8Array[]): Promise<Naming> {
  try {
    const secret = await importNotifySecret(book.secretKey)
    const named: NoticeChat[] = []
    for (const hint of hints) {
      const opened = secret === undefined ? undefined : await openHintWeb(hint, secret, book.publicKey)
      const chat = opened === undefined ? undefined : await book.chat(opened)
      if (chat !== undefined) named.push(chat)
    }
    return { named, names: book.names }
  } finally {
    book.close?.()
  }
}

/**
 * Names the chats of `hints` with the scope's book, within
 * NAMING_TIMEOUT_MS. Never throws: a failure or the time running out is the
 * count alone (the book is closed when its work ends, even after the time
 * ran out).
 */
async function nameChats (scope: PushNoticeScope, hints: readonly Uint8Array[]): Promise<Naming> {
  const countOnly: Naming = { named: [], names: false }
  if (hints.length === 0 || scope.book === undefined) return countOnly
  let timer: ReturnType<typeof setTimeout> | undefined
  const named = await Promise.race([
    scope.book().then(async (book) => book === undefined ? countOnly : await namedChats(book, hints)).catch(() => countOnly),
    new Promise<Naming>((resolve) => { timer = setTimeout(resolve, NAMING_TIMEOUT_MS, countOnly) })
  ])
  clearTimeout(timer)
  return named
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
  const before = shown.map(n => dataOf(n.data)).reduce<PushNoticeData | undefined>((most, d) => most === undefined || d.count > most.count ? d : most, undefined) ??
    { href: '#/', count: 0, chats: [], unnamed: 0 }
  const { items, hints } = readPush(plaintext)
  const naming = await nameChats(scope, hints)
  const next = nextNotice(before, items, naming.named, naming.names, await scope.locale())
  await scope.registration.showNotification(next.title, {
    tag: PUSH_TAG, data: next.data, icon: '/icon-192.png', badge: '/icon-96.png', ...(next.body === undefined ? {} : { body: next.body })
  })
  if (next.data.count > 0) await scope.setBadge?.(next.data.count).catch(() => { /* a badge is a nicety */ })
  return { shown: true, count: next.data.count }
}
