/**
 * Migration v9 → v12 (keys at rest, issue 57 item 10; db/vault.ts,
 * db/keyring.ts), as upgrade-v9.test.ts does the one before: seed a raw
 * Dexie at the v9 schema with plain secrets (the identity's private key, a
 * session's ratchet state, a prekey secret), open the current ParleyDb on
 * it and unlock its vault as the node does, then read the raw IndexedDB
 * rows: none of the secrets' bytes is there any more, while the app reads
 * every row as it was, also after a reload. On main they were plain rows.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import { getProfile, saveProfile } from '../../../src/lib/db/profile.ts'
import { dbSchemaV9, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { prekeySecret, sessionsOf } from '../../../src/lib/db/sessions.ts'
import { holdsBytes, rawRows } from '../../support/raw-idb.ts'
import { freshDeps } from './helpers.ts'
import { sessionRow } from './session-rows.ts'
import type { PrekeyRow, SessionRow } from '../../../src/lib/db/session-types.ts'
import type { ProfileRow } from '../../../src/lib/db/types.ts'

const DB_NAME = 'parley-upgrade-v12'
const open: ParleyDb[] = []

afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

const random = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n))

function secrets (): { profile: ProfileRow, session: SessionRow, prekey: PrekeyRow, needles: Uint8Array[] } {
  const profile: ProfileRow = { id: 1, peerId: '12D3KooWMe', privateKey: random(68), username: 'me', createdAt: 10 }
  const session = sessionRow('12D3KooWAlice', { current: true })
  session.state.rootKey = random(32)
  session.state.dhSecret = random(32)
  if (session.state.ourKem !== null) session.state.ourKem.seed = random(64)
  const prekey: PrekeyRow = { kind: 1, id: 9, secret: random(32), record: new Uint8Array(109).fill(7), createdAt: 5 }
  const needles = [profile.privateKey, session.state.rootKey, session.state.dhSecret, session.state.ourKem?.seed ?? new Uint8Array(0), prekey.secret]
  return { profile, session, prekey, needles }
}

async function openDb (deps: ReturnType<typeof freshDeps>): Promise<ParleyDb> {
  const db = new ParleyDb(DB_NAME, deps)
  open.push(db)
  await db.open()
  return db
}

/** Every raw row of the secret tables, as a copy of the database file holds them. */
async function rawSecretRows (deps: ReturnType<typeof freshDeps>): Promise<unknown[]> {
  return [
    ...await rawRows(deps.indexedDB, DB_NAME, 'profile'),
    ...await rawRows(deps.indexedDB, DB_NAME, 'sessions'),
    ...await rawRows(deps.indexedDB, DB_NAME, 'prekeys')
  ]
}

describe('ParleyDb upgrades', () => {
  describe('v12 (2026-11-29): keys at rest (keyring table; secret fields sealed)', () => {
    it('seals every plain secret row of v9 when the node unlocks the vault, and the app reads them as they were, also after a reload', async () => {
      const deps = freshDeps()
      const { profile, session, prekey, needles } = secrets()
      const raw = new Dexie(DB_NAME, deps)
      raw.version(9).stores(dbSchemaV9)
      await raw.open()
      await raw.table('profile').add(profile)
      await raw.table('sessions').add(session)
      await raw.table('prekeys').add(prekey)
      raw.close()
      // the test sees its secrets in the v9 rows, as a copy of main's database shows them
      for (const needle of needles) expect(holdsBytes(await rawSecretRows(deps), needle)).toBe(true)

      const db = await openDb(deps)
      expect(db.verno).toBe(DB_VERSION)
      await openVault(db)

      const rows = await rawSecretRows(deps)
      expect(rows).toHaveLength(3)
      for (const needle of needles) expect(holdsBytes(rows, needle)).toBe(false)
      for (const row of rows) expect(row).toHaveProperty('sealed')
      // what is not secret stays readable (the PeerID, a session's peer): the node's queries need it
      expect(rows).toContainEqual(expect.objectContaining({ peerId: '12D3KooWMe', username: 'me' }))
      const [keyring] = await rawRows(deps.indexedDB, DB_NAME, 'keyring') as Array<{ wrappingKey: CryptoKey }>
      expect(keyring?.wrappingKey).toBeInstanceOf(CryptoKey)
      expect(keyring?.wrappingKey.extractable).toBe(false)

      expect(await getProfile(db)).toEqual(profile)
      expect(await sessionsOf(db, '12D3KooWAlice')).toEqual([session])
      expect(await prekeySecret(db, 1, 9)).toEqual(prekey)

      // a reload: a new connection, the vault unlocked again from the keyring
      db.close()
      const again = await openDb(deps)
      await openVault(again)
      expect(await getProfile(again)).toEqual(profile)
      expect(await sessionsOf(again, '12D3KooWAlice')).toEqual([session])
      expect(await prekeySecret(again, 1, 9)).toEqual(prekey)
      for (const needle of needles) expect(holdsBytes(await rawSecretRows(deps), needle)).toBe(false)
    })

    it('refuses to write a secret while the vault is locked and stores nothing; a locked connection (a tab) reads sealed rows as they are', async () => {
      const deps = freshDeps()
      const { profile } = secrets()
      const db = await openDb(deps)
      await expect(saveProfile(db, profile)).rejects.toMatchObject({ name: 'VaultLockedError' })
      expect(await rawRows(deps.indexedDB, DB_NAME, 'profile')).toEqual([])

      await openVault(db)
      await saveProfile(db, profile)
      const tab = await openDb(deps)
      const seen = await tab.profile.get(1) as unknown as Record<string, unknown>
      expect(seen).not.toHaveProperty('privateKey')
      expect(seen['sealed']).toBeInstanceOf(Uint8Array)
      expect(seen['username']).toBe('me')
    })

    it('a sealed value moved to another row does not open', async () => {
      const deps = freshDeps()
      const db = await openDb(deps)
      await openVault(db)
      const a = sessionRow('12D3KooWAlice')
      const b = sessionRow('12D3KooWBob')
      await db.sessions.bulkPut([a, b])
      const [rawA] = (await rawRows(deps.indexedDB, DB_NAME, 'sessions') as Array<{ id: string, sealed: Uint8Array }>).filter(r => r.id === a.id)
      // someone with write access swaps A's sealed state into B's row
      await db.sessions.toCollection().raw().modify((row: { id: string, sealed?: Uint8Array }) => {
        if (row.id === b.id && rawA !== undefined) row.sealed = rawA.sealed
      })
      await expect(db.sessions.get(b.id)).rejects.toMatchObject({ name: 'SealedRowError' })
      expect(await db.sessions.get(a.id)).toEqual(a)
    })
  })
})
