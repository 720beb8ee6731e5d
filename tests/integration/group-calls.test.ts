/**
 * Group-call signalling between NodeRoots in Node (docs/protocols.md,
 * "Group calls"), through a real relay-node, every frame in the members'
 * sessions: Alice starts a call in a group of four and every other member's
 * node rings; Dave declines and Alice hears it; Bob and Carol join, each
 * pair's offer, answer and candidates reach the other side's tab; Carol's
 * pairs are given up and she joins again; everyone leaves; each member's
 * history holds one entry of the call. The media is the tabs' (e2e); here a
 * small stand-in for the tab answers what the worker asks of it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { befriend, peerIdOf, startHarness, WAIT } from './harness.ts'
import type { GroupCallSignal, GroupCallView } from '../../src/lib/contract/group-call-types.ts'
import type { ContactId } from '../../src/lib/contract/rows.ts'
import type { Harness, Peer } from './harness.ts'

let harness: Harness

beforeEach(async () => { harness = await startHarness() })
afterEach(async () => { await harness.close() })

const SLOW = { timeout: 60_000, interval: 100 }
const offer = (from: string, to: string): string => `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=offer ${from} to ${to}\r\nt=0 0\r\n`
const answer = (from: string, to: string): string => `v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\ns=answer ${from} to ${to}\r\nt=0 0\r\n`
const candidate = (port: number): { candidate: string, sdpMid: string, sdpMLineIndex: number } => ({ candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${port} typ host`, sdpMid: '0', sdpMLineIndex: 0 })

/**
 * A tab's part, as small as it can be: asked for an offer, it hands one to
 * the worker with a candidate after it; given a join's offer, it answers.
 * What it heard is kept.
 */
interface Tab {
  views: GroupCallView[]
  signals: GroupCallSignal[]
  /** the descriptions it was given, by the device they came from */
  got: Map<string, string[]>
}

function tabOf (peer: Peer, name: string, port: number): Tab {
  const tab: Tab = { views: [], signals: [], got: new Map() }
  peer.node.events.addEventListener('groupCall', ({ detail }) => { tab.views.push(detail) })
  peer.node.events.addEventListener('groupCallSignal', ({ detail }) => {
    tab.signals.push(detail)
    const { callId, peer: device } = detail
    if (detail.type === 'offer-needed') {
      void (async () => {
        await peer.node.call('sendGroupCallDescription', { callId, peer: device, type: 'join', sdp: offer(name, device) })
        await peer.node.call('sendGroupCallIce', { callId, peer: device, candidates: [candidate(port)] })
      })()
    } else if (detail.type === 'join' || detail.type === 'answer' || detail.type === 'offer') {
      tab.got.set(device, [...tab.got.get(device) ?? [], detail.sdp])
      if (detail.type === 'join') {
        void (async () => {
          await peer.node.call('sendGroupCallDescription', { callId, peer: device, type: 'answer', sdp: answer(name, device) })
          await peer.node.call('sendGroupCallIce', { callId, peer: device, candidates: [candidate(port)] })
        })()
      }
    }
  })
  return tab
}

/** Alice's group with Bob, Carol and Dave (each her contact, not each other's), all accepted. */
async function fourInAGroup (): Promise<{ people: Peer[], groupId: string, toAlice: ContactId[] }> {
  const people = [await harness.startPeer(undefined, 'Alice')]
  const contactIds: ContactId[] = []
  const toAlice: ContactId[] = []
  for (const name of ['Bob', 'Carol', 'Dave']) {
    const peer = await harness.startPeer(undefined, name)
    people.push(peer)
    const { aToB, bToA } = await befriend(people[0] as Peer, peer)
    contactIds.push(aToB)
    toAlice.push(bToA)
  }
  const [alice, ...others] = people as [Peer, ...Peer[]]
  await vi.waitFor(async () => { expect((await alice.db.contacts.bulkGet(contactIds)).map((c) => c?.state)).toEqual(['accepted', 'accepted', 'accepted']) }, WAIT)
  const { groupId } = await alice.node.call('createGroup', { name: 'Call', contactIds })
  for (const peer of others) {
    await vi.waitFor(async () => { expect((await peer.db.groups.get(groupId))?.state).toBe('invited') }, SLOW)
    await peer.node.call('acceptGroup', { groupId })
  }
  await vi.waitFor(async () => {
    for (const peer of others) expect((await peer.db.groups.get(groupId))?.heads).toEqual((await alice.db.groups.get(groupId))?.heads)
  }, SLOW)
  return { people, groupId, toAlice }
}

