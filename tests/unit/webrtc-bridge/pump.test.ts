/**
 * The channel pump: the data path runs through it, not through the host; it
 * keeps the order of messages about a channel across its two ports; it frees
 * the host's channel count; it survives bad input and the loss of either side;
 * and without transferable channels everything still works through the host.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import { channelInfo } from '../../../src/lib/webrtc-bridge/host-types.ts'
import type { PcStateWire } from '../../../src/lib/webrtc-bridge/protocol.ts'
import type { ChannelKey } from '../../../src/lib/webrtc-bridge/protocol.ts'
import { ChannelPump } from '../../../src/lib/webrtc-bridge/pump.ts'
import { FakeDataChannel, FakeRtcWorld } from './fake-rtc.ts'
import { bytes, closeAllPorts, connectPair, makeWorker, recordingLog, trackPorts } from './harness.ts'
import type { Tab } from './harness.ts'
import { LocalPortPair } from './local-port.ts'
import type { LocalPort } from './local-port.ts'

afterEach(closeAllPorts)

function must<T> (value: T | undefined | null, what: string): T {
  if (value == null) throw new Error(`missing ${what}`)
  return value
}

function typeOf (message: unknown): string {
  return (message as { type: string }).type
}

/** Message types the pump posted to the host / the host posted to the pump. */
function linkTraffic (tab: Tab): { toHost: string[], toPump: string[] } {
  const link = must(tab.hostLink, 'host link')
  return { toHost: link.port1.posted.map(typeOf), toPump: link.port2.posted.map(typeOf) }
}

const CONNECTED: PcStateWire = {
  connectionState: 'connected',
  iceConnectionState: 'connected',
  signalingState: 'stable',
  iceGatheringState: 'complete',
  localDescription: null,
  remoteDescription: null
}

/**
 * A pump between a real MessageChannel (the test plays the worker) and a
 * LocalPortPair (the test plays the host), recording what each side receives.
 */
function scriptedPump (): {
  pump: ChannelPump
  worker: MessagePort
  host: LocalPort
  toWorker: unknown[]
  toHost: unknown[]
  logs: string[]
} {
  const { port1: worker, port2: upstream } = new MessageChannel()
  const link = new LocalPortPair()
  trackPorts(worker, upstream, link)
  const { log, lines } = recordingLog()
  const pump = new ChannelPump({ upstream, host: link.port1, log })
  const toWorker: unknown[] = []
  const toHost: unknown[] = []
  worker.addEventListener('message', (e) => { toWorker.push(e.data) })
  worker.start()
  link.port2.addEventListener('message', (e) => { toHost.push((e as MessageEvent).data) })
  return { pump, worker, host: link.port2, toWorker, toHost, logs: lines }
}

/** A fake real channel that is already open, as one the remote peer just created. */
function openChannel (world: FakeRtcWorld, label: string, id: number): FakeDataChannel {
  const channel = new FakeDataChannel(world, label)
  channel.open(id)
  return channel
}

