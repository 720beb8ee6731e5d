/**
 * Sends of one task travel together: a proxy channel posts the binary
 * messages sent in one microtask as one `dc.sendMany` (answered by one
 * `dc.sent`), each still its own message on the real channel, and nothing
 * else about the channel or its peer connection overtakes them.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import { JOIN_SENDS_UP_TO_BYTES, MAX_MESSAGES_PER_SEND } from '../../../src/lib/webrtc-bridge/constants.ts'
import { isWorkerToHost } from '../../../src/lib/webrtc-bridge/guards.ts'
import type { FakeDataChannel, FakeRtcWorld } from './fake-rtc.ts'
import { WIRINGS, bytes, closeAllPorts, twoConnectedWorkers } from './harness.ts'
import type { Tab } from './harness.ts'

afterEach(closeAllPorts)

/** The types of the data-channel notices the worker posts to `tab`, in order, with their message counts. */
function recordSends (tab: Tab): Array<{ type: string, messages: number }> {
  const seen: Array<{ type: string, messages: number }> = []
  const post = tab.workerPort.postMessage.bind(tab.workerPort)
  vi.spyOn(tab.workerPort, 'postMessage').mockImplementation((message: unknown, transfer?: Transferable[] | StructuredSerializeOptions) => {
    const m = message as { type: string, data?: unknown }
    if (m.type.startsWith('dc.') || m.type === 'pc.close') seen.push({ type: m.type, messages: Array.isArray(m.data) ? m.data.length : 1 })
    post(message, transfer as Transferable[])
  })
  return seen
}

function realOf (world: FakeRtcWorld): FakeDataChannel {
  const real = world.pcs[0]?.channels[0]
  expect(real).toBeDefined()
  return real as FakeDataChannel
}

describe.each(WIRINGS)('webrtc bridge: sends of one task together (pump: $pump)', (wiring) => {
  it('posts one dc.sendMany for the binary sends of a task; they arrive as separate messages, in order', async () => {
    const { A, ca, cb } = await twoConnectedWorkers(wiring)
    const sends = recordSends(A.tab)
    const received: number[][] = []
    cb.onmessage = (m) => { received.push(bytes(m.data)) }

    ca.send(new Uint8Array([1, 2, 3]))
    ca.send(new Uint8Array([4]).buffer)
    ca.send(new Uint8Array([9, 9, 5, 6, 9]).subarray(2, 4))
    expect(ca.bufferedAmount).toBe(6)
    await vi.waitFor(() => { expect(received).toEqual([[1, 2, 3], [4], [5, 6]]) })
    expect(sends).toEqual([{ type: 'dc.sendMany', messages: 3 }])
    // one ack settled all three
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })

    // a lone send in a later task goes as it always did
    ca.send(new Uint8Array([7]))
    await vi.waitFor(() => { expect(received).toHaveLength(4) })
    expect(sends.at(-1)).toEqual({ type: 'dc.send', messages: 1 })
  })

  it('counts a batch in bufferedAmount until its ack, then the real buffer, with one bufferedamountlow', async () => {
    const { world, ca } = await twoConnectedWorkers(wiring)
    const real = realOf(world)
    world.autoDrain = false
    let lows = 0
    ca.bufferedAmountLowThreshold = 0
    ca.onbufferedamountlow = () => { lows++ }
    for (let i = 0; i < 10; i++) ca.send(new Uint8Array(100))
    expect(ca.bufferedAmount).toBe(1000)
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(1000) })
    expect(ca.bufferedAmount).toBe(1000)
    real.drain()
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
    expect(lows).toBe(1)
  })

  it('splits a task of more than MAX_MESSAGES_PER_SEND sends into several notices', async () => {
    const { A, ca, cb } = await twoConnectedWorkers(wiring)
    const sends = recordSends(A.tab)
    let received = 0
    cb.onmessage = () => { received++ }
    const count = MAX_MESSAGES_PER_SEND * 2 + 3
    for (let i = 0; i < count; i++) ca.send(new Uint8Array([i & 0xff]))
    await vi.waitFor(() => { expect(received).toBe(count) })
    expect(sends).toEqual([
      { type: 'dc.sendMany', messages: MAX_MESSAGES_PER_SEND },
      { type: 'dc.sendMany', messages: MAX_MESSAGES_PER_SEND },
      { type: 'dc.sendMany', messages: 3 }
    ])
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
  })

  it('lets nothing about the channel overtake its queued sends: a string send, the threshold, close()', async () => {
    const { A, ca, cb } = await twoConnectedWorkers(wiring)
    const sends = recordSends(A.tab)
    const received: number[][] = []
    cb.onmessage = (m) => { if (m.data instanceof ArrayBuffer) received.push(bytes(m.data)) }
    let closed = false
    cb.onclose = () => { closed = true }

    ca.send(new Uint8Array([1]))
    ca.send(new Uint8Array([2]))
    ca.send('text')
    ca.send(new Uint8Array([3]))
    ca.bufferedAmountLowThreshold = 10
    ca.send(new Uint8Array([4]))
    ca.close()
    expect(sends.map(s => s.type)).toEqual(['dc.sendMany', 'dc.send', 'dc.send', 'dc.threshold', 'dc.send', 'dc.close'])
    await vi.waitFor(() => { expect(closed).toBe(true) })
    // the fake delivers a string as an empty buffer: the binary ones are all there, in order, before the close
    expect(received.filter(r => r.length > 0)).toEqual([[1], [2], [3], [4]])
  })

  it('posts what the channels sent before closing their peer connection', async () => {
    const { A, world, a, ca } = await twoConnectedWorkers(wiring)
    const sends = recordSends(A.tab)
    const real = realOf(world)
    ca.send(new Uint8Array([1]))
    ca.send(new Uint8Array([2]))
    a.close()
    expect(sends).toEqual([{ type: 'dc.sendMany', messages: 2 }, { type: 'pc.close', messages: 1 }])
    await vi.waitFor(() => { expect(real.readyState).toBe('closed') })
  })
})