/** The devices in the call, as `peer`'s node sees it now. */
async function inCall (peer: Peer, callId: string): Promise<string[]> {
  const view = (await peer.node.call('groupCalls')).find((c) => c.callId === callId)
  return view?.participants.map((p) => p.peer).sort() ?? []
}

describe('group call signalling between nodes', () => {
  it('rings every member, Dave declines, Bob and Carol join in a mesh, Carol joins again, everyone leaves: one history entry on every member', async () => {
    const { people, groupId, toAlice } = await fourInAGroup()
    const [alice, bob, carol, dave] = people as [Peer, Peer, Peer, Peer]
    const [a, b, c, d] = people.map(peerIdOf) as [string, string, string, string]
    const [atAlice, atBob, atCarol, atDave] = [tabOf(alice, 'alice', 9001), tabOf(bob, 'bob', 9002), tabOf(carol, 'carol', 9003), tabOf(dave, 'dave', 9004)]

    const { callId } = await alice.node.call('startGroupCall', { groupId, video: true })
    await vi.waitFor(async () => {
      for (const peer of [bob, carol, dave]) {
        expect(await peer.node.call('groupCalls')).toEqual([expect.objectContaining({ callId, groupId, phase: 'ringing', video: true, startedBy: a, participants: [{ peer: a, member: a }] })])
      }
    }, SLOW)
    // one call at a time: Alice, in hers, cannot start another
    await expect(alice.node.call('startGroupCall', { groupId, video: false })).rejects.toMatchObject({ code: 'callBusy' })

    await dave.node.call('declineGroupCall', { callId })
    await vi.waitFor(() => { expect(atAlice.views.at(-1)?.declined).toEqual([d]) }, WAIT)
    expect(atDave.views.at(-1)).toMatchObject({ callId, phase: 'available' })
    // one call at a time, 1:1 or group: Dave's 1:1 call to Alice, who is in hers, hears busy
    const heard: string[] = []
    dave.node.events.addEventListener('call', ({ detail }) => { heard.push(detail.phase === 'ended' ? `ended:${detail.reason ?? ''}` : detail.phase) })
    await dave.node.call('startCall', { contactId: toAlice[2] as ContactId, video: false, sdp: offer('dave', a) })
    await vi.waitFor(() => { expect(heard).toEqual(['calling', 'ended:busy']) }, WAIT)
    expect(await alice.node.call('currentCall')).toBeNull()

    // Bob joins: his offer reaches Alice's tab, her answer and candidates his
    await bob.node.call('joinGroupCall', { groupId, callId, video: true })
    await vi.waitFor(async () => {
      expect(atAlice.got.get(b)).toEqual([offer('bob', a)])
      expect(atBob.got.get(a)).toEqual([answer('alice', b)])
      expect(atAlice.signals).toContainEqual({ callId, peer: b, type: 'ice', candidates: [candidate(9002)] })
      expect(atBob.signals).toContainEqual({ callId, peer: a, type: 'ice', candidates: [candidate(9001)] })
      expect(await inCall(alice, callId)).toEqual([a, b].sort())
    }, WAIT)
    // Carol, still ringing, learns who is in the call
    await vi.waitFor(async () => { expect(await inCall(carol, callId)).toEqual([a, b].sort()) }, WAIT)

    // Carol joins: she offers to both, and the mesh holds three pairs
    await carol.node.call('joinGroupCall', { groupId, callId, video: true })
    await vi.waitFor(async () => {
      expect(atAlice.got.get(c)).toEqual([offer('carol', a)])
      expect(atBob.got.get(c)).toEqual([offer('carol', b)])
      expect(atCarol.got.get(a)).toEqual([answer('alice', c)])
      expect(atCarol.got.get(b)).toEqual([answer('bob', c)])
      for (const peer of [alice, bob, carol]) expect(await inCall(peer, callId)).toEqual([a, b, c].sort())
    }, WAIT)
    // Dave, not in it, sees who is
    await vi.waitFor(async () => { expect(await inCall(dave, callId)).toEqual([a, b, c].sort()) }, WAIT)
    expect(atCarol.views.at(-1)?.participants).toEqual(expect.arrayContaining([{ peer: a, member: a }, { peer: b, member: b }, { peer: c, member: c }]))

    // Carol's network drops: every tab gives up her pairs, she joins again from the devices she knew
    for (const [peer, other] of [[alice, c], [bob, c], [carol, a], [carol, b]] as const) await peer.node.call('closeGroupCallPair', { callId, peer: other })
    expect(await inCall(carol, callId)).toEqual([c])
    await carol.node.call('joinGroupCall', { groupId, callId, video: true })
    await vi.waitFor(async () => {
      expect(atAlice.got.get(c)).toEqual([offer('carol', a), offer('carol', a)])
      expect(atBob.got.get(c)).toEqual([offer('carol', b), offer('carol', b)])
      for (const peer of [alice, bob, carol]) expect(await inCall(peer, callId)).toEqual([a, b, c].sort())
    }, WAIT)

    // everyone leaves: the last one out says the call is over
    await bob.node.call('leaveGroupCall', { callId })
    await vi.waitFor(async () => { expect(await inCall(alice, callId)).toEqual([a, c].sort()) }, WAIT)
    expect(atAlice.signals).toContainEqual({ callId, peer: b, type: 'closed' })
    await alice.node.call('leaveGroupCall', { callId })
    await vi.waitFor(async () => { expect(await inCall(carol, callId)).toEqual([c]) }, WAIT)
    await carol.node.call('leaveGroupCall', { callId })
    await vi.waitFor(async () => {
      for (const peer of people) expect(await peer.node.call('groupCalls')).toEqual([])
    }, WAIT)
    for (const tab of [atAlice, atBob, atCarol, atDave]) expect(tab.views.at(-1)).toMatchObject({ callId, phase: 'ended', reason: 'over' })

    const entries = async (peer: Peer): Promise<unknown[]> => (await peer.db.messages.filter((m) => m.kind === 'call' && m.groupId !== undefined).toArray())
      .map((m) => ({ groupId: m.groupId, from: m.fromPeerId, outcome: m.call?.outcome, participants: [...m.call?.participants ?? []].sort(), long: (m.call?.durationMs ?? -1) >= 0 }))
    await vi.waitFor(async () => {
      const took = [a, b, c].sort()
      expect(await entries(alice)).toEqual([{ groupId, from: a, outcome: 'answered', participants: took, long: true }])
      expect(await entries(bob)).toEqual([{ groupId, from: a, outcome: 'answered', participants: took, long: true }])
      expect(await entries(carol)).toEqual([{ groupId, from: a, outcome: 'answered', participants: took, long: true }])
      expect(await entries(dave)).toEqual([{ groupId, from: a, outcome: 'declined', participants: took, long: false }])
    }, WAIT)
    // the entries are the same one on every member (its id comes from the call's)
    const ids = await Promise.all(people.map(async (peer) => (await peer.db.messages.filter((m) => m.kind === 'call' && m.groupId !== undefined).first())?.id))
    expect(new Set(ids).size).toBe(1)
  }, 240_000)
})