describe('channel pump: the data path', () => {
  it('drives transferred channels: sends and acks never touch the host', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { ca, cb } = await connectPair(A.bridge, B.bridge)
    expect(A.tab.pump?.channelCount).toBe(1)
    expect(B.tab.pump?.channelCount).toBe(1)
    expect(A.tab.host.channelCount).toBe(1)

    const real = must(world.pcs[0]?.channels[0], 'real channel')
    world.autoDrain = false
    for (let i = 0; i < 3; i++) ca.send(new Uint8Array(600).fill(i))
    expect(ca.bufferedAmount).toBe(1800) // in flight to the pump
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(1800) })
    expect(ca.bufferedAmount).toBe(1800) // acknowledged: now in the real buffer

    const received: number[][] = []
    cb.onmessage = (m) => { received.push(bytes(m.data)) }
    real.drain()
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
    await vi.waitFor(() => { expect(received).toHaveLength(3) })
    expect(received.map(r => r[0])).toEqual([0, 1, 2])

    const a = linkTraffic(A.tab)
    const b = linkTraffic(B.tab)
    for (const t of [a, b]) {
      expect(t.toPump.filter(x => x === 'pump.adopt')).toHaveLength(1)
      expect(t.toHost).not.toContain('dc.send')
      expect(t.toHost).not.toContain('dc.threshold')
      expect(t.toPump).not.toContain('dc.sent')
      expect(t.toPump).not.toContain('dc.message')
      expect(t.toPump).not.toContain('dc.open')
    }
  })

  it('reports a failed send in dc.sent: the proxy gets an error event and its accounting settles', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { ca } = await connectPair(A.bridge, B.bridge)
    const real = must(world.pcs[0]?.channels[0], 'real channel')
    const errors: string[] = []
    ca.onerror = (e) => { errors.push(e.error.name) }
    real.readyState = 'closing' // the real channel is on its way out; the proxy has not heard yet
    ca.send(new Uint8Array(100))
    expect(ca.bufferedAmount).toBe(100)
    await vi.waitFor(() => { expect(errors).toEqual(['InvalidStateError']) })
    expect(ca.bufferedAmount).toBe(0)
  })

  it('fires bufferedamountlow on the crossing and drains to empty, with the threshold logic in the pump', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { ca } = await connectPair(A.bridge, B.bridge)
    const real = must(world.pcs[0]?.channels[0], 'real channel')
    world.autoDrain = false
    const lows = vi.fn()
    ca.onbufferedamountlow = lows
    ca.bufferedAmountLowThreshold = 1000
    await vi.waitFor(() => { expect(real.bufferedAmountLowThreshold).toBe(1000) })

    for (let i = 0; i < 3; i++) ca.send(new Uint8Array(600))
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(1800) })
    real.drain(2) // 600 ≤ 1000: one low event, and 600 > 0 so the pump lowers the real threshold to 0
    expect(real.bufferedAmountLowThreshold).toBe(0)
    await vi.waitFor(() => { expect(lows).toHaveBeenCalledOnce() })
    real.drain() // empty: the worker learns it without a second event; the threshold is restored
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
    expect(real.bufferedAmountLowThreshold).toBe(1000)
    expect(lows).toHaveBeenCalledOnce()

    // Draining again, and a send comes first: the send restores the threshold.
    for (let i = 0; i < 4; i++) ca.send(new Uint8Array(600))
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(2400) })
    real.drain(3)
    expect(real.bufferedAmountLowThreshold).toBe(0)
    await vi.waitFor(() => { expect(lows).toHaveBeenCalledTimes(2) })
    ca.send(new Uint8Array(600))
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(1200) })
    expect(real.bufferedAmountLowThreshold).toBe(1000)
    real.drain()
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
    expect(lows).toHaveBeenCalledTimes(3)
    const traffic = linkTraffic(A.tab)
    expect(traffic.toHost).not.toContain('dc.threshold')
    expect(traffic.toPump).not.toContain('dc.bufferedamountlow')
  })
})

describe('channel pump: order', () => {
  it('holds a remote channel\'s events until pc.datachannel has passed', async () => {
    const world = new FakeRtcWorld()
    const { pump, host, toWorker } = scriptedPump()
    const channel = openChannel(world, 'remote', 1)
    const key = 'h1' as ChannelKey
    host.postMessage({ type: 'pump.adopt', pcId: 'p1', channelId: key, channel }, [])
    await vi.waitFor(() => { expect(pump.channelCount).toBe(1) })
    // a message arrives between the transfer and the announcement
    channel.deliver(new Uint8Array([7, 7]).buffer)
    host.postMessage({ type: 'pc.datachannel', pcId: 'p1', channel: channelInfo(key, channel), state: CONNECTED }, [])
    await vi.waitFor(() => { expect(toWorker.map(typeOf)).toEqual(['pc.datachannel', 'dc.open', 'dc.message']) })
    expect(bytes((toWorker[2] as { data: unknown }).data)).toEqual([7, 7])
  })

  it('holds a created channel\'s events until the dc.create reply, and runs notices that came before the channel', async () => {
    const world = new FakeRtcWorld()
    const { pump, worker, host, toWorker, toHost } = scriptedPump()
    const key = 'w1' as ChannelKey
    worker.postMessage({ type: 'request', id: 5, op: 'dc.create', pcId: 'p1', channelId: key, label: 'x', init: {} })
    // set right after createDataChannel(), while dc.create is on its way
    worker.postMessage({ type: 'dc.threshold', channelId: key, threshold: 4096 })
    await vi.waitFor(() => { expect(toHost.map(typeOf)).toEqual(['request']) })

    const channel = new FakeDataChannel(world, 'x')
    host.postMessage({ type: 'pump.adopt', pcId: 'p1', channelId: key, channel }, [])
    await vi.waitFor(() => { expect(channel.bufferedAmountLowThreshold).toBe(4096) })
    channel.open(3) // opens before the worker has its reply
    channel.deliver(new Uint8Array([1]).buffer)
    host.postMessage({ type: 'reply', id: 5, ok: true, result: { channel: { id: null, readyState: 'connecting' } } }, [])
    await vi.waitFor(() => { expect(toWorker.map(typeOf)).toEqual(['reply', 'dc.open', 'dc.message']) })
    expect(toHost.map(typeOf)).toEqual(['request']) // the threshold never went to the host
    expect(pump.channelCount).toBe(1)
  })

  it('sends the waiting notices on to the host when the host kept the channel', async () => {
    const { worker, host, toWorker, toHost } = scriptedPump()
    const key = 'w1' as ChannelKey
    worker.postMessage({ type: 'request', id: 1, op: 'dc.create', pcId: 'p1', channelId: key, label: 'x', init: {} })
    worker.postMessage({ type: 'dc.threshold', channelId: key, threshold: 10 })
    worker.postMessage({ type: 'dc.close', channelId: key })
    await vi.waitFor(() => { expect(toHost).toHaveLength(1) })
    host.postMessage({ type: 'reply', id: 1, ok: true, result: { channel: { id: null, readyState: 'connecting' } } }, [])
    await vi.waitFor(() => {
      expect(toHost).toEqual([
        expect.objectContaining({ type: 'request', id: 1 }),
        { type: 'dc.threshold', channelId: key, threshold: 10 },
        { type: 'dc.close', channelId: key }
      ])
    })
    expect(toWorker.map(typeOf)).toEqual(['reply'])
  })

  it('delivers the remote channel to the worker before its first message, end to end', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { a, b } = await connectPair(A.bridge, B.bridge)
    const seen: string[] = []
    b.addEventListener('datachannel', (e) => {
      seen.push('datachannel')
      const channel = (e as Event & { channel: EventTarget }).channel
      channel.addEventListener('message', () => { seen.push('message') })
    })
    const local = a.createDataChannel('eager')
    local.onopen = () => { local.send(new Uint8Array([1])) } // sends the moment it opens
    await vi.waitFor(() => { expect(seen).toEqual(['datachannel', 'message']) })
  })
})

