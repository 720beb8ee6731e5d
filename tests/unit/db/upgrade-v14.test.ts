/**
 * Migration v13 → v14 (contacts' device lists, issue 58; db/contact-devices.ts),
 * as upgrade-v13.test.ts does the one before: seed a raw Dexie at the v13
 * schema, open the current ParleyDb on it, then compare. No row changes (no
 * contact has a list yet); the new multiEntry index `devicePeers` is there,
 * empty, and maps a device PeerID to its contact once a list is stored.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { signDeviceList } from '@parley/protocol/devices/list'
import { getAccount } from '../../../src/lib/db/account.ts'
import { getContactOfPeer, storeContactDevices } from '../../../src/lib/db/contact-devices.ts'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import { dbSchemaV13, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { fieldsOf, makeAccounts } from '../../../packages/protocol/test/devices/helpers.ts'
import { freshDeps } from './helpers.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { AccountRow } from '../../../src/lib/db/account.ts'
import type { ContactRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'

const open: Array<{ close: () => void }> = []

afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

const [alice, phone] = makeAccounts(2) as [Account, Account]
const account: AccountRow = { id: 1, account: '12D3KooWMe', holder: true, deviceName: 'Laptop', version: 5 }
const contact: ContactRow = {
  id: 7, peerId: alice.peer, username: 'alice', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: true, sessions: true, addedAt: 20, updatedAt: 30
}
const message: MessageRow = { id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: alice.peer, kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read' }

async function seedV13 (deps: ReturnType<typeof freshDeps>, name: string, rows: Record<string, unknown[]>): Promise<void> {
  const raw = new Dexie(name, deps)
  raw.version(13).stores(dbSchemaV13)
  await raw.open()
  for (const [table, list] of Object.entries(rows)) await raw.table(table).bulkAdd(list)
  raw.close()
}

describe('ParleyDb upgrades', () => {
  describe('v14 (2026-11-29): contacts\' device lists', () => {
    it('keeps every v13 row as it was, and the new index maps a listed device to its contact', async () => {
      const deps = freshDeps()
      await seedV13(deps, 'parley-upgrade-v14', {
        account: [account],
        contacts: [contact],
        messages: [{ ...message, words: ['hi'] }]
      })
      const db = new ParleyDb('parley-upgrade-v14', deps)
      open.push(db)
      await db.open()
      await openVault(db)

      expect(db.verno).toBe(DB_VERSION)
      expect(DB_VERSION).toBeGreaterThanOrEqual(14)
      expect(await db.contacts.toArray()).toEqual([contact])
      expect(await db.messages.toArray()).toEqual([message])
      expect(await getAccount(db)).toEqual(account)
      expect(await db.contacts.where('devicePeers').equals(phone.peer).count()).toBe(0)
      expect(await getContactOfPeer(db, phone.peer)).toBeUndefined()
      expect(await getContactOfPeer(db, alice.peer)).toEqual(contact)

      const list = signDeviceList(alice.secret, fieldsOf(alice, [phone]))
      expect(await storeContactDevices(db, 7, list)).toMatchObject({ outcome: 'newer', added: [phone.peer], removed: [] })
      expect((await getContactOfPeer(db, phone.peer))?.id).toBe(7)
      expect(await db.contacts.get(7)).toEqual({ ...contact, devices: list.signed, devicesVersion: list.version, devicePeers: [alice.peer, phone.peer] })
    })
  })
})
