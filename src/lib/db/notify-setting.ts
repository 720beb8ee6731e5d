/**
 * This device's notification key and "Show names in notifications" (the
 * `settings` row 'notify', setting-types.ts). The worker writes it; the
 * service worker only reads it (lib/pwa/push-names.ts).
 */
import { toBase64Url } from '@parley/protocol/base64'
import { makeNotifyKeyPair } from '@parley/protocol/push/notify-key'
import type { ParleyDb } from './db.ts'
import type { NotifySettingRow } from './types.ts'

/** The row, made with a new key pair (names off) the first time it is asked for; a malformed one is replaced. */
export async function notifySetting (db: ParleyDb, now: number = Date.now()): Promise<NotifySettingRow> {
  return db.transaction('rw', db.settings, async () => {
    const stored = await db.settings.get('notify')
    if (stored?.key === 'notify' && typeof stored.secretKey === 'string' && typeof stored.publicKey === 'string' && typeof stored.names === 'boolean') return stored
    const { secretKey, publicKey } = makeNotifyKeyPair()
    const row: NotifySettingRow = { key: 'notify', secretKey: toBase64Url(secretKey), publicKey: toBase64Url(publicKey), names: false, updatedAt: now }
    await db.settings.put(row)
    return row
  })
}

/** Turns "Show names in notifications" on or off (the key is kept either way). */
export async function setNotifyNames (db: ParleyDb, names: boolean, now: number = Date.now()): Promise<void> {
  await db.transaction('rw', db.settings, async () => {
    const row = await notifySetting(db, now)
    const next: NotifySettingRow = { ...row, names, updatedAt: now }
    await db.settings.put(next)
  })
}

/** This device's notification public key (base64url) when the row holds one; never makes it (the key goes to contacts only once push or names made it). */
export async function notifyPublicKey (db: ParleyDb): Promise<string | undefined> {
  const stored = await db.settings.get('notify')
  return stored?.key === 'notify' && typeof stored.publicKey === 'string' ? stored.publicKey : undefined
}
