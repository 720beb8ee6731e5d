/**
 * The inbound sockets that are not yet libp2p connections: from the TCP
 * accept, through the TLS and HTTP upgrade (WebSocket) and the Noise and
 * yamux handshakes, until libp2p opens the connection. They are the slots a
 * slowloris attack fills, so:
 *
 * - at most `maxPending` are held at once, and at most `maxPendingPerIp`
 *   from one IP address, a share well below the total (relay-node's config
 *   refuses a share >= the total): one address can never take every slot,
 *   so silent sockets from it cannot keep anyone else out;
 * - each must become a connection within `handshakeTimeoutMs`, or it is cut.
 *
 * Every refusal and cut is reported with its reason. libp2p's own count of
 * upgrading connections (`maxIncomingPendingConnections`) is one number for
 * all addresses and starts only after the WebSocket upgrade, when a silent
 * socket has already held its slot for as long as it liked.
 */
import type { ConnectionRejection } from './limits.ts'

/** The parts of a `net.Socket` this uses. */
export interface PendingSocket {
  readonly remoteAddress?: string | undefined
  readonly remotePort?: number | undefined
  destroy(error?: Error): void
  once(event: 'close', listener: () => void): void
}

export interface PendingHandshakesOptions {
  maxPending: number
  maxPendingPerIp: number
  handshakeTimeoutMs: number
  draining(): boolean
  refused(reason: ConnectionRejection, ip: string | undefined): void
}

interface Entry {
  socket: PendingSocket
  ip: string | undefined
  key: string
  timer: ReturnType<typeof setTimeout>
}

/** `::ffff:1.2.3.4` → `1.2.3.4`, as libp2p writes it in multiaddrs. */
export function plainIp (address: string | undefined): string | undefined {
  return address?.startsWith('::ffff:') === true ? address.slice(7) : address
}

/** How a socket and the libp2p connection it becomes are matched: the remote `ip|port`. */
export const socketKey = (ip: string | undefined, port: number | string | undefined): string => `${ip ?? ''}|${String(port ?? '')}`

export class PendingHandshakes {
  readonly #options: PendingHandshakesOptions
  /** by socket: each is released exactly once, whatever the keys */
  readonly #entries = new Map<PendingSocket, Entry>()
  /** by remote `ip|port`, to release a socket when its connection opens */
  readonly #byKey = new Map<string, Entry>()
  readonly #perIp = new Map<string, number>()

  constructor (options: PendingHandshakesOptions) {
    this.#options = options
  }

  /** sockets held now */
  get size (): number {
    return this.#entries.size
  }

  /** sockets held now from `ip` */
  from (ip: string): number {
    return this.#perIp.get(ip) ?? 0
  }

  /**
   * A socket the listener just accepted: held until {@link opened} or its
   * close, or destroyed at once (and reported) when no slot is free for it.
   */
  admit (socket: PendingSocket): boolean {
    const ip = plainIp(socket.remoteAddress)
    const refuse = (reason: ConnectionRejection): false => {
      this.#options.refused(reason, ip)
      socket.destroy()
      return false
    }
    if (this.#options.draining()) return refuse('draining')
    if (ip != null && this.from(ip) >= this.#options.maxPendingPerIp) return refuse('pending-per-ip')
    if (this.#entries.size >= this.#options.maxPending) return refuse('pending')
    const key = socketKey(ip, socket.remotePort)
    const timer = setTimeout(() => {
      if (!this.#release(socket)) return
      this.#options.refused('handshake-timeout', ip)
      socket.destroy(new Error('handshake timeout'))
    }, this.#options.handshakeTimeoutMs)
    timer.unref()
    const entry = { socket, ip, key, timer }
    this.#entries.set(socket, entry)
    // two sockets from one ip|port (to two of our listeners) are rare; the newer is matched, the older still released on close
    this.#byKey.set(key, entry)
    if (ip != null) this.#perIp.set(ip, this.from(ip) + 1)
    socket.once('close', () => { this.#release(socket) })
    return true
  }

  /** The socket from `ip|port` became a libp2p connection: its slot is free. */
  opened (ip: string, port: number | string): void {
    const entry = this.#byKey.get(socketKey(ip, port))
    if (entry != null) this.#release(entry.socket)
  }

  /** Forgets every socket (the listeners close them). */
  clear (): void {
    for (const socket of [...this.#entries.keys()]) this.#release(socket)
  }

  #release (socket: PendingSocket): boolean {
    const entry = this.#entries.get(socket)
    if (entry == null) return false
    clearTimeout(entry.timer)
    this.#entries.delete(socket)
    if (this.#byKey.get(entry.key) === entry) this.#byKey.delete(entry.key)
    if (entry.ip != null) {
      const n = this.from(entry.ip) - 1
      if (n <= 0) this.#perIp.delete(entry.ip)
      else this.#perIp.set(entry.ip, n)
    }
    return true
  }
}
