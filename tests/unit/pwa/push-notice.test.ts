import { describe, expect, it } from 'vitest'
import { encodePushPayload } from '@parley/protocol/push/payload'
import { MAX_PUSH_ITEMS } from '@parley/protocol/push/constants'
import { itemsOf, pushNoticeTitle, showPushNotice, type PushNoticeScope } from '../../../src/lib/pwa/push-notice.ts'
import { PUSH_TAG, isNotificationData } from '../../../src/lib/pwa/protocol.ts'
import { detectLocale, LOCALE_CACHE, readLocaleForWorker, saveLocaleForWorker } from '../../../src/lib/pwa/sw-locale.ts'
import type { Locale } from '../../../src/lib/i18n/index.ts'
import { en, ru } from '../../../src/lib/i18n/messages/wake.ts'

const ORIGIN = 'https://parley.example'
const RELAY = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'

interface Shown { title: string, options: NotificationOptions }
type Window = Pick<WindowClient, 'focused' | 'visibilityState' | 'url'>

/** A service worker's scope with its notifications kept by tag, as a browser keeps them. */
function scope (windows: Window[] = [], locale: Locale = 'en'): PushNoticeScope & { shown: Map<string, Shown>, badges: number[] } {
  const shown = new Map<string, Shown>()
  const badges: number[] = []
  return {
    shown,
    badges,
    origin: ORIGIN,
    windows: async () => windows,
    locale: async () => locale,
    setBadge: async (count) => { badges.push(count) },
    registration: {
      getNotifications: async (filter?: GetNotificationOptions) => [...shown.entries()]
        .filter(([tag]) => filter?.tag === undefined || tag === filter.tag)
        .map(([, n]) => ({ data: n.options.data as unknown }) as Notification),
      showNotification: async (title: string, options: NotificationOptions = {}) => { shown.set(options.tag ?? '', { title, options }) }
    }
  }
}

const push = (items: number): Uint8Array => encodePushPayload({ relay: RELAY, items })

describe('the service worker on a push', () => {
  it('shows one notification with the count only, under the one tag, opening the chats list', async () => {
    const sw = scope()
    expect(await showPushNotice(sw, push(3))).toEqual({ shown: true, count: 3 })
    expect([...sw.shown.keys()]).toEqual([PUSH_TAG])
    const notice = sw.shown.get(PUSH_TAG)
    expect(notice?.title).toBe('3 new messages')
    // nothing from the payload but the count: not the relay, no body
    expect(JSON.stringify(notice)).not.toContain(RELAY)
    expect(notice?.options.body).toBeUndefined()
    expect(isNotificationData(notice?.options.data)).toBe(true)
    expect(notice?.options.data).toEqual({ href: '#/', count: 3, chats: [], unnamed: 3 })
    expect(sw.badges).toEqual([3])
  })

  it('adds the counts of later pushes into the same notification', async () => {
    const sw = scope()
    await showPushNotice(sw, push(1))
    expect(sw.shown.get(PUSH_TAG)?.title).toBe('1 new message')
    await showPushNotice(sw, push(2))
    await showPushNotice(sw, push(4))
    expect(sw.shown.size).toBe(1)
    expect(sw.shown.get(PUSH_TAG)?.title).toBe('7 new messages')
    expect(sw.badges).toEqual([1, 3, 7])
  })

  it('never counts past the most a push says', async () => {
    const sw = scope()
    await showPushNotice(sw, push(MAX_PUSH_ITEMS))
    expect(await showPushNotice(sw, push(5))).toEqual({ shown: true, count: MAX_PUSH_ITEMS })
  })

  it('shows "New messages" for a push without a payload or with one not in its form, keeping the count so far', async () => {
    const sw = scope()
    expect(await showPushNotice(sw, undefined)).toEqual({ shown: true, count: 0 })
    expect(sw.shown.get(PUSH_TAG)?.title).toBe('New messages')
    const bad = push(2)
    bad[bad.length - 1] = 0x41
    expect(itemsOf(bad)).toBe(0)
    expect(itemsOf(new TextEncoder().encode('{"v":1,"relay":"x","items":2}'))).toBe(0)
    await showPushNotice(sw, push(2))
    expect(await showPushNotice(sw, bad)).toEqual({ shown: true, count: 2 })
    expect(sw.shown.get(PUSH_TAG)?.title).toBe('2 new messages')
    expect(sw.badges).toEqual([2, 2])
  })

  it('shows nothing while a Parley page is focused or visible, and shows one for a hidden page, another site or a file of the origin that is not the app', async () => {
    for (const window of [
      { focused: true, visibilityState: 'visible', url: `${ORIGIN}/#/` },
      { focused: false, visibilityState: 'visible', url: `${ORIGIN}/#/chat/2` }
    ] as const) {
      const sw = scope([window])
      expect(await showPushNotice(sw, push(1))).toEqual({ shown: false })
      expect(sw.shown.size).toBe(0)
      expect(sw.badges).toEqual([])
    }
    const hidden = scope([
      { focused: false, visibilityState: 'hidden', url: `${ORIGIN}/#/` },
      { focused: true, visibilityState: 'visible', url: 'https://elsewhere.example/' },
      { focused: true, visibilityState: 'visible', url: `${ORIGIN}/config.json` }
    ])
    expect(await showPushNotice(hidden, push(1))).toEqual({ shown: true, count: 1 })
  })

  it('speaks Russian with its plural forms', async () => {
    const sw = scope([], 'ru')
    await showPushNotice(sw, push(1))
    expect(sw.shown.get(PUSH_TAG)?.title).toBe('1 новое сообщение')
    expect(pushNoticeTitle(3, 'ru')).toBe('3 новых сообщения')
    expect(pushNoticeTitle(5, 'ru')).toBe('5 новых сообщений')
    expect(pushNoticeTitle(21, 'ru')).toBe('21 новое сообщение')
    expect(pushNoticeTitle(0, 'ru')).toBe('Новые сообщения')
    expect(pushNoticeTitle(1200, 'en')).toBe('1,200 new messages')
  })

  it('has every Russian plural form, and the tables the same keys', () => {
    expect(Object.keys(ru).sort()).toEqual(Object.keys(en).sort())
    expect(Object.keys(ru.count).sort()).toEqual(['few', 'many', 'one', 'other'])
  })
})

