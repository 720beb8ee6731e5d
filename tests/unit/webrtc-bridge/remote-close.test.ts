import { describe, expect, it, vi } from 'vitest'
import { watchRemoteClose } from '../../../src/lib/webrtc-bridge/host-wiring.ts'
import type { HostPeerConnection } from '../../../src/lib/webrtc-bridge/host-types.ts'

/** A transport whose state the test moves, firing statechange like a browser's. */
class FakeTransport extends EventTarget {
  state = 'connected'
  move (state: string): void {
    this.state = state
    this.dispatchEvent(new Event('statechange'))
  }
}

class FakePc extends EventTarget {
  connectionState: RTCPeerConnectionState = 'new'
  sctp: (FakeTransport & { transport: FakeTransport }) | null = null
  connect (): void {
    const sctp = Object.assign(new FakeTransport(), { transport: new FakeTransport() })
    this.sctp = sctp
    this.connectionState = 'connected'
    this.dispatchEvent(new Event('connectionstatechange'))
  }
}

describe('watchRemoteClose', () => {
  it('fires once when the remote closes the SCTP association', () => {
    const pc = new FakePc()
    const onClosed = vi.fn()
    watchRemoteClose(pc as unknown as HostPeerConnection, onClosed)
    pc.connect()
    pc.sctp?.move('closed')
    pc.sctp?.transport.move('closed')
    expect(onClosed).toHaveBeenCalledTimes(1)
  })

  it('fires when the DTLS transport closes or fails', () => {
    for (const state of ['closed', 'failed']) {
      const pc = new FakePc()
      const onClosed = vi.fn()
      watchRemoteClose(pc as unknown as HostPeerConnection, onClosed)
      pc.connect()
      pc.sctp?.transport.move(state)
      expect(onClosed).toHaveBeenCalledTimes(1)
    }
  })

  it('ignores other transitions and stops watching once detached', () => {
    const pc = new FakePc()
    const onClosed = vi.fn()
    const detach = watchRemoteClose(pc as unknown as HostPeerConnection, onClosed)
    pc.connect()
    pc.sctp?.move('connecting')
    expect(onClosed).not.toHaveBeenCalled()
    detach()
    pc.sctp?.move('closed')
    expect(onClosed).not.toHaveBeenCalled()
  })
})
