/**
 * The service worker's names for a push (issue 59): the pure decision
 * (`nextNotice`: names on or off, a chat this device does not have, no hint,
 * several pushes in one notification, where its click goes), a version 2
 * payload's hints opened with this device's notification key through
 * `showPushNotice` (naming that fails or takes longer than its time falls
 * back to the count alone, on vitest's fake clock), and the read-only book of lib/pwa/push-names.ts over a
 * real database (fake-indexeddb): the key and setting the node keeps
 * (db/notify-setting.ts), contacts and groups; nothing made or written.
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { fromBase64Url } from '@parley/protocol/base64'
import { makeNotifyKeyPair, sealHint } from '@parley/protocol/push/hint'
import { encodePushPayloadV2 } from '@parley/protocol/push/payload'
import { DEFAULT_DB_NAME, ParleyDb } from '../../../src/lib/db/db.ts'
import { saveGroup } from '../../../src/lib/db/groups.ts'
import { notifySetting, setNotifyNames } from '../../../src/lib/db/notify-setting.ts'
import { PUSH_TAG, isNotificationData } from '../../../src/lib/pwa/protocol.ts'
import { APP_DB_NAME, openNoticeBook } from '../../../src/lib/pwa/push-names.ts'
import { NAMING_TIMEOUT_MS, dataOf, namesTitle, nextNotice, showPushNotice, type PushNoticeData, type PushNoticeScope } from '../../../src/lib/pwa/push-notice.ts'
import { addContact, freshDeps } from '../db/helpers.ts'
import type { NoticeBook } from '../../../src/lib/pwa/push-names.ts'

const RELAY = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'
const ALICE = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const GROUP = '0123456789abcdef0123456789abcdef'
const EMPTY: PushNoticeData = { href: '#/', count: 0, chats: [], unnamed: 0 }
const alice = { href: '#/chat/1', name: 'Alice' }
const team = { href: `#/group/${GROUP}`, name: 'Team' }

describe('what a push notification says (pure)', () => {
  it('names on: the chat\'s name, the count below, and a click that opens that chat', () => {
    const next = nextNotice(EMPTY, 1, [alice], true, 'en')
    expect(next).toEqual({ title: 'Alice', body: '1 new message', data: { href: '#/chat/1', count: 1, chats: [alice], unnamed: 0 } })
    expect(isNotificationData(next.data)).toBe(true)
  })

  it('names off: the count alone, no name kept, and still the chat on click', () => {
    const next = nextNotice(EMPTY, 2, [alice, alice], false, 'en')
    expect(next).toEqual({ title: '2 new messages', data: { href: '#/chat/1', count: 2, chats: [{ href: '#/chat/1', name: '' }], unnamed: 0 } })
    expect(JSON.stringify(next)).not.toContain('Alice')
  })

  it('several pushes update one notification: the names gather, the count adds up, and two chats open the list', () => {
    const first = nextNotice(EMPTY, 1, [alice], true, 'en')
    const second = nextNotice(first.data, 2, [team, team], true, 'en')
    expect(second).toEqual({ title: 'Team, Alice', body: '3 new messages', data: { href: '#/', count: 3, chats: [team, alice], unnamed: 0 } })
    expect(namesTitle(['A', 'B', 'C', 'D'], 'en')).toBe('A, B and 2 more')
    expect(namesTitle(['A', 'B', 'C'], 'ru')).toBe('A, B и ещё 1')
  })

  it('items no hint named (no hint, a chat this device does not have, an unreadable push) cannot be told: the list', () => {
    expect(nextNotice(EMPTY, 3, [alice], true, 'en')).toEqual({ title: 'Alice', body: '3 new messages', data: { href: '#/', count: 3, chats: [alice], unnamed: 2 } })
    expect(nextNotice(EMPTY, 1, [], true, 'en')).toEqual({ title: '1 new message', data: { href: '#/', count: 1, chats: [], unnamed: 1 } })
    expect(nextNotice(EMPTY, 0, [], true, 'ru')).toEqual({ title: 'Новые сообщения', data: { href: '#/', count: 0, chats: [], unnamed: 1 } })
  })

  it('reads back only data in its form', () => {
    expect(dataOf({ count: 4, chats: [alice, { href: 'javascript:x', name: 'x' }, { href: '#/', name: 3 }], unnamed: -1 })).toEqual({ href: '#/', count: 4, chats: [alice], unnamed: 0 })
    expect(dataOf('nonsense')).toEqual(EMPTY)
  })
})

/** A scope whose book is `book` (or what `book` gives), its notifications kept by tag. */
function scope (book: NoticeBook | undefined | (() => Promise<NoticeBook | undefined>)): PushNoticeScope & { shown: Map<string, { title: string, options: NotificationOptions }>, badges: number[] } {
  const shown = new Map<string, { title: string, options: NotificationOptions }>()
  const badges: number[] = []
  return {
    shown,
    badges,
    origin: 'https://parley.example',
    windows: async () => [],
    locale: async () => 'en',
    setBadge: async (count) => { badges.push(count) },
    book: typeof book === 'function' ? book : async () => book,
    registration: {
      getNotifications: async () => [...shown.values()].map(n => ({ data: n.options.data as unknown }) as Notification),
      showNotification: async (title: string, options: NotificationOptions = {}) => { shown.set(options.tag ?? '', { title, options }) }
    }
  }
}

