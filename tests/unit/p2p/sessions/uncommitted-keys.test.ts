/**
 * The keys of boxes opened and not committed (sessions/uncommitted-keys.ts):
 * a write of the session made before a box is committed (another batch's
 * commit, a send) keeps the box's key, so the box opens again if it is let
 * go; once committed, nothing opens it again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { drainMailbox } from '../../../../src/lib/p2p/messaging/mailbox-drain.ts'
import { MAX_UNCOMMITTED_KEYS, UncommittedKeys } from '../../../../src/lib/p2p/sessions/uncommitted-keys.ts'
import * as people from './people.ts'
import { receive, refusal, send } from './people.ts'
import type { SessionRow } from '../../../../src/lib/db/session-types.ts'
import type { OpenedBox } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'
import type { DrainSink, MailboxCall } from '../../../../src/lib/p2p/messaging/mailbox-drain.ts'
import type { FetchedItem } from '@parley/protocol/mailbox/codec'
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

const restartedBob = (): Person => people.restarted(bob)
const openAll = async (by: Person, boxes: Uint8Array[]): Promise<OpenedBox[]> => people.openAll(by, alice, boxes)
const alicesBoxes = async (count: number): Promise<Uint8Array[]> => people.boxesFor(alice, bob, count)
const answeredSession = async (): Promise<void> => people.answeredSession(alice, bob)
const commitTogether = people.commitTogether
const at = (boxes: Uint8Array[], i: number): Uint8Array => boxes[i] ?? new Uint8Array(0)

describe('boxes opened and not committed', () => {
  it('a drain commits a batch while the next is opened, then lets that one go: its boxes open again, on the node and after a restart', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(4)
    const first = await openAll(bob, boxes.slice(0, 2))
    const second = await openAll(bob, boxes.slice(2))
    await commitTogether(bob, first)
    // the drain failed before the second batch's commit
    for (const box of second) box.abandon()
    // a node that crashed there reads the same state: the second batch's keys are kept in it
    const restarted = restartedBob()
    expect(words.decode((await restarted.sessions.open(alice.me, at(boxes, 3))).plaintext)).toBe('m3')
    // the same node's next drain opens them again, and commits them
    const again = await openAll(bob, boxes.slice(2))
    expect(again.map(box => words.decode(box.plaintext))).toEqual(['m2', 'm3'])
    await commitTogether(bob, again)
    // now they are stored: none opens again
    const later = restartedBob()
    for (const i of [0, 1, 2, 3]) expect(await refusal(later, alice, at(boxes, i))).toBe('duplicate')
  })

  it('a send between the opening and a commit that fails keeps the box\'s key: it opens again; the send\'s keys are not used again', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(2)
    const [opened] = await openAll(bob, boxes.slice(0, 1))
    // Bob replies before the box's commit: the send writes the session
    const reply = await send(bob, alice, 'reply')
    opened?.abandon()
    expect(await receive(restartedBob(), alice, at(boxes, 0))).toBe('m0')
    expect(await receive(alice, bob, reply)).toBe('reply')
    expect(await receive(alice, bob, await send(bob, alice, 'next'))).toBe('next')
    expect(await receive(bob, alice, at(boxes, 1))).toBe('m1')
  })

  it('a box committed with others at once: the write keeps none of their keys', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(5)
    const opened = await openAll(bob, boxes)
    await commitTogether(bob, opened)
    const restarted = restartedBob()
    for (let i = 0; i < 5; i++) expect(await refusal(restarted, alice, at(boxes, i))).toBe('duplicate')
    const row = (await bob.db.sessions.toArray())[0]
    expect(row?.state.skipped).toEqual([])
  })

  it('a box that started the session, let go after a send wrote that session: it opens again', async () => {
    const box = await send(alice, bob, 'first')
    const opened = await bob.sessions.open(alice.me, box)
    expect(opened.started).toBe(true)
    // Bob's reply goes on the session the box started, and writes it
    const reply = await send(bob, alice, 'reply')
    opened.abandon()
    expect(await receive(bob, alice, box)).toBe('first')
    expect(await receive(alice, bob, reply)).toBe('reply')
  })
})

const idOf = (n: number): Uint8Array => { const id = new Uint8Array(16); new DataView(id.buffer).setUint32(12, n); return id }
const numberOf = (id: Uint8Array): number => new DataView(id.buffer, id.byteOffset, 16).getUint32(12)

/** A relay's mailbox holding `boxes` (item n is box n), answering as relay-node does. */
function mailboxOf (boxes: Uint8Array[]): { items: Map<number, Uint8Array>, call: MailboxCall } {
  const items = new Map(boxes.map((box, n) => [n, box]))
  const call: MailboxCall = async (request) => {
    await Promise.resolve()
    switch (request.op) {
      case 'list': {
        const after = request.after === undefined ? -1 : numberOf(request.after)
        const listed = [...items.keys()].sort((a, b) => a - b).filter(n => n > after)
        const page = listed.slice(0, request.limit).map(n => ({ id: idOf(n), size: items.get(n)?.byteLength ?? 0, storedAt: n, expiresAt: n + 1 }))
        return { op: 'list', more: listed.length > request.limit, items: page } as never
      }
      case 'fetch':
        return { op: 'fetch', items: request.ids.flatMap(id => { const item = items.get(numberOf(id)); return item === undefined ? [] : [{ id, storedAt: numberOf(id), item }] }) } as never
      case 'delete':
        for (const id of request.ids) items.delete(numberOf(id))
        return { op: 'delete', deleted: request.ids.length } as never
      default:
        throw new Error('not in a drain')
    }
  }
  return { items, call }
}