describe('channel pump: bookkeeping and failure', () => {
  it('frees the host\'s channel count when an adopted channel closes (pump.closed)', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { ca } = await connectPair(A.bridge, B.bridge)
    expect(A.tab.host.channelCount).toBe(1)
    expect(B.tab.host.channelCount).toBe(1)
    ca.close()
    await vi.waitFor(() => {
      expect(A.tab.host.channelCount).toBe(0)
      expect(B.tab.host.channelCount).toBe(0) // the remote end closed too
    })
    expect(A.tab.pump?.channelCount).toBe(0)
    expect(B.tab.pump?.channelCount).toBe(0)
    expect(linkTraffic(A.tab).toHost).toContain('pump.closed')
    expect(linkTraffic(B.tab).toHost).toContain('pump.closed')
    expect(A.tab.host.peerConnectionCount).toBe(1)
  })

  it('drops malformed messages on both links without throwing and keeps working', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const link = must(A.tab.hostLink, 'host link')
    const toPump: unknown[] = [
      'junk', null, { type: 'pump.adopt', pcId: 'p1', channelId: 'h1', channel: {} },
      { type: 'pump.adopt', pcId: 'x1', channelId: 'h1', channel: new FakeDataChannel(world, 'x') },
      { type: 'pump.closed', channelId: 'h1' }, { type: 'reply', id: 1 }
    ]
    const toHost: unknown[] = [
      42, { type: 'pump.closed', channelId: 'z1' }, { type: 'pump.closed', channelId: 'h1', extra: true },
      { type: 'pump.adopt', pcId: 'p1', channelId: 'h1', channel: new FakeDataChannel(world, 'y') }
    ]
    const toPumpFromWorker: unknown[] = [
      { type: 'pump.closed', channelId: 'w1' }, { type: 'dc.send', channelId: 'w1', data: 5, bytes: 1 }
    ]
    for (const j of toPump) link.port2.postMessage(j, [])
    for (const j of toHost) link.port1.postMessage(j, [])
    for (const j of toPumpFromWorker) A.tab.workerPort.postMessage(j)
    const { ca, cb } = await connectPair(A.bridge, B.bridge)
    const received: number[][] = []
    cb.onmessage = (m) => { received.push(bytes(m.data)) }
    ca.send(new Uint8Array([1]))
    await vi.waitFor(() => { expect(received).toEqual([[1]]) })
    const junk = toPump.length + toHost.length + toPumpFromWorker.length
    expect(A.logs.filter(l => l.includes('malformed'))).toHaveLength(junk)
    expect(A.tab.pump?.channelCount).toBe(1)
  })

  it('closes the worker\'s proxies cleanly when the tab\'s main thread goes away mid-send', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { a, ca } = await connectPair(A.bridge, B.bridge)
    const real = must(world.pcs[0]?.channels[0], 'real channel')
    const events: string[] = []
    a.addEventListener('iceconnectionstatechange', () => { events.push(`ice:${a.iceConnectionState}`) })
    a.addEventListener('connectionstatechange', () => { events.push(`connection:${a.connectionState}`) })
    ca.addEventListener('close', () => { events.push('channel:close') })
    ca.addEventListener('error', () => { events.push('channel:error') })
    world.autoDrain = false
    for (let i = 0; i < 4; i++) ca.send(new Uint8Array(256))
    const pending = a.addIceCandidate({ candidate: '', sdpMid: '0' })
    must(A.tab.hostLink, 'host link').close() // the host's end of the link is gone

    await expect(pending).rejects.toMatchObject({ name: 'RtcHostGoneError' })
    await vi.waitFor(() => { expect(events).toEqual(['channel:close', 'ice:closed', 'connection:closed']) })
    expect(A.tab.pump?.closed).toBe(true)
    expect(real.readyState).not.toBe('open') // the pump closed the real channel
    expect(A.bridge.hostCount).toBe(0)
    expect(A.tab.host.peerConnectionCount).toBe(0) // the host saw its port close
    expect(() => { ca.send(new Uint8Array(1)) }).toThrow(expect.objectContaining({ name: 'InvalidStateError' }))
  })

  it('shuts down and tells its entry when the worker\'s port closes', async () => {
    let onCloseCalls = 0
    const { port1, port2 } = new MessageChannel()
    const link = new LocalPortPair()
    trackPorts(port1, port2, link)
    const pump = new ChannelPump({ upstream: port2, host: link.port1, log: recordingLog().log, onClose: () => { onCloseCalls++ } })
    port1.close()
    await vi.waitFor(() => { expect(pump.closed).toBe(true) })
    expect(onCloseCalls).toBe(1)
    expect(link.closed).toBe(true)
  })

  it('closes the host\'s peer connections when the worker goes away', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    await connectPair(A.bridge, B.bridge)
    const realA = must(world.pcs.find(pc => pc.channels[0]?.label === 'init' && pc.localDescription?.type === 'offer'), 'A\'s pc')
    A.tab.workerPort.close()
    await vi.waitFor(() => { expect(A.tab.host.peerConnectionCount).toBe(0) })
    expect(A.tab.pump?.closed).toBe(true)
    expect(realA.connectionState).toBe('closed')
    expect(realA.channels[0]?.readyState).toBe('closed')
  })

  it('forwards host.leave to the worker, then shuts down', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const { a } = await connectPair(A.bridge, B.bridge)
    const reached: string[] = []
    A.tab.workerPort.addEventListener('message', (e) => { reached.push(typeOf(e.data)) })
    const pending = a.createOffer()
    A.tab.host.close()
    await expect(pending).rejects.toMatchObject({ name: 'RtcHostGoneError' })
    // the worker heard the host's own farewell, not just a closed port
    expect(reached).toContain('host.leave')
    expect(a.connectionState).toBe('closed')
    expect(A.bridge.hostCount).toBe(0)
    await vi.waitFor(() => { expect(A.tab.pump?.closed).toBe(true) })
    expect(must(A.tab.hostLink, 'host link').closed).toBe(true)
  })
})

