import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_CHANNELS_PER_PEER_CONNECTION, MAX_HOSTS, MAX_PEER_CONNECTIONS } from '../../../src/lib/webrtc-bridge/constants.ts'
import { RtcHost } from '../../../src/lib/webrtc-bridge/host.ts'
import { ChannelPump } from '../../../src/lib/webrtc-bridge/pump.ts'
import { RtcBridge } from '../../../src/lib/webrtc-bridge/proxy.ts'
import type { HostsChangedDetail } from '../../../src/lib/webrtc-bridge/proxy.ts'
import type { BridgePort } from '../../../src/lib/webrtc-bridge/protocol.ts'
import { FakeRtcWorld } from './fake-rtc.ts'
import { WIRINGS, addTab, closeAllPorts, connectPair, makeWorker, recordingLog } from './harness.ts'
import { LocalPortPair } from './local-port.ts'

afterEach(closeAllPorts)

type LossCase = 'port closed' | 'leave' | 'remove()'

describe.each(WIRINGS)('webrtc bridge: host loss (pump: $pump)', (wiring) => {
  it.each<LossCase>(['port closed', 'leave', 'remove()'])('closes everything on the lost host (%s) and moves to another host', async (how) => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { a, ca } = await connectPair(A.bridge, B.bridge)
    const tab2 = addTab(A.bridge, world, false, undefined, wiring)
    const tab3 = addTab(A.bridge, world, false, undefined, wiring)
    tab2.handle.setVisible(true)
    expect(A.bridge.currentHostId).toBe(tab2.handle.id)

    const events: string[] = []
    a.addEventListener('iceconnectionstatechange', () => { events.push(`ice:${a.iceConnectionState}`) })
    a.addEventListener('connectionstatechange', () => { events.push(`connection:${a.connectionState}`) })
    ca.addEventListener('close', () => { events.push('channel:close') })
    const changes: HostsChangedDetail[] = []
    A.bridge.onHostsChanged = (d) => { changes.push(d) }

    world.autoDrain = false
    ca.send(new Uint8Array(1024))
    const pending = a.addIceCandidate({ candidate: '', sdpMid: '0' })
    if (how === 'port closed') A.tab.tabPort.close()
    else if (how === 'leave') A.tab.host.close()
    else A.tab.handle.remove()

    await expect(pending).rejects.toMatchObject({ name: 'RtcHostGoneError' })
    await vi.waitFor(() => { expect(events).toEqual(['channel:close', 'ice:closed', 'connection:closed']) })
    expect(a.connectionState).toBe('closed')
    expect(ca.readyState).toBe('closed')
    expect(() => { ca.send(new Uint8Array(1)) }).toThrow(expect.objectContaining({ name: 'InvalidStateError' }))
    await expect(a.createOffer()).rejects.toMatchObject({ name: 'InvalidStateError' })
    expect(changes).toEqual([expect.objectContaining({
      reason: 'removed', hostId: A.tab.handle.id, lostPeerConnections: 1, hostCount: 2, currentHostId: tab2.handle.id
    })])
    expect(A.bridge.peerConnectionCount).toBe(0)

    // New peer connections go to the visible host that is left.
    const next = new A.bridge.classes.RTCPeerConnection()
    await next.createOffer()
    expect(tab2.host.peerConnectionCount).toBe(1)
    expect(tab3.host.peerConnectionCount).toBe(0)
    next.close()
  })

  it('prefers a visible host, else the most recently added one', () => {
    const world = new FakeRtcWorld()
    const bridge = new RtcBridge({ log: recordingLog().log })
    expect(bridge.currentHostId).toBeUndefined()
    const t1 = addTab(bridge, world, true, undefined, wiring)
    const t2 = addTab(bridge, world, false, undefined, wiring)
    expect(bridge.currentHostId).toBe(t1.handle.id)
    t1.handle.setVisible(false)
    expect(bridge.currentHostId).toBe(t2.handle.id)
    t1.handle.setVisible(true)
    expect(bridge.currentHostId).toBe(t1.handle.id)
    t1.handle.remove()
    expect(bridge.currentHostId).toBe(t2.handle.id)
    expect(bridge.hostCount).toBe(1)
  })

  it('follows visibility reported by the tab', async () => {
    const world = new FakeRtcWorld()
    const bridge = new RtcBridge({ log: recordingLog().log })
    const t1 = addTab(bridge, world, false, undefined, wiring)
    const t2 = addTab(bridge, world, false, undefined, wiring)
    expect(bridge.currentHostId).toBe(t2.handle.id)
    t1.host.setVisible(true)
    await vi.waitFor(() => { expect(bridge.currentHostId).toBe(t1.handle.id) })
  })
})

