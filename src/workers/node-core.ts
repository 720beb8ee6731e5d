/// <reference lib="webworker" />
/**
 * The node itself, shared by both ways of running it: the SharedWorker, and
 * the dedicated Worker of the fallback. Wiring only: the node's composition
 * root (lib/p2p/root/root.ts) does the work, RpcServer carries tab calls to
 * its handlers, the WebRTC bridge runs the worker's peer connections through
 * RTC-host tabs.
 */
import '../lib/polyfill/promise-with-resolvers.ts'
// must stay before every import that reaches @libp2p/webrtc
import { rtcBridge } from './rtc-bridge.ts'
import { ParleyDb } from '../lib/db/db.ts'
import { fetchAppConfig } from '../lib/p2p/kernel/app-config.ts'
import { parseTabCapabilities } from '../lib/p2p/kernel/capabilities.ts'
import { NodeRoot } from '../lib/p2p/root/root.ts'
import type { WriterLocks } from '../lib/p2p/kernel/writer-lock.ts'
import { nodeContract } from '../lib/contract/index.ts'
import { RpcServer } from '../lib/rpc/server.ts'

/** What an entry point needs of the running node. */
export interface NodeCore {
  /** serves one tab's RPC port */
  addPort(port: MessagePort): void
  /**
   * A tab's message besides RPC: what it can do (`{ type: 'tab-capabilities',
   * … }`, kernel/capabilities.ts), or its offer to host WebRTC (`{ type:
   * 'rtc-host', visible }` with its port in `ports[0]`). Returns false (and
   * does nothing) for anything else.
   */
  onTabMessage(data: unknown, ports: readonly MessagePort[]): boolean
}

/**
 * This worker's build: the bundle's, or an older one its URL claims
 * (`?build=<ms>`, only ever lower: a page can make its own worker step down
 * or refuse, never outrank another; tests/e2e/one-writer.spec.ts starts a
 * pretended older worker this way).
 */
function workerBuild (scope: WorkerGlobalScope): number {
  const claimed = Number(new URL(scope.location.href).searchParams.get('build') ?? Number.NaN)
  return Number.isSafeInteger(claimed) && claimed >= 0 ? Math.min(claimed, __PARLEY_BUILD__) : __PARLEY_BUILD__
}

/** Opens the database, starts the node and returns the entry's hooks. Call once per worker. */
export function startNode (scope: WorkerGlobalScope): NodeCore {
  const db = new ParleyDb()
  /**
   * Tabs are served once the database is read (the phase leaves 'loading'),
   * so no call meets a node that has not loaded its identity yet. This matters
   * when the fallback's node moves to another tab: the other tabs' clients
   * reconnect at once and would otherwise reach a node without its profile.
   * Until then a port's messages wait in the port (it is not started).
   */
  let markLoaded!: () => void
  const loaded = new Promise<void>((resolve) => { markLoaded = resolve })
  const node = new NodeRoot({
    db,
    origin: scope.location.origin,
    loadConfig: async () => fetchAppConfig(scope.location.origin),
    // the one-writer lock: the browser's Web Locks (none: the node refuses to start) and this build
    writer: {
      locks: scope.navigator.locks as WriterLocks | undefined,
      build: workerBuild(scope),
      channel: (name) => new BroadcastChannel(name)
    },
    // (Kernel.restart) the node stopped and let go of the database: this worker closes, after the
    // answer to the call that asked has gone out; every tab notices the silence (watched-port.ts)
    // and starts (or joins) a new worker, which starts from the database
    restart: () => { setTimeout(() => { (scope as WorkerGlobalScope & { close: () => void }).close() }, 0) }
  })
  node.events.addEventListener('status', (evt) => {
    if (evt.detail.phase !== 'loading') markLoaded()
    server.emit('status', evt.detail)
  })
  node.events.addEventListener('message', (evt) => { server.emit('message', evt.detail) })
  node.events.addEventListener('typing', (evt) => { server.emit('typing', evt.detail) })
  node.events.addEventListener('groupTyping', (evt) => { server.emit('groupTyping', evt.detail) })
  node.events.addEventListener('call', (evt) => { server.emit('call', evt.detail) })
  node.events.addEventListener('callSignal', (evt) => { server.emit('callSignal', evt.detail) })
  node.events.addEventListener('groupCall', (evt) => { server.emit('groupCall', evt.detail) })
  node.events.addEventListener('groupCallSignal', (evt) => { server.emit('groupCallSignal', evt.detail) })
  node.events.addEventListener('link', (evt) => { server.emit('link', evt.detail) })

  function onTabMessage (data: unknown, ports: readonly MessagePort[]): boolean {
    const tab = parseTabCapabilities(data)
    if (tab !== undefined) {
      node.onTabCapabilities(tab)
      return true
    }
    const offer = data as { type?: unknown, visible?: unknown } | null
    const port = ports[0]
    if (offer?.type !== 'rtc-host' || typeof offer.visible !== 'boolean' || port == null) return false
    rtcBridge.addHost(port, { visible: offer.visible })
    return true
  }

  rtcBridge.onHostsChanged = () => { node.onRtcHostsChanged() }
  rtcBridge.onIceDisconnected = () => { node.onIceDisconnected() }

  const server = new RpcServer(nodeContract, node.handlers, { onOtherMessage: onTabMessage })

  node.start().catch((err: unknown) => {
    console.error('parley: the node failed to start', err)
  }).finally(markLoaded)

  return {
    addPort: (port) => { void loaded.then(() => { server.addPort(port) }) },
    onTabMessage
  }
}
