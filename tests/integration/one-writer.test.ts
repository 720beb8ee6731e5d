/**
 * One writer per database (issue 57 item 9; p2p/kernel/writer-lock.ts): the
 * node takes the database's exclusive lock before it reads anything and
 * holds it for its life. A second node on the same database does not start
 * and writes nothing (on main it started and wrote beside the first: two
 * writers of the same session rows); a node of an older build steps down
 * when a newer one starts (stops, closes the database, releases the lock,
 * says so in its status), and one started while a newer runs does not
 * start; a browser without Web Locks runs no node.
 *
 * Locks here are tests/support's in-memory Web Locks, one per IndexedDB
 * factory as a browser has one per origin; the announcements go over Node's
 * own BroadcastChannel, as in a browser. tests/e2e/one-writer.spec.ts runs
 * the same in Chromium and Firefox with their real locks and workers.
 */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ParleyDb } from '../../src/lib/db/db.ts'
import { NodeRoot } from '../../src/lib/p2p/root/root.ts'
import { locksFor, TEST_BUILD } from '../support/writer-locks.ts'
import { expectRefusal } from '../support/words.ts'
import type { DBCore, Middleware } from 'dexie'
import type { WriterLocks } from '../../src/lib/p2p/kernel/writer-lock.ts'

interface Started { node: NodeRoot, db: ParleyDb, writes: string[] }

const running: Started[] = []
let dbCount = 0

afterEach(async () => {
  for (const { node, db } of running.splice(0)) {
    await node.stop()
    db.close()
  }
})

/** Every table a write of this connection touched, in order. */
function countWrites (db: ParleyDb, writes: string[]): void {
  const counter: Middleware<DBCore> = {
    stack: 'dbcore',
    name: 'WriteCounter',
    create: (down) => ({
      ...down,
      table: (name) => {
        const table = down.table(name)
        return { ...table, mutate: async (req) => { writes.push(name); return table.mutate(req) } }
      }
    })
  }
  db.use(counter)
}

/**
 * A node on database `name` of `factory`, of build `build`; `patience`
 * aborts its wait for the lock (given by the test: no clock involved).
 */
function node (factory: IDBFactory, name: string, build: number, options: { patience?: AbortSignal, locks?: WriterLocks | null } = {}): Started {
  const db = new ParleyDb(name, { indexedDB: factory, IDBKeyRange })
  const writes: string[] = []
  countWrites(db, writes)
  const locks = options.locks === null ? undefined : options.locks ?? locksFor(factory)
  const root = new NodeRoot({
    db,
    origin: 'http://127.0.0.1:5173',
    loadConfig: async () => ({ relays: [] }),
    writer: {
      locks,
      build,
      channel: (channel) => new BroadcastChannel(channel),
      ...(options.patience === undefined ? {} : { patience: () => options.patience as AbortSignal })
    }
  })
  const started = { node: root, db, writes }
  running.push(started)
  return started
}

function freshDb (): string {
  return `one-writer-${process.pid}-${++dbCount}`
}

describe('one writer per database', () => {
  it('a second node on the same database does not start and writes nothing, while the first runs on', async () => {
    const factory = new IDBFactory()
    const name = freshDb()
    const first = node(factory, name, TEST_BUILD)
    await first.node.start()
    await first.node.call('createProfile', { username: 'Alice' })
    expect(first.node.status.phase).toBe('offline')

    const waited = new AbortController()
    const second = node(factory, name, TEST_BUILD, { patience: waited.signal })
    const starting = second.node.start()
    // it waits for the lock (the holder may be on its way out) until its patience ends
    await vi.waitFor(() => { expect(locksFor(factory).held(`parley-writer:${name}`)).toBe(true) })
    expect(second.node.status.phase).toBe('loading')
    waited.abort()
    await starting

    expect(second.node.status.phase).toBe('stopped')
    expect(second.node.status.error?.code).toBe('writerLockHeld')
    expect(second.node.libp2p).toBeUndefined()
    await expectRefusal(second.node.call('createProfile', { username: 'Mallory' }), 'NodeNotReadyError', /already running in another tab/)
    await expectRefusal(second.node.call('sendMessage', { contactId: 1 as never, text: 'hi' }), 'NodeNotReadyError', /already running in another tab/)
    // the status still answers: the tab learns why
    expect((await second.node.call('getStatus')).phase).toBe('stopped')
    expect(second.writes).toEqual([])

    // the first is untouched and still the writer
    expect(first.writes).toContain('profile')
    expect((await first.db.profile.get(1))?.username).toBe('Alice')
  })

  it('the next node starts once the first has stopped', async () => {
    const factory = new IDBFactory()
    const name = freshDb()
    const first = node(factory, name, TEST_BUILD)
    await first.node.start()
    await first.node.call('createProfile', { username: 'Alice' })
    const peerId = first.node.status.peerId
    await first.node.stop()

    const second = node(factory, name, TEST_BUILD)
    await second.node.start()
    expect(second.node.status.phase).toBe('offline')
    expect(second.node.status.peerId).toBe(peerId)
  })

  it('an older build steps down when a newer one starts: it stops, closes the database and says so; the newer takes over', async () => {
    const factory = new IDBFactory()
    const name = freshDb()
    const older = node(factory, name, 1_000)
    await older.node.start()
    await older.node.call('createProfile', { username: 'Alice' })
    const peerId = older.node.status.peerId
    expect(older.node.libp2p?.status).toBe('started')

    const newer = node(factory, name, 2_000)
    await newer.node.start()

    expect(older.node.status.phase).toBe('stopped')
    expect(older.node.status.error?.code).toBe('newerVersionRunning')
    expect(older.node.libp2p?.status).toBe('stopped')
    expect(older.db.isOpen()).toBe(false)
    await expectRefusal(older.node.call('getInvite'), 'NodeNotReadyError', /newer version of Parley/)
    const olderWrites = older.writes.length

    expect(newer.node.status.phase).toBe('offline')
    expect(newer.node.status.peerId).toBe(peerId)
    await newer.node.call('getInvite')
    expect(older.writes.length).toBe(olderWrites)
  })

  it('an older build started while a newer one runs does not start', async () => {
    const factory = new IDBFactory()
    const name = freshDb()
    const newer = node(factory, name, 2_000)
    await newer.node.start()
    await newer.node.call('createProfile', { username: 'Alice' })

    // no patience given: it gives up on the newer one's answer, not on a timer
    const older = node(factory, name, 1_000)
    await older.node.start()
    expect(older.node.status.phase).toBe('stopped')
    expect(older.node.status.error?.code).toBe('newerVersionRunning')
    expect(older.writes).toEqual([])
    expect(newer.node.status.phase).toBe('offline')
    await newer.node.call('getInvite')
  })

  it('without Web Locks the node does not start', async () => {
    const started = node(new IDBFactory(), freshDb(), TEST_BUILD, { locks: null })
    await started.node.start()
    expect(started.node.status.phase).toBe('stopped')
    expect(started.node.status.error?.code).toBe('writerLockUnavailable')
    await expectRefusal(started.node.call('createProfile', { username: 'Alice' }), 'NodeNotReadyError', /no Web Locks/)
    expect(started.writes).toEqual([])
  })
})