describe('webrtc bridge: no usable host', () => {
  it('drops a host whose postMessage throws', async () => {
    const { log, lines } = recordingLog()
    const bridge = new RtcBridge({ log })
    const broken: BridgePort = {
      postMessage: () => { throw new Error('DataCloneError') },
      addEventListener: () => {},
      removeEventListener: () => {}
    }
    bridge.addHost(broken, { visible: true })
    const pc = new bridge.classes.RTCPeerConnection()
    await expect(pc.createOffer()).rejects.toMatchObject({ name: 'RtcHostGoneError' })
    await vi.waitFor(() => { expect(bridge.hostCount).toBe(0) })
    expect(pc.connectionState).toBe('closed')
    expect(lines.some(l => l.includes('postMessage'))).toBe(true)
  })

  it('with no host: the constructor does not throw, the pc fails, calls reject with NoRtcHostError', async () => {
    const bridge = new RtcBridge({ log: recordingLog().log })
    const pc = new bridge.classes.RTCPeerConnection({ iceServers: [] })
    const states: string[] = []
    pc.onconnectionstatechange = () => { states.push(pc.connectionState) }
    const channel = pc.createDataChannel('init')
    const closed = vi.fn()
    channel.onclose = closed
    await vi.waitFor(() => { expect(states).toEqual(['failed']) })
    await expect(pc.createOffer()).rejects.toMatchObject({
      name: 'NoRtcHostError', message: 'No open tab can host a WebRTC connection right now'
    })
    expect(closed).toHaveBeenCalledOnce()
    await expect(bridge.classes.RTCPeerConnection.generateCertificate('ECDSA')).rejects.toMatchObject({ name: 'NoRtcHostError' })
    pc.close()
    expect(pc.connectionState).toBe('closed')
  })

  it('rejects a request the host never answers with TimeoutError', async () => {
    const bridge = new RtcBridge({ log: recordingLog().log, requestTimeoutMs: 50 })
    const { port1, port2 } = new MessageChannel()
    bridge.addHost(port1, { visible: true })
    const pc = new bridge.classes.RTCPeerConnection()
    await expect(pc.createOffer()).rejects.toMatchObject({ name: 'TimeoutError' })
    await vi.waitFor(() => { expect(pc.connectionState).toBe('failed') })
    port1.close()
    port2.close()
  })
})

