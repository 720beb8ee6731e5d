/**
 * A copy of an identity restored from a backup gives way to the copy that
 * runs elsewhere (issue 58, increment 9; p2p/link `linkInstead`): every row
 * of it goes in one transaction, the profile with its private key first of
 * all, so that this browser no longer holds the account key beside the
 * device that does. What stays is this browser's own: its instance id
 * (`settings` row `instance`, so the relays still tell it from the others)
 * and the vault's key (`keyring`). The backup file itself is not touched.
 */
import type { ParleyDb } from './db.ts'

/** Settings rows that belong to the browser, not to the copy. */
const KEPT_SETTINGS: ReadonlySet<string> = new Set(['instance'])
/** Tables that belong to the browser, not to the copy. */
const KEPT_TABLES: ReadonlySet<string> = new Set(['keyring'])

/** Erases this copy (see above); the database then reads as a browser's with no identity. */
export async function eraseCopy (db: ParleyDb): Promise<void> {
  const tables = db.tables.filter(table => !KEPT_TABLES.has(table.name))
  await db.transaction('rw', tables, async () => {
    for (const table of tables) {
      if (table.name === db.settings.name) await db.settings.filter(row => !KEPT_SETTINGS.has(row.key)).delete()
      else await table.clear()
    }
  })
}
