/**
 * @libp2p/websockets dials with the global `WebSocket`, which cannot choose
 * its source address. On loopback every address of 127/8 reaches the same
 * host, so a test or a bench can play several hosts by binding 127.0.0.2,
 * 127.0.0.3, … — this installs a `ws` WebSocket that binds one of them.
 */
import { WebSocket as NodeWebSocket } from 'ws'
import type { ClientRequestArgs } from 'node:http'

export interface WebSocketSource {
  /** local addresses of the WebSockets that opened, in order (what the server saw) */
  readonly opened: readonly string[]
  /** puts back the global WebSocket that was there before */
  restore(): void
}

/**
 * Makes every WebSocket created from now on (libp2p's dials included) bind
 * `localAddress`, until `restore()`. Like the browser-like one of
 * relay-node/src/polyfill.ts, its sockets never throw 'error' events.
 */
export function useWebSocketSource (localAddress: string): WebSocketSource {
  const g = globalThis as { WebSocket?: unknown }
  const before = g.WebSocket
  const opened: string[] = []
  class SourceBoundWebSocket extends NodeWebSocket {
    constructor (address: string | URL, protocols?: string | string[]) {
      const options: ClientRequestArgs = { localAddress }
      super(address, protocols, options)
      this.on('error', () => {})
      this.once('upgrade', (response) => { opened.push(response.socket.localAddress ?? '') })
    }
  }
  g.WebSocket = SourceBoundWebSocket
  return {
    opened,
    restore: () => {
      if (before === undefined) delete g.WebSocket
      else g.WebSocket = before
    }
  }
}
