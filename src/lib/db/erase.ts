/**
 * Erasing this device's copy of Parley (a linked device removed from its
 * account, or unlinked by its person; docs/security.md, "Linked devices"):
 * every table emptied in one transaction, so every tab's live reads see no
 * profile at once and show the welcome screen. The keyring stays: its
 * non-extractable key seals nothing once the rows are gone, and the vault
 * stays open for a new identity made here without a reload. The node is
 * stopped before (p2p/root), so nothing writes meanwhile.
 */
import type { ParleyDb } from './db.ts'

/** The tables erasing keeps. */
const KEPT = new Set(['keyring'])

export async function eraseLocalData (db: ParleyDb): Promise<void> {
  const tables = db.tables.filter(t => !KEPT.has(t.name))
  await db.transaction('rw', tables, async () => {
    for (const table of tables) await table.clear()
  })
}
