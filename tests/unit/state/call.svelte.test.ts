/**
 * A call in the tab (state/call.svelte.ts) against a fake node and a fake
 * browser (getUserMedia, RTCPeerConnection): the offer goes out, our
 * candidates follow together once the call has its id, theirs wait for the
 * answer they belong to; a refused camera is said in words and nothing is
 * sent; muting takes the microphone's track off its sender; an ended call
 * lets the media go (cameras switched to as well).
 */
import { afterEach, describe, expect, it, vi } from 'vitest'
import { CallManager } from '../../../src/lib/state/call.svelte.ts'
import { MAX_RESTARTS, RECONNECT_WITHIN_MS } from '../../../src/lib/state/call-path.ts'
import { qualityLevel } from '../../../src/lib/state/call-quality.ts'
import type { CallNode, CallPlatform } from '../../../src/lib/state/call.svelte.ts'
import type { CallEvent, CallSignalEvent } from '../../../src/lib/contract/index.ts'
import type { ContactId } from '../../../src/lib/db/types.ts'
import { fakeCall } from '../../support/fake-node.ts'
import { fakeDevices, FakePeerConnection } from '../../support/fake-media.ts'
import type { FakeStream } from '../../support/fake-media.ts'

const CALL_ID = '0123456789abcdef0123456789abcdef'

function setup (media?: () => Promise<FakeStream>, devices = fakeDevices()): {
  manager: CallManager, pcs: FakePeerConnection[], asked: unknown[], fake: ReturnType<typeof fakeCall>, emit: (e: CallEvent) => void, signal: (e: CallSignalEvent) => void
} {
  const callListeners = new Set<(e: CallEvent) => void>()
  const signalListeners = new Set<(e: CallSignalEvent) => void>()
  const fake = fakeCall({
    currentCall: () => null,
    callConfiguration: () => ({ iceServers: [] }),
    startCall: () => ({ callId: CALL_ID }),
    sendCallIce: () => null,
    sendCallDescription: () => null,
    hangUp: () => null
  })
  const node: CallNode = {
    call: fake.call as CallNode['call'],
    onCall: (l) => { callListeners.add(l); return () => { callListeners.delete(l) } },
    onCallSignal: (l) => { signalListeners.add(l); return () => { signalListeners.delete(l) } }
  }
  const pcs: FakePeerConnection[] = []
  const asked: unknown[] = []
  const platform: CallPlatform = {
    ...devices.platform,
    getUserMedia: async (constraints) => {
      asked.push(constraints)
      return media === undefined ? await devices.platform.getUserMedia(constraints) : await media() as unknown as MediaStream
    },
    peerConnection: (config) => { const pc = new FakePeerConnection(config); pcs.push(pc); return pc as unknown as RTCPeerConnection }
  }
  const manager = new CallManager(node, platform)
  return {
    manager, pcs, asked, fake,
    emit: (e) => { for (const l of callListeners) l(e) },
    signal: (e) => { for (const l of signalListeners) l(e) }
  }
}

const event = (phase: CallEvent['phase'], extra: Partial<CallEvent> = {}): CallEvent =>
  ({ callId: CALL_ID, contactId: 1 as ContactId, peerId: '12D3KooWBob', direction: 'out', video: true, phase, startedAt: 1, ...extra })

afterEach(() => { vi.useRealTimers() })

