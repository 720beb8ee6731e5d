/**
 * Browser-only: connects this tab to the node (docs/architecture.md). Not
 * unit tested; everything testable lives in `client.ts` and `fallback/`.
 * The transport only: which workers to start and what the tab offers the
 * node (its capabilities, a WebRTC host) come from the tab's bootstrap
 * (`src/node-connection.ts`) as a {@link TabSide}.
 *
 * Two modes, the same to the caller (see docs/architecture.md,
 * "Dedicated-Worker fallback"):
 * - `shared`: the `parley-node` SharedWorker, one per browser profile;
 * - `dedicated`: where SharedWorker is missing, or with `?worker=dedicated`,
 *   one tab elected with a Web Lock runs the node as a dedicated Worker and
 *   relays the other tabs over a BroadcastChannel.
 * The mode is shown on `<html data-worker-mode="…">` (tests assert it).
 */

import { CONTRACT_TIMEOUTS } from 'virtual:parley/contract-timeouts'
import type { NodeContract, TabCapabilities } from '../contract/index.ts'
import type { RpcClient } from './client.ts'
import { DedicatedNode } from './fallback/dedicated-node.ts'
import type { WorkerLike } from './fallback/dedicated-node.ts'
import { FALLBACK_CHANNEL_NAME } from './fallback/envelope.ts'
import type { LockManagerLike } from './fallback/envelope.ts'
import { chooseWorkerMode } from './fallback/mode.ts'
import type { WorkerMode } from './fallback/mode.ts'
import { ReconnectingClient } from './fallback/reconnecting-client.ts'
import { watchPort } from './watched-port.ts'

/** The message that hands the worker this tab's end of a WebRTC host channel (in `ports[0]`). */
export interface RtcHostOffer {
  type: 'rtc-host'
  visible: boolean
}

/** What this tab can do, told to the node before any RTC-host offer. */
export type TabCapabilitiesMessage = TabCapabilities & { type: 'tab-capabilities' }

/** How a tab offers itself to a node worker: posts `message` (with `transfer`) on the worker's port. */
export type OfferPost = (message: TabCapabilitiesMessage | RtcHostOffer, transfer: MessagePort[]) => void

/** What the tab's bootstrap knows and the transport does not: the workers to start, and what the tab offers a node. */
export interface TabSide {
  /** starts (or joins) the node's SharedWorker */
  startShared: () => SharedWorker
  /** starts the node as a dedicated Worker (the fallback's owner tab) */
  startDedicated: () => Worker
  /**
   * Tells a node worker what this tab can do and offers it a WebRTC host
   * where the tab has WebRTC (`pump`: the host may hand its data channels to
   * a channel pump). Returns what undoes the offer.
   */
  offerTab: (post: OfferPost, pump: boolean) => () => void
}

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
 * the client sends `leave` and the tab's offer is undone (an RTC host closes
 * the WebRTC connections it held); a page restored from the back/forward
 * cache (`pageshow` with `persisted`) must call this again.
 */
export function connectToNode (tab: TabSide): NodeConnection {
  const mode = workerMode()
  document.documentElement.dataset['workerMode'] = mode
  return mode === 'shared' ? connectShared(tab) : connectDedicated(tab)
}

/**
 * Starts (or joins) the `parley-node` SharedWorker; the tab also becomes an
 * RTC host. When the worker goes away under the tab (watched-port.ts), the
 * client starts (or joins) a new one and carries its subscriptions over; the
 * node keeps everything that matters in IndexedDB, so nothing is lost.
 */
function connectShared (tab: TabSide): ReconnectingClient<NodeContract> {
  let closeHost = (): void => {}
  const client = new ReconnectingClient<NodeContract>({
    // the tab holds the contract's types and timeouts, not its schemas: the worker checks params
    timeouts: CONTRACT_TIMEOUTS,
    openPort: async () => {
      closeHost()
      const worker = tab.startShared()
      closeHost = tab.offerTab((message, transfer) => { worker.port.postMessage(message, transfer) }, true)
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

function getDedicatedNode (tab: TabSide): DedicatedNode {
  if (dedicatedNode !== undefined) return dedicatedNode
  let closeHost: (() => void) | undefined
  const locks = (navigator as { locks?: LockManagerLike }).locks
  const node = new DedicatedNode({
    locks,
    createChannel: () => new BroadcastChannel(FALLBACK_CHANNEL_NAME),
    createWorker: tab.startDedicated,
    // MessagePorts cannot cross a BroadcastChannel: only the owner tab can host WebRTC.
    // No channel pump in this mode: it keeps one Worker per owner tab (fallback.spec.ts
    // asserts it), and that Worker, the node's own, could take the channels directly,
    // which the bridge does not do yet.
    onOwner: (worker: WorkerLike) => {
      // a Worker started again after the last one died: this tab hosts WebRTC for the new one
      closeHost?.()
      closeHost = tab.offerTab((message, transfer) => { worker.postMessage(message, transfer) }, false)
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
function connectDedicated (tab: TabSide): ReconnectingClient<NodeContract> {
  const node = getDedicatedNode(tab)
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
