/**
 * How this tab reaches its node, put together at the bootstrap (main.ts):
 * the node's workers to start (a SharedWorker, or the fallback's dedicated
 * Worker) and what the tab offers a node: what it can do and, where it has
 * WebRTC, a WebRTC host (src/lib/webrtc-bridge) with its channel pump. The
 * transport that carries the calls is src/lib/rpc/connect.ts; neither it nor
 * the state managers know the WebRTC host. Browser-only; not unit tested.
 */
import type { TabCapabilities } from './lib/contract/index.ts'
import { connectToNode, type NodeConnection, type OfferPost, type RtcHostOffer, type TabSide } from './lib/rpc/connect.ts'
import { probeTabCapabilities } from './lib/rpc/tab-capabilities.ts'
import { RtcHost } from './lib/webrtc-bridge/host.ts'

/** The node's workers, and this tab's offer to them. */
const tabSide: TabSide = {
  startShared: () => new SharedWorker(new URL('./workers/node.worker.ts', import.meta.url), {
    type: 'module',
    name: 'parley-node'
  }),
  startDedicated: () => new Worker(new URL('./workers/node.worker.ts', import.meta.url), {
    type: 'module',
    name: 'parley-node'
  }),
  offerTab
}

/** Connects this tab to its node (rpc/connect.ts), with this tab's workers and offer. */
export function connectTab (): NodeConnection {
  return connectToNode(tabSide)
}

/** Probed once per page. */
let probed: TabCapabilities | undefined

/**
 * Tells the node what this tab can do, then offers the tab as a WebRTC host
 * when it has WebRTC, with a channel pump when `pump` is allowed and a data
 * channel can move to one. Returns what undoes the offer.
 */
function offerTab (post: OfferPost, pump: boolean): () => void {
  probed ??= probeTabCapabilities()
  post({ type: 'tab-capabilities', ...probed }, [])
  if (!probed.webrtc) return () => {}
  return hostRtc((offer, port) => { post(offer, [port]) }, pump && probed.transferableChannels)
}

/** How long a starting channel pump may take before the tab hosts WebRTC without it. */
const PUMP_START_TIMEOUT_MS = 10_000

/**
 * The worker has no RTCPeerConnection: it runs its WebRTC connections through
 * a tab. With `pump`, the tab's data channels go to its channel pump, a
 * dedicated worker (docs/webrtc-bridge.md, "Channel pump"), so message bytes
 * never wait for this tab's rendering; without one the host moves them on the
 * main thread. The worker is offered the host once the pump is ready (or
 * known missing).
 */
function hostRtc (post: (offer: RtcHostOffer, port: MessagePort) => void, pump: boolean): () => void {
  const visible = (): boolean => document.visibilityState === 'visible'
  let host: RtcHost | undefined
  let closed = false
  const stopPump = (pump ? startPump : noPump)((ports) => {
    if (closed) return
    const { host: hostPort, worker: workerPort } = ports ?? directPorts()
    host = new RtcHost(hostPort, { visible, transferChannels: ports !== null })
    post({ type: 'rtc-host', visible: visible() }, workerPort)
  })
  const onVisibility = (): void => { host?.setVisible(visible()) }
  document.addEventListener('visibilitychange', onVisibility)
  return () => {
    closed = true
    document.removeEventListener('visibilitychange', onVisibility)
    stopPump()
    host?.close()
  }
}

/** The two ends a started pump leaves to the tab. */
interface PumpPorts {
  /** For the `RtcHost`. */
  host: MessagePort
  /** For the node worker, in the `rtc-host` offer. */
  worker: MessagePort
}

/** Hosting without a pump: `ready(null)` at once. */
function noPump (ready: (ports: PumpPorts | null) => void): () => void {
  ready(null)
  return () => {}
}

/** Without a pump: the host's port leads straight to the node worker. */
function directPorts (): PumpPorts {
  const channel = new MessageChannel()
  return { host: channel.port1, worker: channel.port2 }
}

/**
 * Starts the channel pump worker and calls `ready` with its ports once it
 * answers, or with null when it cannot start (no module workers, a failed
 * load, no answer in time). Returns a function that abandons a pump that has
 * not answered yet; a running pump ends itself when its host leaves.
 */
function startPump (ready: (ports: PumpPorts | null) => void): () => void {
  let worker: Worker
  try {
    worker = new Worker(new URL('./workers/channel-pump.worker.ts', import.meta.url), {
      type: 'module',
      name: 'parley-rtc-pump'
    })
  } catch (err) {
    console.warn('parley: no channel pump; WebRTC data moves on this tab\'s main thread', err)
    ready(null)
    return () => {}
  }
  const upstream = new MessageChannel()
  const link = new MessageChannel()
  let settled = false
  const finish = (): void => {
    settled = true
    clearTimeout(timer)
    worker.removeEventListener('message', onMessage)
    worker.removeEventListener('error', onError)
  }
  const fail = (): void => {
    finish()
    worker.terminate()
    upstream.port2.close()
    link.port1.close()
  }
  const onMessage = (event: MessageEvent): void => {
    if (settled || (event.data as { type?: unknown } | null)?.type !== 'pump.ready') return
    finish()
    ready({ host: link.port1, worker: upstream.port2 })
  }
  const onError = (event: Event): void => {
    if (settled) return
    console.warn('parley: the channel pump failed to start; WebRTC data moves on this tab\'s main thread', event)
    fail()
    ready(null)
  }
  const timer = setTimeout(() => { onError(new Event('timeout')) }, PUMP_START_TIMEOUT_MS)
  worker.addEventListener('message', onMessage)
  worker.addEventListener('error', onError)
  worker.postMessage({ type: 'pump.init' }, [upstream.port1, link.port2])
  return () => { if (!settled) fail() }
}

