/**
 * Sessions between two people, each with a database, a prekey keeper and
 * the Sessions service, over relays in memory: first contact through a
 * fetched bundle, answers, kept boxes, replays, reordering, lost state,
 * last-resort replays, both starting at once, and a failed commit.
 */
import { decodeBox, encodeBox } from '@parley/protocol/session/box'
import { keptKemSeeds } from '@parley/protocol/session/kem-keys'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_INIT_SKIP, PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME } from '@parley/protocol/session/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { sessionsOf, sessionTables } from '../../../../src/lib/db/sessions.ts'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import { Sessions } from '../../../../src/lib/p2p/sessions/sessions.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import { RELAY, item, person as newPerson, receive, refusal, send } from './people.ts'
import type { OpenedBox } from '../../../../src/lib/p2p/kernel/ports/sessions.ts'
import type { Person } from './people.ts'

const text = new TextEncoder()
const words = new TextDecoder()

let relays: MemoryPrekeyRelays
let alice: Person
let bob: Person
let people: Person[] = []

async function person (name: string): Promise<Person> {
  const p = await newPerson(relays, name)
  people.push(p)
  return p
}

beforeEach(async () => {
  relays = new MemoryPrekeyRelays()
  alice = await person('alice')
  bob = await person('bob')
  await alice.keeper.syncAll()
  await bob.keeper.syncAll()
})

afterEach(() => {
  people.forEach(p => { p.db.close() })
  people = []
})

