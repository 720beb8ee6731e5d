import { TypedEventEmitter } from 'main-event'
import { describe, expect, it } from 'vitest'
import { Capabilities, parseTabCapabilities, workerCapabilities } from '../../../../src/lib/p2p/kernel/capabilities.ts'
import { probeTabCapabilities } from '../../../../src/lib/rpc/tab-capabilities.ts'
import { testStatus } from '../../../support/fake-components.ts'
import type { NodeCapabilities } from '../../../../src/lib/contract/index.ts'
import type { ParleyEvents } from '../../../../src/lib/p2p/kernel/events.ts'

/** Capabilities, not browser names: what a tab and the worker find out, and how the node records it. */

class TransferablePc {
  closed = false
  createDataChannel (label: string): { label: string } { return { label } }
  close (): void { this.closed = true }
}

/** A MessageChannel whose port refuses to transfer anything, as Firefox does with a data channel. */
class RefusingChannel {
  readonly port1 = { postMessage: () => { throw new DOMException('cannot transfer', 'DataCloneError') }, close: () => {} }
  readonly port2 = { close: () => {} }
}

class AcceptingChannel {
  readonly transferred: unknown[] = []
  readonly port1 = { postMessage: (_message: unknown, transfer: unknown[]) => { this.transferred.push(...transfer) }, close: () => {} }
  readonly port2 = { close: () => {} }
}

describe('what a tab can do', () => {
  it('no RTCPeerConnection: no WebRTC and no transferable channels', () => {
    expect(probeTabCapabilities({ SharedWorker: class {}, MessageChannel: AcceptingChannel })).toEqual({ webrtc: false, transferableChannels: false, sharedWorker: true })
  })

  it('a data channel that moves through a port (Chromium), or one the port refuses (Firefox)', () => {
    expect(probeTabCapabilities({ RTCPeerConnection: TransferablePc, MessageChannel: AcceptingChannel })).toEqual({ webrtc: true, transferableChannels: true, sharedWorker: false })
    expect(probeTabCapabilities({ RTCPeerConnection: TransferablePc, MessageChannel: RefusingChannel, SharedWorker: class {} })).toEqual({ webrtc: true, transferableChannels: false, sharedWorker: true })
  })

  it('a peer connection that cannot even be made counts as no transferable channel, not a crash', () => {
    class Throwing { constructor () { throw new Error('disabled by policy') } }
    expect(probeTabCapabilities({ RTCPeerConnection: Throwing, MessageChannel: AcceptingChannel }).transferableChannels).toBe(false)
  })
})

describe('what the node records', () => {
  it('reads only a well-formed tab report', () => {
    expect(parseTabCapabilities({ type: 'tab-capabilities', webrtc: false, transferableChannels: false, sharedWorker: true })).toEqual({ webrtc: false, transferableChannels: false, sharedWorker: true })
    expect(parseTabCapabilities({ type: 'tab-capabilities', webrtc: 'no', transferableChannels: false, sharedWorker: true })).toBeUndefined()
    expect(parseTabCapabilities({ type: 'rtc-host', visible: true })).toBeUndefined()
    expect(parseTabCapabilities(null)).toBeUndefined()
  })

  it('sees WebTransport and Web Locks in the worker scope', () => {
    expect(workerCapabilities({ WebTransport: class {}, navigator: { locks: {} } })).toEqual({ webTransport: true, webLocks: true })
    expect(workerCapabilities({ navigator: {} })).toEqual({ webTransport: false, webLocks: false })
  })

  it('puts each change in the status and says it once; a later tab saying "no WebRTC" does not undo a "yes"', () => {
    const events = new TypedEventEmitter<ParleyEvents>()
    const status = testStatus(events)
    const capabilities = new Capabilities({ events, status }, { webTransport: false, webLocks: true })
    const said: NodeCapabilities[] = []
    events.addEventListener('capabilities', (evt) => { said.push(evt.detail) })

    capabilities.update({ webrtc: true, transferableChannels: true, sharedWorker: true })
    capabilities.update({ webrtc: true, transferableChannels: true, sharedWorker: true })
    capabilities.update({ webrtc: false })
    capabilities.update({ fileStorage: 'opfs' })
    expect(said).toHaveLength(2)
    expect(status.current.capabilities).toEqual({ webrtc: true, transferableChannels: true, sharedWorker: true, fileStorage: 'opfs', webTransport: false, webLocks: true })
  })
})
