/**
 * A channel closed on the worker side ends 'closed' even when the real one
 * never finishes closing (the remote never resets its end of the stream, as
 * seen in the NAT lab when @libp2p/webrtc closes its `init` channel the
 * moment ICE connects): after CLOSE_ACK_TIMEOUT_MS, once, and a late close
 * from the host changes nothing.
 */

import { afterEach, describe, expect, it, vi } from 'vitest'
import { CLOSE_ACK_TIMEOUT_MS } from '../../../src/lib/webrtc-bridge/constants.ts'
import type { FakeDataChannel, FakeRtcWorld } from './fake-rtc.ts'
import { WIRINGS, closeAllPorts, twoConnectedWorkers } from './harness.ts'

afterEach(closeAllPorts)

/** The real channel behind A's first proxy channel, made to stay 'closing' when closed. */
function neverAcknowledged (world: FakeRtcWorld): FakeDataChannel {
  const real = world.pcs[0]?.channels[0]
  if (real === undefined) throw new Error('no real channel')
  real.close = function (this: FakeDataChannel) { this.readyState = 'closing' }
  return real
}

describe.each(WIRINGS)('webrtc bridge: a close the remote never acknowledges (pump: $pump)', (wiring) => {
  it('reports the channel closed after CLOSE_ACK_TIMEOUT_MS, with one close event', async () => {
    const { world, ca } = await twoConnectedWorkers(wiring)
    const real = neverAcknowledged(world)
    const closed = vi.fn()
    ca.onclose = closed

    ca.close()
    expect(ca.readyState).toBe('closing')
    await vi.waitFor(() => { expect(real.readyState).toBe('closing') })
    await vi.waitFor(() => { expect(closed).toHaveBeenCalledOnce() }, { timeout: CLOSE_ACK_TIMEOUT_MS * 5 })
    expect(ca.readyState).toBe('closed')
    // the real channel was left to finish on its own; when it does, nothing more happens here
    real.finishClose()
    await new Promise<void>(resolve => { setTimeout(resolve, 0) })
    expect(closed).toHaveBeenCalledOnce()
  })

  it('a close the host reports in time ends the wait: one close event, none later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'], shouldAdvanceTime: true })
    try {
      const { ca } = await twoConnectedWorkers(wiring)
      const closed = vi.fn()
      ca.onclose = closed
      ca.close()
      await vi.waitFor(() => { expect(closed).toHaveBeenCalledOnce() })
      vi.advanceTimersByTime(CLOSE_ACK_TIMEOUT_MS * 2)
      expect(closed).toHaveBeenCalledOnce()
      expect(ca.readyState).toBe('closed')
    } finally {
      vi.useRealTimers()
    }
  })
})
