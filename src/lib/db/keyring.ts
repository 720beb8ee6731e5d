/**
 * The vault's key in IndexedDB (schema v12 `keyring`; vault.ts says what it
 * seals): one row holding a non-extractable AES-256-GCM CryptoKey, as the
 * browser stores keys (structured clone: script can use it, never read its
 * bytes through an API), and the 32-byte data key it wraps.
 *
 * `openVault` is the node's first act on the database once it holds the
 * writer lock: it makes the keyring on first use, unwraps the data key into
 * the db's vault for the node's life, then seals every secret row still
 * stored plain (a database from before v12: the upgrade itself cannot do it,
 * since an upgrade transaction cannot wait for WebCrypto). Where the browser
 * cannot keep a CryptoKey in IndexedDB it fails with
 * {@link KeyStoreUnavailableError}, and the node does not start: secrets are
 * never stored plain instead.
 */
import { DATA_KEY_BYTES, isSealed, SECRET_FIELDS } from './vault.ts'
import { xchachaRowCipher } from './vault-cipher.ts'
import type { ParleyDb } from './db.ts'
import type { SecretTable } from './vault.ts'

/** The one row of the `keyring` table. */
export interface KeyringRow {
  id: 1
  /** AES-256-GCM, extractable false, usages encrypt and decrypt */
  wrappingKey: CryptoKey
  /** the data key's AES-GCM nonce (12 bytes) */
  iv: Uint8Array<ArrayBuffer>
  /** the data key, AES-GCM-encrypted by `wrappingKey` (32 bytes and a 16-byte tag) */
  dataKey: Uint8Array<ArrayBuffer>
  createdAt: number
  /** every secret row stored plain before the keyring was sealed (`sealPlainRows` ran to its end): later starts skip the scan */
  sealedAll?: true
}

/** This browser cannot keep a non-extractable key in IndexedDB (or use it): the node does not start. */
export class KeyStoreUnavailableError extends Error {
  override name = 'KeyStoreUnavailableError'
}

const WRAP_LABEL = new TextEncoder().encode('parley-keyring-v1')
const IV_BYTES = 12

async function makeKeyring (db: ParleyDb, subtle: SubtleCrypto, now: number): Promise<KeyringRow> {
  const wrappingKey = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
  const dataKey = crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES))
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES))
  const wrapped = new Uint8Array(await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: WRAP_LABEL }, wrappingKey, dataKey))
  dataKey.fill(0)
  const row: KeyringRow = { id: 1, wrappingKey, iv, dataKey: wrapped, createdAt: now }
  await db.keyring.add(row)
  return row
}

/**
 * Unlocks `db`'s vault with the keyring's data key (making the keyring on
 * first use), then seals the secret rows stored plain before. Throws
 * {@link KeyStoreUnavailableError} where the browser's key store fails.
 */
export async function openVault (db: ParleyDb, options: { subtle?: SubtleCrypto, now?: number } = {}): Promise<void> {
  const subtle = options.subtle ?? globalThis.crypto?.subtle
  if (subtle === undefined) throw new KeyStoreUnavailableError('this browser has no WebCrypto')
  let row: KeyringRow | undefined
  try {
    row = await db.keyring.get(1) ?? await makeKeyring(db, subtle, options.now ?? Date.now())
  } catch (err) {
    throw new KeyStoreUnavailableError(`the keyring could not be made or read: ${(err as Error).message}`, { cause: err })
  }
  if (!(row.wrappingKey instanceof CryptoKey) || row.wrappingKey.extractable) {
    throw new KeyStoreUnavailableError('the keyring holds no non-extractable key')
  }
  let dataKey: Uint8Array
  try {
    dataKey = new Uint8Array(await subtle.decrypt({ name: 'AES-GCM', iv: row.iv, additionalData: WRAP_LABEL }, row.wrappingKey, row.dataKey))
  } catch (err) {
    throw new KeyStoreUnavailableError(`the keyring's key does not unwrap its data key: ${(err as Error).message}`, { cause: err })
  }
  db.vault.unlock(dataKey, xchachaRowCipher)
  dataKey.fill(0)
  // once: after it, the middleware seals every write (and refuses one while locked), so no plain row comes back
  if (row.sealedAll !== true) {
    await sealPlainRows(db)
    await db.keyring.update(1, { sealedAll: true })
  }
}

/** v12's step: every secret row stored plain is written again, which seals it (vault.ts's middleware). Idempotent. */
export async function sealPlainRows (db: ParleyDb): Promise<number> {
  let sealed = 0
  for (const name of Object.keys(SECRET_FIELDS) as SecretTable[]) {
    const table = db.table(name)
    await db.transaction('rw', table, async () => {
      // raw rows: the reading hook would open sealed ones, which are left as they are
      const plain = (await table.toCollection().raw().toArray()).filter(row => !isSealed(row))
      if (plain.length > 0) await table.bulkPut(plain)
      sealed += plain.length
    })
  }
  return sealed
}
