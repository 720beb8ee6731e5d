/**
 * Migration v12 → v13 (linked devices, issue 58; db/account.ts), as
 * upgrade-v12.test.ts does the one before: seed a raw Dexie at the v12
 * schema, open the current ParleyDb on it and unlock its vault as the node
 * does, then compare. An existing identity becomes an account with one
 * device, itself: it holds the key, has no name and no list yet (the node
 * signs it at start, p2p/devices); every other row stays as it was,
 * the sealed private key too.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { accountOfProfile, getAccount } from '../../../src/lib/db/account.ts'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import { getProfile, saveProfile } from '../../../src/lib/db/profile.ts'
import { dbSchemaV12, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { rawRows } from '../../support/raw-idb.ts'
import { freshDeps } from './helpers.ts'
import type { ContactRow, MessageId, MessageRow, ProfileRow } from '../../../src/lib/db/types.ts'

const open: Array<{ close: () => void }> = []

afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

const profile: ProfileRow = { id: 1, peerId: '12D3KooWMe', privateKey: crypto.getRandomValues(new Uint8Array(68)), username: 'me', createdAt: 10 }
const contact: ContactRow = {
  id: 7, peerId: '12D3KooWAlice', username: 'alice', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: true, sessions: true, addedAt: 20, updatedAt: 30
}
const message: MessageRow = { id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read' }

async function seedV12 (deps: ReturnType<typeof freshDeps>, name: string, rows: Record<string, unknown[]>): Promise<void> {
  const raw = new Dexie(name, deps)
  raw.version(12).stores(dbSchemaV12)
  await raw.open()
  for (const [table, list] of Object.entries(rows)) await raw.table(table).bulkAdd(list)
  raw.close()
}

async function openDb (deps: ReturnType<typeof freshDeps>, name: string): Promise<ParleyDb> {
  const db = new ParleyDb(name, deps)
  open.push(db)
  await db.open()
  await openVault(db)
  return db
}

describe('ParleyDb upgrades', () => {
  describe('v13 (2026-11-29): linked devices (account table)', () => {
    it('makes a plain v12 identity an account with one device, itself, and keeps every row', async () => {
      const deps = freshDeps()
      await seedV12(deps, 'parley-upgrade-v13-plain', {
        profile: [profile],
        contacts: [contact],
        messages: [{ ...message, words: ['hi'] }],
        settings: [{ key: 'messaging', readReceipts: false, typing: true, updatedAt: 3 }]
      })

      const db = await openDb(deps, 'parley-upgrade-v13-plain')
      expect(db.verno).toBe(DB_VERSION)
      expect(await getAccount(db)).toEqual({ id: 1, account: '12D3KooWMe', holder: true, deviceName: '', version: 0 })
      expect(await getAccount(db)).toEqual(accountOfProfile(profile))
      expect(await getProfile(db)).toEqual(profile)
      expect(await db.contacts.toArray()).toEqual([contact])
      expect(await db.messages.toArray()).toEqual([message])
      expect(await db.settings.toArray()).toEqual([{ key: 'messaging', readReceipts: false, typing: true, updatedAt: 3 }])
    })

    it('reads the PeerID of a profile v12 sealed, and the sealed key still opens after the upgrade', async () => {
      // a sealed profile and the keyring that opens it, made by a v13 database, copied into a v12 one as they are stored
      const deps = freshDeps()
      const maker = await openDb(deps, 'parley-upgrade-v13-maker')
      await saveProfile(maker, profile)
      maker.close()
      const sealed = await rawRows(deps.indexedDB, 'parley-upgrade-v13-maker', 'profile')
      const keyring = await rawRows(deps.indexedDB, 'parley-upgrade-v13-maker', 'keyring')
      expect(sealed[0]).toHaveProperty('sealed')
      expect(sealed[0]).not.toHaveProperty('privateKey')
      await seedV12(deps, 'parley-upgrade-v13-sealed', { profile: sealed, keyring })

      const db = await openDb(deps, 'parley-upgrade-v13-sealed')
      expect(await getAccount(db)).toEqual({ id: 1, account: '12D3KooWMe', holder: true, deviceName: '', version: 0 })
      expect(await getProfile(db)).toEqual(profile)
      expect(await rawRows(deps.indexedDB, 'parley-upgrade-v13-sealed', 'profile')).toEqual(sealed)
    })

    it('makes no account before onboarding (no profile), and the account row is never sealed', async () => {
      const deps = freshDeps()
      await seedV12(deps, 'parley-upgrade-v13-empty', {})
      const db = await openDb(deps, 'parley-upgrade-v13-empty')
      expect(await getAccount(db)).toBeUndefined()
      await db.account.put(accountOfProfile(profile, { deviceName: 'Laptop', version: 5 }))
      // a tab (its vault locked) reads it as the worker wrote it
      const tab = new ParleyDb('parley-upgrade-v13-empty', deps)
      open.push(tab)
      expect(await getAccount(tab)).toEqual({ id: 1, account: '12D3KooWMe', holder: true, deviceName: 'Laptop', version: 5 })
      expect(await rawRows(deps.indexedDB, 'parley-upgrade-v13-empty', 'account')).toEqual([{ id: 1, account: '12D3KooWMe', holder: true, deviceName: 'Laptop', version: 5 }])
    })
  })
})
