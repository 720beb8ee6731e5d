/// <reference lib="webworker" />
/**
 * The node's worker entry, for both ways of running it (docs/architecture.md;
 * the node itself is in node-core.ts):
 *
 * - **SharedWorker** (normal): one per browser profile; each tab's port comes
 *   in a `connect` event.
 * - **Dedicated Worker** (fallback where SharedWorker is missing, or
 *   `?worker=dedicated`): owned by the tab elected with a Web Lock
 *   (src/lib/rpc/fallback/dedicated-node.ts). The owner hands over one RPC port
 *   per client tab, its own included, as `{ type: 'connect' }` with the port in
 *   `ports[0]`, what it can do as `{ type: 'tab-capabilities', … }`, and its
 *   RTC-host port as `{ type: 'rtc-host', visible }`.
 *
 * One entry for both keeps a single worker bundle (the largest asset) in the
 * build instead of two copies of the same node code.
 */
import { startNode } from './node-core.ts'

declare const self: SharedWorkerGlobalScope | DedicatedWorkerGlobalScope

function isSharedScope (scope: SharedWorkerGlobalScope | DedicatedWorkerGlobalScope): scope is SharedWorkerGlobalScope {
  return typeof SharedWorkerGlobalScope !== 'undefined' && scope instanceof SharedWorkerGlobalScope
}

const node = startNode(self)

if (isSharedScope(self)) {
  self.addEventListener('connect', (event) => {
    const port = event.ports[0]
    if (port != null) node.addPort(port)
  })
} else {
  self.addEventListener('message', (event: MessageEvent) => {
    // only the owner tab can post here; still, nothing thrown escapes the listener
    try {
      const data = event.data as { type?: unknown } | null
      const port = event.ports[0]
      if (data?.type === 'connect' && Object.keys(data).length === 1 && port != null) {
        node.addPort(port)
      } else if (!node.onTabMessage(data, event.ports)) {
        console.warn('parley: the node worker dropped an unknown message from its owner tab')
      }
    } catch (err) {
      console.error('parley: error while handling a message from the owner tab', err)
    }
  })
}
