/**
 * Migration v9 → v10 (sessions are mandatory, issue 57 item 1), as
 * upgrade-v9.test.ts does the one before: seed a raw Dexie at the v9 schema,
 * open the current ParleyDb on it, compare. A contact we already have a
 * session row with gets `sessions: true` (so a backup carries it, and it
 * holds after a restore); every other row stays as it was.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { chatMessages } from '../../../src/lib/db/messages.ts'
import { dbSchemaV9, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { sessionsOf } from '../../../src/lib/db/sessions.ts'
import type { ContactRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { freshDeps } from './helpers.ts'
import { sessionRow } from './session-rows.ts'

const DB_NAME = 'parley-upgrade-v10'
let db: ParleyDb | undefined

afterEach(() => {
  db?.close()
  db = undefined
})

function contact (id: number, peerId: string): ContactRow {
  return { id, peerId, username: peerId.slice(8), addresses: [], status: 'offline', notes: '', blocked: false, state: 'accepted', verified: false, addedAt: 20, updatedAt: 30 }
}
const alice = contact(7, '12D3KooWAlice')
const bob = contact(8, '12D3KooWBob')
const message: MessageRow = { id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read' }

describe('ParleyDb upgrades', () => {
  describe('v10 (2026-11-29): sessions are mandatory', () => {
    it('marks the contacts we have a session with as speaking sessions, and changes nothing else', async () => {
      const deps = freshDeps()
      const raw = new Dexie(DB_NAME, deps)
      raw.version(9).stores(dbSchemaV9)
      await raw.open()
      await raw.table('contacts').bulkAdd([alice, bob])
      await raw.table('messages').add({ ...message, words: [message.body] })
      // two sessions with Alice (an old one and the current), none with Bob; one with a group member who is no contact
      const sessions = [sessionRow(alice.peerId), sessionRow(alice.peerId, { current: true }), sessionRow('12D3KooWMember', { current: true })]
      await raw.table('sessions').bulkAdd(sessions)
      raw.close()

      db = new ParleyDb(DB_NAME, deps)
      await db.open()
      expect(db.verno).toBe(DB_VERSION)
      expect(await db.contacts.toArray()).toEqual([{ ...alice, sessions: true }, bob])
      expect(await chatMessages(db, 7)).toEqual([message])
      expect(await sessionsOf(db, alice.peerId)).toHaveLength(2)
      expect(await db.sessions.count()).toBe(3)
    })

    it('a database without sessions opens with its contacts as they were', async () => {
      const deps = freshDeps()
      const raw = new Dexie(DB_NAME, deps)
      raw.version(9).stores(dbSchemaV9)
      await raw.open()
      await raw.table('contacts').add(bob)
      raw.close()

      db = new ParleyDb(DB_NAME, deps)
      await db.open()
      expect(await db.contacts.toArray()).toEqual([bob])
    })
  })
})
