/**
 * Migration v9 → v11 (freshness: tombstones), as upgrade-v9.test.ts does the
 * one before: seed a raw Dexie at the v9 schema, open the current ParleyDb on
 * it, compare. v11 adds tables only, so every row stays as it was. (v10 is
 * another change of issue 57; where both are in, this seeds the one before.)
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { receiveHello } from '../../../src/lib/db/contacts.ts'
import { chatMessages } from '../../../src/lib/db/messages.ts'
import { storeIncoming } from '../../../src/lib/db/messages-incoming.ts'
import { dbSchemaV9, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { addTombstones, tombstoned } from '../../../src/lib/db/tombstones.ts'
import type { ContactRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { freshDeps } from './helpers.ts'

const DB_NAME = 'parley-upgrade-v11'
let db: ParleyDb | undefined

afterEach(() => {
  db?.close()
  db = undefined
})

const contact: ContactRow = {
  id: 7, peerId: '12D3KooWAlice', username: 'alice', addresses: [], status: 'offline', notes: '', blocked: false,
  state: 'accepted', verified: true, addedAt: 20, updatedAt: 30
}
const messages: MessageRow[] = [
  { id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read' },
  { id: '01JD0000000000000000000002' as MessageId, contactId: 7, direction: 'out', fromPeerId: '12D3KooWMe', kind: 'text', body: 'queued', sentAt: 200, state: 'queued' }
]
/** As every version from v15 reads them: the queued one waits for the contact's one device (its PeerID). */
const messagesNow: MessageRow[] = [messages[0]!, { ...messages[1]!, pendingDevices: ['12D3KooWAlice'] }]

describe('ParleyDb upgrades', () => {
  describe('v11 (2026-11-29): freshness (tombstones, peerTombstones tables)', () => {
    it('keeps every v9 row and session row, and adds empty tombstone tables that work', async () => {
      const deps = freshDeps()
      const raw = new Dexie(DB_NAME, deps)
      raw.version(9).stores(dbSchemaV9)
      await raw.open()
      await raw.table('contacts').add(contact)
      await raw.table('messages').bulkAdd(messages.map((m) => ({ ...m, words: [m.body] })))
      await raw.table('initsSeen').add({ ephemeral: 'ab', expiresAt: 9 })
      raw.close()

      db = new ParleyDb(DB_NAME, deps)
      await db.open()
      expect(db.verno).toBe(DB_VERSION)
      expect(await db.contacts.toArray()).toEqual([contact])
      expect(await chatMessages(db, 7)).toEqual(messagesNow)
      expect(await db.initsSeen.toArray()).toEqual([{ ephemeral: 'ab', expiresAt: 9 }])
      expect(await db.tombstones.count()).toBe(0)
      expect(await db.peerTombstones.count()).toBe(0)

      // a contact of before has no hello time: the first hello with one is taken, and kept
      expect(await receiveHello(db, { peerId: contact.peerId, type: 'accept', name: 'Alice', addresses: [], time: 1_000 })).toBe('accepted')
      expect((await db.contacts.get(7))?.helloAt).toBe(1_000)
      const gone = '01JD0000000000000000000003'
      await db.transaction('rw', db.tombstones, async () => { await addTombstones(db!, [gone], 50) })
      expect(await tombstoned(db, [gone, messages[0]!.id])).toEqual(new Set([gone]))
      expect(await storeIncoming(db, { id: gone as MessageId, contactId: 7, fromPeerId: contact.peerId, body: 'back?', sentAt: 300, receivedAt: 301 })).toBe('duplicate')
    })
  })
})