describe('a push with hints, in the service worker', () => {
  const keys = makeNotifyKeyPair()
  const chats = new Map([[ALICE, alice], [GROUP, team]])
  const book = (names: boolean): NoticeBook => ({ ...keys, names, chat: async (hint) => chats.get(hint.chat) })
  const payload = (items: number, ...hints: Uint8Array[]): Uint8Array => encodePushPayloadV2({ relay: RELAY, items, hints })

  it('opens the hints sealed to this device and names their chats; another device\'s and unknown chats are not named', async () => {
    const sw = scope(book(true))
    const other = makeNotifyKeyPair()
    await showPushNotice(sw, payload(4,
      sealHint({ kind: 'contact', chat: ALICE }, keys.publicKey),
      sealHint({ kind: 'group', chat: GROUP }, other.publicKey),
      sealHint({ kind: 'contact', chat: '12D3KooWStranger' }, keys.publicKey)))
    const notice = sw.shown.get(PUSH_TAG)
    expect(notice?.title).toBe('Alice')
    expect(notice?.options.body).toBe('4 new messages')
    expect(notice?.options.data).toEqual({ href: '#/', count: 4, chats: [alice], unnamed: 3 })
    expect(sw.badges).toEqual([4])
  })

  it('with names off says the count, and opens the one chat', async () => {
    const sw = scope(book(false))
    await showPushNotice(sw, payload(1, sealHint({ kind: 'group', chat: GROUP }, keys.publicKey)))
    expect(sw.shown.get(PUSH_TAG)?.title).toBe('1 new message')
    expect(sw.shown.get(PUSH_TAG)?.options.body).toBeUndefined()
    expect(sw.shown.get(PUSH_TAG)?.options.data).toMatchObject({ href: `#/group/${GROUP}` })
  })

  describe('naming that fails or takes too long: the count alone, the push still told', () => {
    afterEach(() => { vi.useRealTimers() })
    const fromAlice = (): Uint8Array => payload(2, sealHint({ kind: 'contact', chat: ALICE }, keys.publicKey))
    /** The notification `sw` shows says the count alone: that title, no body, the chats list on a click. */
    const countOnly = (sw: ReturnType<typeof scope>, title = '2 new messages', data: PushNoticeData = { href: '#/', count: 2, chats: [], unnamed: 2 }): void => {
      const notice = sw.shown.get(PUSH_TAG)
      expect(notice?.title).toBe(title)
      expect(notice?.options.body).toBeUndefined()
      expect(notice?.options.data).toEqual(data)
    }

    it('a book that cannot be read, or a lookup that throws', async () => {
      const unreadable = scope(async () => { throw new DOMException('the database is gone', 'UnknownError') })
      expect(await showPushNotice(unreadable, fromAlice())).toEqual({ shown: true, count: 2 })
      countOnly(unreadable)
      let closed = 0
      const throwing = scope({ ...book(true), chat: async () => { throw new Error('a read failed') }, close: () => { closed++ } } as NoticeBook)
      expect(await showPushNotice(throwing, fromAlice())).toEqual({ shown: true, count: 2 })
      countOnly(throwing)
      expect(throwing.badges).toEqual([2])
      // the book is closed all the same
      expect(closed).toBe(1)
    })

    it('a book that never opens, or hints whose chats are never read, past NAMING_TIMEOUT_MS', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
      const never = scope(async () => new Promise<NoticeBook>(() => {}))
      const shown = showPushNotice(never, fromAlice())
      await vi.advanceTimersByTimeAsync(NAMING_TIMEOUT_MS - 1)
      expect(never.shown.size).toBe(0)
      await vi.advanceTimersByTimeAsync(1)
      expect(await shown).toEqual({ shown: true, count: 2 })
      countOnly(never)

      // a lookup that hangs: the notification does not wait for it, and the book is closed when it ends
      let answer: (chat: undefined) => void = () => {}
      let chatAsked: () => void = () => {}
      const lookedUp = new Promise<void>((resolve) => { chatAsked = resolve })
      let closed = 0
      const stuck = scope({ ...book(true), chat: async () => { chatAsked(); return new Promise<undefined>((resolve) => { answer = resolve }) }, close: () => { closed++ } } as NoticeBook)
      const told = showPushNotice(stuck, fromAlice())
      // the hint opened (WebCrypto), and its chat is being read
      await lookedUp
      await vi.advanceTimersByTimeAsync(NAMING_TIMEOUT_MS)
      expect(await told).toEqual({ shown: true, count: 2 })
      countOnly(stuck)
      expect(closed).toBe(0)
      answer(undefined)
      await vi.waitFor(() => { expect(closed).toBe(1) })
    })

    it('a count said before keeps adding up, and the chats named before stay', async () => {
      const sw = scope(book(true))
      await showPushNotice(sw, payload(1, sealHint({ kind: 'contact', chat: ALICE }, keys.publicKey)))
      expect(sw.shown.get(PUSH_TAG)?.title).toBe('Alice')
      const failing = { ...sw, book: async () => { throw new Error('no book now') } }
      expect(await showPushNotice(failing, fromAlice())).toEqual({ shown: true, count: 3 })
      countOnly(sw, '3 new messages', { href: '#/', count: 3, chats: [alice], unnamed: 2 })
    })
  })

  it('without a book (no key yet) or without hints, the count alone', async () => {
    const sw = scope(undefined)
    await showPushNotice(sw, payload(2, sealHint({ kind: 'contact', chat: ALICE }, keys.publicKey)))
    expect(sw.shown.get(PUSH_TAG)).toMatchObject({ title: '2 new messages', options: { data: { href: '#/', unnamed: 2 } } })
    const bare = scope(book(true))
    await showPushNotice(bare, payload(1))
    expect(bare.shown.get(PUSH_TAG)?.title).toBe('1 new message')
  })
})

