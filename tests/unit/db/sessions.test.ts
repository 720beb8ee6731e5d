/** The session tables' functions (db/sessions.ts): ordering, bounds, and what goes with a session. */
import { afterEach, describe, expect, it } from 'vitest'
import type { ParleyDb } from '../../../src/lib/db/db.ts'
import {
  deleteSessionsOf, dropBoxes, dropRetiredPrekeys, initSeen, keptBox, MAX_INITS_SEEN, MAX_SESSIONS_PER_PEER, rememberInit, sessionsOf, writeSessions
} from '../../../src/lib/db/sessions.ts'
import { openTestDb } from './helpers.ts'
import { sessionRow } from './session-rows.ts'

let db: ParleyDb | undefined
afterEach(() => { db?.close(); db = undefined })

const ALICE = '12D3KooWAlice'
const BOB = '12D3KooWBob'

describe('sessions', () => {
  it('lists a peer\'s sessions current first, then the most recently used; other peers\' stay apart', async () => {
    db = await openTestDb()
    const old = sessionRow(ALICE, { usedAt: 10 })
    const current = sessionRow(ALICE, { current: true, usedAt: 5 })
    const recent = sessionRow(ALICE, { usedAt: 20 })
    await writeSessions(db, ALICE, [current, recent, old])
    await writeSessions(db, BOB, [sessionRow(BOB, { current: true })])
    expect((await sessionsOf(db, ALICE)).map(s => s.id)).toEqual([current.id, recent.id, old.id])
    expect(await sessionsOf(db, BOB)).toHaveLength(1)
  })

  it(`keeps at most ${MAX_SESSIONS_PER_PEER} per peer: the ones left out are deleted with their boxes`, async () => {
    db = await openTestDb()
    const rows = Array.from({ length: MAX_SESSIONS_PER_PEER + 2 }, (_, i) => sessionRow(ALICE, { current: i === 0 }))
    await writeSessions(db, ALICE, rows.slice(0, MAX_SESSIONS_PER_PEER))
    const dropped = rows[MAX_SESSIONS_PER_PEER - 1]!
    await db.boxes.put({ peer: ALICE, item: 'm1', session: dropped.id, bytes: Uint8Array.of(1), createdAt: 1 })
    await db.boxes.put({ peer: ALICE, item: 'm2', session: rows[0]!.id, bytes: Uint8Array.of(2), createdAt: 1 })
    // two newer sessions come in front: the two last ones go
    await writeSessions(db, ALICE, [rows[5]!, rows[6]!, ...rows.slice(0, MAX_SESSIONS_PER_PEER)].map((r, i) => ({ ...r, current: i === 0 })))
    const kept = await sessionsOf(db, ALICE)
    // kept: the first five written; read back current first, then by use
    expect(kept.map(s => s.id)).toEqual([rows[5]!.id, rows[6]!.id, ...rows.slice(0, MAX_SESSIONS_PER_PEER - 2).map(r => r.id).reverse()])
    expect(await keptBox(db, 'm1', ALICE)).toBeUndefined()
    expect((await keptBox(db, 'm2', ALICE))?.bytes).toEqual(Uint8Array.of(2))
  })

  it('refuses two current sessions, or a row of another peer, and writes nothing then', async () => {
    db = await openTestDb()
    await expect(writeSessions(db, ALICE, [sessionRow(ALICE, { current: true }), sessionRow(ALICE, { current: true })])).rejects.toThrow(/two current/)
    await expect(writeSessions(db, ALICE, [sessionRow(BOB)])).rejects.toThrow(/another peer/)
    expect(await db.sessions.count()).toBe(0)
  })

  it('deleting a peer\'s sessions takes their boxes too, and leaves everyone else\'s', async () => {
    db = await openTestDb()
    const a = sessionRow(ALICE, { current: true })
    const b = sessionRow(BOB, { current: true })
    await writeSessions(db, ALICE, [a])
    await writeSessions(db, BOB, [b])
    await db.boxes.bulkPut([
      { peer: ALICE, item: 'm1', session: a.id, bytes: Uint8Array.of(1), createdAt: 1 },
      { peer: BOB, item: 'm1', session: b.id, bytes: Uint8Array.of(2), createdAt: 1 }
    ])
    await deleteSessionsOf(db, ALICE)
    expect(await sessionsOf(db, ALICE)).toEqual([])
    expect(await keptBox(db, 'm1', ALICE)).toBeUndefined()
    expect(await sessionsOf(db, BOB)).toHaveLength(1)
    expect((await keptBox(db, 'm1', BOB))?.bytes).toEqual(Uint8Array.of(2))
    await dropBoxes(db, BOB, ['m1'])
    expect(await db.boxes.count()).toBe(0)
  })
})

describe('prekeys', () => {
  it('drops only the retired keys whose time is up', async () => {
    db = await openTestDb()
    await db.prekeys.bulkPut([
      { kind: 1, id: 1, secret: new Uint8Array(32), record: new Uint8Array(109), createdAt: 1, dropAt: 100 },
      { kind: 1, id: 2, secret: new Uint8Array(32), record: new Uint8Array(109), createdAt: 2, dropAt: 300 },
      { kind: 1, id: 3, secret: new Uint8Array(32), record: new Uint8Array(109), createdAt: 3 }
    ])
    expect(await dropRetiredPrekeys(db, 200)).toBe(1)
    expect((await db.prekeys.toArray()).map(k => k.id)).toEqual([2, 3])
  })
})

describe('last-resort inits seen', () => {
  it('remembers an init until it expires, and at most MAX_INITS_SEEN, the soonest to expire going first', async () => {
    db = await openTestDb()
    await rememberInit(db, { ephemeral: 'aa', expiresAt: 1_000 }, 0)
    expect(await initSeen(db, 'aa', 999)).toBe(true)
    expect(await initSeen(db, 'aa', 1_000)).toBe(false)
    expect(await initSeen(db, 'bb', 0)).toBe(false)
    await db.initsSeen.bulkPut(Array.from({ length: MAX_INITS_SEEN }, (_, i) => ({ ephemeral: `k${i}`, expiresAt: 2_000 + i })))
    await rememberInit(db, { ephemeral: 'new', expiresAt: 50_000 }, 0)
    expect(await db.initsSeen.count()).toBe(MAX_INITS_SEEN)
    expect(await initSeen(db, 'aa', 0)).toBe(false)
    expect(await initSeen(db, 'k0', 0)).toBe(false)
    expect(await initSeen(db, 'k1', 0)).toBe(true)
    expect(await initSeen(db, 'new', 0)).toBe(true)
  })
})