describe('Sessions', () => {
  it('first contact through a fetched bundle: Bob opens Alice\'s boxes, answers, and the init stops once Alice hears back', async () => {
    const first = await send(alice, bob, 'hello Bob')
    const second = await send(alice, bob, 'are you there?')
    expect(decodeBox(first).init).toBeDefined()
    expect(decodeBox(second).init).toEqual(decodeBox(first).init)
    expect(await receive(bob, alice, first)).toBe('hello Bob')
    // the second box carries the same init: it opens on the same session, not a new one
    expect(await receive(bob, alice, second)).toBe('are you there?')
    expect(await sessionsOf(bob.db, alice.me.peer)).toHaveLength(1)
    // the one-time keys the init used are gone from Bob's store
    const init = decodeBox(first).init!
    expect(await bob.db.prekeys.get([PREKEY_PQ_ONE_TIME, init.pqPrekeyId])).toBeUndefined()
    expect(await bob.db.prekeys.get([PREKEY_EC_ONE_TIME, init.oneTimePrekeyId])).toBeUndefined()

    expect(await receive(alice, bob, await send(bob, alice, 'yes'))).toBe('yes')
    const third = await send(alice, bob, 'good')
    expect(decodeBox(third).init).toBeUndefined()
    expect(await receive(bob, alice, third)).toBe('good')
    expect((await sessionsOf(alice.db, bob.me.peer))[0]?.init).toBeUndefined()
  })

  it('says a session started on each side once: on the first seal, and once the first box of the peer\'s is kept', async () => {
    const first = await send(alice, bob, 'hello Bob')
    expect(alice.started).toEqual([bob.me.peer])
    // opened but not yet kept: not yet
    const opened = await bob.sessions.open(alice.me, first)
    expect(bob.started).toEqual([])
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await opened.commit() })
    expect(bob.started).toEqual([alice.me.peer])
    expect(await receive(bob, alice, await send(alice, bob, 'again'))).toBe('again')
    expect(await receive(alice, bob, await send(bob, alice, 'yes'))).toBe('yes')
    expect([alice.started, bob.started]).toEqual([[bob.me.peer], [alice.me.peer]])
  })

  it('an item sealed again is the same box (no key used twice, no gap); a box opened twice is refused as a duplicate', async () => {
    const it1 = item()
    const box = await send(alice, bob, 'once', it1)
    expect(await send(alice, bob, 'once', it1)).toEqual(box)
    expect(await receive(bob, alice, box)).toBe('once')
    expect(await refusal(bob, alice, box)).toBe('duplicate')
  })

  it('boxes that arrive out of order, or some never, still open', async () => {
    const boxes = []
    for (let i = 0; i < 6; i++) boxes.push(await send(alice, bob, `m${i}`))
    const got = []
    for (const i of [5, 0, 3, 1]) got.push(await receive(bob, alice, boxes[i]!))
    expect(got).toEqual(['m5', 'm0', 'm3', 'm1'])
    // a new chain after an answer, with a late box of the old one
    await receive(alice, bob, await send(bob, alice, 'reply'))
    const late = await send(alice, bob, 'new chain')
    expect(await receive(bob, alice, late)).toBe('new chain')
    expect(await receive(bob, alice, boxes[2]!)).toBe('m2')
  })

  it('a box from a session Bob lost is refused as no-session, and nothing changes', async () => {
    await receive(bob, alice, await send(alice, bob, 'hi'))
    await receive(alice, bob, await send(bob, alice, 'hi back'))
    await bob.db.sessions.clear()
    bob.sessions.forget(alice.me.peer)
    expect(await refusal(bob, alice, await send(alice, bob, 'lost'))).toBe('no-session')
    expect(await bob.db.sessions.count()).toBe(0)
  })

  it('deletePeer (the contact deleted): its sessions and kept boxes go, the next seal starts a new session, and the peer opens it', async () => {
    await receive(bob, alice, await send(alice, bob, 'hi'))
    await receive(alice, bob, await send(bob, alice, 'hi back'))
    const kept = await send(alice, bob, 'not delivered yet')
    expect(await alice.db.boxes.count()).toBeGreaterThan(0)
    const [session] = await sessionsOf(alice.db, bob.me.peer)
    const before = session?.id
    const kem = session?.state.ourKem?.seed ?? new Uint8Array(0)
    expect(keptKemSeeds()).toContain(bytesToHex(kem))
    await alice.sessions.deletePeer(bob.me.peer)
    expect(await sessionsOf(alice.db, bob.me.peer)).toEqual([])
    // its KEM secret key leaves the cache with it (issue 57 item 10)
    expect(keptKemSeeds()).not.toContain(bytesToHex(kem))
    expect(await alice.db.boxes.count()).toBe(0)
    expect(await alice.sessions.known(bob.me.peer)).toBe(false)
    const again = await send(alice, bob, 'added again')
    expect(decodeBox(again).init).toBeDefined()
    expect((await sessionsOf(alice.db, bob.me.peer))[0]?.id).not.toBe(before)
    expect(await receive(bob, alice, again)).toBe('added again')
    // the box kept before the delete still opens on the session Bob keeps
    expect(await receive(bob, alice, kept)).toBe('not delivered yet')
  })

  it('an init made from the last-resort key alone is refused when it comes again after its session is gone', async () => {
    // Bob's relay has no one-time keys left
    relays.of(RELAY, bob.me.multihash).pq.length = 0
    relays.of(RELAY, bob.me.multihash).ec.length = 0
    const box = await send(alice, bob, 'hi')
    expect(decodeBox(box).init).toMatchObject({ pqKind: PREKEY_PQ_LAST_RESORT, oneTimePrekeyId: 0 })
    expect(await receive(bob, alice, box)).toBe('hi')
    await bob.db.sessions.clear()
    bob.sessions.forget(alice.me.peer)
    expect(await refusal(bob, alice, box)).toBe('replayed-init')
  })

  it('an init naming keys Bob does not hold is refused as unknown-prekey', async () => {
    const box = await send(alice, bob, 'hi')
    await bob.db.prekeys.clear()
    expect(await refusal(bob, alice, box)).toBe('unknown-prekey')
  })

  it('when both start at once, both end on the session the lower PeerID started', async () => {
    const fromAlice = await send(alice, bob, 'A first')
    const fromBob = await send(bob, alice, 'B first')
    expect(await receive(bob, alice, fromAlice)).toBe('A first')
    expect(await receive(alice, bob, fromBob)).toBe('B first')
    const aliceLower = Buffer.compare(Buffer.from(alice.me.multihash), Buffer.from(bob.me.multihash)) < 0
    const aliceCurrent = (await sessionsOf(alice.db, bob.me.peer))[0]!
    const bobCurrent = (await sessionsOf(bob.db, alice.me.peer))[0]!
    expect(aliceCurrent.initiator).toBe(aliceLower)
    expect(bobCurrent.initiator).toBe(!aliceLower)
    // and they talk on it both ways
    expect(await receive(bob, alice, await send(alice, bob, 'then'))).toBe('then')
    expect(await receive(alice, bob, await send(bob, alice, 'and'))).toBe('and')
    expect(await receive(bob, alice, await send(alice, bob, 'on'))).toBe('on')
  })

  it('a commit whose write failed is abandoned: the box opens again later', async () => {
    const box = await send(alice, bob, 'try again')
    const opened: OpenedBox = await bob.sessions.open(alice.me, box)
    opened.abandon()
    expect(await sessionsOf(bob.db, alice.me.peer)).toHaveLength(0)
    expect(await receive(bob, alice, box)).toBe('try again')
  })

  it('a box that starts a session skips at most MAX_INIT_SKIP keys: a stranger\'s asking for 2,000 is refused before any key agreement (issue 57)', async () => {
    expect(MAX_INIT_SKIP).toBe(64)
    const boxes: Uint8Array[] = []
    for (let i = 0; i <= MAX_INIT_SKIP + 1; i++) boxes.push(await send(alice, bob, `m${i}`))
    const secretsFor = vi.spyOn(bob.keeper, 'secretsFor')
    // 2,000 keys ahead (MAX_SKIP, which a box on a session Bob holds may still ask for)
    const far = decodeBox(boxes[0]!)
    expect(await refusal(bob, alice, encodeBox({ ...far, header: { ...far.header, n: 2000 } }))).toBe('too-far-ahead')
    // one past the bound, made honestly: refused too, and nothing changed
    expect(decodeBox(boxes[MAX_INIT_SKIP + 1]!).header.n).toBe(MAX_INIT_SKIP + 1)
    expect(await refusal(bob, alice, boxes[MAX_INIT_SKIP + 1]!)).toBe('too-far-ahead')
    expect(secretsFor).not.toHaveBeenCalled()
    expect(await sessionsOf(bob.db, alice.me.peer)).toEqual([])
    // at the bound it opens (the earlier boxes lost), and the later one then opens on that session
    expect(await receive(bob, alice, boxes[MAX_INIT_SKIP]!)).toBe(`m${MAX_INIT_SKIP}`)
    expect(await receive(bob, alice, boxes[MAX_INIT_SKIP + 1]!)).toBe(`m${MAX_INIT_SKIP + 1}`)
    expect(await receive(bob, alice, boxes[3]!)).toBe('m3')
  })

  it('a malformed box is refused as malformed', async () => {
    expect(await refusal(bob, alice, Uint8Array.of(2, 0, 0))).toBe('malformed')
  })
})

