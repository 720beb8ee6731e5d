/**
 * Migration v15 → v16 (own devices in step, issue 58 increment 5b;
 * db/sync-queue.ts). As upgrade-v15.test.ts does the one before: seed a raw
 * Dexie at the v15 schema, open the current ParleyDb on it, then compare.
 * No row changes; the new table is there, empty, and keeps a sibling's items
 * in order, bounded.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import { dbSchemaV15, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { keepSyncFor, queueSyncItem, siblingsWithItems, syncItemDone, syncItemsFor } from '../../../src/lib/db/sync-queue.ts'
import { freshDeps } from './helpers.ts'
import type { AccountRow } from '../../../src/lib/db/account.ts'
import type { ContactRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'

const open: Array<{ close: () => void }> = []

afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

const account: AccountRow = { id: 1, account: '12D3KooWMe', holder: true, deviceName: 'Laptop', version: 5 }
const contact: ContactRow = {
  id: 7, peerId: '12D3KooWBob', username: 'bob', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: true, sessions: true, addedAt: 20, updatedAt: 30, devicePeers: ['12D3KooWBob']
}
const message: MessageRow = { id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWBob', kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read' }
const bytes = (n: number): Uint8Array => new Uint8Array([n])
const ulid = (n: number): string => `01JD${String(n).padStart(22, '0')}`

async function seedV15 (deps: ReturnType<typeof freshDeps>, name: string): Promise<void> {
  const raw = new Dexie(name, deps)
  raw.version(15).stores(dbSchemaV15)
  await raw.open()
  await raw.table('account').add(account)
  await raw.table('contacts').add(contact)
  await raw.table('messages').add({ ...message, words: ['hi'] })
  raw.close()
}

describe('ParleyDb upgrades', () => {
  describe('v16 (2026-11-30): the sync queue', () => {
    it('keeps every v15 row as it was, and the new queue holds each sibling\'s items in order, at most the bound', async () => {
      const deps = freshDeps()
      await seedV15(deps, 'parley-upgrade-v16')
      const db = new ParleyDb('parley-upgrade-v16', deps)
      open.push(db)
      await db.open()
      await openVault(db)

      expect(db.verno).toBe(DB_VERSION)
      expect(DB_VERSION).toBe(16)
      expect(await db.contacts.toArray()).toEqual([contact])
      expect(await db.messages.toArray()).toEqual([message])
      expect(await db.account.get(1)).toEqual(account)
      expect(await db.syncQueue.count()).toBe(0)

      // queued for two siblings, out of order: each reads back oldest first
      for (const n of [3, 1, 2]) expect(await queueSyncItem(db, ['phone', 'tablet'], ulid(n), bytes(n), 3)).toBe(0)
      expect((await syncItemsFor(db, 'phone', 10)).map(r => r.id)).toEqual([ulid(1), ulid(2), ulid(3)])
      expect(await siblingsWithItems(db)).toEqual(['phone', 'tablet'])
      // past the bound the oldest goes, for each sibling
      expect(await queueSyncItem(db, ['phone', 'tablet'], ulid(4), bytes(4), 3)).toBe(2)
      expect((await syncItemsFor(db, 'tablet', 10)).map(r => r.item[0])).toEqual([2, 3, 4])
      await syncItemDone(db, 'phone', ulid(2))
      expect((await syncItemsFor(db, 'phone', 10)).map(r => r.id)).toEqual([ulid(3), ulid(4)])
      // a device no longer on the list gets nothing more
      await keepSyncFor(db, ['phone'])
      expect(await siblingsWithItems(db)).toEqual(['phone'])
    })
  })
})
