/**
 * Group calls' frames in session boxes (sessions/call-boxes.ts), between two
 * people's real Sessions over prekey relays in memory: a request sealed by
 * one is opened by the other, handed to its desk, and answered in a box the
 * first opens; nothing of the frame shows outside the boxes; a box that does
 * not open is answered `reject session` outside one and the dialer starts
 * over; a stranger's box leaves no session; a frame that is not valid is
 * answered `reject invalid` in a box; a box that came before is refused.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { decodeGroupCallBoxReply } from '@parley/protocol/group-call/boxed'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { sessionsOf } from '../../../../src/lib/db/sessions.ts'
import { CallSessionRefusedError, SessionCallBoxes } from '../../../../src/lib/p2p/sessions/call-boxes.ts'
import { testLogger } from '../../../support/fake-components.ts'
import * as people from './people.ts'
import { RELAY } from './people.ts'
import type { Person } from './people.ts'
import type { OutsideReject } from '@parley/protocol/group-call/boxed'
import type { GroupCallReply, GroupCallRequest } from '@parley/protocol/group-call/wire'
import type { PeerId } from '@libp2p/interface'

const group = 'fedcba9876543210fedcba9876543210'
const call = '0123456789abcdef0123456789abcdef'
const SDP = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=the offer of our pair\r\n'

let alice: Person
let bob: Person

beforeEach(async () => {
  ({ alice, bob } = await people.aliceAndBob())
})

afterEach(() => {
  alice.db.close()
  bob.db.close()
})

/** `person`'s call boxes; `members` are the group peers it knows (nobody is a contact here). */
function boxesOf (person: Person, members: () => string[], resets: string[] = []): SessionCallBoxes {
  return new SessionCallBoxes({
    db: person.db,
    logger: testLogger(),
    sessions: person.sessions,
    groupBook: { isGroupPeer: async (peer) => members().includes(peer), mailboxesOf: async () => [RELAY] },
    sessionNotices: { sessionReset: async (peer) => { resets.push(peer) } },
    contactBook: { byPeerId: async () => undefined },
    prekeyDirectory: person.directory,
    relayList: { active: () => [RELAY] }
  })
}

const idOf = (person: Person): PeerId => peerIdFromString(person.me.peer)
const join: GroupCallRequest = { type: 'join', group, call, video: true, sdp: SDP }

/** One exchange from `from` to `to`: sealed, received by `to`'s desk, the reply opened. */
async function exchange (from: SessionCallBoxes, fromPerson: Person, to: SessionCallBoxes, toPerson: Person, request: GroupCallRequest, answer: (req: GroupCallRequest) => GroupCallReply): Promise<{ reply: GroupCallReply, wire: Uint8Array | OutsideReject, taken: GroupCallRequest[] }> {
  const taken: GroupCallRequest[] = []
  const sealed = await from.seal(idOf(toPerson), request)
  const wire = await to.listenWith({ receive: async (_peer, req) => { taken.push(req); return answer(req) } }).receive(idOf(fromPerson), sealed.box, {})
  const bytes = wire instanceof Uint8Array ? wire : new TextEncoder().encode(JSON.stringify(wire))
  return { reply: await from.reply(idOf(toPerson), sealed, bytes, request), wire, taken }
}

