import '../../src/lib/polyfill/promise-with-resolvers.ts'
import { WebSocket as NodeWebSocket } from 'ws'

/**
 * Node 20 has no global WebSocket (Node 22 does); @libp2p/websockets dials
 * with the global one, as browsers do. Tests that run a browser-side node in
 * Node (tests/integration) need it. Unlike a browser's, a `ws` socket whose
 * connection fails after libp2p has detached its listeners (a node stopped
 * mid-dial) throws its 'error' event as an uncaught exception; the permanent
 * no-op listener gives it browser behaviour.
 */
class BrowserLikeWebSocket extends NodeWebSocket {
  constructor (...args: ConstructorParameters<typeof NodeWebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}

const g = globalThis as { WebSocket?: unknown }
g.WebSocket ??= BrowserLikeWebSocket
