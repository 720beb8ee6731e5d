/**
 * What a browser keeps for one origin, as plain data: every IndexedDB
 * database (its version, object stores, indexes and rows, as the app wrote
 * them) and localStorage. Taken in a page of that origin, and loaded again
 * into a page of a fresh context's origin before the app starts there, so a
 * person made once (onboarded, befriended) can start many tests
 * (tests/e2e/prepared.ts, docs/testing.md "Prepared people").
 *
 * The page need not be the app: any document of the origin reaches its
 * storage. The loader runs in a page the test server answers 404 for, so the
 * app has not opened its database yet when the rows go in.
 *
 * The scripts are strings, not functions, as in page-db.ts: they run the same
 * in Chromium and in Firefox (over BiDi) and under tsx.
 *
 * The app's `keyring` row (src/lib/db/keyring.ts) holds a non-extractable
 * CryptoKey, which no snapshot can copy: that is what it is for. So the dump
 * does what any script of the origin can (docs/security.md, "Keys at rest"):
 * it uses the key to unwrap the data key and keeps that; the loader wraps it
 * again under a new non-extractable key of the new context.
 */
import type { Page } from '@playwright/test'

export interface StoreSnapshot {
  name: string
  keyPath: string | string[] | null
  autoIncrement: boolean
  indexes: Array<{ name: string, keyPath: string | string[], unique: boolean, multiEntry: boolean }>
  /** [key, value] pairs, each encoded by the page's `enc` (byte arrays and dates survive JSON) */
  rows: Array<[unknown, unknown]>
}

export interface DatabaseSnapshot {
  name: string
  version: number
  stores: StoreSnapshot[]
}

export interface OriginSnapshot {
  databases: DatabaseSnapshot[]
  localStorage: Array<[string, string]>
}

/**
 * Tagged encoding of the values IndexedDB keeps that JSON does not:
 * `{ "\u0000": 'u8', v: <base64> }`, `'ab'` for an ArrayBuffer, `'date'` for a
 * Date. A Blob is refused: a prepared person holds no files.
 */
const CODEC = `
  const TAG = '\\u0000'
  const b64 = (bytes) => {
    let text = ''
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
    return btoa(text)
  }
  const bytesOf = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0))
  const enc = (v) => {
    if (v instanceof Uint8Array) return { [TAG]: 'u8', v: b64(v) }
    if (v instanceof ArrayBuffer) return { [TAG]: 'ab', v: b64(new Uint8Array(v)) }
    if (v instanceof Date) return { [TAG]: 'date', v: v.getTime() }
    if (v instanceof Blob) throw new Error('a Blob in the database: a prepared snapshot keeps no files')
    if (ArrayBuffer.isView(v)) throw new Error('a typed array other than Uint8Array in the database')
    if (Array.isArray(v)) return v.map(enc)
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]))
    return v
  }
  const dec = (v) => {
    if (Array.isArray(v)) return v.map(dec)
    if (v !== null && typeof v === 'object') {
      if (v[TAG] === 'u8') return bytesOf(v.v)
      if (v[TAG] === 'ab') return bytesOf(v.v).buffer
      if (v[TAG] === 'date') return new Date(v.v)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]))
    }
    return v
  }
  const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
  const list = (names) => Array.from(names)
  // the app's keyring (src/lib/db/keyring.ts): its data key, unwrapped, and wrapped again in another context
  const KEYRING_AD = new TextEncoder().encode('parley-keyring-v1')
  const unwrapKeyring = async (row) => {
    const dataKey = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: row.iv, additionalData: KEYRING_AD }, row.wrappingKey, row.dataKey))
    return { id: row.id, createdAt: row.createdAt, [TAG]: 'keyring', dataKey: b64(dataKey) }
  }
  const rewrapKeyring = async (row) => {
    const wrappingKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const dataKey = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: KEYRING_AD }, wrappingKey, bytesOf(row.dataKey)))
    return { id: row.id, createdAt: row.createdAt, wrappingKey, iv, dataKey }
  }
`

