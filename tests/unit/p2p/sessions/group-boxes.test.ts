/**
 * SessionGroupBoxes (group 2.0.0's boxes) between two members with real
 * Sessions over relays in memory: a request opens at the listener and goes
 * to its book; a sync's reply comes back in a box (cut to what one box
 * carries); what the listener answers for a stored message, a replayed box,
 * a box that does not open, and a stranger; what the dialer does with
 * `reject session` and with a reply box that names another item; and when
 * the dialer's boxes leave their chain's KEM fields out.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { InvalidMessageError } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { MAX_BOXED_OPS_BYTES } from '@parley/protocol/group/boxed'
import { KEM_PUBLIC_BYTES } from '@parley/protocol/session/constants'
import { decodeBox, encodeBox, encodeHeader } from '@parley/protocol/session/box'
import { TypedEventEmitter } from 'main-event'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sessionTables } from '../../../../src/lib/db/sessions.ts'
import { ulidOf } from '@parley/protocol/ulid'
import { SessionGroupBoxes } from '../../../../src/lib/p2p/sessions/group-boxes.ts'
import { OwnKeys } from '../../../../src/lib/p2p/sessions/own-keys.ts'
import { PrekeyKeeper } from '../../../../src/lib/p2p/sessions/prekey-keeper.ts'
import { Sessions } from '../../../../src/lib/p2p/sessions/sessions.ts'
import { CommitGate } from '../../../support/commit-gate.ts'
import { testLogger } from '../../../support/fake-components.ts'
import { MemoryPrekeyRelays } from '../../../support/prekey-directory.ts'
import { openTestDb } from '../../db/helpers.ts'
import type { ParleyDb } from '../../../../src/lib/db/db.ts'
import type { MessageId } from '../../../../src/lib/db/types.ts'
import type { Desk } from '../../../../src/lib/p2p/kernel/desk-service.ts'
import type { Libp2pEvents, PeerId } from '@libp2p/interface'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'

const RELAY = '/dns4/r1.example/tcp/443/wss/p2p/12D3KooWR1'
const GROUP = '0123456789abcdef0123456789abcdef'

interface Side {
  db: ParleyDb
  peerId: PeerId
  boxes: SessionGroupBoxes
  sessions: Sessions
  /** what the book was asked, and what it answers */
  asked: GroupRequest[]
  answer: (request: GroupRequest) => GroupReply
  /** the peers this side holds as group members */
  members: Set<string>
  notices: string[]
  listener: Desk<Uint8Array, GroupReply | Uint8Array>
}

let relays: MemoryPrekeyRelays
let alice: Side
let bob: Side

async function side (): Promise<Side> {
  const key = await generateKeyPair('Ed25519')
  const db = await openTestDb()
  const ownKeys = new OwnKeys({ identity: { privateKey: () => key } })
  const prekeyDirectory = relays.as(ownKeys.identity())
  const prekeys = new PrekeyKeeper({ db, logger: testLogger(), libp2p: new TypedEventEmitter<Libp2pEvents>(), events: new TypedEventEmitter<ParleyEvents>(), relayList: { active: () => [RELAY] }, ownKeys, prekeyDirectory })
  await prekeys.syncAll()
  const sessions = new Sessions({ db, logger: testLogger(), ownKeys, prekeys })
  const members = new Set<string>()
  const notices: string[] = []
  const boxes = new SessionGroupBoxes({
    db,
    logger: testLogger(),
    sessions,
    contactBook: { byPeerId: async () => undefined },
    groupBook: { isGroupPeer: async (peer: string) => members.has(peer), mailboxesOf: async () => [], saidSessions: async () => false },
    prekeyDirectory,
    relayList: { active: () => [RELAY] },
    sessionNotices: { sessionReset: async (peer: string) => { notices.push(peer) } }
  })
  const made: Side = {
    db, peerId: peerIdFromPrivateKey(key), boxes, sessions, asked: [], members, notices,
    answer: () => ({ type: 'reply', status: 'ok' }),
    listener: { receive: async () => { throw new Error('set below') } }
  }
  made.listener = boxes.listenWith({ receive: async (_from, request) => { made.asked.push(request); return made.answer(request) } })
  return made
}

