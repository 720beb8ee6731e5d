/**
 * The group calls' desk and the tab's side (p2p/group-calls/group-calls.ts)
 * among devices wired to each other in memory, every frame through the
 * wire's codecs (the sessions' boxes and the streams are the integration
 * test's): a call that is full, refusals of strangers and stale states, a
 * ring that runs out on an injected clock, busy with a 1:1 call, and the
 * tab's mistakes refused in words.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { decodeGroupCallReply, decodeGroupCallRequest, encodeGroupCallFrame } from '@parley/protocol/group-call/wire'
import { MAX_GROUP_CALL_PARTICIPANTS } from '@parley/protocol/group-call/constants'
import { TypedEventEmitter } from 'main-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CallLine } from '../../../../src/lib/p2p/calls/call-line.ts'
import { GroupCalls } from '../../../../src/lib/p2p/group-calls/group-calls.ts'
import { testLogger } from '../../../support/fake-components.ts'
import type { GroupCallSignal, GroupCallView } from '../../../../src/lib/contract/group-call-types.ts'
import type { EndedGroupCall } from '../../../../src/lib/p2p/group-calls/call-record.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'
import type { Connection } from '@libp2p/interface'
import type { GroupCallRequest } from '@parley/protocol/group-call/wire'

const GROUP = 'a'.repeat(32)
const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'

interface Device {
  id: string
  calls: GroupCalls
  line: CallLine
  views: GroupCallView[]
  signals: GroupCallSignal[]
  records: EndedGroupCall[]
}

/** `count` members of one group, one device each (the member is the device), wired to each other; `served` is each device's config. */
async function group (count: number, served: { testRingTimeoutMs?: number } = {}): Promise<Device[]> {
  const ids = await Promise.all(Array.from({ length: count }, async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))
  const devices = new Map<string, Device>()
  for (const id of ids) {
    const events = new TypedEventEmitter<ParleyEvents>()
    const device: Device = { id, views: [], signals: [], records: [], line: new CallLine(), calls: undefined as unknown as GroupCalls }
    events.addEventListener('groupCall', ({ detail }) => { device.views.push(detail) })
    events.addEventListener('groupCallSignal', ({ detail }) => { device.signals.push(detail) })
    device.calls = new GroupCalls({
      logger: testLogger(),
      events,
      served,
      callLine: device.line,
      groupCallLog: { record: async (call) => { device.records.push(call) } },
      groupCallRoster: {
        me: () => id,
        device: () => id,
        devices: async (groupId) => groupId === GROUP ? ids.filter((other) => other !== id) : undefined,
        memberOf: async (groupId, peer) => groupId === GROUP && ids.includes(peer) ? peer : undefined
      },
      dialer: { connect: async ({ peerId }) => ({ remotePeer: peerIdFromString(peerId), status: 'open' }) as unknown as Connection },
      libp2p: {
        services: {
          groupCall: {
            // through the codecs both ways, as the wire would carry it
            send: async (connection, request) => {
              const to = devices.get(connection.remotePeer.toString())
              if (to === undefined) throw new Error('no such device')
              const reply = await to.calls.receive(peerIdFromString(id), decodeGroupCallRequest(encodeGroupCallFrame(request)), {})
              return decodeGroupCallReply(encodeGroupCallFrame(reply), request)
            }
          }
        }
      }
    })
    devices.set(id, device)
  }
  // every tab answers what it is asked
  for (const device of devices.values()) {
    device.calls.start()
    const events = device.signals
    const push = events.push.bind(events)
    events.push = (...signals: GroupCallSignal[]): number => {
      for (const signal of signals) {
        if (signal.type === 'offer-needed') device.calls.description(signal.callId, signal.peer, 'join', OFFER)
        if (signal.type === 'join') device.calls.description(signal.callId, signal.peer, 'answer', OFFER)
      }
      return push(...signals)
    }
  }
  return [...devices.values()]
}

function last (device: Device): GroupCallView | undefined {
  return device.views.at(-1)
}

/** Lets the in-memory frames run (each is a few promise turns, no timer) until `check` passes. */
async function until (check: () => void): Promise<void> {
  for (let turn = 0; ; turn++) {
    try {
      check()
      return
    } catch (err) {
      if (turn > 1_000) throw err
      await new Promise((resolve) => { setImmediate(resolve) })
    }
  }
}

afterEach(() => { vi.useRealTimers() })

