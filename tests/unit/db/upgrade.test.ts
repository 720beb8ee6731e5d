/**
 * Migration tests, LobeChat style: seed a raw Dexie at an old schema, close it,
 * open the current ParleyDb on the same IndexedDB and compare the rows.
 *
 * For a new version n: add a `describe('vn (<date>): …')` block that seeds at
 * `dbSchemaV(n-1)` with `seedRawDb(n - 1, …)` and expects the migrated rows.
 */
import Dexie from 'dexie'
import { afterEach, describe, expect, it } from 'vitest'
import { chatMessages, outbox } from '../../../src/lib/db/messages.ts'
import { ParleyDb } from '../../../src/lib/db/db.ts'
import { dbSchemaV1, dbSchemaV2, dbSchemaV3, dbSchemaV4, dbSchemaV5, dbSchemaV6, DB_VERSION } from '../../../src/lib/db/schema.ts'
import { outboxEvents, storeEvent } from '../../../src/lib/db/events.ts'
import { searchMessages } from '../../../src/lib/db/search-query.ts'
import { deleteTransfer, getHashes, setTransferState, transfersOfChat, unfinishedTransfers } from '../../../src/lib/db/transfers.ts'
import { saveHashes, storeIncomingFile } from '../../../src/lib/db/transfers-incoming.ts'
import { nearbyEnabled, setNearbyEnabled } from '../../../src/lib/db/settings.ts'
import { addTurnServer, listTurnServers } from '../../../src/lib/db/turn-servers.ts'
import type { ContactRow, EventRow, MessageId, MessageRow, ProfileRow, RelayRow, TransferRow } from '../../../src/lib/db/types.ts'
import { freshDeps } from './helpers.ts'
import { errorText } from '../../../src/lib/i18n/error-text.ts'

type Deps = ReturnType<typeof freshDeps>
const DB_NAME = 'parley-upgrade'

/** Creates the database at `version` with a raw Dexie (no ParleyDb code), seeds it, closes it. */
async function seedRawDb (
  deps: Deps,
  version: number,
  schema: Record<string, string>,
  seed: Record<string, unknown[]>
): Promise<void> {
  const raw = new Dexie(DB_NAME, deps)
  raw.version(version).stores(schema)
  await raw.open()
  await raw.transaction('rw', raw.tables, async () => {
    for (const [table, rows] of Object.entries(seed)) await raw.table(table).bulkAdd(rows)
  })
  raw.close()
}

const profileV1: ProfileRow = {
  id: 1, peerId: '12D3KooWMe', privateKey: new Uint8Array([1, 2, 3]), username: 'me', createdAt: 10
}
const contactV1: ContactRow = {
  id: 7,
  peerId: '12D3KooWAlice',
  username: 'alice',
  nickname: 'Al',
  addresses: ['/ip4/127.0.0.1/tcp/9001/ws/p2p/12D3KooWRelay/p2p-circuit/p2p/12D3KooWAlice'],
  status: 'offline',
  lastSeen: 50,
  notes: 'met at the conference',
  blocked: false,
  state: 'accepted',
  verified: true,
  addedAt: 20,
  updatedAt: 30
}
const messagesV1: MessageRow[] = [
  {
    id: '01JD0000000000000000000002' as MessageId, contactId: 7, direction: 'out', fromPeerId: '12D3KooWMe',
    kind: 'text', body: 'queued one', sentAt: 200, state: 'queued'
  },
  {
    id: '01JD0000000000000000000001' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice',
    kind: 'text', body: 'hi', sentAt: 100, receivedAt: 105, state: 'read', readAt: 110
  }
]
/** The queued one as every later version reads it: since v15 it waits for the contact's one device (its PeerID). */
const queuedNow: MessageRow = { ...messagesV1[0]!, pendingDevices: ['12D3KooWAlice'] }
const relayV1: RelayRow = {
  multiaddr: '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWRelay',
  peerId: '12D3KooWRelay',
  source: 'user',
  active: true,
  lastConnected: 60,
  lastRtt: 35,
  failures: 0
}

let db: ParleyDb | undefined

afterEach(() => {
  db?.close()
  db = undefined
})

