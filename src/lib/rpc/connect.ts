/**
 * Browser-only: connects this tab to the node (DESIGN.md §1) and offers the
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
import { RpcClient } from './client.ts'
import { DedicatedNode } from './fallback/dedicated-node.ts'
import type { WorkerLike } from './fallback/dedicated-node.ts'
import { FALLBACK_CHANNEL_NAME } from './fallback/envelope.ts'
import type { LockManagerLike } from './fallback/envelope.ts'
import { chooseWorkerMode } from './fallback/mode.ts'
import type { WorkerMode } from './fallback/mode.ts'
import { ReconnectingClient } from './fallback/reconnecting-client.ts'

/** The message that hands the worker this tab's end of a WebRTC host channel (in `ports[0]`). */
export interface RtcHostOffer {
  type: 'rtc-host'
  visible: boolean
}

/** What {@link connectToNode} returns in either mode. */
export type NodeConnection = Pick<RpcClient, 'call' | 'on' | 'close'> & {
  /** present when the connection can move to another node instance (fallback mode) */
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

/** The worker has no RTCPeerConnection: it runs its WebRTC connections through a tab. */
function hostRtc (post: (offer: RtcHostOffer, port: MessagePort) => void): () => void {
  const channel = new MessageChannel()
  const visible = (): boolean => document.visibilityState === 'visible'
  const host = new RtcHost(channel.port1, { visible })
  post({ type: 'rtc-host', visible: visible() }, channel.port2)
  const onVisibility = (): void => { host.setVisible(visible()) }
  document.addEventListener('visibilitychange', onVisibility)
  return () => {
    document.removeEventListener('visibilitychange', onVisibility)
    host.close()
  }
}

/** Starts (or joins) the `parley-node` SharedWorker; the tab also becomes an RTC host. */
function connectShared (): RpcClient {
  const worker = new SharedWorker(new URL('../../workers/node.worker.ts', import.meta.url), {
    type: 'module',
    name: 'parley-node'
  })
  const client = new RpcClient(worker.port)
  const closeHost = hostRtc((offer, port) => { worker.port.postMessage(offer, [port]) })
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
    // MessagePorts cannot cross a BroadcastChannel: only the owner tab can host WebRTC
    onOwner: (worker: WorkerLike) => {
      closeHost = hostRtc((offer, port) => { worker.postMessage(offer, [port]) })
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
function connectDedicated (): ReconnectingClient {
  const node = getDedicatedNode()
  const client = new ReconnectingClient({ openPort: async () => node.openPort() })
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
