/**
 * The calls desk (src/lib/p2p/calls/calls.ts), two or three of them wired
 * in memory (a frame one sends is the other's `receive`): a call rings,
 * is answered and hung up; decline, busy, cancel, no answer, unreachable,
 * a stranger and a stale invite each end it the way docs/protocols.md
 * ("Calls") says; candidates are held until the answer and sent in order,
 * in frames of at most 32; a frame whose connection closed under it goes
 * once more.
 */
import { describe, expect, it, vi } from 'vitest'
import { fakeConnection } from '../../../support/fake-components.ts'
import { ANSWER, answered, candidate, friends, OFFER, person, phases } from './people.ts'
import type { ContactId, ContactRow } from '../../../../src/lib/db/types.ts'

describe('calls', () => {
  it('rings, is answered and hung up; the caller\'s candidates wait for the answer, later ones go as signals, in order', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const callId = await alice.calls.place(toBob, true, OFFER)
    alice.calls.sendIce(callId, [candidate(1), candidate(2)])
    await vi.waitFor(() => { expect(phases(alice)).toEqual(['calling', 'ringing']) })
    await vi.waitFor(() => { expect(bob.calls.current()?.candidates).toEqual([candidate(1), candidate(2)]) })
    expect(bob.calls.current()).toMatchObject({ callId, direction: 'in', video: true, phase: 'ringing', offer: OFFER, peerId: alice.id.toString() })
    expect(phases(bob)).toEqual(['ringing'])

    bob.calls.answer(callId, ANSWER)
    bob.calls.sendIce(callId, [candidate(3)])
    await vi.waitFor(() => { expect(alice.signals).toEqual([{ callId, type: 'answer', sdp: ANSWER }, { callId, type: 'ice', candidates: [candidate(3)] }]) })
    expect(phases(alice)).toEqual(['calling', 'ringing', 'active'])
    expect(phases(bob)).toEqual(['ringing', 'active'])
    // Bob's accept went before his candidates
    expect(bob.frames.map(f => f.type)).toEqual(['accept', 'ice'])

    // a restart: Alice offers again, Bob answers
    alice.calls.sendDescription(callId, 'offer', OFFER)
    await vi.waitFor(() => { expect(bob.signals.at(-1)).toEqual({ callId, type: 'offer', sdp: OFFER }) })
    bob.calls.sendDescription(callId, 'answer', ANSWER)
    await vi.waitFor(() => { expect(alice.signals.at(-1)).toEqual({ callId, type: 'answer', sdp: ANSWER }) })

    alice.calls.hangUp(callId)
    await vi.waitFor(() => { expect(phases(bob).at(-1)).toBe('ended:hangup:them') })
    expect(phases(alice).at(-1)).toBe('ended:hangup:us')
    expect(alice.calls.current()).toBeNull()
    expect(bob.calls.current()).toBeNull()
    expect(() => { alice.calls.sendIce(callId, [candidate(4)]) }).toThrow(expect.objectContaining({ code: 'callNotFound' }))
    // each keeps it in the chat once
    expect([alice.records, bob.records]).toEqual([['answered'], ['answered']])
  })

  it('decline, cancel before an answer, and a hangup with failed each end both sides with their reason', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const declined = await alice.calls.place(toBob, false, OFFER)
    await vi.waitFor(() => { expect(bob.calls.current()?.phase).toBe('ringing') })
    bob.calls.decline(declined)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:declined:them') })
    expect(phases(bob).at(-1)).toBe('ended:declined:us')

    const cancelled = await alice.calls.place(toBob, false, OFFER)
    await vi.waitFor(() => { expect(bob.calls.current()?.callId).toBe(cancelled) })
    alice.calls.hangUp(cancelled)
    // for Bob: a missed call
    await vi.waitFor(() => { expect(phases(bob).at(-1)).toBe('ended:cancelled:them') })
    expect(phases(alice).at(-1)).toBe('ended:cancelled:us')

    const failing = await answered(alice, bob, toBob)
    bob.calls.hangUp(failing, true)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:failed:them') })
    // in the chats: the decline, the cancel (Bob's missed call), the answered one that failed later
    expect(alice.records).toEqual(['declined', 'cancelled', 'answered'])
    expect(bob.records).toEqual(['declined', 'missed', 'answered'])
  })

  it('one call at a time: a second caller hears busy, and we cannot place another', async () => {
    const [alice, bob, carol] = await Promise.all([person('Alice'), person('Bob'), person('Carol')])
    const toBob = friends(alice, bob)
    const carolToBob = friends(carol, bob)
    const callId = await alice.calls.place(toBob, false, OFFER)
    await vi.waitFor(() => { expect(bob.calls.current()?.callId).toBe(callId) })
    await carol.calls.place(carolToBob, false, OFFER)
    await vi.waitFor(() => { expect(phases(carol).at(-1)).toBe('ended:busy:them') })
    expect(bob.calls.current()).toMatchObject({ callId, phase: 'ringing' })
    await expect(alice.calls.place(toBob, false, OFFER)).rejects.toMatchObject({ code: 'callBusy' })
    // the same invite again (a retry) still rings, once
    expect(await bob.calls.receive(alice.id, { type: 'invite', call: callId, video: false, sdp: OFFER, sentAt: Date.now() }, {})).toEqual({ type: 'ringing' })
    expect(phases(bob)).toEqual(['ringing'])
    expect([carol.records, bob.records]).toEqual([['busy'], []])
  })

  it('unanswered: after the ring timeout the caller gives up and the callee has a missed call', async () => {
    const [alice, bob] = await Promise.all([person('Alice', 200), person('Bob', 60_000)])
    const toBob = friends(alice, bob)
    await alice.calls.place(toBob, true, OFFER)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:no-answer:us') }, { timeout: 5000 })
    await vi.waitFor(() => { expect(phases(bob).at(-1)).toBe('ended:no-answer:them') })
    expect(bob.frames).toEqual([])
    expect(alice.frames.map(f => f.type === 'hangup' ? `hangup:${f.reason}` : f.type)).toEqual(['invite', 'hangup:timeout'])
    expect([alice.records, bob.records]).toEqual([['unanswered'], ['missed']])
  })

  it('an unreachable contact, a stranger, a blocked contact and a stale invite: no ringing, each said', async () => {
    const [alice, bob, stranger] = await Promise.all([person('Alice'), person('Bob'), person('Stranger')])
    const toBob = friends(alice, bob)
    bob.reachable = false
    await alice.calls.place(toBob, false, OFFER)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:unreachable:us') })
    bob.reachable = true

    // someone who has Bob as a contact, though Bob does not have them
    stranger.contacts.set(bob.id.toString(), { ...[...alice.contacts.values()][0] as ContactRow, id: 1 as ContactId })
    await stranger.calls.place(1 as ContactId, false, OFFER)
    await vi.waitFor(() => { expect(phases(stranger).at(-1)).toBe('ended:refused:them') })
    expect(phases(bob)).toEqual([])

    const bobsAlice = bob.contacts.get(alice.id.toString()) as ContactRow
    bob.contacts.set(alice.id.toString(), { ...bobsAlice, blocked: true })
    expect(await bob.calls.receive(alice.id, { type: 'invite', call: 'a'.repeat(32), video: false, sdp: OFFER, sentAt: Date.now() }, {})).toEqual({ type: 'reject', reason: 'not-a-contact' })
    bob.contacts.set(alice.id.toString(), bobsAlice)
    expect(await bob.calls.receive(alice.id, { type: 'invite', call: 'b'.repeat(32), video: false, sdp: OFFER, sentAt: Date.now() - 61_000 }, {})).toEqual({ type: 'reject', reason: 'stale' })
    // frames of no call we know, or from someone else than its peer
    expect(await bob.calls.receive(alice.id, { type: 'accept', call: 'c'.repeat(32), sdp: ANSWER }, {})).toEqual({ type: 'reject', reason: 'unknown-call' })
    expect(phases(bob)).toEqual([])
    await expect(alice.calls.place(99 as ContactId, false, OFFER)).rejects.toMatchObject({ code: 'callNotContact' })
    expect([alice.records, stranger.records, bob.records]).toEqual([['failed'], ['failed'], []])
  })

  it('many candidates go in order, in frames of at most 32', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const callId = await answered(alice, bob, toBob)
    const many = Array.from({ length: 70 }, (_, i) => candidate(i))
    for (let i = 0; i < many.length; i += 10) alice.calls.sendIce(callId, many.slice(i, i + 10))
    await vi.waitFor(() => { expect(bob.signals.flatMap(s => s.type === 'ice' ? s.candidates : [])).toEqual(many) })
    const iceFrames = alice.frames.filter(f => f.type === 'ice')
    expect(iceFrames.every(f => f.type === 'ice' && f.candidates.length <= 32)).toBe(true)
    expect(iceFrames.length).toBeLessThan(7)
  })

  it('a hang-up whose connection closed under it is sent once more, on a new one; a frame that failed on an open connection is not', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const first = await answered(alice, bob, toBob)
    // the tab that hosted Bob's connection to Alice went away with his hang-up
    bob.failing = { count: 1, connection: 'closed' }
    bob.calls.hangUp(first)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:hangup:them') })
    expect(bob.frames.filter(f => f.type === 'hangup')).toHaveLength(2)

    const second = await answered(alice, bob, toBob)
    bob.failing = { count: 1, connection: 'open' }
    bob.calls.hangUp(second)
    await vi.waitFor(() => { expect(bob.failing.count).toBe(0) })
    // a second try would follow through promises alone (no timer, no I/O): one macrotask lets them all run
    await new Promise(resolve => setImmediate(resolve))
    expect(bob.frames.filter(f => f.type === 'hangup')).toHaveLength(3)
    // Alice never heard it (her tab's ICE handling ends her side: state/call.svelte.ts)
    expect(phases(alice).at(-1)).toBe('active')
  })

  it('a restart offer that cannot reach the contact ends the call as failed (their node is gone)', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const callId = await answered(alice, bob, toBob, true)
    bob.reachable = false
    alice.calls.sendDescription(callId, 'offer', OFFER)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:failed:us') })
    expect(alice.records).toEqual(['answered'])
  })

  it('the hang-up goes on every open connection at once: one that hangs (its tab gone) does not hold it back', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const callId = await answered(alice, bob, toBob, true)
    const [direct, relayed] = [fakeConnection({ remotePeer: alice.id }), fakeConnection({ remotePeer: alice.id })]
    bob.paths = [direct, relayed]
    bob.hangs.add(direct)
    bob.calls.hangUp(callId)
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('ended:hangup:them') })
    expect(bob.frames.filter(f => f.type === 'hangup')).toHaveLength(2)
  })

  it('the answer goes on every open connection at once too: one that hangs does not hold it back, and the candidates follow it', async () => {
    const [alice, bob] = await Promise.all([person('Alice'), person('Bob')])
    const toBob = friends(alice, bob)
    const callId = await alice.calls.place(toBob, true, OFFER)
    await vi.waitFor(() => { expect(bob.calls.current()?.phase).toBe('ringing') })
    const [direct, relayed] = [fakeConnection({ remotePeer: alice.id }), fakeConnection({ remotePeer: alice.id })]
    bob.paths = [direct, relayed]
    bob.hangs.add(direct)
    bob.calls.answer(callId, ANSWER)
    bob.calls.sendIce(callId, [candidate(7)])
    await vi.waitFor(() => { expect(phases(alice).at(-1)).toBe('active') })
    await vi.waitFor(() => { expect(bob.frames.map(f => f.type)).toContain('ice') })
    expect(bob.frames.filter(f => f.type === 'accept')).toHaveLength(2)
    expect(bob.frames.map(f => f.type).indexOf('ice')).toBeGreaterThan(bob.frames.map(f => f.type).lastIndexOf('accept'))
  })
})
