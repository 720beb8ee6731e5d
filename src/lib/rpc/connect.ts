/**
 * Browser-only: connects this tab to the shared node worker (DESIGN.md §1).
 * Not unit tested; everything testable lives in `client.ts`.
 */

import { RpcClient } from './client.ts'

/**
 * Starts (or joins) the `parley-node` SharedWorker and returns a client over
 * its port. The client sends `leave` on `pagehide`; a page restored from the
 * back/forward cache (`pageshow` with `persisted`) must call this again.
 */
export function connectToNode (): RpcClient {
  const worker = new SharedWorker(new URL('../../workers/node.worker.ts', import.meta.url), {
    type: 'module',
    name: 'parley-node'
  })
  const client = new RpcClient(worker.port)
  addEventListener('pagehide', () => { client.close() }, { once: true })
  return client
}
