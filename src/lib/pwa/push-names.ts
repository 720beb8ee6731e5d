/**
 * What the service worker reads to name a push's chats (issue 59; docs/
 * protocols.md, "Web Push", "What the service worker shows"): this device's
 * notification key and "Show names in notifications" (the `settings` row
 * 'notify', db/notify-setting.ts), and the contacts and groups a hint may
 * name. Read only, straight from IndexedDB (no Dexie in the service worker):
 * it never writes a row, never opens a session, and a database that is not
 * there is not made (its upgrade is aborted). Anything missing or unreadable
 * is "no book", and a lookup that fails rejects: the notification then says
 * the count alone (push-notice.ts).
 */
import { fromBase64Url } from '@parley/protocol/base64'
import type { HintChat } from '@parley/protocol/push/hint-plain'

/** A chat a hint named and this device has: the screen that shows it, and the person's name for it. */
export interface NoticeChat {
  /** '#/chat/<contact id>' or '#/group/<group id>' */
  href: string
  name: string
}

/** What the service worker knows to open hints and name their chats. */
export interface NoticeBook {
  secretKey: Uint8Array
  publicKey: Uint8Array
  /** "Show names in notifications" */
  names: boolean
  /** the chat, or undefined when this device has no such contact or group (or a blocked one); rejects when the database cannot be read (the push then says the count alone) */
  chat(hint: HintChat): Promise<NoticeChat | undefined>
}

/** The app's database (lib/db/db.ts DEFAULT_DB_NAME, not imported: that module brings Dexie). */
export const APP_DB_NAME = 'parley'

const STORES = ['settings', 'contacts', 'groups'] as const

function request<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { reject(req.error ?? new Error('an IndexedDB request failed')) }
  })
}

/** Opens `name` as it is, or undefined when it is not there (nothing is made). */
function openExisting (idb: IDBFactory, name: string): Promise<IDBDatabase | undefined> {
  return new Promise((resolve) => {
    const req = idb.open(name)
    // an upgrade here means there was no database: abort it, so none is made
    req.onupgradeneeded = () => { req.transaction?.abort() }
    req.onsuccess = () => { resolve(req.result) }
    req.onerror = () => { resolve(undefined) }
    req.onblocked = () => { resolve(undefined) }
  })
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

function keyOf (text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined
  return fromBase64Url(text)
}

/** Reads `row` of a store of the open database, read only. */
async function read (db: IDBDatabase, store: typeof STORES[number], key: IDBValidKey, index?: string): Promise<unknown> {
  const objects = db.transaction(store, 'readonly').objectStore(store)
  return request(index === undefined ? objects.get(key) : objects.index(index).get(key))
}

/**
 * The book of database `name`, or undefined when there is no notification
 * key yet (push never turned on), no such database, or it cannot be read.
 * The database stays open for the book's lookups; `close` it after.
 */
export async function openNoticeBook (idb: IDBFactory, name: string): Promise<(NoticeBook & { close(): void }) | undefined> {
  const db = await openExisting(idb, name)
  if (db === undefined) return undefined
  // the app upgrading its database goes first
  db.onversionchange = () => { db.close() }
  try {
    if (!STORES.every(s => db.objectStoreNames.contains(s))) { db.close(); return undefined }
    const row = await read(db, 'settings', 'notify')
    const secretKey = isRecord(row) ? keyOf(row['secretKey']) : undefined
    const publicKey = isRecord(row) ? keyOf(row['publicKey']) : undefined
    if (!isRecord(row) || secretKey === undefined || publicKey === undefined) { db.close(); return undefined }
    return {
      secretKey,
      publicKey,
      names: row['names'] === true,
      close: () => { db.close() },
      chat: async (hint) => {
        if (hint.kind === 'contact') {
          const contact = await read(db, 'contacts', hint.chat, 'peerId')
          if (!isRecord(contact) || typeof contact['id'] !== 'number' || contact['blocked'] === true) return undefined
          const nickname = contact['nickname']
          const name = typeof nickname === 'string' && nickname !== '' ? nickname : contact['username']
          return { href: `#/chat/${contact['id']}`, name: typeof name === 'string' ? name : '' }
        }
        const group = await read(db, 'groups', hint.chat)
        if (!isRecord(group) || group['id'] !== hint.chat) return undefined
        return { href: `#/group/${hint.chat}`, name: typeof group['name'] === 'string' ? group['name'] : '' }
      }
    }
  } catch {
    db.close()
    return undefined
  }
}
