/**
 * An opened box's commit (sessions/opened-box.ts): the boxes of one peer
 * committed in one transaction, as a mailbox drain commits a batch, write
 * the peer's rows once, and what is stored is what every one of them left.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sessionsOf, sessionTables } from '../../../../src/lib/db/sessions.ts'
import { WrittenInTransaction } from '../../../../src/lib/p2p/sessions/opened-box.ts'
import * as people from './people.ts'
import { receive, refusal } from './people.ts'
import { decodeBox } from '@parley/protocol/session/box'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import type { OpenedBox } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'
import type { Person } from './people.ts'

const words = new TextDecoder()
let alice: Person
let bob: Person

beforeEach(async () => {
  ({ alice, bob } = await people.aliceAndBob())
})

afterEach(() => {
  alice.db.close()
  bob.db.close()
})

const openAll = async (boxes: Uint8Array[]): Promise<OpenedBox[]> => people.openAll(bob, alice, boxes)
const commitTogether = async (opened: OpenedBox[]): Promise<void> => { await Promise.all(opened.map(async box => { await box.commit() })) }
const answeredSession = async (): Promise<void> => people.answeredSession(alice, bob)
const restartedBob = (): Person => people.restarted(bob)
const alicesBoxes = async (count: number): Promise<Uint8Array[]> => people.boxesFor(alice, bob, count)

/** Counts the writes of Bob's session rows from now on (a put, or writeSessions' bulkPut). */
function countWrites (): () => number {
  const put = vi.spyOn(bob.db.sessions, 'put')
  const bulkPut = vi.spyOn(bob.db.sessions, 'bulkPut')
  return () => put.mock.calls.length + bulkPut.mock.calls.length
}

describe('OpenedBox.commit', () => {
  it('writes the rows of a peer once for all its boxes committed in one transaction; a restarted node opens the next box and refuses those again', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(6)
    const opened = await openAll(boxes.slice(0, 5))
    const writes = countWrites()
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await commitTogether(opened) })
    expect(writes()).toBe(1)
    expect(opened.map(box => words.decode(box.plaintext))).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])

    // what is stored is past all five
    const restarted = restartedBob()
    expect(await receive(restarted, alice, boxes[5] ?? new Uint8Array(0))).toBe('m5')
    for (const box of boxes.slice(0, 5)) expect(await refusal(restarted, alice, box)).toBe('duplicate')
  })

  it('a drain\'s batch of 150 boxes, committed all at once in one transaction as the mailbox intake does: one write, and the transaction holds', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(151)
    const opened = await openAll(boxes.slice(0, 150))
    const writes = countWrites()
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await commitTogether(opened) })
    expect(writes()).toBe(1)
    const restarted = restartedBob()
    expect(await receive(restarted, alice, boxes[150] ?? new Uint8Array(0))).toBe('m150')
  })

  it('boxes committed one after another in one transaction: each writes (the write before kept its key as uncommitted), the transaction holds, and none opens again', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(120)
    const opened = await openAll(boxes)
    const writes = countWrites()
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { for (const box of opened) await box.commit() })
    expect(writes()).toBe(120)
    const restarted = restartedBob()
    for (const box of [boxes[0], boxes[60], boxes[119]]) expect(await refusal(restarted, alice, box ?? new Uint8Array(0))).toBe('duplicate')
  })

  it('writes again in another transaction', async () => {
    await answeredSession()
    const [first, second] = await openAll(await alicesBoxes(2))
    const writes = countWrites()
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await first?.commit() })
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await second?.commit() })
    expect(writes()).toBe(2)
  })

  it('a batch whose first box starts the session: one write of all rows, the init\'s one-time keys used up, and the start told once the transaction is done', async () => {
    const boxes = await alicesBoxes(3)
    const opened = await openAll(boxes)
    expect(opened.map(box => box.started)).toEqual([true, false, false])
    const writes = countWrites()
    await bob.db.transaction('rw', sessionTables(bob.db), async () => {
      await commitTogether(opened)
      expect(bob.started).toEqual([])
    })
    expect(writes()).toBe(1)
    expect(bob.started).toEqual([alice.me.peer])
    expect(await sessionsOf(bob.db, alice.me.peer)).toHaveLength(1)
    expect(await bob.db.prekeys.count()).toBeLessThan(await alice.db.prekeys.count())
  })
})

