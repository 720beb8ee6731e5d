import type { ParleyDb } from './db.ts'

/**
 * Settings of this browser (the `settings` table): kept on this device,
 * outside identity backups. The worker writes them (through RPC); tabs read
 * them with liveQuery.
 */

/** Whether the user opted in to "Nearby" on this device; off until they turn it on. */
export async function nearbyEnabled (db: ParleyDb): Promise<boolean> {
  return (await db.settings.get('nearby'))?.enabled ?? false
}

export async function setNearbyEnabled (db: ParleyDb, enabled: boolean, now: number = Date.now()): Promise<void> {
  await db.settings.put({ key: 'nearby', enabled, updatedAt: now })
}