describe('a call in the tab', () => {
  it('places the offer, sends our candidates together once the call has its id, and applies theirs after the answer', async () => {
    const { manager, pcs, asked, fake, emit, signal } = setup()
    const placing = manager.place(1 as ContactId, true)
    await vi.waitFor(() => { expect(pcs).toHaveLength(1) })
    const pc = pcs[0] as FakePeerConnection
    pc.gather(1)
    pc.gather(2)
    await placing
    expect(asked).toEqual([{ audio: true, video: true }])
    expect(fake.calls.find(c => c.method === 'startCall')?.params).toEqual({ contactId: 1, video: true, sdp: 'v=0 our offer' })
    expect(pc.config).toEqual({ iceServers: [] })
    await vi.waitFor(() => { expect(fake.calls.filter(c => c.method === 'sendCallIce')).toHaveLength(1) })
    expect((fake.calls.find(c => c.method === 'sendCallIce')?.params as { candidates: unknown[] }).candidates).toHaveLength(2)
    expect(manager.here).toBe(true)

    emit(event('ringing'))
    // their candidate comes before their answer: it waits for it
    signal({ callId: CALL_ID, type: 'ice', candidates: [{ candidate: 'candidate:9 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }] })
    signal({ callId: CALL_ID, type: 'answer', sdp: 'v=0 their answer' })
    emit(event('active', { answeredAt: 2 }))
    await vi.waitFor(() => { expect(pc.log).toEqual(['local offer', 'remote answer', 'candidate candidate:9 1 udp 1 127.0.0.1 9 typ host']) })
    // another call's signals are not ours
    signal({ callId: 'f'.repeat(32), type: 'ice', candidates: [{ candidate: 'candidate:8 1 udp 1 127.0.0.1 8 typ host', sdpMid: '0', sdpMLineIndex: 0 }] })

    manager.media?.toggleMute()
    expect(pc.senders.find(s => s.track?.kind === 'audio')).toBeUndefined()
    manager.media?.toggleMute()
    await vi.waitFor(() => { expect(pc.senders.map(s => s.track?.kind)).toEqual(['audio', 'video']) })

    const stream = manager.media?.local as unknown as FakeStream
    emit(event('ended', { reason: 'hangup', endedBy: 'them' }))
    expect(pc.closed).toBe(true)
    expect(stream.tracks.every(t => t.stopped)).toBe(true)
    expect(manager.here).toBe(false)
    expect(manager.call?.phase).toBe('ended')
    manager.dismiss()
    expect(manager.call).toBeUndefined()
  })

  it('a camera the browser refuses: said in words, nothing is sent', async () => {
    const { manager, fake, pcs } = setup(async () => { throw Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' }) })
    await manager.place(1 as ContactId, true)
    expect(manager.problem).toMatch(/may not use the microphone or camera/)
    expect(fake.calls.map(c => c.method)).not.toContain('startCall')
    expect(pcs).toHaveLength(0)
    expect(manager.here).toBe(false)
  })

  it('words the quality by round trip and loss: good, fair, poor', () => {
    expect(qualityLevel({ turn: false })).toBe('good')
    expect(qualityLevel({ rttMs: 40, loss: 0.01, turn: true })).toBe('good')
    expect(qualityLevel({ rttMs: 300, loss: 0, turn: false })).toBe('fair')
    expect(qualityLevel({ rttMs: 40, loss: 0.05, turn: false })).toBe('fair')
    expect(qualityLevel({ rttMs: 700, loss: 0, turn: false })).toBe('poor')
    expect(qualityLevel({ rttMs: 40, loss: 0.2, turn: false })).toBe('poor')
  })

  it('the path fails: the caller restarts ICE with a new offer; their candidates wait for the new answer', async () => {
    const { manager, pcs, fake, emit, signal } = setup()
    await manager.place(1 as ContactId, true)
    const pc = pcs[0] as FakePeerConnection
    signal({ callId: CALL_ID, type: 'answer', sdp: 'v=0 their answer' })
    emit(event('active', { answeredAt: 2 }))
    await vi.waitFor(() => { expect(pc.log).toEqual(['local offer', 'remote answer']) })
    expect(manager.connected).toBe(false)
    pc.becomes('connected')
    // the media was up: a failure from now on is a lost connection (the view's words)
    expect(manager.connected).toBe(true)
    pc.becomes('failed')
    await vi.waitFor(() => { expect(fake.calls.find(c => c.method === 'sendCallDescription')?.params).toEqual({ callId: CALL_ID, type: 'offer', sdp: 'v=0 our offer' }) })
    expect(pc.log).toEqual(['local offer', 'remote answer', 'restartIce', 'local offer'])
    signal({ callId: CALL_ID, type: 'ice', candidates: [{ candidate: 'candidate:7 1 udp 1 127.0.0.1 7 typ host', sdpMid: '0', sdpMLineIndex: 0 }] })
    signal({ callId: CALL_ID, type: 'answer', sdp: 'v=0 their new answer' })
    await vi.waitFor(() => { expect(pc.log.slice(4)).toEqual(['remote answer', 'candidate candidate:7 1 udp 1 127.0.0.1 7 typ host']) })
    pc.becomes('connected')
    expect(manager.here).toBe(true)
    manager.destroy()
  })

  it('the path never comes back: after MAX_RESTARTS restarts, RECONNECT_WITHIN_MS each, the call ends as failed', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] })
    const { manager, pcs, fake, emit, signal } = setup()
    await manager.place(1 as ContactId, true)
    const pc = pcs[0] as FakePeerConnection
    signal({ callId: CALL_ID, type: 'answer', sdp: 'v=0 their answer' })
    emit(event('active', { answeredAt: 2 }))
    await vi.waitFor(() => { expect(pc.log).toEqual(['local offer', 'remote answer']) })
    pc.becomes('failed')
    const offers = (): number => fake.calls.filter(c => c.method === 'sendCallDescription').length
    await vi.waitFor(() => { expect(offers()).toBe(1) })
    for (let round = 2; round <= MAX_RESTARTS; round++) {
      await vi.advanceTimersByTimeAsync(RECONNECT_WITHIN_MS)
      expect(offers()).toBe(round)
    }
    expect(fake.calls.some(c => c.method === 'hangUp')).toBe(false)
    await vi.advanceTimersByTimeAsync(RECONNECT_WITHIN_MS)
    expect(fake.calls.filter(c => c.method === 'hangUp').map(c => c.params)).toEqual([{ callId: CALL_ID, failed: true }])
    expect(offers()).toBe(MAX_RESTARTS)
    // never connected: the view says no path was found
    expect(manager.connected).toBe(false)
    manager.destroy()
  })

  it('switches cameras on the call\'s video sender; the call ending lets every camera go', async () => {
    const devices = fakeDevices({ cameras: ['front', 'back'] })
    const { manager, pcs, emit } = setup(undefined, devices)
    await manager.place(1 as ContactId, true)
    const pc = pcs[0] as FakePeerConnection
    await vi.waitFor(() => { expect(manager.media?.canSwitch).toBe(true) })
    await manager.media?.switchCamera()
    expect(pc.senders.map(s => s.track?.deviceId)).toEqual(['mic', 'back'])
    expect(devices.listeners()).toBe(1)
    emit(event('ended', { reason: 'hangup', endedBy: 'them' }))
    expect(devices.opened.map(t => t.readyState)).toEqual(['ended', 'ended'])
    expect(devices.listeners()).toBe(0)
    expect(manager.media?.cameras).toEqual([])
  })
})