describe('the language the service worker speaks', () => {
  /** Cache Storage as a browser keeps it (one response per URL), enough for sw-locale.ts. */
  function cacheStorage (): CacheStorage {
    const caches = new Map<string, Map<string, Response>>()
    const open = async (name: string): Promise<Cache> => {
      let entries = caches.get(name)
      if (entries === undefined) { entries = new Map(); caches.set(name, entries) }
      const kept = entries
      return {
        put: async (url: string, response: Response) => { kept.set(url, response) },
        match: async (url: string) => kept.get(url)?.clone()
      } as unknown as Cache
    }
    return { has: async (name: string) => caches.has(name), open } as unknown as CacheStorage
  }

  it('is the one a page kept, else the browser\'s, else English', async () => {
    const storage = cacheStorage()
    expect(await readLocaleForWorker(storage, ['ru-RU', 'en'])).toBe('ru')
    expect(await readLocaleForWorker(storage, ['de', 'fr'])).toBe('en')
    await saveLocaleForWorker(storage, 'ru')
    expect(await storage.has(LOCALE_CACHE)).toBe(true)
    expect(await readLocaleForWorker(storage, ['en'])).toBe('ru')
    await saveLocaleForWorker(storage, 'en')
    expect(await readLocaleForWorker(storage, ['ru'])).toBe('en')
  })

  it('follows the browser when what was kept is not a locale, or storage fails', async () => {
    const storage = cacheStorage()
    await (await storage.open(LOCALE_CACHE)).put('/__parley/locale', new Response('de'))
    expect(await readLocaleForWorker(storage, ['ru'])).toBe('ru')
    const failing = { has: async () => { throw new DOMException('no', 'SecurityError') } } as unknown as CacheStorage
    expect(await readLocaleForWorker(failing, ['ru'])).toBe('ru')
  })

  it('detects as lib/i18n does', () => {
    expect(detectLocale(['RU'])).toBe('ru')
    expect(detectLocale(undefined)).toBe('en')
    expect(detectLocale(['en-GB', 'ru'])).toBe('en')
  })
})
