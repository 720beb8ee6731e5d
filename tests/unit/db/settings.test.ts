import { describe, expect, it } from 'vitest'
import { instanceId, nearbyEnabled, setNearbyEnabled } from '../../../src/lib/db/settings.ts'
import { openTestDb } from './helpers.ts'
import type { InstanceSettingRow } from '../../../src/lib/db/types.ts'

/** Settings of this browser: the instance id is made once and kept; it and Nearby's switch live side by side. */
describe('settings', () => {
  it('makes this browser\'s instance id once (16 random bytes) and gives the same one after', async () => {
    const db = await openTestDb()
    const first = await instanceId(db, 1_000)
    expect(first.byteLength).toBe(16)
    expect(await instanceId(db, 2_000)).toEqual(first)
    expect(await db.settings.get('instance')).toEqual({ key: 'instance', id: Buffer.from(first).toString('hex'), createdAt: 1_000 })
    // another browser makes its own
    expect(await instanceId(await openTestDb())).not.toEqual(first)
    // two starts at once agree on one id
    const other = await openTestDb()
    const [a, b] = await Promise.all([instanceId(other), instanceId(other)])
    expect(a).toEqual(b)
  })

  it('replaces a malformed stored id, and keeps the Nearby switch apart', async () => {
    const db = await openTestDb()
    const malformed: InstanceSettingRow = { key: 'instance', id: 'not hex', createdAt: 1 }
    await db.settings.put(malformed)
    const id = await instanceId(db, 5)
    expect(Buffer.from(id).toString('hex')).toMatch(/^[0-9a-f]{32}$/)
    await setNearbyEnabled(db, true)
    expect(await nearbyEnabled(db)).toBe(true)
    expect(await instanceId(db)).toEqual(id)
  })
})
