/**
 * Chat 2.0.0 between two of the app's nodes through a real relay-node
 * (issue 26, increment 4): messages and actions travel in session boxes,
 * the boxes are let go once acked, a lost session on one side is
 * re-established by itself with no message lost, and a peer without
 * sessions (1.1.0 only) still gets everything.
 */
import { CHAT_PROTOCOL_V2_0 } from '@parley/protocol/chat/constants'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { chatMessages } from '../../src/lib/db/messages.ts'
import { sessionsOf } from '../../src/lib/db/sessions.ts'
import { asOlderApps, befriend, countBoxes, startHarness, WAIT } from './harness.ts'
import type { ParleyDb } from '../../src/lib/db/db.ts'
import type { ContactId } from '../../src/lib/db/types.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

/** The chat's messages (notices apart: see `noticesIn`) as `direction:body:state`. */
async function states (db: ParleyDb, contactId: ContactId): Promise<string[]> {
  return (await chatMessages(db, contactId)).filter(m => m.kind !== 'notice').map(m => `${m.direction}:${m.body}:${m.state}`)
}

/** The notices in the chat, by what they tell. */
async function noticesIn (db: ParleyDb, contactId: ContactId): Promise<string[]> {
  return (await chatMessages(db, contactId)).flatMap(m => m.notice === undefined ? [] : [m.notice])
}

const peerIdOf = (peer: Peer): string => peer.node.status.peerId ?? ''

describe('chat in session boxes (chat 2.0.0)', () => {
  it('messages and a reaction go both ways in boxes; the boxes are let go once acked; each side keeps one session', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const aliceBoxes = countBoxes(alice)
    const bobBoxes = countBoxes(bob)
    const { aToB, bToA } = await befriend(alice, bob)

    const { messageId } = await alice.node.call('sendMessage', { contactId: aToB, text: 'hello Bob, privately' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['out:hello Bob, privately:delivered']) }, WAIT)
    await bob.node.call('sendMessage', { contactId: bToA, text: 'hello Alice' })
    await bob.node.call('react', { messageId, emoji: '👍' })
    await vi.waitFor(async () => {
      expect(await states(alice.db, aToB)).toEqual(['out:hello Bob, privately:delivered', 'in:hello Alice:delivered'])
      expect((await alice.db.messages.get(messageId))?.reactions?.map(r => r.emoji)).toEqual(['👍'])
    }, WAIT)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'and again' })
    await vi.waitFor(async () => { expect((await states(bob.db, bToA)).at(-1)).toBe('in:and again:delivered') }, WAIT)

    expect(aliceBoxes.sealed).toBeGreaterThanOrEqual(2)
    expect(bobBoxes.opened).toBeGreaterThanOrEqual(2)
    expect(bobBoxes.sealed).toBeGreaterThanOrEqual(2)
    expect(aliceBoxes.opened).toBeGreaterThanOrEqual(2)
    // one session each way that both use (not one per direction), the init dropped once answered
    const [aliceSession, ...aliceMore] = await sessionsOf(alice.db, peerIdOf(bob))
    const [bobSession, ...bobMore] = await sessionsOf(bob.db, peerIdOf(alice))
    expect(aliceMore).toEqual([])
    expect(bobMore).toEqual([])
    expect(aliceSession?.initiator).toBe(!(bobSession?.initiator ?? true))
    expect(aliceSession?.init).toBeUndefined()
    await vi.waitFor(async () => {
      expect(await alice.db.boxes.count()).toBe(0)
      expect(await bob.db.boxes.count()).toBe(0)
    }, WAIT)
  })

  it('Bob loses his session state: Alice\'s next message is refused once, a new session starts by itself, and nothing is lost', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB, bToA } = await befriend(alice, bob)
    await alice.node.call('sendMessage', { contactId: aToB, text: 'before' })
    await bob.node.call('sendMessage', { contactId: bToA, text: 'answer' })
    await vi.waitFor(async () => { expect(await states(alice.db, aToB)).toEqual(['out:before:delivered', 'in:answer:delivered']) }, WAIT)
    const before = (await sessionsOf(alice.db, peerIdOf(bob)))[0]?.id

    await bob.db.sessions.clear()
    bob.node.components.sessions.forget(peerIdOf(alice))
    for (const text of ['after one', 'after two']) await alice.node.call('sendMessage', { contactId: aToB, text })
    await vi.waitFor(async () => {
      expect(await states(bob.db, bToA)).toEqual(['in:before:delivered', 'out:answer:delivered', 'in:after one:delivered', 'in:after two:delivered'])
      expect(await states(alice.db, aToB)).toEqual(['out:before:delivered', 'in:answer:delivered', 'out:after one:delivered', 'out:after two:delivered'])
    }, WAIT)
    const current = (await sessionsOf(alice.db, peerIdOf(bob)))[0]
    expect(current?.current).toBe(true)
    expect(current?.id).not.toBe(before)
    // Alice's chat says so, once; Bob's, with nothing left to compare, does not
    await vi.waitFor(async () => { expect(await noticesIn(alice.db, aToB)).toEqual(['session-reset']) }, WAIT)
    // and Bob answers on it
    await bob.node.call('sendMessage', { contactId: bToA, text: 'still here' })
    await vi.waitFor(async () => { expect((await states(alice.db, aToB)).at(-1)).toBe('in:still here:delivered') }, WAIT)
    expect(await noticesIn(bob.db, bToA)).toEqual([])
    expect(await noticesIn(alice.db, aToB)).toEqual(['session-reset'])
  })

  it('a contact whose app has no sessions (chat 1.1.0 only) still gets every message and action, in plain frames', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const aliceBoxes = countBoxes(alice)
    const { aToB, bToA } = await befriend(alice, bob)
    const bobLibp2p = bob.node.libp2p
    const aliceLibp2p = alice.node.libp2p
    if (bobLibp2p === undefined || aliceLibp2p === undefined) throw new Error('no libp2p')
    // an older app never says it speaks sessions ("Sessions are mandatory"): its hello left that out
    await vi.waitFor(async () => {
      expect((await alice.db.contacts.get(aToB))?.sessions).toBe(true)
      expect((await bob.db.contacts.get(bToA))?.sessions).toBe(true)
    }, WAIT)
    for (const [db, id] of [[alice.db, aToB], [bob.db, bToA]] as const) await db.contacts.where('id').equals(id).modify((row) => { delete row.sessions })
    asOlderApps(alice, bob)
    await bobLibp2p.unhandle(CHAT_PROTOCOL_V2_0)
    for (const connection of aliceLibp2p.getConnections(bobLibp2p.peerId)) await connection.close()

    const { messageId } = await alice.node.call('sendMessage', { contactId: aToB, text: 'to the older app' })
    await alice.node.call('react', { messageId, emoji: '🎉' })
    await vi.waitFor(async () => {
      expect(await states(bob.db, bToA)).toEqual(['in:to the older app:delivered'])
      expect((await bob.db.messages.get(messageId))?.reactions?.map(r => r.emoji)).toEqual(['🎉'])
    }, WAIT)
    expect(aliceBoxes.sealed).toBe(0)
    expect(await sessionsOf(alice.db, peerIdOf(bob))).toEqual([])
  })
})
