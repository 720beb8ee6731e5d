/**
 * What this tab can do that the worker cannot see: WebRTC and SharedWorker
 * exist only on Window. Probed once per tab and told to the node as
 * `{ type: 'tab-capabilities', … }` (p2p/kernel/capabilities.ts); the tab
 * itself uses it to host WebRTC only where it can, and to start a channel
 * pump only where a data channel can move to one.
 */
import type { TabCapabilities } from '../contract/index.ts'

/** The parts of a window's global scope the probe reads (a test passes its own). */
export interface ProbedScope {
  RTCPeerConnection?: unknown
  SharedWorker?: unknown
  MessageChannel?: unknown
}

export function probeTabCapabilities (scope: ProbedScope = globalThis as ProbedScope): TabCapabilities {
  const webrtc = typeof scope.RTCPeerConnection === 'function'
  return {
    webrtc,
    transferableChannels: webrtc && canTransferDataChannel(scope),
    sharedWorker: typeof scope.SharedWorker === 'function'
  }
}

interface ProbePeerConnection {
  createDataChannel(label: string): unknown
  close(): void
}

/**
 * Whether an RTCDataChannel can be transferred through a MessagePort (where
 * the channel pump, a dedicated worker, takes it): Chromium can, Firefox
 * throws DataCloneError. Creates one peer connection without any network
 * activity, and closes it.
 */
function canTransferDataChannel (scope: ProbedScope): boolean {
  const Pc = scope.RTCPeerConnection as new () => ProbePeerConnection
  const Channel = scope.MessageChannel as (new () => MessageChannel) | undefined
  if (typeof Channel !== 'function') return false
  let pc: ProbePeerConnection | undefined
  const ports = new Channel()
  try {
    pc = new Pc()
    const channel = pc.createDataChannel('parley-probe')
    // a browser transfers a channel only in the task that created it: this one
    ports.port1.postMessage(channel, [channel as Transferable])
    return true
  } catch {
    return false
  } finally {
    ports.port1.close()
    ports.port2.close()
    pc?.close()
  }
}
