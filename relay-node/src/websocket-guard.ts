/**
 * Guards @libp2p/websockets' listener where it has no options of its own:
 *
 * - the `ws` server's largest message (`maxPayload`, 100 MiB by default),
 *   which every connection could make the relay buffer;
 * - sockets that connect and then say nothing, or stall in the HTTP upgrade or
 *   TLS handshake: the listener waits for their first byte without a timeout,
 *   and libp2p's upgrade timeout only starts after the WebSocket handshake;
 * - how many such sockets may be pending at once, in all and per IP address
 *   (src/pending-handshakes.ts; the plain TCP listener's sockets too, which
 *   libp2p counts only in all);
 * - reloading the WSS certificate (SIGHUP);
 * - resetting a connection: @libp2p/websockets calls `close(1006)`, a code
 *   no endpoint may send, and `ws` throws instead of closing; the socket and
 *   its file descriptor stayed open for good. Here 1006 terminates the socket;
 * - one `writev` per socket per event-loop turn (src/coalesce-writes.ts)
 *   instead of one per frame.
 *
 * It reaches into the listener's fields (`server`, `wsServer`, `https`),
 * which @libp2p/websockets 10.1 has but does not export; the package version
 * is pinned, and {@link guardWebSocketListeners} refuses to start if they are
 * missing rather than run unguarded.
 */
import { Server as NetServer } from 'node:net'
import { coalesceWrites } from './coalesce-writes.ts'
import { PendingHandshakes, plainIp } from './pending-handshakes.ts'
import type { Keepalive, PingableWebSocket } from './keepalive.ts'
import type { ConnectionRejection } from './limits.ts'
import type { Connection, Libp2p } from '@libp2p/interface'
import type { Server as HttpsServer } from 'node:https'
import type { Socket } from 'node:net'
import type { SecureContextOptions } from 'node:tls'

/** The parts of a `ws` server-side WebSocket this guard uses. */
export interface ServerWebSocket extends PingableWebSocket {
  on(event: 'error', fn: (err: Error & { code?: string }) => void): void
  on(event: 'pong' | 'close', fn: () => void): void
  close(code?: number, reason?: string | Buffer): void
  terminate(): void
}

interface WsServerInternals {
  options: { maxPayload: number }
  handleUpgrade: (req: unknown, socket: unknown, head: unknown, cb: (ws: ServerWebSocket, req: unknown) => void) => void
}

/** WebSocket close 1006 ("abnormal closure") is never sent: it means "closed without a close frame", so that is what it does. */
export const ABNORMAL_CLOSURE = 1006

/** Makes `ws.close(1006)` (how @libp2p/websockets resets a connection) drop the socket instead of throwing. */
export function terminateOnAbnormalClose (ws: ServerWebSocket): void {
  const close = ws.close.bind(ws)
  ws.close = (code, reason) => {
    if (code === ABNORMAL_CLOSURE) ws.terminate()
    else close(code, reason)
  }
}

interface WebSocketListenerInternals {
  server: NetServer
  wsServer: WsServerInternals
  https?: HttpsServer
}

export interface WebSocketGuardOptions {
  maxFrameBytes: number
  handshakeTimeoutMs: number
  maxPending: number
  maxPendingPerIp: number
  draining(): boolean
  refused(reason: ConnectionRejection, ip: string | undefined): void
  /** watches every accepted WebSocket with ping frames */
  keepalive?: Keepalive
}

export interface WebSocketGuard {
  /** sockets accepted and not yet a libp2p connection */
  readonly pending: number
  /** replaces the certificate of every WSS listener; new TLS handshakes use it */
  setSecureContext(options: SecureContextOptions): number
  stop(): void
}

export class WebSocketInternalsError extends Error {
  override name = 'WebSocketInternalsError'
}

function isWebSocketListener (listener: unknown): listener is WebSocketListenerInternals {
  const l = listener as Partial<WebSocketListenerInternals> | null
  return l?.wsServer != null && l.server != null
}

/** A listener with a TCP server of its own (@libp2p/tcp's): its sockets are pending until upgraded, too. */
function tcpServerOf (listener: unknown): NetServer | undefined {
  const server = (listener as { server?: unknown } | null)?.server
  return server instanceof NetServer ? server : undefined
}

export function guardWebSocketListeners (node: Libp2p, options: WebSocketGuardOptions): WebSocketGuard {
  const transportManager = (node as unknown as { components?: { transportManager?: { getListeners(): unknown[] } } }).components?.transportManager
  if (transportManager == null) throw new WebSocketInternalsError('libp2p no longer exposes its transport manager; the WebSocket listener cannot be guarded')
  const listeners = transportManager.getListeners().filter(isWebSocketListener)
  if (listeners.length === 0) throw new WebSocketInternalsError('no WebSocket listener with the fields this guard needs (server, wsServer): has @libp2p/websockets changed?')

  const pending = new PendingHandshakes(options)
  const onSocket = (socket: Socket): void => {
    // the listener reads the first byte; errors from destroying it here must not go unhandled
    socket.on('error', () => {})
    pending.admit(socket)
  }
  const onOpen = (event: CustomEvent<Connection>): void => {
    const parts = event.detail.remoteAddr.getComponents()
    const ip = parts.find(c => c.name === 'ip4' || c.name === 'ip6')?.value
    const port = parts.find(c => c.name === 'tcp')?.value
    if (ip != null && port != null) pending.opened(ip, port)
  }
  node.addEventListener('connection:open', onOpen)
  // the WebSocket listeners' servers, and the plain TCP listener's (--tcp-port). First in line: a
  // refused socket goes before the listener starts on it, and the handshake timer starts before
  // libp2p's upgrade timer (same duration), so a silent socket is cut, and counted, here
  const servers = transportManager.getListeners().flatMap(l => tcpServerOf(l) ?? [])
  for (const server of servers) server.prependListener('connection', onSocket)

  for (const listener of listeners) {
    listener.wsServer.options.maxPayload = options.maxFrameBytes
    const handleUpgrade = listener.wsServer.handleUpgrade.bind(listener.wsServer)
    listener.wsServer.handleUpgrade = (req, socket, head, cb) => {
      handleUpgrade(req, socket, head, (ws, request) => {
        coalesceWrites(socket as Socket)
        terminateOnAbnormalClose(ws)
        options.keepalive?.addWebSocket(ws)
        ws.on('error', (err) => {
          if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') options.refused('frame-too-large', plainIp((socket as Socket).remoteAddress))
        })
        cb(ws, request)
      })
    }
  }

  return {
    get pending () { return pending.size },
    setSecureContext (secure) {
      let n = 0
      for (const listener of listeners) {
        if (listener.https == null) continue
        listener.https.setSecureContext(secure)
        n++
      }
      return n
    },
    stop () {
      node.removeEventListener('connection:open', onOpen)
      for (const server of servers) server.off('connection', onSocket)
      pending.clear()
    }
  }
}
