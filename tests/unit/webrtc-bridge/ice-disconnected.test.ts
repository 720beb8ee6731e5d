import { afterEach, describe, expect, it, vi } from 'vitest'
import { WIRINGS, closeAllPorts, twoConnectedWorkers } from './harness.ts'

afterEach(closeAllPorts)

/**
 * A browser that closes without a word (its process ends before it sends an
 * SCTP abort) leaves the other side's peer connection 'connected' until its
 * ICE consent checks time out: 'disconnected' after a few seconds, 'failed'
 * after about 30. The bridge tells the node at 'disconnected', so it can
 * probe its direct connections (presence/direct-upgrade.ts, checkDirect).
 */
describe.each(WIRINGS)('webrtc bridge: ICE disconnected (pump: $pump)', (wiring) => {
  it('calls onIceDisconnected when a host reports a peer connection disconnected, and not for other states', async () => {
    const { world, A, a, eventsA } = await twoConnectedWorkers(wiring)
    const calls: string[] = []
    A.bridge.onIceDisconnected = () => { calls.push(a.iceConnectionState) }
    const hosted = world.pcs[0]
    expect(hosted).toBeDefined()
    if (hosted === undefined) return

    hosted.iceConnectionState = 'checking'
    hosted.dispatchEvent(new Event('iceconnectionstatechange'))
    await vi.waitFor(() => { expect(eventsA.at(-1)).toBe('ice:checking') })
    expect(calls).toEqual([])

    hosted.iceConnectionState = 'disconnected'
    hosted.dispatchEvent(new Event('iceconnectionstatechange'))
    await vi.waitFor(() => { expect(calls).toEqual(['disconnected']) })
    // the data channel stays as the browser left it: only the node decides what is dead
    expect(a.connectionState).toBe('connected')
  })

  it('a callback that throws does not keep the event from the peer connection', async () => {
    const { world, A, a, eventsA } = await twoConnectedWorkers(wiring)
    A.bridge.onIceDisconnected = () => { throw new Error('boom') }
    const hosted = world.pcs[0]
    if (hosted === undefined) throw new Error('no hosted peer connection')
    hosted.iceConnectionState = 'disconnected'
    hosted.dispatchEvent(new Event('iceconnectionstatechange'))
    await vi.waitFor(() => { expect(eventsA.at(-1)).toBe('ice:disconnected') })
    expect(a.iceConnectionState).toBe('disconnected')
  })
})
