/**
 * Browser-only: connects this tab to the node (docs/architecture.md) and offers the
 * tab as a WebRTC host for it. Not unit tested; everything testable lives in
 * `client.ts`, `fallback/` and `src/lib/webrtc-bridge/`.
 *
 * Two modes, the same to the caller (see docs/architecture.md,
 * "Dedicated-Worker fallback"):
 * - `shared`: the `parley-node` SharedWorker, one per browser profile;
 * - `dedicated`: where SharedWorker is missing, or with `?worker=dedicated`,
 *   one tab elected with a Web Lock runs the node as a dedicated Worker and
 *   relays the other tabs over a BroadcastChannel.
 * The mode is shown on `<html data-worker-mode="…">` (tests assert it).
 */

import { RtcHost } from '../webrtc-bridge/host.ts'
import { CONTRACT_TIMEOUTS } from 'virtual:parley/contract-timeouts'
import type { NodeContract, TabCapabilities } from '../contract/index.ts'
import { RpcClient } from './client.ts'
import { DedicatedNode } from './fallback/dedicated-node.ts'
import type { WorkerLike } from './fallback/dedicated-node.ts'
import { FALLBACK_CHANNEL_NAME } from './fallback/envelope.ts'
import type { LockManagerLike } from './fallback/envelope.ts'
import { chooseWorkerMode } from './fallback/mode.ts'
import type { WorkerMode } from './fallback/mode.ts'
import { ReconnectingClient } from './fallback/reconnecting-client.ts'
import { probeTabCapabilities } from './tab-capabilities.ts'
import { watchPort } from './watched-port.ts'

/** The message that hands the worker this tab's end of a WebRTC host channel (in `ports[0]`). */
export interface RtcHostOffer {
  type: 'rtc-host'
  visible: boolean
}

/** What this tab can do, told to the node before any RTC-host offer. */
export type TabCapabilitiesMessage = TabCapabilities & { type: 'tab-capabilities' }

/** Probed once per page. */
let probed: TabCapabilities | undefined

/** What {@link connectToNode} returns in either mode. */
export type NodeConnection = Pick<RpcClient<NodeContract>, 'call' | 'on' | 'close'> & {
  /** present when the connection can move to another node instance (fallback mode; a SharedWorker started again after it died) */
  onReconnect?: (cb: () => void) => () => void
}

/** The mode this tab uses; also shown as `<html data-worker-mode>`. */
export function workerMode (): WorkerMode {
  return chooseWorkerMode(location.search, typeof SharedWorker !== 'undefined')
}

/**
 * Connects to the node in the mode {@link workerMode} picks. On `pagehide`
 * the client sends `leave` and an RTC host closes the WebRTC connections it
 * held; a page restored from the back/forward cache (`pageshow` with
 * `persisted`) must call this again.
 */
export function connectToNode (): NodeConnection {
  const mode = workerMode()
  document.documentElement.dataset['workerMode'] = mode
  return mode === 'shared' ? connectShared() : connectDedicated()
}

/**
 * Tells the node what this tab can do, then offers the tab as a WebRTC host
 * when it has WebRTC, with a channel pump when `pump` is allowed and a data
 * channel can move to one. Returns what undoes the offer.
 */
function offerTab (post: (message: TabCapabilitiesMessage | RtcHostOffer, transfer: MessagePort[]) => void, pump: boolean): () => void {
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
    worker = new Worker(new URL('../../workers/channel-pump.worker.ts', import.meta.url), {
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

/**
 * Starts (or joins) the `parley-node` SharedWorker; the tab also becomes an
 * RTC host. When the worker goes away under the tab (watched-port.ts), the
 * client starts (or joins) a new one and carries its subscriptions over; the
 * node keeps everything that matters in IndexedDB, so nothing is lost.
 */
function connectShared (): ReconnectingClient<NodeContract> {
  let closeHost = (): void => {}
  const client = new ReconnectingClient<NodeContract>({
    // the tab holds the contract's types and timeouts, not its schemas: the worker checks params
    timeouts: CONTRACT_TIMEOUTS,
    openPort: async () => {
      closeHost()
      const worker = new SharedWorker(new URL('../../workers/node.worker.ts', import.meta.url), {
        type: 'module',
        name: 'parley-node'
      })
      closeHost = offerTab((message, transfer) => { worker.port.postMessage(message, transfer) }, true)
      return watchPort(worker.port, { onGone: () => { console.warn('parley: the node worker is gone; starting it again') } })
    }
  })
  addEventListener('pagehide', () => {
    closeHost()
    client.close()
  }, { once: true })
  return client
}

/** This tab's part in the fallback: one per page life. */
let dedicatedNode: DedicatedNode | undefined

function getDedicatedNode (): DedicatedNode {
  if (dedicatedNode !== undefined) return dedicatedNode
  let closeHost: (() => void) | undefined
  const locks = (navigator as { locks?: LockManagerLike }).locks
  const node = new DedicatedNode({
    locks,
    createChannel: () => new BroadcastChannel(FALLBACK_CHANNEL_NAME),
    createWorker: () => new Worker(new URL('../../workers/node.worker.ts', import.meta.url), {
      type: 'module',
      name: 'parley-node'
    }),
    // MessagePorts cannot cross a BroadcastChannel: only the owner tab can host WebRTC.
    // No channel pump in this mode: it keeps one Worker per owner tab (fallback.spec.ts
    // asserts it), and that Worker, the node's own, could take the channels directly,
    // which the bridge does not do yet.
    onOwner: (worker: WorkerLike) => {
      // a Worker started again after the last one died: this tab hosts WebRTC for the new one
      closeHost?.()
      closeHost = offerTab((message, transfer) => { worker.postMessage(message, transfer) }, false)
    }
  })
  dedicatedNode = node
  addEventListener('pagehide', () => {
    if (dedicatedNode === node) dedicatedNode = undefined
    closeHost?.()
    node.close()
  }, { once: true })
  node.start()
  return node
}

/** A client that follows the node from owner tab to owner tab. */
function connectDedicated (): ReconnectingClient<NodeContract> {
  const node = getDedicatedNode()
  const client = new ReconnectingClient<NodeContract>({
    timeouts: CONTRACT_TIMEOUTS,
    // a Worker that dies goes silent (watched-port.ts): the owner tab starts a new one, every tab reconnects
    openPort: async () => watchPort(await node.openPort(), {
      onGone: () => {
        console.warn('parley: the node worker is gone; starting it again')
        node.restartWorker()
      }
    })
  })
  // this tab just took the node over: talk to its own Worker directly
  const off = node.onRoleChange((role, previous) => {
    if (role === 'owner' && previous === 'client') client.reconnect()
  })
  addEventListener('pagehide', () => {
    off()
    client.close()
  }, { once: true })
  return client
}