beforeEach(async () => {
  relays = new MemoryPrekeyRelays()
  alice = await side()
  bob = await side()
  alice.members.add(bob.peerId.toString())
  bob.members.add(alice.peerId.toString())
})
afterEach(() => { alice.db.close(); bob.db.close() })

/** Waits for the session writes `side` started in the background. */
async function settle (side: Side): Promise<void> {
  await side.db.transaction('rw', sessionTables(side.db), async () => {})
}

let n = 0
/** A group message request whose frame has a fresh ULID (the body is not checked here: the book is a fake). */
function message (): { request: GroupRequest, id: string } {
  n++
  const id = `01JD00000000000000000000${n.toString().padStart(2, '0')}`
  return { id, request: { type: 'message', message: { body: JSON.stringify({ v: 1, group: GROUP, frame: { type: 'message', id, text: 'hi', sentAt: 1 } }), sig: 'x' } } }
}

/** Bob has stored Alice's group message `id` (a retry of it is answered duplicate, unopened). */
async function storedAtBob (id: string): Promise<void> {
  await bob.db.messages.add({ id: id as MessageId, contactId: 0, groupId: GROUP, direction: 'in', fromPeerId: alice.peerId.toString(), kind: 'text', body: 'hi', sentAt: 1, state: 'delivered' })
}

/** One exchange, Alice → Bob, as the group service makes it. */
async function exchange (request: GroupRequest): Promise<GroupReply> {
  const sealed = await alice.boxes.seal(bob.peerId, request)
  const answered = await bob.listener.receive(alice.peerId, sealed.box, {})
  return alice.boxes.reply(bob.peerId, sealed, wire(answered))
}

/** A listener's answer as it goes over the stream: a box, else the reply's JSON. */
function wire (answered: GroupReply | Uint8Array): Uint8Array {
  return answered instanceof Uint8Array ? answered : new TextEncoder().encode(JSON.stringify(answered))
}

