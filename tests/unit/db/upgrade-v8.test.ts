/**
 * Migration v7 → v8 (groups), as upgrade.test.ts does the earlier ones: seed
 * a raw Dexie at the v7 schema, open the current ParleyDb on it, compare.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { activeGroups, GROUP_CONTACT_ID, groupMessages, queueGroupMessage, owedTo, saveGroup } from '../../../src/lib/db/groups.ts'
import { chatMessages, contactsWithOutbox, outbox } from '../../../src/lib/db/messages.ts'
import { outboxEvents } from '../../../src/lib/db/events.ts'
import { dbSchemaV7, DB_VERSION } from '../../../src/lib/db/schema.ts'
import type { ContactRow, EventRow, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { freshDeps } from './helpers.ts'

const DB_NAME = 'parley-upgrade-v8'
let db: ParleyDb | undefined

afterEach(() => {
  db?.close()
  db = undefined
})

const contact: ContactRow = {
  id: 7, peerId: '12D3KooWAlice', username: 'alice', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: false, timer: { ttl: 300, by: '12D3KooWAlice', id: '01JD0000000000000000000T01', sentAt: 90 }, addedAt: 20, updatedAt: 30
}
const messages: MessageRow[] = [
  { id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read', reactions: [{ from: '12D3KooWMe', emoji: '👍', id: '01JD0000000000000000000R01', sentAt: 110 }] },
  { id: '01JD0000000000000000000002' as MessageId, contactId: 7, direction: 'out', fromPeerId: '12D3KooWMe', kind: 'text', body: 'queued', sentAt: 200, state: 'queued', ttl: 300, expiresAt: 500 }
]
/** As every version from v15 reads them: the queued one waits for the contact's one device (its PeerID). */
const messagesNow: MessageRow[] = [messages[0]!, { ...messages[1]!, pendingDevices: ['12D3KooWAlice'] }]
const event: EventRow = {
  id: '01JD0000000000000000000E01', contactId: 7, direction: 'out', fromPeerId: '12D3KooWMe', kind: 'edit',
  targets: ['01JD0000000000000000000002' as MessageId], sentAt: 210, state: 'queued', text: 'edited'
}

describe('ParleyDb upgrades', () => {
  describe('v8 (2026-11-24): groups (groups, groupOps, groupDeliveries tables; the group order index)', () => {
    it('keeps every v7 row, adds empty, usable group tables, and keeps group messages out of the 1:1 outbox', async () => {
      const deps = freshDeps()
      const raw = new Dexie(DB_NAME, deps)
      raw.version(7).stores(dbSchemaV7)
      await raw.open()
      await raw.table('contacts').add(contact)
      await raw.table('messages').bulkAdd(messages.map((m) => ({ ...m, words: [m.body] })))
      await raw.table('events').add(event)
      raw.close()

      db = new ParleyDb(DB_NAME, deps)
      await db.open()
      expect(db.verno).toBe(DB_VERSION)
      expect(await db.contacts.toArray()).toEqual([contact])
      expect(await chatMessages(db, 7)).toEqual(messagesNow)
      expect(await outbox(db, 7)).toEqual([messagesNow[1]])
      expect(await outboxEvents(db, 7)).toEqual([{ ...event, pendingDevices: ['12D3KooWAlice'] }])
      expect(await db.groups.count()).toBe(0)
      expect(await db.groupOps.count()).toBe(0)
      expect(await db.groupDeliveries.count()).toBe(0)

      // the new tables and index work
      const group: GroupRow = {
        id: 'a'.repeat(32), name: 'Family', picture: '', state: 'member', owner: '12D3KooWMe',
        members: [{ peer: '12D3KooWMe', role: 'owner', name: 'me', mailboxes: [] }, { peer: '12D3KooWAlice', role: 'member', name: 'alice', mailboxes: [] }],
        lamport: 0, heads: ['b'.repeat(64)], createdAt: 1_000, updatedAt: 1_000
      }
      await saveGroup(db, group, [{ id: 'b'.repeat(64), group: group.id, lamport: 1, signed: { body: '{}', sig: 'x' } }])
      expect(await activeGroups(db)).toEqual([group])
      const mine: MessageRow = {
        id: '01JD0000000000000000000G02' as MessageId, contactId: GROUP_CONTACT_ID, groupId: group.id, lamport: 2, direction: 'out',
        fromPeerId: '12D3KooWMe', kind: 'text', body: 'to the group', sentAt: 1_100, state: 'queued'
      }
      await queueGroupMessage(db, mine, ['12D3KooWAlice'], 1_100)
      const theirs: MessageRow = { ...mine, id: '01JD0000000000000000000G01' as MessageId, lamport: 1, direction: 'in', fromPeerId: '12D3KooWAlice', body: 'earlier', state: 'delivered' }
      await db.messages.add(theirs)
      expect((await groupMessages(db, group.id)).map((m) => m.body)).toEqual(['earlier', 'to the group'])
      expect((await owedTo(db, '12D3KooWAlice')).map((d) => d.message)).toEqual([mine.id])
      expect((await db.groups.get(group.id))?.lamport).toBe(2)
      // contact 7's chat and outbox do not see group messages
      expect(await contactsWithOutbox(db)).toEqual([7])
      expect(await chatMessages(db, 7)).toEqual(messagesNow)
    })
  })
})
