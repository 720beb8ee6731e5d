/**
 * The one page-database reader of the test suites: reads the app's own
 * IndexedDB database (`parley`) inside a page, as the app stored it. Used by
 * the e2e helpers, the NAT lab and the benchmarks.
 *
 * The scripts are strings, not functions: under tsx (the benchmarks) a
 * function's inner named functions are wrapped in a `__name` helper that
 * does not exist in the page.
 */
import { Vault } from '../../src/lib/db/vault.ts'
import { xchachaRowCipher } from '../../src/lib/db/vault-cipher.ts'
import type { SecretTable } from '../../src/lib/db/vault.ts'
import type { Page } from '@playwright/test'

/**
 * An expression, evaluated in a page, that opens the existing `parley`
 * database (never creating it), runs `body` with `db` and a promisifying
 * `req(request)` in scope, and closes the database again.
 */
export function withPageDb (body: string): string {
  return `(async () => {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open('parley')
      request.onupgradeneeded = () => { request.transaction.abort() }
      request.onsuccess = () => { resolve(request.result) }
      request.onerror = () => { reject(request.error ?? new Error('cannot open the parley database')) }
    })
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => { resolve(r.result) }; r.onerror = () => { reject(r.error) } })
    try {
      ${body}
    } finally {
      db.close()
    }
  })()`
}

export interface RowQuery {
  /** read through this index (its name in db/schema.ts) instead of the primary key */
  index?: string
  /** a JavaScript expression for the key or IDBKeyRange to read, e.g. `JSON.stringify(peerId)` */
  range?: string
}

/**
 * Every row of `table` (or those under `query`), as the page stored them;
 * byte arrays come back as arrays of numbers and Blobs as null, since only
 * plain values leave the page.
 */
export async function readRows<T = Record<string, unknown>> (page: Page, table: string, query: RowQuery = {}): Promise<T[]> {
  const store = `db.transaction(${JSON.stringify(table)}).objectStore(${JSON.stringify(table)})`
  const source = query.index === undefined ? store : `${store}.index(${JSON.stringify(query.index)})`
  return await page.evaluate(withPageDb(`
    const rows = await req(${source}.getAll(${query.range ?? ''}))
    const plain = (v) => v instanceof Uint8Array ? Array.from(v)
      : v instanceof Blob ? null
        : Array.isArray(v) ? v.map(plain)
          : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
            : v
    return rows.map(plain)
  `)) as T[]
}

/** Byte arrays as arrays of numbers, as {@link readRows} hands rows out. */
function plain (v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v)
  if (Array.isArray(v)) return v.map(plain)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

/**
 * {@link readRows} of a table whose secrets are sealed (`profile`,
 * `sessions`, `prekeys`: src/lib/db/vault.ts), opened: the page unwraps the
 * keyring's data key with its non-extractable key, as any script of the
 * origin can (docs/security.md, "Keys at rest"), and the rows are opened here
 * with the app's own vault. Secret bytes come back as arrays of numbers too.
 */
export async function readSecretRows<T = Record<string, unknown>> (page: Page, table: SecretTable, query: RowQuery = {}): Promise<T[]> {
  const [rows, dataKey] = await Promise.all([
    readRows<Record<string, unknown>>(page, table, query),
    page.evaluate(withPageDb(`
      const row = await req(db.transaction('keyring').objectStore('keyring').get(1))
      if (row === undefined) return null
      const ad = new TextEncoder().encode('parley-keyring-v1')
      return Array.from(new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: row.iv, additionalData: ad }, row.wrappingKey, row.dataKey)))
    `)) as Promise<number[] | null>
  ])
  if (dataKey === null) throw new Error('the page\'s database has no keyring')
  const vault = new Vault()
  vault.unlock(Uint8Array.from(dataKey), xchachaRowCipher)
  return rows.map(row => {
    const sealed = row['sealed']
    const stored = Array.isArray(sealed) ? { ...row, sealed: Uint8Array.from(sealed as number[]) } : row
    return plain(vault.openRow(table, stored)) as T
  })
}