describe('SessionGroupBoxes, live (group 2.0.0)', () => {
  it('a request opens at the listener and goes to its book; a message\'s box names the message', async () => {
    const { request, id } = message()
    const sealed = await alice.boxes.seal(bob.peerId, request)
    expect(ulidOf(decodeBox(sealed.box).itemId)).toBe(id)
    expect(await exchange(request)).toEqual({ type: 'reply', status: 'ok' })
    expect(bob.asked).toEqual([request])
    // any other request gets 16 random bytes
    const sync = await alice.boxes.seal(bob.peerId, { type: 'sync', group: GROUP, heads: [] })
    expect(sync.itemId).toHaveLength(16)
    expect(sync.itemId).not.toEqual((await alice.boxes.seal(bob.peerId, { type: 'sync', group: GROUP, heads: [] })).itemId)
    // a live box is not kept
    expect(await alice.db.boxes.count()).toBe(0)
  })

  it('a sync\'s reply comes in a box, which Alice opens; one larger than a box is cut, with "more"', async () => {
    const op = { body: 'x'.repeat(10_000), sig: 's'.repeat(88) }
    const many = Array.from({ length: 30 }, () => op)
    bob.answer = () => ({ type: 'reply', status: 'ok', ops: many })
    const sealed = await alice.boxes.seal(bob.peerId, { type: 'sync', group: GROUP, heads: [] })
    const answered = await bob.listener.receive(alice.peerId, sealed.box, {})
    expect(answered).toBeInstanceOf(Uint8Array)
    const reply = await alice.boxes.reply(bob.peerId, sealed, answered as Uint8Array)
    if (reply.type !== 'reply') throw new Error('refused')
    expect(reply.more).toBe(true)
    expect(reply.ops?.length).toBeGreaterThan(0)
    expect((reply.ops?.length ?? 0) * 30_000).toBeLessThanOrEqual(MAX_BOXED_OPS_BYTES + 30_000)
    expect(reply.ops?.length).toBeLessThan(many.length)
    // both kept their sessions: the next exchange opens on them
    await settle(bob)
    bob.answer = () => ({ type: 'reply', status: 'ok' })
    expect(await exchange(message().request)).toEqual({ type: 'reply', status: 'ok' })
  })

  it('a message stored before is answered duplicate unopened; the same box again is a duplicate too', async () => {
    const { request } = message()
    const sealed = await alice.boxes.seal(bob.peerId, request)
    expect(await bob.listener.receive(alice.peerId, sealed.box, {})).toEqual({ type: 'reply', status: 'ok' })
    expect(await bob.listener.receive(alice.peerId, sealed.box, {})).toEqual({ type: 'reply', status: 'duplicate' })
    const stored = message()
    const box = (await alice.boxes.seal(bob.peerId, stored.request)).box
    await storedAtBob(stored.id)
    expect(await bob.listener.receive(alice.peerId, box, {})).toEqual({ type: 'reply', status: 'duplicate' })
    expect(bob.asked).toHaveLength(1)
  })

  it('a box that does not open is answered "reject session"; the dialer starts a new session, once per interval, and says so', async () => {
    await exchange(message().request)
    // the listener readies the session after its commit without waiting (a put of reserved keys):
    // through the same per-peer lock, this waits for it, so that it cannot write the row back after the clear
    await bob.sessions.ready(alice.peerId.toString())
    await settle(bob)
    await bob.db.sessions.clear()
    bob.sessions.forget(alice.peerId.toString())
    const lost = message().request
    expect(await exchange(lost)).toEqual({ type: 'reject', reason: 'session' })
    expect((await alice.db.sessions.toArray()).some(s => s.current)).toBe(false)
    expect(alice.notices).toEqual([bob.peerId.toString()])
    // a second refusal within the interval changes nothing
    await alice.boxes.reply(bob.peerId, await alice.boxes.seal(bob.peerId, message().request), wire({ type: 'reject', reason: 'session' }))
    expect(alice.notices).toHaveLength(1)
    // sent again, on a new session that Bob opens
    const sealed = await alice.boxes.seal(bob.peerId, lost)
    expect(decodeBox(sealed.box).init).toBeDefined()
    expect(await bob.listener.receive(alice.peerId, sealed.box, {})).toEqual({ type: 'reply', status: 'ok' })
  })

  it('a stranger\'s request, refused by the book, leaves no session; a member\'s does', async () => {
    bob.members.clear()
    bob.answer = () => ({ type: 'reject', reason: 'not-a-member' })
    expect(await exchange(message().request)).toEqual({ type: 'reject', reason: 'not-a-member' })
    await settle(bob)
    expect(await bob.db.sessions.count()).toBe(0)
    bob.members.add(alice.peerId.toString())
    bob.answer = () => ({ type: 'reply', status: 'ok' })
    expect(await exchange(message().request)).toEqual({ type: 'reply', status: 'ok' })
    await settle(bob)
    expect(await bob.db.sessions.count()).toBe(1)
  })

  it('the dialer refuses a reply box that names another item, and a reply outside a box that carries operations', async () => {
    bob.answer = () => ({ type: 'reply', status: 'ok', ops: [{ body: '{}', sig: 's' }] })
    const first = await alice.boxes.seal(bob.peerId, { type: 'sync', group: GROUP, heads: [] })
    const answered = await bob.listener.receive(alice.peerId, first.box, {}) as Uint8Array
    await expect(alice.boxes.reply(bob.peerId, { ...first, itemId: new Uint8Array(16) }, answered)).rejects.toThrow(InvalidMessageError)
    const plain = new TextEncoder().encode(JSON.stringify({ type: 'reply', status: 'ok', ops: [] }))
    await expect(alice.boxes.reply(bob.peerId, first, plain)).rejects.toThrow(InvalidMessageError)
    // a box whose ciphertext was altered does not open
    const box = decodeBox(answered)
    box.ciphertext[0] = (box.ciphertext[0] ?? 0) ^ 1
    await expect(alice.boxes.reply(bob.peerId, first, encodeBox(box))).rejects.toThrow(InvalidMessageError)
  })
})

