/**
 * Browser-only: connects this tab to the shared node worker (DESIGN.md §1)
 * and offers the tab as a WebRTC host for it. Not unit tested; everything
 * testable lives in `client.ts` and `src/lib/webrtc-bridge/`.
 */

import { RtcHost } from '../webrtc-bridge/host.ts'
import { RpcClient } from './client.ts'

/** The message that hands the worker this tab's end of a WebRTC host channel (in `ports[0]`). */
export interface RtcHostOffer {
  type: 'rtc-host'
  visible: boolean
}

/**
 * Starts (or joins) the `parley-node` SharedWorker and returns a client over
 * its port. The tab also becomes an RTC host: the worker has no
 * RTCPeerConnection, so it runs its WebRTC connections through a tab.
 * On `pagehide` the client sends `leave` and the host closes the WebRTC
 * connections it held; a page restored from the back/forward cache
 * (`pageshow` with `persisted`) must call this again.
 */
export function connectToNode (): RpcClient {
  const worker = new SharedWorker(new URL('../../workers/node.worker.ts', import.meta.url), {
    type: 'module',
    name: 'parley-node'
  })
  const client = new RpcClient(worker.port)

  const channel = new MessageChannel()
  const visible = (): boolean => document.visibilityState === 'visible'
  const host = new RtcHost(channel.port1, { visible })
  const offer: RtcHostOffer = { type: 'rtc-host', visible: visible() }
  worker.port.postMessage(offer, [channel.port2])
  const onVisibility = (): void => { host.setVisible(visible()) }
  document.addEventListener('visibilitychange', onVisibility)

  addEventListener('pagehide', () => {
    document.removeEventListener('visibilitychange', onVisibility)
    host.close()
    client.close()
  }, { once: true })
  return client
}
