/**
 * Migration v8 → v9 (secure sessions), as upgrade-v8.test.ts does the one
 * before: seed a raw Dexie at the v8 schema, open the current ParleyDb on
 * it, compare. v9 adds tables only, so every row stays as it was.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { openVault } from '../../../src/lib/db/keyring.ts'
import { chatMessages, outbox } from '../../../src/lib/db/messages.ts'
import { dbSchemaV8, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { keptBox, prekeySecret, sessionsOf, writeSessions } from '../../../src/lib/db/sessions.ts'
import type { ContactRow, GroupRow, MessageId, MessageRow } from '../../../src/lib/db/types.ts'
import { freshDeps } from './helpers.ts'
import { sessionRow } from './session-rows.ts'

const DB_NAME = 'parley-upgrade-v9'
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
const group: GroupRow = {
  id: 'a'.repeat(32), name: 'Family', picture: '', state: 'member', owner: '12D3KooWMe',
  members: [{ peer: '12D3KooWMe', role: 'owner', name: 'me', mailboxes: [] }],
  lamport: 0, heads: [], createdAt: 1_000, updatedAt: 1_000
}

describe('ParleyDb upgrades', () => {
  describe('v9 (2026-11-25): secure sessions (sessions, prekeys, boxes, initsSeen tables)', () => {
    it('keeps every v8 row, verification included, and adds empty session tables that work', async () => {
      const deps = freshDeps()
      const raw = new Dexie(DB_NAME, deps)
      raw.version(8).stores(dbSchemaV8)
      await raw.open()
      await raw.table('contacts').add(contact)
      await raw.table('messages').bulkAdd(messages.map((m) => ({ ...m, words: [m.body] })))
      await raw.table('groups').add(group)
      raw.close()

      db = new ParleyDb(DB_NAME, deps)
      await db.open()
      // as the node does before it writes (v12: secrets are sealed, upgrade-v12.test.ts)
      await openVault(db)
      expect(db.verno).toBe(DB_VERSION)
      expect(await db.contacts.toArray()).toEqual([contact])
      expect(await chatMessages(db, 7)).toEqual(messagesNow)
      expect(await outbox(db, 7)).toEqual([messagesNow[1]])
      expect(await db.groups.toArray()).toEqual([group])
      for (const table of [db.sessions, db.prekeys, db.boxes, db.initsSeen]) expect(await table.count()).toBe(0)

      // the new tables keep their bytes as bytes
      const session = sessionRow('12D3KooWAlice', { current: true })
      await writeSessions(db, '12D3KooWAlice', [session])
      const [stored] = await sessionsOf(db, '12D3KooWAlice')
      expect(stored?.state.rootKey).toBeInstanceOf(Uint8Array)
      expect(stored).toEqual(session)
      await db.prekeys.put({ kind: 1, id: 9, secret: new Uint8Array(32).fill(3), record: new Uint8Array(109), createdAt: 5 })
      expect((await prekeySecret(db, 1, 9))?.secret).toEqual(new Uint8Array(32).fill(3))
      await db.boxes.put({ peer: '12D3KooWAlice', item: messages[1]!.id, session: session.id, bytes: Uint8Array.of(2, 1), createdAt: 6 })
      expect((await keptBox(db, messages[1]!.id, '12D3KooWAlice'))?.bytes).toEqual(Uint8Array.of(2, 1))
    })
  })
})