describe('SessionGroupBoxes: KEM fields once a chain is held', () => {
  /** `from`'s request sealed, answered by `to`, the answer taken by `from`: the box and the reply */
  async function answered (request: GroupRequest, from: Side = alice, to: Side = bob): Promise<{ box: Uint8Array, reply: GroupReply }> {
    const sealed = await from.boxes.seal(to.peerId, request)
    const reply = await from.boxes.reply(to.peerId, sealed, wire(await to.listener.receive(from.peerId, sealed.box, {})))
    return { box: sealed.box, reply }
  }
  /** Whether `box`'s header carries its chain's KEM public key, and its KEM ciphertext */
  function kemFields (box: Uint8Array): boolean[] {
    const { header } = decodeBox(box)
    return [header.kemPublic !== undefined, header.kemCiphertext !== undefined]
  }

  it('after Bob replied to a box of Alice\'s chain her next live boxes on it leave its KEM fields out and still open; a duplicate says nothing; mailbox items always carry them', async () => {
    // a message Bob stored before is answered duplicate, unopened: no word of the chain
    const stored = message()
    await storedAtBob(stored.id)
    expect((await answered(stored.request)).reply).toEqual({ type: 'reply', status: 'duplicate' })
    // the initiator's first chain proposes a KEM key, with no ciphertext
    const first = await answered(message().request)
    expect([first.reply, kemFields(first.box)]).toEqual([{ type: 'reply', status: 'ok' }, [true, false]])
    const second = await answered(message().request)
    expect([second.reply, kemFields(second.box)]).toEqual([{ type: 'reply', status: 'ok' }, [false, false]])
    // (the boxes themselves are padded to their size buckets: their headers differ by the key)
    expect(encodeHeader(decodeBox(first.box).header).byteLength - encodeHeader(decodeBox(second.box).header).byteLength).toBe(KEM_PUBLIC_BYTES)
    const item = await alice.boxes.mailboxItem(bob.peerId.toString(), new Uint8Array(16).fill(9), new TextEncoder().encode('{}'), [])
    expect(kemFields(item ?? new Uint8Array())).toEqual([true, false])

    // Bob writes: Alice's next box is on a new chain (a DH and KEM step), with its fields, until a reply says Bob holds it
    expect((await answered(message().request, bob, alice)).reply).toEqual({ type: 'reply', status: 'ok' })
    const stepped = await answered(message().request)
    expect([stepped.reply, kemFields(stepped.box)]).toEqual([{ type: 'reply', status: 'ok' }, [true, true]])
    const held = await answered(message().request)
    expect([held.reply, kemFields(held.box)]).toEqual([{ type: 'reply', status: 'ok' }, [false, false]])
    // a sync's reply box is Bob's step (our chain was new to him): the next box is on a new chain again, with its fields
    bob.answer = () => ({ type: 'reply', status: 'ok', ops: [{ body: '{}', sig: 's' }] })
    const sync = await answered({ type: 'sync', group: GROUP, heads: [] })
    expect([sync.reply, kemFields(sync.box)]).toMatchObject([{ type: 'reply', ops: [{ body: '{}', sig: 's' }] }, [false, false]])
    bob.answer = () => ({ type: 'reply', status: 'ok' })
    expect(kemFields((await answered(message().request)).box)).toEqual([true, true])
    expect(bob.asked.filter(r => r.type === 'message')).toHaveLength(5)
  })

  it('Bob answers a box on a chain he has not stored only once it is stored; one on a stored chain before its write', async () => {
    // Bob's writes of opened states wait until the test lets them go
    const gate = new CommitGate(bob.sessions)
    let replied = false
    const first = bob.listener.receive(alice.peerId, (await alice.boxes.seal(bob.peerId, message().request)).box, {}).then((r) => { replied = true; return r })
    // the request is taken and the state's write is under way, held at the gate: no answer yet
    await gate.reached
    expect(bob.asked).toHaveLength(1)
    expect(replied).toBe(false)
    gate.release()
    expect(await first).toEqual({ type: 'reply', status: 'ok' })
    await settle(bob)
    gate.close()
    // the chain is stored: the next box on it is answered while its own write waits
    expect(await bob.listener.receive(alice.peerId, (await alice.boxes.seal(bob.peerId, message().request)).box, {})).toEqual({ type: 'reply', status: 'ok' })
    gate.release()
  })
})
