/**
 * js-libp2p 3.x calls `Promise.withResolvers` (Node 22+), and
 * @libp2p/websockets dials with the global `WebSocket` (Node 22+). relay-node
 * supports Node >= 20.19, so both are installed before libp2p loads: without
 * the second, a relay cannot dial another relay's `/ws` or `/wss` address
 * (bootstrap, mDNS, the DHT).
 */
import { WebSocket as NodeWebSocket } from 'ws'

const P = Promise as unknown as { withResolvers?: unknown }

if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T> () {
    let resolve!: (value: T | PromiseLike<T>) => void
    let reject!: (reason?: unknown) => void
    const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}

/**
 * A `ws` socket whose connection fails after libp2p has detached its
 * listeners throws its 'error' event as an uncaught exception; a browser's
 * does not. The permanent no-op listener gives it browser behaviour.
 */
class BrowserLikeWebSocket extends NodeWebSocket {
  constructor (...args: ConstructorParameters<typeof NodeWebSocket>) {
    super(...args)
    this.on('error', () => {})
  }
}

const g = globalThis as { WebSocket?: unknown }
g.WebSocket ??= BrowserLikeWebSocket