describe.each(WIRINGS)('webrtc bridge: malformed messages and limits (pump: $pump)', (wiring) => {
  it('drops malformed messages in both directions and keeps working', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const junk: unknown[] = [
      'junk', null, 42, [], { type: 'request', id: -1, op: 'pc.createOffer', pcId: 'p1', iceRestart: false },
      { type: 'dc.send', channelId: 'x', data: new ArrayBuffer(1), bytes: 1 }, { type: 'pc.close', pcId: 'p1', extra: 1 },
      { type: 'reply', id: 1, ok: true, result: { state: 'bad' } }, { type: 'dc.message', channelId: 'w1', data: 5 },
      { type: 'host.visibility', visible: 'yes' }, { type: 'pc.event', pcId: 'p1', event: 'nope', state: {} }
    ]
    for (const j of junk) {
      A.tab.workerPort.postMessage(j) // to the host (or its pump)
      A.tab.tabPort.postMessage(j) // to the worker
    }
    const pair = await connectPair(A.bridge, B.bridge)
    pair.ca.send(new Uint8Array([1]))
    await vi.waitFor(() => { expect(world.pcs[1]?.channels[0]?.received).toHaveLength(1) })
    expect(A.logs.filter(l => l.includes('malformed')).length).toBe(junk.length * 2)
  })

  it('answers a command for an unknown id with an error', async () => {
    const world = new FakeRtcWorld()
    const { port1, port2 } = new MessageChannel()
    const { log } = recordingLog()
    // with a pump, the notices for unknown channels pass through it to the host
    const link = wiring.pump ? new LocalPortPair() : undefined
    if (link !== undefined) new ChannelPump({ upstream: port2, host: link.port1, log })
    const host = new RtcHost(link?.port2 ?? port2, { RTCPeerConnection: world.Ctor, transferChannels: wiring.pump, log })
    const replies: unknown[] = []
    port1.addEventListener('message', (e) => { replies.push(e.data) })
    port1.start()
    port1.postMessage({ type: 'request', id: 7, op: 'pc.createOffer', pcId: 'p99', iceRestart: false })
    port1.postMessage({ type: 'dc.send', channelId: 'w5', data: new ArrayBuffer(3), bytes: 3 })
    // closing or tuning a channel that is already gone is a race, not an error: nothing is answered
    port1.postMessage({ type: 'dc.close', channelId: 'w5' })
    port1.postMessage({ type: 'dc.threshold', channelId: 'w5', threshold: 10 })
    port1.postMessage({ type: 'request', id: 8, op: 'pc.createOffer', pcId: 'p98', iceRestart: false })
    await vi.waitFor(() => { expect(replies).toHaveLength(3) })
    expect(replies).toEqual([
      { type: 'reply', id: 7, ok: false, error: { name: 'InvalidStateError', message: 'Unknown peer connection p99' } },
      { type: 'dc.sent', channelId: 'w5', bytes: 3, bufferedAmount: 0, error: expect.objectContaining({ name: 'InvalidStateError' }) },
      { type: 'reply', id: 8, ok: false, error: { name: 'InvalidStateError', message: 'Unknown peer connection p98' } }
    ])
    host.close()
    port1.close()
    link?.close()
  })

  it('bounds peer connections, channels and hosts', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const pcs = Array.from({ length: MAX_PEER_CONNECTIONS }, () => new A.bridge.classes.RTCPeerConnection())
    const over = new A.bridge.classes.RTCPeerConnection()
    await expect(over.createOffer()).rejects.toMatchObject({ name: 'TooManyError' })
    expect(over.connectionState).toBe('failed')
    await vi.waitFor(() => { expect(A.tab.host.peerConnectionCount).toBe(MAX_PEER_CONNECTIONS) })

    const first = pcs[0]
    if (first === undefined) throw new Error('no pc')
    for (let i = 0; i < MAX_CHANNELS_PER_PEER_CONNECTION; i++) first.createDataChannel(`c${i}`)
    expect(() => first.createDataChannel('one too many')).toThrow(expect.objectContaining({ name: 'OperationError' }))
    await vi.waitFor(() => {
      expect(A.tab.host.channelCount).toBe(MAX_CHANNELS_PER_PEER_CONNECTION)
      // with a pump, every one of them was transferred to it
      expect(A.tab.pump?.channelCount ?? MAX_CHANNELS_PER_PEER_CONNECTION).toBe(MAX_CHANNELS_PER_PEER_CONNECTION)
    })
    for (const pc of pcs) pc.close()
    expect(A.bridge.peerConnectionCount).toBe(0)
    await vi.waitFor(() => { expect(A.tab.host.peerConnectionCount).toBe(0) })
    expect(A.tab.host.channelCount).toBe(0)
    expect(A.tab.pump?.channelCount ?? 0).toBe(0)
    const ok = new A.bridge.classes.RTCPeerConnection()
    await ok.createOffer()
    ok.close()

    const bridge = new RtcBridge({ log: recordingLog().log })
    for (let i = 0; i < MAX_HOSTS; i++) addTab(bridge, world, false, undefined, wiring)
    expect(() => addTab(bridge, world, false, undefined, wiring)).toThrow(expect.objectContaining({ name: 'TooManyError' }))
  })
})