describe('Sessions: sending keys reserved ahead', () => {
  /** A live box (not kept), as chat 2.0.0 seals one. */
  async function live (from: Person, to: Person, body: string): Promise<Uint8Array> {
    const it = item()
    return from.sessions.seal(to.me, it.key, it.id, text.encode(body), async () => from.directory.fetch(RELAY, to.me.multihash, AbortSignal.timeout(1000)), { keep: false })
  }

  it('boxes on reserved keys go without a write; the stored state is past every key used, so a restarted node never uses one again', async () => {
    // a first exchange: Alice's chain after Bob's answer, readied (the answer's state kept, more keys reserved)
    expect(await receive(bob, alice, await live(alice, bob, 'hi'))).toBe('hi')
    expect(await receive(alice, bob, await live(bob, alice, 'hello'))).toBe('hello')
    await alice.sessions.ready(bob.me.peer)
    const reserved = (await sessionsOf(alice.db, bob.me.peer))[0]?.state
    expect(reserved?.pending ?? null).toBeNull()
    // five boxes: the stored state does not move, and is past all of them
    const writes: unknown[] = []
    alice.db.sessions.hook('updating', (changes) => { writes.push(changes) })
    const boxes = []
    for (let i = 0; i < 5; i++) boxes.push(await live(alice, bob, `m${i}`))
    expect(writes).toEqual([])
    const stored = (await sessionsOf(alice.db, bob.me.peer))[0]?.state
    expect(stored?.sendN).toBe(reserved?.sendN)
    expect(Math.max(...boxes.map(b => decodeBox(b).header.n))).toBeLessThan(stored?.sendN ?? 0)
    // Alice's node restarts: it goes on from the stored state, past every key used; Bob opens the old boxes and the new one
    const restarted = new Sessions({ db: alice.db, logger: testLogger(), ownKeys: new OwnKeys({ identity: { privateKey: () => { throw new Error('not needed') } } }), prekeys: alice.keeper })
    alice.sessions = restarted
    const after = await live(alice, bob, 'after the restart')
    expect(decodeBox(after).header.n).toBe(stored?.sendN)
    for (const [i, box] of boxes.entries()) expect(await receive(bob, alice, box)).toBe(`m${i}`)
    expect(await receive(bob, alice, after)).toBe('after the restart')
  })

  /** Alice's node after a restart: only what her database holds. */
  function restart (): void {
    alice.sessions = new Sessions({ db: alice.db, logger: testLogger(), ownKeys: new OwnKeys({ identity: { privateKey: () => { throw new Error('not needed') } } }), prekeys: alice.keeper })
  }

  /** A first exchange, then Bob's answer opened by Alice (a DH step drawn) and its state not yet written. */
  async function stepNotWritten (): Promise<{ opened: OpenedBox, writes: unknown[], before: Uint8Array }> {
    const first = await live(alice, bob, 'hi')
    expect(await receive(bob, alice, first)).toBe('hi')
    const opened = await alice.sessions.open(bob.me, await live(bob, alice, 'hello'))
    expect(words.decode(opened.plaintext)).toBe('hello')
    const writes: unknown[] = []
    alice.db.sessions.hook('creating', (key) => { writes.push(key) })
    alice.db.sessions.hook('updating', (changes) => { writes.push(changes) })
    return { opened, writes, before: decodeBox(first).header.dh }
  }

  it('a reply on a step drawn in memory goes without a write; the opened state\'s write then stores its chain past the keys used', async () => {
    const { opened, writes, before } = await stepNotWritten()
    const replies = [await live(alice, bob, 'r0'), await live(alice, bob, 'r1')]
    expect(writes).toEqual([])
    expect(replies.map(b => decodeBox(b).header.n)).toEqual([0, 1])
    expect(decodeBox(replies[0] ?? new Uint8Array()).header.dh).not.toEqual(before)
    // the opened box's state is written (after the replies): its new chain is stored past the reserved keys
    await alice.db.transaction('rw', sessionTables(alice.db), async () => { await opened.commit() })
    const stored = (await sessionsOf(alice.db, bob.me.peer))[0]?.state
    expect(stored?.pending ?? null).toBeNull()
    expect(stored?.sendN).toBe(32)
    restart()
    const after = await live(alice, bob, 'after the restart')
    expect(decodeBox(after).header.n).toBe(32)
    expect(await receive(bob, alice, replies[0] ?? new Uint8Array())).toBe('r0')
    expect(await receive(bob, alice, after)).toBe('after the restart')
    expect(await receive(bob, alice, replies[1] ?? new Uint8Array())).toBe('r1')
  })

  it('a restart before the opened state is written: the drawn step is gone, no key is used again, and Bob\'s answer to the lost step is refused (the session is reset)', async () => {
    const { before } = await stepNotWritten()
    const reply = await live(alice, bob, 'reply')
    restart()
    // the stored state knows neither Bob's answer nor the step: Alice goes on on her first chain, past its reserved keys
    const after = await live(alice, bob, 'after the restart')
    expect(decodeBox(after).header.dh).toEqual(before)
    expect(decodeBox(after).header.n).toBe(33)
    expect(await receive(bob, alice, reply)).toBe('reply')
    expect(await receive(bob, alice, after)).toBe('after the restart')
    expect(await refusal(alice, bob, await live(bob, alice, 'to the lost step'))).toBe('undecryptable')
  })

  it('a box on a chain not stored yet says so until a commit that wrote the chain is done (also one opened while it ran)', async () => {
    const a = await live(alice, bob, 'a')
    const b = await live(alice, bob, 'b')
    const c = await live(alice, bob, 'c')
    const first = await bob.sessions.open(alice.me, a)
    const second = await bob.sessions.open(alice.me, b)
    expect([first.chainUnstored, second.chainUnstored]).toEqual([true, true])
    await bob.db.transaction('rw', sessionTables(bob.db), async () => { await first.commit() })
    const third = await bob.sessions.open(alice.me, c)
    expect(third.chainUnstored).toBe(false)
    expect(words.decode(third.plaintext)).toBe('c')
  })

  it('readying a session puts back nothing let go meanwhile: a box whose commit failed while the step\'s X25519 ran opens again', async () => {
    expect(await receive(bob, alice, await live(alice, bob, 'hi'))).toBe('hi')
    const box = await live(bob, alice, 'hello')
    const opened = await alice.sessions.open(bob.me, box)
    const readied = alice.sessions.ready(bob.me.peer)
    // a few microtasks: readying has read the rows and waits for WebCrypto (which answers in a later task); then the commit fails
    for (let i = 0; i < 5; i++) await Promise.resolve()
    opened.abandon()
    await readied
    expect(await receive(alice, bob, box)).toBe('hello')
  })

  it('once the step itself is written, the next box waits for a write of its own', async () => {
    const { opened, writes } = await stepNotWritten()
    await alice.db.transaction('rw', sessionTables(alice.db), async () => { await opened.commit() })
    expect((await sessionsOf(alice.db, bob.me.peer))[0]?.state.pending).not.toBeNull()
    writes.length = 0
    const reply = await live(alice, bob, 'reply')
    expect(writes).toHaveLength(1)
    expect(await receive(bob, alice, reply)).toBe('reply')
  })
})
