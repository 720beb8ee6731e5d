/// <reference lib="webworker" />
/**
 * The tab's channel pump (src/lib/webrtc-bridge/pump.ts): a dedicated worker
 * that drives the WebRTC data channels the tab's `RtcHost` transfers to it, so
 * their bytes pass between the node worker and the network without waiting
 * for the tab's main thread.
 *
 * The tab posts one `{ type: 'pump.init' }` message with two ports:
 * `ports[0]` to the node worker, `ports[1]` to the `RtcHost`. The worker
 * answers `{ type: 'pump.ready' }` and closes itself when the pump shuts down
 * (the host left, or either side's port closed).
 */
import { ChannelPump } from '../lib/webrtc-bridge/pump.ts'

declare const self: DedicatedWorkerGlobalScope

let pump: ChannelPump | undefined

self.addEventListener('message', (event: MessageEvent) => {
  // only the tab that created this worker can post here; still, nothing thrown escapes the listener
  try {
    const data = event.data as { type?: unknown } | null
    const [upstream, host] = event.ports
    if (pump !== undefined || data?.type !== 'pump.init' || upstream == null || host == null) {
      console.warn('parley: the channel pump dropped an unexpected message')
      return
    }
    pump = new ChannelPump({ upstream, host, onClose: () => { self.close() } })
    self.postMessage({ type: 'pump.ready' })
  } catch (err) {
    console.error('parley: the channel pump failed to start', err)
  }
})
