/**
 * Migration v14 → v15 (fan-out to a contact's devices, issue 58 increment 5a;
 * db/pending-devices.ts), as upgrade-v14.test.ts does the one before: seed a
 * raw Dexie at the v14 schema, open the current ParleyDb on it, then compare.
 * Every outgoing row to a contact still waiting for an ack waits for the
 * contact's devices (its PeerID alone without a list); one a relay held is
 * stored for that PeerID; delivered, incoming and group rows are unchanged.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { signDeviceList } from '@parley/protocol/devices/list'
import { contactDeviceFields } from '../../../src/lib/db/contact-devices.ts'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import { pendingForDevice } from '../../../src/lib/db/pending-devices.ts'
import { dbSchemaV14, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { fieldsOf, makeAccounts, NOW } from '../../../packages/protocol/test/devices/helpers.ts'
import { freshDeps } from './helpers.ts'
import type { Account } from '../../../packages/protocol/test/devices/helpers.ts'
import type { ContactRow, EventRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'

const open: Array<{ close: () => void }> = []

afterEach(() => {
  for (const db of open.splice(0)) db.close()
})

const [alice, phone, bob] = makeAccounts(3) as [Account, Account, Account]
const ME = '12D3KooWMe'
const base = { username: 'x', addresses: [], status: 'offline' as const, notes: '', blocked: false, state: 'accepted' as const, verified: false, addedAt: 1, updatedAt: 2 }
const aliceContact: ContactRow = { ...base, id: 1, peerId: alice.peer, ...contactDeviceFields(signDeviceList(alice.secret, fieldsOf(alice, [phone], NOW))) }
const bobContact: ContactRow = { ...base, id: 2, peerId: bob.peer }

const id = (n: number): MessageId => `01JD00000000000000000000${String(n).padStart(2, '0')}` as MessageId
const out = (n: number, contactId: number, state: MessageRow['state']): MessageRow =>
  ({ id: id(n), contactId, direction: 'out', fromPeerId: ME, kind: 'text', body: `m${n}`, sentAt: n, state })
const queuedToAlice = out(1, 1, 'queued')
const storedToBob = out(2, 2, 'stored')
const deliveredToBob = out(3, 2, 'delivered')
const fromBob: MessageRow = { id: id(4), contactId: 2, direction: 'in', fromPeerId: bob.peer, kind: 'text', body: 'hi', sentAt: 4, receivedAt: 5, state: 'read' }
const groupMessage: MessageRow = { ...out(5, 0, 'sent'), groupId: 'g1', lamport: 1 }
const sentEvent: EventRow = { id: id(6), contactId: 2, direction: 'out', fromPeerId: ME, kind: 'reaction', targets: [id(4)], sentAt: 6, state: 'sent', emoji: '👍' }

async function seedV14 (deps: ReturnType<typeof freshDeps>, name: string, rows: Record<string, unknown[]>): Promise<void> {
  const raw = new Dexie(name, deps)
  raw.version(14).stores(dbSchemaV14)
  await raw.open()
  for (const [table, list] of Object.entries(rows)) await raw.table(table).bulkAdd(list)
  raw.close()
}

describe('ParleyDb upgrades', () => {
  describe('v15 (2026-11-30): fan-out to a contact\'s devices', () => {
    it('unacked outgoing rows to a contact wait for its devices; the rest are as they were', async () => {
      const deps = freshDeps()
      await seedV14(deps, 'parley-upgrade-v15', {
        contacts: [aliceContact, bobContact],
        messages: [queuedToAlice, storedToBob, deliveredToBob, fromBob, groupMessage].map(m => ({ ...m, words: [m.body] })),
        events: [sentEvent]
      })
      const db = new ParleyDb('parley-upgrade-v15', deps)
      open.push(db)
      await db.open()
      await openVault(db)

      expect(db.verno).toBe(DB_VERSION)
      expect(DB_VERSION).toBeGreaterThanOrEqual(15)
      expect(await db.contacts.toArray()).toEqual([aliceContact, bobContact])
      expect(await db.messages.toArray()).toEqual([
        { ...queuedToAlice, pendingDevices: [alice.peer, phone.peer] },
        { ...storedToBob, pendingDevices: [bob.peer], storedDevices: [bob.peer] },
        deliveredToBob,
        fromBob,
        groupMessage
      ])
      expect(await db.events.toArray()).toEqual([{ ...sentEvent, pendingDevices: [bob.peer] }])

      // the outbox finds them by device
      expect((await pendingForDevice(db, 1, phone.peer)).messages.map(m => m.id)).toEqual([queuedToAlice.id])
      const forBob = await pendingForDevice(db, 2, bob.peer)
      expect([...forBob.messages, ...forBob.events].map(r => r.id)).toEqual([storedToBob.id, sentEvent.id])
    })
  })
})
