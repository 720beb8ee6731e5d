import { afterEach, describe, expect, it, vi } from 'vitest'
import { installRtcBridge } from '../../../src/lib/webrtc-bridge/proxy.ts'
import type { ProxyCertificate } from '../../../src/lib/webrtc-bridge/proxy.ts'
import { FakeRtcWorld } from './fake-rtc.ts'
import { WIRINGS, bytes, closeAllPorts, connectPair, makeWorker } from './harness.ts'

afterEach(closeAllPorts)

describe.each(WIRINGS)('webrtc bridge: signalling and data (pump: $pump)', (wiring) => {
  it('runs offer/answer/ICE with browser event order', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { a, b, ca, cb, eventsA, eventsB } = await connectPair(A.bridge, B.bridge)

    // Gathering ends with a null candidate; connection goes connecting → connected.
    for (const events of [eventsA, eventsB]) {
      const firstCandidate = events.indexOf('icecandidate:candidate')
      const endOfCandidates = events.indexOf('icecandidate:null')
      expect(firstCandidate).toBeGreaterThanOrEqual(0)
      expect(endOfCandidates).toBeGreaterThan(firstCandidate)
      expect(events.indexOf('gathering:complete')).toBeLessThan(endOfCandidates)
      const connecting = events.indexOf('connection:connecting')
      expect(connecting).toBeGreaterThanOrEqual(0)
      expect(events.indexOf('connection:connected')).toBeGreaterThan(connecting)
      expect(events.indexOf('ice:checking')).toBeLessThan(connecting)
    }
    expect(eventsA[0]).toBe('signaling:have-local-offer')
    expect(eventsB.indexOf('datachannel')).toBeGreaterThan(eventsB.indexOf('connection:connected'))

    // Descriptions and states mirror the real objects.
    expect(a.localDescription?.type).toBe('offer')
    expect(a.remoteDescription?.type).toBe('answer')
    expect(b.localDescription?.sdp).toContain('a=fake:')
    expect(a.signalingState).toBe('stable')
    expect(a.iceGatheringState).toBe('complete')
    expect(ca.id).not.toBeNull()
    expect(cb.label).toBe('init')
    expect(cb.readyState).toBe('open')

    // Candidates arrived at the real (fake) peer connections through the bridge.
    await vi.waitFor(() => {
      const [realA, realB] = world.pcs
      expect(realA?.candidates.length).toBe(1)
      expect(realB?.candidates.length).toBe(1)
    })
    expect(world.configs[0]).toEqual({ iceServers: [] })
  })

  it('moves ArrayBuffers both ways intact, open before message', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { a, b, eventsB } = await connectPair(A.bridge, B.bridge)
    expect(eventsB).toContain('datachannel')

    // A second channel, as the libp2p muxer opens one per stream.
    const seen: string[] = []
    const received: number[][] = []
    let remote: ReturnType<typeof a.createDataChannel> | undefined
    b.addEventListener('datachannel', (e) => {
      remote = (e as Event & { channel: typeof remote }).channel
      remote?.addEventListener('message', (m) => { received.push(bytes((m as MessageEvent).data)) })
    })
    const local = a.createDataChannel('', {})
    local.onopen = () => { seen.push('open') }
    local.onmessage = (m) => { seen.push('message'); received.push(bytes(m.data)) }
    await vi.waitFor(() => { expect(local.readyState).toBe('open') })

    const backing = new Uint8Array([9, 9, 1, 2, 3, 4, 9])
    local.send(backing.subarray(2, 6))
    local.send(new Uint8Array([5]).buffer)
    expect(backing.byteLength).toBe(7) // the caller's buffer is not detached
    await vi.waitFor(() => { expect(received).toEqual([[1, 2, 3, 4], [5]]) })

    remote?.send(new Uint8Array([7, 8]))
    await vi.waitFor(() => { expect(received).toEqual([[1, 2, 3, 4], [5], [7, 8]]) })
    expect(seen).toEqual(['open', 'message'])
    expect(local.binaryType).toBe('arraybuffer')
    expect(world.channels.every(c => c.binaryType === 'arraybuffer')).toBe(true)
  })

  it('closes from the worker side: channel closing → closed with a close event on both ends', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { ca, cb } = await connectPair(A.bridge, B.bridge)
    const events: string[] = []
    ca.onclose = () => { events.push('a:close') }
    cb.onclosing = () => { events.push('b:closing') }
    cb.onclose = () => { events.push('b:close') }
    ca.close()
    expect(ca.readyState).toBe('closing')
    expect(() => { ca.send(new Uint8Array(1)) }).toThrow(expect.objectContaining({ name: 'InvalidStateError' }))
    await vi.waitFor(() => { expect(events).toEqual(['a:close', 'b:closing', 'b:close']) })
    expect(ca.readyState).toBe('closed')
    expect(cb.readyState).toBe('closed')
  })

  it('closes from the host side: the real channel closing reaches the proxy as closing → close', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { ca, cb } = await connectPair(A.bridge, B.bridge)
    const eventsA: string[] = []
    const eventsB: string[] = []
    cb.onclose = () => { eventsB.push(`close:${cb.readyState}`) }
    ca.onclosing = () => { eventsA.push(`closing:${ca.readyState}`) }
    ca.onclose = () => { eventsA.push(`close:${ca.readyState}`) }
    // The remote (B's real channel) closes, as when the other browser closes its end.
    world.pcs[1]?.channels[0]?.close()
    await vi.waitFor(() => {
      expect(eventsB).toEqual(['close:closed'])
      expect(eventsA).toEqual(['closing:closing', 'close:closed'])
    })
  })

  it('closes a peer connection: states closed at once, channels closed with events, pending calls rejected', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const B = makeWorker(world, wiring)
    const { a, ca } = await connectPair(A.bridge, B.bridge)
    const closed = vi.fn()
    const stateChanges = vi.fn()
    ca.addEventListener('close', closed)
    a.addEventListener('connectionstatechange', stateChanges)
    const pending = a.createOffer()
    a.close()
    expect(a.connectionState).toBe('closed')
    expect(a.signalingState).toBe('closed')
    expect(ca.readyState).toBe('closed')
    await expect(pending).rejects.toMatchObject({ name: 'InvalidStateError' })
    await vi.waitFor(() => { expect(closed).toHaveBeenCalledOnce() })
    expect(stateChanges).not.toHaveBeenCalled()
    expect(() => a.createDataChannel('x')).toThrow(expect.objectContaining({ name: 'InvalidStateError' }))
    await vi.waitFor(() => { expect(world.pcs[0]?.connectionState).toBe('closed') })
    expect(A.bridge.peerConnectionCount).toBe(0)
    expect(B.bridge.peerConnectionCount).toBe(1)
    expect(A.tab.host.peerConnectionCount).toBe(0)
  })

  it('generates certificates on the host and passes them by handle', async () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const cert: ProxyCertificate = await A.bridge.classes.RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' })
    expect(cert.getFingerprints()).toEqual([{ algorithm: 'sha-256', value: 'AA:BB' }])
    const pc = new A.bridge.classes.RTCPeerConnection({ certificates: [cert] })
    await pc.createOffer()
    expect(world.configs[0]?.certificates).toHaveLength(1)
    expect(world.configs[0]?.certificates?.[0]).toMatchObject({ expires: cert.expires })
    pc.close()
  })

  it('installs the proxy classes only where missing', () => {
    const world = new FakeRtcWorld()
    const A = makeWorker(world, wiring)
    const real = class {}
    const scope: Record<string, unknown> = { RTCPeerConnection: real }
    expect(installRtcBridge(A.bridge, scope)).toEqual(['RTCSessionDescription', 'RTCIceCandidate'])
    expect(scope.RTCPeerConnection).toBe(real)
    expect(scope.RTCIceCandidate).toBe(A.bridge.classes.RTCIceCandidate)
    installRtcBridge(A.bridge, scope, { force: true })
    expect(scope.RTCPeerConnection).toBe(A.bridge.classes.RTCPeerConnection)
  })
})