describe('ParleyDb upgrades', () => {
  describe('v1 (2026-11-21): initial schema', () => {
    it('reads a database created at the v1 schema by a raw Dexie', async () => {
      const deps = freshDeps()
      await seedRawDb(deps, 1, dbSchemaV1, {
        profile: [profileV1],
        contacts: [contactV1],
        messages: messagesV1,
        relays: [relayV1]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      // Rows are found through the indexes, not only by primary key.
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow])
      expect(await outbox(db, 7)).toEqual([queuedNow])
    })
  })

  describe('v2 (2026-11-21): file transfer tables', () => {
    it('keeps every v1 row and adds empty, usable transfer tables', async () => {
      const deps = freshDeps()
      await seedRawDb(deps, 1, dbSchemaV1, {
        profile: [profileV1],
        contacts: [contactV1],
        messages: messagesV1,
        relays: [relayV1]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow])
      expect(await outbox(db, 7)).toEqual([queuedNow])
      for (const table of [db.transfers, db.transferHashes, db.fileChunks, db.fileSources]) {
        expect(await table.count()).toBe(0)
      }

      // The new tables and their indexes work on the upgraded database.
      const id = '01JD0000000000000000000003' as MessageId
      const file = { sha256: 'a'.repeat(64), size: 10, name: 'a.txt', mime: 'text/plain', chunkSize: 4, listHash: 'b'.repeat(64) }
      expect(await storeIncomingFile(db, {
        id, contactId: 7, fromPeerId: '12D3KooWAlice', body: '', sentAt: 300, receivedAt: 305, file, store: 'idb'
      })).toBe('stored')
      expect(await saveHashes(db, id, new Uint8Array(3 * 32).fill(9))).toBe(true)
      await db.fileChunks.put({ transferId: id, index: 0, data: new Blob([new Uint8Array([1, 2, 3, 4])]) })
      await db.fileSources.put({ id, blob: new Blob(['x']) })
      expect((await transfersOfChat(db, 7)).map((t) => t.id)).toEqual([id])
      expect((await unfinishedTransfers(db)).map((t) => t.id)).toEqual([id])
      expect(await getHashes(db, id)).toEqual(new Uint8Array(3 * 32).fill(9))

      await deleteTransfer(db, id)
      for (const table of [db.transfers, db.transferHashes, db.fileChunks, db.fileSources]) {
        expect(await table.count()).toBe(0)
      }
      expect(await db.messages.count()).toBe(3)
    })
  })

  describe('v3 (2026-11-21): the user\'s TURN servers', () => {
    it('keeps every v2 row and adds an empty, usable turnServers table', async () => {
      const deps = freshDeps()
      const transferV2: TransferRow = {
        id: '01JD0000000000000000000003' as MessageId, contactId: 7, direction: 'in', name: 'a.txt', size: 10,
        mime: 'text/plain', sha256: 'a'.repeat(64), chunkSize: 4, chunkCount: 3, state: 'complete',
        have: new Uint8Array([7]), chunksDone: 3, bytesDone: 10, requests: new Uint8Array([1, 1, 1]), resumes: 0,
        store: 'idb', createdAt: 110, updatedAt: 120, completedAt: 120
      }
      await seedRawDb(deps, 2, dbSchemaV2, {
        profile: [profileV1],
        contacts: [contactV1],
        messages: messagesV1,
        relays: [relayV1],
        transfers: [transferV2]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow])
      expect(await transfersOfChat(db, 7)).toEqual([transferV2])
      expect(await listTurnServers(db)).toEqual([])

      const id = await addTurnServer(db, { url: 'turn:turn.example.org:3478', username: 'me', credential: 'pw' }, 500)
      expect(await listTurnServers(db)).toEqual([{ id, url: 'turn:turn.example.org:3478', username: 'me', credential: 'pw', addedAt: 500 }])
    })
  })

  describe('v4 (2026-11-21): settings of this browser', () => {
    it('keeps every v3 row and adds an empty, usable settings table (Nearby off until turned on)', async () => {
      const deps = freshDeps()
      const turnV3 = { id: 1, url: 'turn:turn.example.org:3478', username: 'me', credential: 'pw', addedAt: 500 }
      await seedRawDb(deps, 3, dbSchemaV3, {
        profile: [profileV1],
        contacts: [contactV1],
        messages: messagesV1,
        relays: [relayV1],
        turnServers: [turnV3]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow])
      expect(await listTurnServers(db)).toEqual([turnV3])
      expect(await db.settings.count()).toBe(0)
      expect(await nearbyEnabled(db)).toBe(false)

      await setNearbyEnabled(db, true, 600)
      expect(await nearbyEnabled(db)).toBe(true)
      expect(await db.settings.toArray()).toEqual([{ key: 'nearby', enabled: true, updatedAt: 600 }])
    })
  })
  describe('v5 (2026-11-21): the search word index', () => {
    it('keeps every v4 row, fills `words` for stored messages and finds them', async () => {
      const deps = freshDeps()
      const fileMessage: MessageRow = {
        id: '01JD0000000000000000000003' as MessageId, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice',
        kind: 'file', body: 'Отчёт за май', sentAt: 300, receivedAt: 305, state: 'delivered',
        file: { sha256: 'a'.repeat(64), size: 3, name: 'Budget-2026.xlsx', mime: 'application/octet-stream', chunkSize: 65536, listHash: 'b'.repeat(64) }
      }
      await seedRawDb(deps, 4, dbSchemaV4, {
        profile: [profileV1],
        contacts: [contactV1],
        messages: [...messagesV1, fileMessage],
        relays: [relayV1],
        settings: [{ key: 'nearby', enabled: true, updatedAt: 600 }]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      expect(await nearbyEnabled(db)).toBe(true)
      // rows read through ParleyDb stay plain MessageRows (no index-only field)
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow, fileMessage])
      expect(await outbox(db, 7)).toEqual([queuedNow])
      db.close()

      // what is stored: a raw Dexie at v5 sees the words the upgrade wrote
      const raw = new Dexie(DB_NAME, deps)
      await raw.open()
      const stored = await raw.table<{ id: string, words?: string[] }>('messages').toArray()
      expect(Object.fromEntries(stored.map(r => [r.id, r.words]))).toEqual({
        '01JD0000000000000000000001': ['hi'],
        '01JD0000000000000000000002': ['queued', 'one'],
        '01JD0000000000000000000003': ['отчёт', 'за', 'май', 'budget', '2026', 'xlsx']
      })
      raw.close()

      db = new ParleyDb(DB_NAME, deps)
      expect((await searchMessages(db, 'queued')).hits.map(h => h.message)).toEqual([queuedNow])
      expect((await searchMessages(db, 'budg')).hits.map(h => [h.message.id, h.contact?.id])).toEqual([[fileMessage.id, 7]])
      expect((await searchMessages(db, 'ОТЧЁТ май')).hits.map(h => h.message.id)).toEqual([fileMessage.id])
    })
  })
  describe('v6 (2026-11-22): rows hold codes, not sentences', () => {
    const transfer = (id: string, extra: Record<string, unknown>): Record<string, unknown> => ({
      id, contactId: 7, direction: 'in', name: 'a.txt', size: 10, mime: 'text/plain', sha256: 'a'.repeat(64), chunkSize: 4, chunkCount: 3,
      have: new Uint8Array(1), requests: new Uint8Array(3), chunksDone: 0, bytesDone: 0, resumes: 0, createdAt: 300, updatedAt: 310, store: 'idb', ...extra
    })

    it('keeps every v5 row and turns a failed transfer\'s worded reason into the code that carries those words', async () => {
      const deps = freshDeps()
      await seedRawDb(deps, 5, dbSchemaV5, {
        profile: [profileV1],
        contacts: [contactV1],
        messages: messagesV1,
        relays: [relayV1],
        transfers: [
          transfer('01JD0000000000000000000004', { state: 'failed', error: 'Файл пришёл повреждённым.' }),
          transfer('01JD0000000000000000000005', { state: 'failed', error: '  ' }),
          transfer('01JD0000000000000000000006', { state: 'waiting' })
        ]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow])
      const rows = await db.transfers.orderBy('id').toArray()
      expect(rows.map(r => [r.state, r.problem])).toEqual([
        ['failed', { code: 'fileFailedEarlier', params: { reason: 'Файл пришёл повреждённым.' } }],
        ['failed', undefined],
        ['waiting', undefined]
      ])
      expect(rows.every(r => !('error' in r))).toBe(true)
      // the user reads what they read before, whatever language the tab speaks now
      const [first] = rows
      expect(errorText(first?.problem?.code ?? '', first?.problem?.params)).toBe('Файл пришёл повреждённым.')
      // a retry clears the old reason, as it always did
      expect(await setTransferState(db, '01JD0000000000000000000004' as MessageId, 'waiting')).toBe(true)
      expect((await db.transfers.get('01JD0000000000000000000004' as MessageId))?.problem).toBeUndefined()
    })
  })
  describe('v7 (2026-11-24): message actions (events table, expiresAt index)', () => {
    it('keeps every v6 row, adds an empty, usable events table and finds messages by expiresAt', async () => {
      const deps = freshDeps()
      const transferV6: TransferRow = {
        id: '01JD0000000000000000000003' as MessageId, contactId: 7, direction: 'in', name: 'a.txt', size: 10,
        mime: 'text/plain', sha256: 'a'.repeat(64), chunkSize: 4, chunkCount: 3, state: 'failed',
        problem: { code: 'fileFailedEarlier', params: { reason: 'x' } },
        have: new Uint8Array([7]), chunksDone: 3, bytesDone: 10, requests: new Uint8Array([1, 1, 1]), resumes: 0,
        store: 'idb', createdAt: 110, updatedAt: 120
      }
      const fileMessage: MessageRow = {
        id: transferV6.id, contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'file', body: 'report', sentAt: 300, receivedAt: 305,
        state: 'delivered', file: { sha256: 'a'.repeat(64), size: 10, name: 'a.txt', mime: 'text/plain', chunkSize: 4, listHash: 'b'.repeat(64) }
      }
      const turnV6 = { id: 1, url: 'turn:turn.example.org:3478', username: 'me', credential: 'pw', addedAt: 500 }
      await seedRawDb(deps, 6, dbSchemaV6, {
        profile: [profileV1],
        contacts: [contactV1],
        // as v6 stored them: with the search words its middleware wrote
        messages: [{ ...messagesV1[0], words: ['queued', 'one'] }, { ...messagesV1[1], words: ['hi'] }, { ...fileMessage, words: ['report', 'a', 'txt'] }],
        relays: [relayV1],
        transfers: [transferV6],
        transferHashes: [{ id: transferV6.id, hashes: new Uint8Array(96).fill(3) }],
        fileChunks: [{ transferId: transferV6.id, index: 0, data: new Blob([new Uint8Array([1, 2, 3, 4])]) }],
        fileSources: [{ id: transferV6.id, blob: new Blob(['x']) }],
        turnServers: [turnV6],
        settings: [{ key: 'nearby', enabled: true, updatedAt: 600 }]
      })

      db = new ParleyDb(DB_NAME, deps)
      await db.open()

      expect(db.verno).toBe(DB_VERSION)
      expect(await db.profile.toArray()).toEqual([profileV1])
      expect(await db.contacts.toArray()).toEqual([contactV1])
      expect(await db.relays.toArray()).toEqual([relayV1])
      expect(await chatMessages(db, 7)).toEqual([messagesV1[1], queuedNow, fileMessage])
      expect(await outbox(db, 7)).toEqual([queuedNow])
      expect(await transfersOfChat(db, 7)).toEqual([transferV6])
      expect(await getHashes(db, transferV6.id)).toEqual(new Uint8Array(96).fill(3))
      expect(await db.fileChunks.count()).toBe(1)
      expect(await db.fileSources.count()).toBe(1)
      expect(await listTurnServers(db)).toEqual([turnV6])
      expect(await nearbyEnabled(db)).toBe(true)
      expect((await searchMessages(db, 'report')).hits.map(h => h.message.id)).toEqual([fileMessage.id])
      // no row has expiresAt yet: the new index is empty, not missing
      expect(await db.messages.where('expiresAt').below(Number.MAX_SAFE_INTEGER).count()).toBe(0)
      expect(await db.events.count()).toBe(0)

      // the events table and its indexes work: an incoming reaction applies to its message,
      // an outgoing one waits in the outbox
      const reaction: EventRow = {
        id: '01JD0000000000000000000E01', contactId: 7, direction: 'in', fromPeerId: '12D3KooWAlice', kind: 'reaction',
        targets: ['01JD0000000000000000000002' as MessageId], sentAt: 700, receivedAt: 705, state: 'delivered', emoji: '👍'
      }
      expect((await storeEvent(db, reaction)).outcome).toBe('stored')
      expect((await db.messages.get('01JD0000000000000000000002' as MessageId))?.reactions).toEqual([{ from: '12D3KooWAlice', emoji: '👍', id: reaction.id, sentAt: 700 }])
      const queued: EventRow = { ...reaction, id: '01JD0000000000000000000E02', direction: 'out', fromPeerId: '12D3KooWMe', targets: ['01JD0000000000000000000001' as MessageId], receivedAt: undefined, state: 'queued' }
      expect((await storeEvent(db, queued)).outcome).toBe('stored')
      expect((await outboxEvents(db, 7)).map(e => e.id)).toEqual([queued.id])
      expect(await db.events.where('targets').equals('01JD0000000000000000000001').primaryKeys()).toEqual([queued.id])
      expect(await db.events.where('contactId').equals(7).count()).toBe(2)

      // a row given expiresAt after the upgrade is found through the new index
      await db.messages.update('01JD0000000000000000000001' as MessageId, { ttl: 300, expiresAt: 1_000 })
      expect(await db.messages.where('expiresAt').below(1_001).primaryKeys()).toEqual(['01JD0000000000000000000001'])
      expect(await db.messages.where('expiresAt').below(1_000).count()).toBe(0)
    })
  })
})
