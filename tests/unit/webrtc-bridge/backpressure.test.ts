import { afterEach, describe, expect, it, vi } from 'vitest'
import { MAX_BUFFERED_BYTES } from '../../../src/lib/webrtc-bridge/constants.ts'
import { FakeRtcWorld } from './fake-rtc.ts'
import type { FakeDataChannel } from './fake-rtc.ts'
import { WIRINGS, closeAllPorts, connectPair, makeWorker } from './harness.ts'

afterEach(closeAllPorts)

/** The fake real channel behind the initiator's proxy 'init' channel (created first, on the first fake pc). */
function realOf (world: FakeRtcWorld): FakeDataChannel {
  const real = world.pcs[0]?.channels[0]
  expect(real).toBeDefined()
  return real as FakeDataChannel
}

describe.each(WIRINGS)('webrtc bridge: back-pressure (pump: $pump)', (wiring) => {
  it('counts bytes in flight plus the host buffer, and fires one bufferedamountlow on the crossing', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { ca } = await connectPair(A.bridge, B.bridge)
    const real = realOf(world)
    world.autoDrain = false

    const lows = vi.fn()
    ca.onbufferedamountlow = lows
    ca.bufferedAmountLowThreshold = 1000
    await vi.waitFor(() => { expect(real.bufferedAmountLowThreshold).toBe(1000) })

    for (let i = 0; i < 3; i++) ca.send(new Uint8Array(600))
    // Nothing acknowledged yet: all of it is in flight over the port.
    expect(ca.bufferedAmount).toBe(1800)
    // Acknowledged: now it sits in the host channel's buffer.
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(1800) })
    expect(ca.bufferedAmount).toBe(1800)
    expect(lows).not.toHaveBeenCalled()

    real.drain(1) // 1200 > 1000: no event
    real.drain(1) // 600 ≤ 1000: one event
    await vi.waitFor(() => { expect(lows).toHaveBeenCalledOnce() })
    expect(ca.bufferedAmount).toBeLessThanOrEqual(1000)
    real.drain() // 0: the worker learns it, without a second event
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
    expect(lows).toHaveBeenCalledOnce()

    // Sending again after the drain: the threshold was restored on the real channel.
    expect(real.bufferedAmountLowThreshold).toBe(1000)
    ca.send(new Uint8Array(1500))
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(1500) })
    real.drain()
    await vi.waitFor(() => { expect(lows).toHaveBeenCalledTimes(2) })
  })

  it('works the way the libp2p WebRTC stream uses it (threshold 0, max buffered amount)', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { ca, cb } = await connectPair(A.bridge, B.bridge)
    const real = realOf(world)
    world.autoDrain = false
    const MAX = 64 * 1024
    const CHUNK = 16 * 1024

    let drains = 0
    ca.bufferedAmountLowThreshold = 0
    ca.onbufferedamountlow = () => { drains++ }
    let received = 0
    cb.onmessage = (m) => { received += (m.data as ArrayBuffer).byteLength }

    let sent = 0
    while (ca.bufferedAmount < MAX) {
      ca.send(new Uint8Array(CHUNK))
      sent += CHUNK
    }
    expect(sent).toBe(MAX)
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(MAX) })
    expect(ca.bufferedAmount).toBe(MAX)

    real.drain()
    await vi.waitFor(() => { expect(drains).toBe(1) })
    expect(ca.bufferedAmount).toBe(0)
    await vi.waitFor(() => { expect(received).toBe(MAX) })
  })

  it('refuses sends past the hard cap with OperationError, never queueing them', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { ca } = await connectPair(A.bridge, B.bridge)
    world.autoDrain = false
    const MiB = 1024 * 1024
    for (let i = 0; i < MAX_BUFFERED_BYTES / MiB; i++) ca.send(new Uint8Array(MiB))
    expect(ca.bufferedAmount).toBe(MAX_BUFFERED_BYTES)
    expect(() => { ca.send(new Uint8Array(1)) }).toThrow(expect.objectContaining({ name: 'OperationError' }))
    expect(ca.bufferedAmount).toBe(MAX_BUFFERED_BYTES)
    const real = realOf(world)
    await vi.waitFor(() => { expect(real.bufferedAmount).toBe(MAX_BUFFERED_BYTES) })
    real.drain()
    await vi.waitFor(() => { expect(ca.bufferedAmount).toBe(0) })
    ca.send(new Uint8Array(1))
  })
})
