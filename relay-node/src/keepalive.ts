/**
 * Finds dead connections without stalling the relay. libp2p's connection
 * monitor opens a ping stream on every connection in one tick every 10 s;
 * at ~3,000 connections that tick blocked the event loop for ~4 s (stream
 * set-up, protocol negotiation, encryption and a write each), and its
 * adaptive timeout then aborted healthy connections whose pings had waited
 * behind it. Here the connections are spread over KEEPALIVE_SLICES turns of
 * one interval, and a WebSocket gets a ping *frame* (a few bytes below
 * libp2p, answered by the browser itself) instead of a libp2p stream. Other
 * connections (relay-to-relay over TCP or a WebSocket we dialled) get their
 * stream muxer's ping where it has one (yamux: a 12-byte PING frame, answered
 * by the remote's muxer), and a libp2p ping (`/ipfs/ping/1.0.0`) on that very
 * connection otherwise (WebRTC-Direct). A libp2p ping opens a stream and
 * negotiates its protocol: at 100 relays sharing two cores, those took 0.6
 * of a core with nothing else going on.
 * A connection that has not answered by its next turn is closed.
 */
import { byteStream } from '@libp2p/utils'
import type { Connection, Libp2p } from '@libp2p/interface'

/** libp2p's ping protocol: the other side echoes 32 bytes. */
export const PING_PROTOCOL = '/ipfs/ping/1.0.0'
export const ROUND_TRIP_BYTES = 32

/**
 * Sends 32 random bytes on a new `protocol` stream of `connection` (ping, by
 * default) and waits for the same bytes back. On this connection, not on one
 * libp2p picks: its ping by PeerID takes the peer's first open connection
 * that is not limited, so of two connections to one peer only that one would
 * be checked, and with none but a relayed one it dials again.
 */
export async function roundTrip (connection: Connection, signal: AbortSignal, protocol = PING_PROTOCOL): Promise<void> {
  const stream = await connection.newStream(protocol, { runOnLimitedConnection: true, signal })
  try {
    const bytes = byteStream(stream)
    const data = crypto.getRandomValues(new Uint8Array(ROUND_TRIP_BYTES))
    await bytes.write(data, { signal })
    const back = (await bytes.read({ bytes: ROUND_TRIP_BYTES, signal })).subarray()
    if (!back.every((b, i) => b === data[i])) throw new Error('the round trip returned other bytes')
    await stream.close({ signal })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
    throw err
  }
}

/**
 * The ping of `connection`'s stream muxer, when it has one: yamux's sends a
 * PING frame and resolves with the round-trip time when the remote's muxer
 * answers (one ping at a time per connection: a second call joins the first).
 * libp2p's Connection keeps its muxer in a field its interface does not
 * declare (libp2p 3: `muxer`); without one, or without a ping, undefined.
 */
export function muxerPing (connection: Connection): ((signal: AbortSignal) => Promise<unknown>) | undefined {
  const muxer: unknown = Reflect.get(connection, 'muxer')
  if (typeof muxer !== 'object' || muxer == null) return undefined
  const ping: unknown = Reflect.get(muxer, 'ping')
  if (typeof ping !== 'function') return undefined
  return async (signal) => Reflect.apply(ping, muxer, [{ signal }])
}

/** Checks that `connection` still answers: its muxer's ping where it has one, else a libp2p ping round trip on it. */
export async function checkConnection (connection: Connection, signal: AbortSignal): Promise<unknown> {
  const ping = muxerPing(connection)
  return ping == null ? roundTrip(connection, signal) : ping(signal)
}

/** The parts of a `ws` WebSocket the heartbeat uses. */
export interface PingableWebSocket {
  ping(): void
  terminate(): void
  on(event: 'pong' | 'close', fn: () => void): void
}

export interface KeepaliveOptions {
  intervalMs: number
  slices: number
  /** checks a connection that is not a WebSocket we accepted (checkConnection); rejects when it fails */
  ping(connection: Connection, signal: AbortSignal): Promise<unknown>
  /** told each time a connection is closed for not answering */
  dead?(kind: 'websocket' | 'connection'): void
}

interface Watched { answered: boolean, slice: number }

export class Keepalive {
  readonly #options: KeepaliveOptions
  readonly #sockets: Array<Map<PingableWebSocket, Watched>>
  readonly #pinging = new Set<Connection>()
  #next = 0
  #turn = 0
  #timer?: ReturnType<typeof setInterval>
  #node?: Libp2p

  constructor (options: KeepaliveOptions) {
    this.#options = options
    this.#sockets = Array.from({ length: options.slices }, () => new Map())
  }

  /** Watches a WebSocket from now until it closes. */
  addWebSocket (ws: PingableWebSocket): void {
    const slice = this.#next++ % this.#options.slices
    const watched: Watched = { answered: true, slice }
    this.#sockets[slice]?.set(ws, watched)
    ws.on('pong', () => { watched.answered = true })
    ws.on('close', () => { this.#sockets[slice]?.delete(ws) })
  }

  /** Starts the turns; `node`'s connections that are not WebSockets we accepted get the `ping` option. */
  start (node: Libp2p): void {
    this.#node = node
    this.#timer = setInterval(() => { this.#tick() }, this.#options.intervalMs / this.#options.slices)
    this.#timer.unref()
  }

  stop (): void {
    clearInterval(this.#timer)
    for (const slice of this.#sockets) slice.clear()
  }

  /** WebSockets watched now (for tests and metrics). */
  get webSockets (): number {
    return this.#sockets.reduce((n, s) => n + s.size, 0)
  }

  #tick (): void {
    const turn = this.#turn
    this.#turn = (turn + 1) % this.#options.slices
    for (const [ws, watched] of this.#sockets[turn] ?? []) {
      if (!watched.answered) {
        this.#sockets[turn]?.delete(ws)
        this.#options.dead?.('websocket')
        ws.terminate()
        continue
      }
      watched.answered = false
      try {
        ws.ping()
      } catch {
        // closing already: its close event removes it
      }
    }
    this.#pingOthers(turn)
  }

  /** Pings (the `ping` option) this turn's share of the connections that are not WebSockets we accepted. */
  #pingOthers (turn: number): void {
    const node = this.#node
    if (node == null) return
    const connections = node.getConnections()
    for (let i = turn; i < connections.length; i += this.#options.slices) {
      const connection = connections[i]
      if (connection == null || watchedAsWebSocket(connection) || connection.status !== 'open' || this.#pinging.has(connection)) continue
      this.#pinging.add(connection)
      // answered within one interval, or it is closed
      this.#options.ping(connection, AbortSignal.timeout(this.#options.intervalMs))
        .catch((err: unknown) => {
          if (connection.status !== 'open') return
          this.#options.dead?.('connection')
          connection.abort(err instanceof Error ? err : new Error('keepalive ping failed'))
        })
        .finally(() => { this.#pinging.delete(connection) })
    }
  }
}

/** A connection that came in over our WebSocket listener (its socket gets ping frames; one we dialled does not). */
function watchedAsWebSocket (connection: Connection): boolean {
  return connection.direction === 'inbound' && connection.remoteAddr.getComponents().some(c => c.name === 'ws' || c.name === 'wss')
}