describe('group calls', () => {
  it(`holds at most ${MAX_GROUP_CALL_PARTICIPANTS}: of two who join the fifth's call at once, one is refused full and leaves at once; one who knows it is full is refused in words`, async () => {
    const devices = await group(MAX_GROUP_CALL_PARTICIPANTS + 2)
    const [first, ...rest] = devices as [Device, ...Device[]]
    const callId = await first.calls.startCall(GROUP, true)
    await vi.waitFor(() => { for (const d of rest) expect(last(d)?.phase).toBe('ringing') })
    const late = rest.at(-1) as Device
    // five join, one after another
    const joiners = rest.slice(0, MAX_GROUP_CALL_PARTICIPANTS - 2)
    for (const d of joiners) {
      await d.calls.join(GROUP, callId, true)
      await vi.waitFor(() => { expect(last(d)?.participants).toHaveLength(joiners.indexOf(d) + 2) })
    }
    // the sixth and a seventh both know five, and join at once: the call can take one of them
    const sixth = rest.at(-2) as Device
    await vi.waitFor(() => { for (const d of [sixth, late]) expect(last(d)?.participants).toHaveLength(MAX_GROUP_CALL_PARTICIPANTS - 1) })
    await Promise.all([sixth.calls.join(GROUP, callId, true), late.calls.join(GROUP, callId, true)])
    const full = (d: Device): boolean => d.views.some((v) => v.phase === 'available' && v.reason === 'full')
    await vi.waitFor(() => { expect([sixth, late].filter(full).length).toBeGreaterThan(0) })
    // whoever was refused left at once: every one still in sees the same call, of at most six
    await vi.waitFor(() => {
      const inCall = [first, ...joiners, sixth, late].filter((d) => last(d)?.phase === 'joined')
      const seen = inCall.map((d) => last(d)?.participants.map((p) => p.peer).sort().join())
      expect(new Set(seen).size).toBe(1)
      expect(last(first)?.participants.length).toBeLessThanOrEqual(MAX_GROUP_CALL_PARTICIPANTS)
      expect(inCall.map((d) => d.id).sort().join()).toBe(seen[0])
    })
    for (const d of [sixth, late].filter(full)) {
      expect(d.line.holder).toBeUndefined()
      expect(d.records).toEqual([])
    }
    // one who is told the call holds six is refused here, in words, and takes no line
    const outside = [sixth, late].find(full) as Device
    const six = [first, ...joiners, sixth.id === outside.id ? late : sixth].map((d) => d.id)
    const told = await outside.calls.receive(peerIdFromString(first.id), {
      type: 'state', group: GROUP, call: callId, ring: false, video: true, startedAt: last(first)?.startedAt ?? 0, sentAt: Date.now() + 1_000, participants: six
    }, {})
    expect(told).toEqual({ type: 'ok' })
    expect(last(outside)?.participants.map((p) => p.peer)).toEqual(six)
    await expect(outside.calls.join(GROUP, callId, true)).rejects.toMatchObject({ code: 'groupCallFull', params: { max: MAX_GROUP_CALL_PARTICIPANTS } })
    expect(outside.line.holder).toBeUndefined()
  })

  it('refuses a stranger, a stale state and a frame of no call; the tab\'s mistakes are errors in words that change nothing', async () => {
    const [alice, bob] = await group(2) as [Device, Device]
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const now = Date.now()
    const state: GroupCallRequest = { type: 'state', group: GROUP, call: 'b'.repeat(32), ring: true, video: false, startedAt: now, sentAt: now, participants: [alice.id] }
    expect(await bob.calls.receive(stranger, state, {})).toEqual({ type: 'reject', reason: 'not-a-member' })
    expect(await bob.calls.receive(peerIdFromString(alice.id), { ...state, group: 'c'.repeat(32) }, {})).toEqual({ type: 'reject', reason: 'not-a-member' })
    expect(await bob.calls.receive(peerIdFromString(alice.id), { ...state, startedAt: now - 120_000, sentAt: now - 120_000 }, {})).toEqual({ type: 'reject', reason: 'stale' })
    expect(await bob.calls.receive(peerIdFromString(alice.id), { type: 'join', group: GROUP, call: 'b'.repeat(32), video: false, sdp: OFFER }, {})).toEqual({ type: 'reject', reason: 'unknown-call' })
    expect(bob.calls.list()).toEqual([])
    expect(bob.line.holder).toBeUndefined()

    await expect(alice.calls.startCall('c'.repeat(32), true)).rejects.toMatchObject({ code: 'groupNotMember' })
    await expect(alice.calls.join(GROUP, 'b'.repeat(32), true)).rejects.toMatchObject({ code: 'callNotFound' })
    const callId = await alice.calls.startCall(GROUP, false)
    expect(() => { alice.calls.description(callId, bob.id, 'answer', OFFER) }).toThrow(expect.objectContaining({ code: 'callNotFound' }))
    expect(() => { alice.calls.candidates(callId, bob.id, []) }).toThrow(expect.objectContaining({ code: 'callNotFound' }))
    expect(() => { bob.calls.leave(callId) }).toThrow(expect.objectContaining({ code: 'callNotFound' }))
    expect(alice.calls.list()).toEqual([expect.objectContaining({ callId, phase: 'joined', participants: [{ peer: alice.id, member: alice.id }] })])
  })

  it('a ring runs out on the clock and lets go of the line; a device in a 1:1 call answers a ring busy and still shows the call', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    const [alice, bob, carol] = await group(3, { testRingTimeoutMs: 5_000 }) as [Device, Device, Device]
    carol.line.take('f'.repeat(32))
    const callId = await alice.calls.startCall(GROUP, true)
    await until(() => {
      expect(last(bob)).toMatchObject({ callId, phase: 'ringing' })
      expect(last(carol)).toMatchObject({ callId, phase: 'available' })
    })
    expect(bob.line.holder).toBe(callId)
    expect(carol.line.holder).toBe('f'.repeat(32))
    await vi.advanceTimersByTimeAsync(4_999)
    expect(last(bob)?.phase).toBe('ringing')
    await vi.advanceTimersByTimeAsync(1)
    expect(last(bob)).toMatchObject({ callId, phase: 'available' })
    expect(bob.line.holder).toBeUndefined()
    // after the ring, the call can still be joined
    await bob.calls.join(GROUP, callId, true)
    await until(() => { expect(last(alice)?.participants.map((p) => p.peer).sort()).toEqual([alice.id, bob.id].sort()) })
    // the last one out ends it for all, and each keeps it once
    bob.calls.leave(callId)
    alice.calls.leave(callId)
    await until(() => { for (const d of [alice, bob, carol]) expect(d.records).toHaveLength(1) })
    expect(carol.records[0]).toMatchObject({ callId, startedBy: alice.id, declinedHere: false })
    expect([...carol.records[0]?.participants ?? []].sort()).toEqual([alice.id, bob.id].sort())
  })
})
