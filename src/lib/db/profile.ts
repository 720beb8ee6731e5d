import { accountOfProfile } from './account.ts'
import type { ParleyDb } from './db.ts'
import type { ProfileRow } from './types.ts'

/** The local profile, or undefined before onboarding. */
export async function getProfile (db: ParleyDb): Promise<ProfileRow | undefined> {
  return db.profile.get(1)
}

/** Creates or replaces the local profile (there is only ever row 1). */
export async function saveProfile (db: ParleyDb, row: ProfileRow): Promise<void> {
  await db.profile.put(row)
}

/**
 * A new identity (onboarding): the profile and its account (db/account.ts),
 * of which this device is the first device, in one transaction.
 */
export async function saveNewIdentity (db: ParleyDb, row: ProfileRow): Promise<void> {
  await db.transaction('rw', [db.profile, db.account], async () => {
    await db.profile.put(row)
    await db.account.put(accountOfProfile(row))
  })
}