describe('the book the service worker reads', () => {
  let db: ParleyDb | undefined
  afterEach(() => { db?.close() })

  it('holds the node\'s key and setting, names contacts (their nickname first) and groups, and leaves blocked contacts out', async () => {
    const deps = freshDeps()
    db = new ParleyDb('parley-book', deps)
    await db.open()
    expect(await openNoticeBook(deps.indexedDB, 'parley-book')).toBeUndefined()
    const row = await notifySetting(db)
    const id = await addContact(db, 'Alice', { nickname: 'Al' })
    const blocked = await addContact(db, 'Mallory')
    await db.contacts.update(blocked, { blocked: true })
    await saveGroup(db, { id: GROUP, name: 'Team', picture: '', state: 'member', members: [], lamport: 0, heads: [], createdAt: 1, updatedAt: 1 }, [])
    await setNotifyNames(db, true)
    const book = await openNoticeBook(deps.indexedDB, 'parley-book')
    expect(book?.names).toBe(true)
    expect(book?.publicKey).toEqual(fromBase64Url(row.publicKey))
    expect(await book?.chat({ kind: 'contact', chat: '12D3KooWAlice' })).toEqual({ href: `#/chat/${id}`, name: 'Al' })
    expect(await book?.chat({ kind: 'contact', chat: '12D3KooWMallory' })).toBeUndefined()
    expect(await book?.chat({ kind: 'contact', chat: '12D3KooWNobody' })).toBeUndefined()
    expect(await book?.chat({ kind: 'group', chat: GROUP })).toEqual({ href: `#/group/${GROUP}`, name: 'Team' })
    book?.close()
    // the key is made once and kept; names go off again
    await setNotifyNames(db, false)
    expect((await notifySetting(db)).secretKey).toBe(row.secretKey)
    const again = await openNoticeBook(deps.indexedDB, 'parley-book')
    expect(again?.names).toBe(false)
    again?.close()
  })

  it('is the app\'s database', () => {
    expect(APP_DB_NAME).toBe(DEFAULT_DB_NAME)
  })

  it('is none where there is no database, and makes none', async () => {
    const deps = freshDeps()
    expect(await openNoticeBook(deps.indexedDB, 'parley')).toBeUndefined()
    expect(await deps.indexedDB.databases()).toEqual([])
  })
})