describe('group call frames in session boxes', () => {
  it('a join goes in a box, the listener\'s desk takes it, and its answer comes back in a box; both keep the session', async () => {
    const aliceBoxes = boxesOf(alice, () => [bob.me.peer])
    const bobBoxes = boxesOf(bob, () => [alice.me.peer])
    const { reply, wire, taken } = await exchange(aliceBoxes, alice, bobBoxes, bob, join, () => ({ type: 'joined', participants: [bob.me.peer, alice.me.peer] }))
    expect(taken).toEqual([join])
    expect(reply).toEqual({ type: 'joined', participants: [bob.me.peer, alice.me.peer] })
    // the reply is a box, and neither it nor the request shows the frame
    expect(wire).toBeInstanceOf(Uint8Array)
    expect('box' in decodeGroupCallBoxReply(wire as Uint8Array)).toBe(true)
    expect(new TextDecoder().decode(wire as Uint8Array)).not.toContain(bob.me.peer)
    expect(await sessionsOf(bob.db, alice.me.peer)).toHaveLength(1)
    // the next frame goes on the same session, both ways
    const next = await exchange(bobBoxes, bob, aliceBoxes, alice, { type: 'answer', group, call, sdp: SDP }, () => ({ type: 'ok' }))
    expect(next.reply).toEqual({ type: 'ok' })
    expect(await sessionsOf(alice.db, bob.me.peer)).toHaveLength(1)
  })

  it('a frame that is not valid is answered reject invalid, in a box; a box that came before is refused outside one', async () => {
    const aliceBoxes = boxesOf(alice, () => [bob.me.peer])
    const bobBoxes = boxesOf(bob, () => [alice.me.peer])
    const bad = { ...join, sdp: 'not a session description' }
    const { reply, taken } = await exchange(aliceBoxes, alice, bobBoxes, bob, bad, () => ({ type: 'ok' }))
    expect(taken).toEqual([])
    expect(reply).toEqual({ type: 'reject', reason: 'invalid' })
    // the same box again (a replay)
    const sealed = await aliceBoxes.seal(idOf(bob), join)
    const desk = bobBoxes.listenWith({ receive: async () => ({ type: 'ok' }) })
    expect(await desk.receive(idOf(alice), sealed.box, {})).toBeInstanceOf(Uint8Array)
    expect(await desk.receive(idOf(alice), sealed.box, {})).toEqual({ type: 'reject', reason: 'invalid' })
  })

  it('a stranger\'s box is refused outside a box and leaves no session; a box that does not open asks for a new session, which the dialer starts', async () => {
    const aliceBoxes = boxesOf(alice, () => [bob.me.peer])
    // Bob holds no group with Alice in it: his desk refuses her, and he keeps no session she started
    const strangerBoxes = boxesOf(bob, () => [])
    const refused = await exchange(aliceBoxes, alice, strangerBoxes, bob, join, () => ({ type: 'reject', reason: 'not-a-member' }))
    expect(refused.wire).toEqual({ type: 'reject', reason: 'invalid' })
    expect(refused.reply).toEqual({ type: 'reject', reason: 'invalid' })
    expect(await sessionsOf(bob.db, alice.me.peer)).toHaveLength(0)

    // Bob lost his sessions (a new device, a restore): Alice's next box does not open there
    const resets: string[] = []
    const resetting = boxesOf(alice, () => [bob.me.peer], resets)
    const bobBoxes = boxesOf(bob, () => [alice.me.peer])
    expect((await exchange(resetting, alice, bobBoxes, bob, join, () => ({ type: 'joined', participants: [bob.me.peer, alice.me.peer] }))).reply.type).toBe('joined')
    await bob.db.sessions.clear()
    const reborn = boxesOf(people.restarted(bob), () => [alice.me.peer])
    const sealed = await resetting.seal(idOf(bob), { type: 'leave', group, call })
    const wire = await reborn.listenWith({ receive: async () => ({ type: 'ok' }) }).receive(idOf(alice), sealed.box, {})
    expect(wire).toEqual({ type: 'reject', reason: 'session' })
    await expect(resetting.reply(idOf(bob), sealed, new TextEncoder().encode(JSON.stringify(wire)), { type: 'leave', group, call })).rejects.toThrow(CallSessionRefusedError)
    expect(resets).toEqual([bob.me.peer])
    // the next frame starts a new session, which Bob opens
    const again = await exchange(resetting, alice, reborn, bob, { type: 'leave', group, call }, () => ({ type: 'ok' }))
    expect(again.reply).toEqual({ type: 'ok' })
  })
})