/** Bob's drain sink, as the mailbox intake works: boxes opened in prepare, what they carry stored and their sessions committed at once in commit. */
class BobsSink implements DrainSink<OpenedBox[]> {
  readonly stored: string[] = []
  prepared = 0
  commits = 0
  /** the commit of this number fails */
  failAt?: number
  /** the first commit waits until this many batches are open */
  firstWaitsFor = 0
  #wake: Array<() => void> = []

  async prepare (items: FetchedItem[]): Promise<OpenedBox[]> {
    const opened = await openAll(bob, items.map(i => i.item))
    this.prepared++
    for (const wake of this.#wake.splice(0)) wake()
    return opened
  }

  async commit (batches: OpenedBox[][]): Promise<void> {
    const commit = this.commits++
    while (commit === 0 && this.prepared < this.firstWaitsFor) await new Promise<void>((resolve) => { this.#wake.push(resolve) })
    if (commit === this.failAt) {
      // as the intake: what a failed commit held is let go
      for (const batch of batches) this.discard(batch)
      throw new Error('the disk is full')
    }
    const boxes = batches.flat()
    await commitTogether(bob, boxes)
    this.stored.push(...boxes.map(box => words.decode(box.plaintext)))
  }

  discard (batch: OpenedBox[]): void {
    for (const box of batch) box.abandon()
  }
}

describe('a mailbox drain cut off between batches (issue 60: exactly once across a crash between batches)', () => {
  it('the batches opened ahead of the failed commit come again in the next drain, open, and are stored once, in order', async () => {
    await answeredSession()
    const boxes = await alicesBoxes(200)
    const mailbox = mailboxOf(boxes)
    const sink = new BobsSink()
    // the first commit writes once the two batches after it are open; the second fails
    sink.firstWaitsFor = 3
    sink.failAt = 1
    await expect(drainMailbox(mailbox.call, sink, { maxItems: 5000, requestTimeoutMs: 5000 })).rejects.toThrow('the disk is full')
    expect(sink.stored).toEqual(Array.from({ length: 64 }, (_, i) => `m${i}`))
    expect(mailbox.items.size).toBe(136)

    sink.failAt = undefined
    expect(await drainMailbox(mailbox.call, sink, { maxItems: 5000, requestTimeoutMs: 5000 })).toBe(136)
    expect(sink.stored).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`))
    expect(mailbox.items.size).toBe(0)
  })
})

describe('UncommittedKeys', () => {
  const key = (n: number): { dh: Uint8Array, n: number, messageKey: Uint8Array, expiresAt: number } => ({ dh: new Uint8Array([1, 2]), n, messageKey: new Uint8Array(32).fill(n), expiresAt: 1000 })
  const row = (id: string, skipped: number[] = []): SessionRow => ({ id, state: { skipped: skipped.map(key) } }) as unknown as SessionRow

  it('adds the keys of a session\'s uncommitted boxes to its skipped keys once, and no more after they settle', () => {
    const keys = new UncommittedKeys()
    const t1 = keys.add('s', key(5))
    keys.add('s', key(6))
    keys.add('other', key(7))
    expect(keys.stored(row('s', [5])).state.skipped.map(k => k.n)).toEqual([5, 6])
    expect(keys.tokensOf([row('s')])).toHaveLength(2)
    keys.settle(t1)
    expect(keys.has(t1)).toBe(false)
    expect(keys.stored(row('s')).state.skipped.map(k => k.n)).toEqual([6])
    keys.drop([row('s'), row('other')])
    expect(keys.size).toBe(0)
    const unchanged = row('s')
    expect(keys.stored(unchanged)).toBe(unchanged)
  })

  it('holds at most MAX_UNCOMMITTED_KEYS, the oldest let go first (and zeroed)', () => {
    const keys = new UncommittedKeys()
    const oldest = key(1)
    const first = keys.add('s', oldest)
    for (let i = 0; i < MAX_UNCOMMITTED_KEYS; i++) keys.add('s', key(2))
    expect(keys.size).toBe(MAX_UNCOMMITTED_KEYS)
    expect(keys.has(first)).toBe(false)
    expect(oldest.messageKey.every(b => b === 0)).toBe(true)
  })
})
