import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js'
import type { ParleyDb } from './db.ts'
import type { HelloClockSettingRow, InstanceSettingRow, MessagingSettingRow, NearbySettingRow, PushSettingRow } from './types.ts'

/**
 * Settings of this browser (the `settings` table): kept on this device,
 * outside identity backups. The worker writes them (through RPC); tabs read
 * them with liveQuery.
 */

/** Whether the user opted in to "Nearby" on this device; off until they turn it on. */
export async function nearbyEnabled (db: ParleyDb): Promise<boolean> {
  const row = await db.settings.get('nearby')
  return row?.key === 'nearby' ? row.enabled : false
}

export async function setNearbyEnabled (db: ParleyDb, enabled: boolean, now: number = Date.now()): Promise<void> {
  const row: NearbySettingRow = { key: 'nearby', enabled, updatedAt: now }
  await db.settings.put(row)
}

/** Hex digits of an instance id: 16 random bytes. */
const INSTANCE_ID_HEX = /^[0-9a-f]{32}$/

/**
 * This browser profile's instance id (16 bytes), made the first time it is
 * asked for and kept: the node restarting (a reload, a worker that died, the
 * fallback's owner tab handing over) is the same instance, so it never looks
 * like a second copy. A malformed row is replaced.
 */
export async function instanceId (db: ParleyDb, now: number = Date.now()): Promise<Uint8Array> {
  const hex = await db.transaction('rw', db.settings, async () => {
    const stored = await db.settings.get('instance')
    if (stored?.key === 'instance' && INSTANCE_ID_HEX.test(stored.id)) return stored.id
    const id = bytesToHex(crypto.getRandomValues(new Uint8Array(16)))
    const row: InstanceSettingRow = { key: 'instance', id, createdAt: now }
    await db.settings.put(row)
    return id
  })
  return hexToBytes(hex)
}

/** Read receipts and typing indicators: both on until the user turns them off. */
export async function messagingSettings (db: ParleyDb): Promise<Pick<MessagingSettingRow, 'readReceipts' | 'typing'>> {
  const row = await db.settings.get('messaging')
  return row?.key === 'messaging' ? { readReceipts: row.readReceipts, typing: row.typing } : { readReceipts: true, typing: true }
}

export async function setMessagingSettings (db: ParleyDb, settings: { readReceipts: boolean, typing: boolean }, now: number = Date.now()): Promise<void> {
  const row: MessagingSettingRow = { key: 'messaging', ...settings, updatedAt: now }
  await db.settings.put(row)
}

/**
 * The `time` of a hello we make now (docs/protocols.md, "Freshness"): `now`,
 * or 1 ms after the last one made when the clock stepped back (or two came in
 * the same ms), so that every hello is newer than the ones before it.
 */
export async function nextHelloTime (db: ParleyDb, now: number = Date.now()): Promise<number> {
  return db.transaction('rw', db.settings, async () => {
    const row = await db.settings.get('helloClock')
    const last = row?.key === 'helloClock' && Number.isSafeInteger(row.last) ? row.last : 0
    const next: HelloClockSettingRow = { key: 'helloClock', last: Math.max(Math.floor(now), last + 1) }
    await db.settings.put(next)
    return next.last
  })
}

/** This browser's push subscription and what each relay said of it (src/lib/p2p/push); none yet: off. */
export async function pushSetting (db: ParleyDb): Promise<PushSettingRow> {
  const row = await db.settings.get('push')
  return row?.key === 'push' ? row : { key: 'push', subscription: null, relays: {}, updatedAt: 0 }
}

export async function setPushSetting (db: ParleyDb, row: PushSettingRow): Promise<void> {
  await db.settings.put(row)
}