const DUMP = `(async () => {
  ${CODEC}
  const databases = []
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(info.name)
      request.onupgradeneeded = () => { request.transaction.abort() }
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error) }
    })
    try {
      const names = list(db.objectStoreNames)
      const stores = []
      const keyrings = []
      if (names.length > 0) {
        // one transaction over every store: it waits for any write still under way, and sees one moment
        const tx = db.transaction(names, 'readonly')
        for (const name of names) {
          const store = tx.objectStore(name)
          const [keys, values] = await Promise.all([req(store.getAllKeys()), req(store.getAll())])
          if (name === 'keyring') keyrings.push({ keys, values })
          stores.push({
            name,
            keyPath: store.keyPath,
            autoIncrement: store.autoIncrement,
            indexes: list(store.indexNames).map((n) => { const i = store.index(n); return { name: n, keyPath: i.keyPath, unique: i.unique, multiEntry: i.multiEntry } }),
            rows: keys.map((k, i) => [enc(k), enc(values[i])])
          })
        }
      }
      // after the transaction: WebCrypto's answers would end it
      for (const { keys, values } of keyrings) {
        const store = stores.find((s) => s.name === 'keyring')
        store.rows = []
        for (let i = 0; i < keys.length; i++) store.rows.push([enc(keys[i]), await unwrapKeyring(values[i])])
      }
      databases.push({ name: db.name, version: db.version, stores })
    } finally {
      db.close()
    }
  }
  const storage = []
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i)
    if (key !== null) storage.push([key, localStorage.getItem(key) ?? ''])
  }
  return JSON.stringify({ databases, localStorage: storage })
})()`

function loadScript (snapshot: OriginSnapshot): string {
  return `(async () => {
    ${CODEC}
    const snapshot = ${JSON.stringify(snapshot)}
    for (const d of snapshot.databases) {
      if ((await indexedDB.databases()).some((info) => info.name === d.name)) throw new Error('database ' + d.name + ' exists already: load a snapshot into a fresh context only')
      const db = await new Promise((resolve, reject) => {
        const request = indexedDB.open(d.name, d.version)
        request.onupgradeneeded = () => {
          const db = request.result
          for (const s of d.stores) {
            const store = db.createObjectStore(s.name, { keyPath: s.keyPath, autoIncrement: s.autoIncrement })
            for (const i of s.indexes) store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry })
          }
        }
        request.onsuccess = () => { resolve(request.result) }
        request.onerror = () => { reject(request.error) }
      })
      try {
        const names = d.stores.map((s) => s.name)
        // before the transaction: WebCrypto's answers would end it
        for (const s of d.stores) {
          if (s.name !== 'keyring') continue
          s.rows = await Promise.all(s.rows.map(async ([key, value]) => [key, value[TAG] === 'keyring' ? { [TAG]: 'ready', row: await rewrapKeyring(value) } : value]))
        }
        if (names.length > 0) {
          const tx = db.transaction(names, 'readwrite')
          const done = new Promise((resolve, reject) => { tx.oncomplete = () => { resolve() }; tx.onerror = () => { reject(tx.error) }; tx.onabort = () => { reject(tx.error ?? new Error('aborted')) } })
          for (const s of d.stores) {
            const store = tx.objectStore(s.name)
            for (const [key, value] of s.rows) {
              const row = value !== null && typeof value === 'object' && value[TAG] === 'ready' ? value.row : dec(value)
              if (s.keyPath === null) store.put(row, dec(key))
              else store.put(row)
            }
          }
          await done
        }
      } finally {
        db.close()
      }
    }
    for (const [key, value] of snapshot.localStorage) localStorage.setItem(key, value)
  })()`
}

/** Everything `page`'s origin keeps in IndexedDB and localStorage. Take it with no app page of the origin open. */
export async function takeOriginSnapshot (page: Page): Promise<OriginSnapshot> {
  return JSON.parse(await page.evaluate(DUMP) as string) as OriginSnapshot
}

/** Writes `snapshot` into the (empty) storage of `page`'s origin; refuses a database that exists already. */
export async function loadOriginSnapshot (page: Page, snapshot: OriginSnapshot): Promise<void> {
  await page.evaluate(loadScript(snapshot))
}

/** A path on the test's static server that answers 404: a document of the app's origin that is not the app. */
export const NOT_THE_APP = '__parley-test-storage.txt'