describe('channel pump: a browser that cannot transfer data channels', () => {
  it('keeps the channels on the host, and the pump passes their traffic through', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, { pump: true })
    const B = makeWorker(world, { pump: true })
    const port = must(A.tab.hostLink, 'host link').port2
    const post = port.postMessage.bind(port)
    let refused = 0
    port.postMessage = (message: unknown, transfer: Transferable[]) => {
      if (typeOf(message) === 'pump.adopt') {
        refused++
        throw new DOMException('An RTCDataChannel could not be cloned.', 'DataCloneError')
      }
      post(message, transfer)
    }
    const { a, b, ca, cb } = await connectPair(A.bridge, B.bridge)
    const received: number[][] = []
    cb.onmessage = (m) => { received.push(bytes(m.data)) }
    ca.onmessage = (m) => { received.push(bytes(m.data)) }
    ca.send(new Uint8Array([1, 2]))
    cb.send(new Uint8Array([3]))
    await vi.waitFor(() => { expect(received).toEqual(expect.arrayContaining([[1, 2], [3]])) })

    // a threshold set while dc.create is on its way still reaches the real channel, via the host
    const late = a.createDataChannel('late')
    late.bufferedAmountLowThreshold = 321
    await vi.waitFor(() => { expect(world.pcs[0]?.channels[1]?.bufferedAmountLowThreshold).toBe(321) })
    await vi.waitFor(() => { expect(late.readyState).toBe('open') })
    b.close()

    expect(refused).toBe(1) // the first failure turned transfers off for good
    expect(A.tab.pump?.channelCount).toBe(0)
    expect(A.tab.host.channelCount).toBe(2)
    expect(linkTraffic(A.tab).toHost).toContain('dc.send')
    expect(A.logs.filter(l => l.includes('cannot transfer'))).toHaveLength(1)
    expect(A.logs.filter(l => l.includes('host') && l.includes('could not run'))).toEqual([])
  })
})