describe('boxes of several peers that start sessions, committed together', () => {
  /** Cid, holding two boxes each from Ann and Bea, the first of each starting a session, opened and not committed. */
  async function cidWithBoxes (): Promise<{ cid: Person, senders: Person[], opened: OpenedBox[], used: Array<[number, number]>, close: () => void }> {
    const relays = new MemoryPrekeyRelays()
    const everyone = await Promise.all(['ann', 'bea', 'cid'].map(async (name) => people.person(relays, name)))
    for (const p of everyone) await p.keeper.syncAll()
    const [ann, bea, cid] = everyone as [Person, Person, Person]
    const boxes = [...await people.boxesFor(ann, cid, 2), ...await people.boxesFor(bea, cid, 2)]
    const opened = [...await people.openAll(cid, ann, boxes.slice(0, 2)), ...await people.openAll(cid, bea, boxes.slice(2))]
    expect(opened.map(box => box.started)).toEqual([true, false, true, false])
    // the one-time prekeys (EC and PQ) the two inits named
    const used = [boxes[0], boxes[2]].flatMap((box) => {
      const init = decodeBox(box ?? new Uint8Array(0)).init
      return init === undefined ? [] : cid.keeper.oneTimeKeys(init)
    })
    expect(used).toHaveLength(4)
    expect(await cid.db.prekeys.bulkGet(used)).not.toContain(undefined)
    return { cid, senders: [ann, bea], opened, used, close: () => { for (const p of everyone) p.db.close() } }
  }

  it('in one transaction, as a drain commits a batch: it holds, both sessions are stored and started, both inits\' one-time keys are used up', async () => {
    const { cid, senders, opened, used, close } = await cidWithBoxes()
    await people.commitTogether(cid, opened)
    for (const sender of senders) expect(await sessionsOf(cid.db, sender.me.peer)).toHaveLength(1)
    expect([...cid.started].sort()).toEqual(senders.map(s => s.me.peer).sort())
    expect(await cid.db.prekeys.bulkGet(used)).toEqual(used.map(() => undefined))
    // what is stored opens the next boxes after a restart
    const restarted = people.restarted(cid)
    for (const sender of senders) expect(await receive(restarted, sender, await people.send(sender, cid, 'after'))).toBe('after')
    close()
  })

  it('a transaction that fails after the commits ran keeps nothing of theirs: no session, and the one-time keys are still there', async () => {
    const { cid, opened, used, close } = await cidWithBoxes()
    const failed = await cid.db.transaction('rw', sessionTables(cid.db), async () => {
      await Promise.all(opened.map(async box => { await box.commit() }))
      throw new Error('the batch could not be stored')
    }).then(() => undefined, (e: unknown) => e)
    expect(failed).toEqual(new Error('the batch could not be stored'))
    expect(await cid.db.sessions.count()).toBe(0)
    expect(await cid.db.prekeys.bulkGet(used)).not.toContain(undefined)
    close()
  })
})

describe('WrittenInTransaction', () => {
  it('counts a peer\'s rows written in one transaction: one row, then all; nothing outside a transaction', () => {
    const written = new WrittenInTransaction()
    const tx = {}
    const none = (): number[] => []
    expect(written.claim(null, 'p', 'a', 1, none)).toBe(true)
    expect(written.claim(null, 'p', 'a', 2, none)).toBe(true)
    expect(written.claim(tx, 'p', 'a', 3, none)).toBe(true)
    expect(written.claim(tx, 'p', 'a', 4, none)).toBe(false)
    expect(written.claim(tx, 'p', 'b', 5, none)).toBe(true)
    expect(written.claim(tx, 'q', 'a', 6, none)).toBe(true)
    expect(written.claim(tx, 'p', undefined, 7, none)).toBe(true)
    expect(written.claim(tx, 'p', undefined, 8, none)).toBe(false)
    expect(written.claim(tx, 'p', 'c', 9, none)).toBe(false)
    expect(written.claim({}, 'p', 'a', 10, none)).toBe(true)
  })

  it('a box whose key a write of the transaction kept as uncommitted needs a write of its own, once', () => {
    const written = new WrittenInTransaction()
    const tx = {}
    expect(written.claim(tx, 'p', undefined, 1, () => [2, 3])).toBe(true)
    expect(written.claim(tx, 'p', undefined, 2, () => [3])).toBe(true)
    expect(written.claim(tx, 'p', undefined, 3, () => [])).toBe(true)
    expect(written.claim(tx, 'p', undefined, 3, () => [])).toBe(false)
    expect(written.claim(tx, 'p', 'a', 2, () => [])).toBe(false)
    // another peer's rows never kept this peer's keys
    expect(written.claim(tx, 'q', undefined, 4, () => [])).toBe(true)
  })
})
