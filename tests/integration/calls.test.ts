/**
 * Call signalling between NodeRoots in Node (docs/protocols.md, "Calls"):
 * over `/parley/call/1.0.0` through a real relay-node, Alice calls Bob, his
 * node rings with her offer and the candidates she sent meanwhile, he
 * answers, candidates go both ways, she hangs up; Carol, calling Bob then,
 * hears busy; each keeps the call in its chat; a malformed frame is answered `reject invalid` and the node
 * keeps serving. The media is the tabs' (e2e).
 */
import { CALL_PROTOCOL } from '@parley/protocol/call/constants'
import { decodeCallReply, encodeCallFrame } from '@parley/protocol/call/wire'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { befriend, rawAsker, startHarness, WAIT } from './harness.ts'
import type { CallEvent, CallSignalEvent } from '../../src/lib/contract/call-types.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
const ANSWER = 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
const candidate = (port: number): { candidate: string, sdpMid: string, sdpMLineIndex: number } => ({ candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host`, sdpMid: '0', sdpMLineIndex: 0 })

function listen (peer: Peer): { phases: string[], signals: CallSignalEvent[] } {
  const heard = { phases: [] as string[], signals: [] as CallSignalEvent[] }
  peer.node.events.addEventListener('call', (e: CustomEvent<CallEvent>) => { heard.phases.push(e.detail.phase === 'ended' ? `ended:${e.detail.reason ?? ''}` : e.detail.phase) })
  peer.node.events.addEventListener('callSignal', (e: CustomEvent<CallSignalEvent>) => { heard.signals.push(e.detail) })
  return heard
}

describe('call signalling between nodes', () => {
  it('Alice calls Bob: it rings with her offer, he answers, candidates go both ways, she hangs up; Carol meanwhile hears busy', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const carol = await harness.startPeer(undefined, 'Carol')
    const { aToB } = await befriend(alice, bob)
    const { aToB: cToB } = await befriend(carol, bob)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted') }, WAIT)
    await vi.waitFor(async () => { expect((await carol.db.contacts.get(cToB))?.state).toBe('accepted') }, WAIT)
    const [atAlice, atBob, atCarol] = [listen(alice), listen(bob), listen(carol)]

    const { callId } = await alice.node.call('startCall', { contactId: aToB, video: true, sdp: OFFER })
    await alice.node.call('sendCallIce', { callId, candidates: [candidate(9001)] })
    await vi.waitFor(async () => {
      expect(await bob.node.call('currentCall')).toMatchObject({ callId, direction: 'in', phase: 'ringing', video: true, offer: OFFER, candidates: [candidate(9001)], peerId: alice.node.status.peerId })
      expect(atAlice.phases).toEqual(['calling', 'ringing'])
    }, WAIT)

    // Carol calls Bob while he is in this one
    await carol.node.call('startCall', { contactId: cToB, video: false, sdp: OFFER })
    await vi.waitFor(() => { expect(atCarol.phases).toEqual(['calling', 'ended:busy']) }, WAIT)

    await bob.node.call('answerCall', { callId, sdp: ANSWER })
    await bob.node.call('sendCallIce', { callId, candidates: [candidate(9002), { candidate: '', sdpMid: '0', sdpMLineIndex: 0 }] })
    await vi.waitFor(() => {
      expect(atAlice.signals).toEqual([{ callId, type: 'answer', sdp: ANSWER }, { callId, type: 'ice', candidates: [candidate(9002), { candidate: '', sdpMid: '0', sdpMLineIndex: 0 }] }])
      expect(atAlice.phases).toEqual(['calling', 'ringing', 'active'])
    }, WAIT)
    expect(atBob.phases).toEqual(['ringing', 'active'])

    await alice.node.call('hangUp', { callId })
    await vi.waitFor(() => { expect(atBob.phases).toEqual(['ringing', 'active', 'ended:hangup']) }, WAIT)
    expect(await bob.node.call('currentCall')).toBeNull()
    await expect(bob.node.call('answerCall', { callId, sdp: ANSWER })).rejects.toMatchObject({ code: 'callNotFound' })
    // each keeps the call in the chat, as this side saw it; Carol's busy one too; none of it is sent
    const calls = async (peer: Peer): Promise<unknown[]> => (await peer.db.messages.filter(m => m.kind === 'call').toArray())
      .map(m => ({ direction: m.direction, state: m.state, call: { video: m.call?.video, outcome: m.call?.outcome } }))
    await vi.waitFor(async () => {
      expect(await calls(alice)).toEqual([{ direction: 'out', state: 'delivered', call: { video: true, outcome: 'answered' } }])
      expect(await calls(bob)).toEqual([{ direction: 'in', state: 'read', call: { video: true, outcome: 'answered' } }])
      expect(await calls(carol)).toEqual([{ direction: 'out', state: 'delivered', call: { video: false, outcome: 'busy' } }])
    }, WAIT)
    expect(await bob.db.messages.filter(m => m.kind !== 'call').count()).toBe(0)
  }, 120_000)

  it('a malformed frame is answered reject invalid and changes nothing; a frame of no call is unknown-call; the node keeps serving', async () => {
    const alice = await harness.startPeer(undefined, 'Alice')
    const bob = await harness.startPeer(undefined, 'Bob')
    const { aToB } = await befriend(alice, bob)
    await vi.waitFor(async () => { expect((await alice.db.contacts.get(aToB))?.state).toBe('accepted') }, WAIT)
    const heard = listen(bob)
    const ask = await rawAsker(alice, bob, CALL_PROTOCOL, (bytes) => decodeCallReply(bytes))
    expect(await ask(new TextEncoder().encode('{"type":"invite","call":"nope"'))).toEqual({ type: 'reject', reason: 'invalid' })
    expect(await ask(encodeCallFrame({ type: 'accept', call: 'f'.repeat(32), sdp: ANSWER }))).toEqual({ type: 'reject', reason: 'unknown-call' })
    expect(await ask(encodeCallFrame({ type: 'invite', call: 'e'.repeat(32), video: false, sdp: OFFER, sentAt: Date.now() - 120_000 }))).toEqual({ type: 'reject', reason: 'stale' })
    expect(heard.phases).toEqual([])
    expect(await bob.node.call('currentCall')).toBeNull()
    // and a good invite still rings
    expect(await ask(encodeCallFrame({ type: 'invite', call: 'd'.repeat(32), video: false, sdp: OFFER, sentAt: Date.now() }))).toEqual({ type: 'ringing' })
    await vi.waitFor(() => { expect(heard.phases).toEqual(['ringing']) }, WAIT)
  }, 60_000)
})
