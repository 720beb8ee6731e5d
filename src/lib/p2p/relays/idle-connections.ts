/**
 * Closes the relay connections this browser no longer uses. Every DHT
 * lookup (finding a contact, publishing our peer record, the relay
 * transport's random walk) connects to the relays it asks, often dozens of
 * them, and libp2p keeps a connection until the connection manager's cap
 * (100 in a browser) makes it prune one. Left alone, every browser would
 * hold some 20 to 70 WebSockets open to relays it asked one question, and
 * every relay of a federation a share of everyone's.
 *
 * So every IDLE_CHECK_MS, a direct connection (not a relayed or WebRTC one:
 * those are contacts') that has carried no stream for IDLE_CONNECTION_MS is
 * closed, unless its peer is one the app keeps: a relay of the served list
 * (RelayKeeper), or one tagged keep-alive by anything but kad-dht (a relay
 * we hold a reservation on). kad-dht tags the 20 peers closest to our own
 * PeerID keep-alive, so that libp2p re-dials them whenever they drop (a DHT
 * server needs that; a browser answers nobody): the app stops its tagger
 * (relays/dht.ts, withoutClosestPeerTags), and should kad-dht tag a relay
 * anyway, the tag is cleared before the close, so that libp2p does not dial
 * the relay straight back. The next lookup that needs the relay dials it
 * again.
 */
import { KEEP_ALIVE } from '@libp2p/interface'
import { isRelayed, isWebRtc } from '../kernel/connections.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

/** A connection that carried no stream this long is closed (unless kept). */
export const IDLE_CONNECTION_MS = 60_000
/** How often the connections are looked at. */
export const IDLE_CHECK_MS = 15_000
/** A graceful close gives up after this long, and the connection is aborted. */
export const IDLE_CLOSE_TIMEOUT_MS = 5_000
/** The tag kad-dht puts on the 20 peers closest to us (`keep-alive-kad-dht`, KEEP_ALIVE_TAG in @libp2p/kad-dht, not exported). */
export const KAD_DHT_KEEP_ALIVE_TAG = `${KEEP_ALIVE}-kad-dht`

export interface IdleConnectionsComponents {
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'getConnections' | 'peerStore'>
  keeper: { keepsPeer(peerId: PeerId): boolean }
}

export interface IdleConnectionsInit {
  idleMs?: number
  checkMs?: number
  now?: () => number
}

export class IdleConnections implements Startable {
  readonly #components: IdleConnectionsComponents
  readonly #log: Logger
  readonly #idleMs: number
  readonly #checkMs: number
  readonly #now: () => number
  /** when each connection was last seen carrying a stream (a WeakMap: closed connections need no cleanup) */
  #busyAt = new WeakMap<Connection, number>()
  #timer?: ReturnType<typeof setInterval>
  #checking = false

  constructor (components: IdleConnectionsComponents, init: IdleConnectionsInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:idle-connections')
    this.#idleMs = init.idleMs ?? IDLE_CONNECTION_MS
    this.#checkMs = init.checkMs ?? IDLE_CHECK_MS
    this.#now = init.now ?? Date.now
  }

  start (): void {
    this.#busyAt = new WeakMap()
  }

  afterStart (): void {
    clearInterval(this.#timer)
    this.#timer = setInterval(() => { void this.check() }, this.#checkMs)
  }

  stop (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Closes the connections idle long enough; resolves once they are closed. One check at a time: a check due while one runs is skipped. */
  async check (): Promise<void> {
    if (this.#checking) return
    this.#checking = true
    try {
      const { peerStore } = this.#components.libp2p
      const idle = this.#components.libp2p.getConnections().filter(c => this.#idle(c))
      for (const connection of idle) {
        const peerId = connection.remotePeer
        if (this.#components.keeper.keepsPeer(peerId)) continue
        // NotFoundError: nothing tagged it
        const tags = [...((await peerStore.get(peerId).catch(() => undefined))?.tags.keys() ?? [])]
        // a relay we hold a reservation on, say
        if (tags.some(tag => tag.startsWith(KEEP_ALIVE) && tag !== KAD_DHT_KEEP_ALIVE_TAG)) continue
        await this.#close(connection, tags.includes(KAD_DHT_KEEP_ALIVE_TAG))
      }
    } finally {
      this.#checking = false
    }
  }

  /** Direct, open, without a stream now and since it was last seen with one (or opened) for idleMs. */
  #idle (connection: Connection): boolean {
    if (connection.status !== 'open' || isRelayed(connection) || isWebRtc(connection)) return false
    const now = this.#now()
    if (connection.streams.length > 0) {
      this.#busyAt.set(connection, now)
      return false
    }
    const since = Math.max(connection.timeline.open, this.#busyAt.get(connection) ?? 0)
    return now - since >= this.#idleMs
  }

  /** Closes `connection`, first clearing kad-dht's keep-alive tag of its peer when `kadTagged`. */
  async #close (connection: Connection, kadTagged: boolean): Promise<void> {
    const peerId = connection.remotePeer
    try {
      if (kadTagged) await this.#components.libp2p.peerStore.merge(peerId, { tags: { [KAD_DHT_KEEP_ALIVE_TAG]: undefined } })
      // a stream may have opened while the tags were read: then it is not idle any more
      if (connection.streams.length > 0) return
      await connection.close({ signal: AbortSignal.timeout(IDLE_CLOSE_TIMEOUT_MS) })
      this.#log('closed the idle connection to %p', peerId)
    } catch (err) {
      this.#log('closing the idle connection to %p failed, aborting it - %e', peerId, err)
      connection.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }
}