describe('dc.sendMany on the wire', () => {
  const good = { type: 'dc.sendMany', channelId: 'w1', data: [new ArrayBuffer(1), new ArrayBuffer(2)], bytes: 3 }

  it('accepts 2 to MAX_MESSAGES_PER_SEND ArrayBuffers with a byte count', () => {
    expect(isWorkerToHost(good)).toBe(true)
    expect(isWorkerToHost({ ...good, data: Array.from({ length: MAX_MESSAGES_PER_SEND }, () => new ArrayBuffer(0)) })).toBe(true)
  })

  it('refuses one message, too many, anything but ArrayBuffers, extra keys and a bad byte count', () => {
    for (const bad of [
      { ...good, data: [new ArrayBuffer(1)] },
      { ...good, data: Array.from({ length: MAX_MESSAGES_PER_SEND + 1 }, () => new ArrayBuffer(0)) },
      { ...good, data: [new ArrayBuffer(1), 'text'] },
      { ...good, data: [new ArrayBuffer(1), new Uint8Array(2)] },
      { ...good, data: new ArrayBuffer(3) },
      { ...good, bytes: -1 },
      { ...good, extra: 1 },
      { ...good, channelId: 'nope' }
    ]) expect(isWorkerToHost(bad)).toBe(false)
  })
})

describe.each(WIRINGS)('webrtc bridge: a length prefix goes with its body (pump: $pump)', (wiring) => {
  it('joins a send of at most JOIN_SENDS_UP_TO_BYTES to the larger send after it: one message, one send counted', async () => {
    const { A, ca, cb } = await twoConnectedWorkers(wiring)
    const sends = recordSends(A.tab)
    const received: number[][] = []
    cb.onmessage = (m) => { received.push(bytes(m.data)) }
    const body = Array.from({ length: JOIN_SENDS_UP_TO_BYTES + 1 }, (_, i) => i)
    const prefix = [body.length]

    // two frames of one task, as libp2p sends them: prefix, body, prefix, body
    ca.send(new Uint8Array(prefix))
    ca.send(new Uint8Array(body))
    ca.send(new Uint8Array(prefix))
    ca.send(new Uint8Array(body))
    expect(ca.bufferedAmount).toBe(2 * (1 + body.length))
    await vi.waitFor(() => { expect(received).toEqual([[...prefix, ...body], [...prefix, ...body]]) })
    expect(sends).toEqual([{ type: 'dc.sendMany', messages: 2 }])
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
  })

  it('keeps small sends in a row, a small send last in its task and a prefix before a string apart', async () => {
    const { ca, cb } = await twoConnectedWorkers(wiring)
    const received: number[][] = []
    cb.onmessage = (m) => { if (m.data instanceof ArrayBuffer && m.data.byteLength > 0) received.push(bytes(m.data)) }
    const small = Array.from({ length: JOIN_SENDS_UP_TO_BYTES }, () => 7)
    const large = Array.from({ length: JOIN_SENDS_UP_TO_BYTES + 1 }, () => 9)

    ca.send(new Uint8Array([1]))
    ca.send(new Uint8Array(small))
    ca.send('text')
    ca.send(new Uint8Array([2]))
    await Promise.resolve()
    ca.send(new Uint8Array(large))
    await vi.waitFor(() => { expect(received).toEqual([[1], small, [2], large]) })
  })
})
