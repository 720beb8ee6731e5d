import { KEEP_ALIVE } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { ComponentLogger, Libp2p, Logger, PeerId, PeerStore, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { RelayKeeperPort } from '../kernel/ports/relays.ts'

/** First retry after ~1 s, then doubling, capped at 30 s so a restarted relay is found again quickly. */
export const RELAY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 }
/** One dial attempt to a relay gives up after this long. */
export const RELAY_DIAL_TIMEOUT_MS = 10_000
/**
 * A relay connection that lasted this long ends its back-off; one that closes
 * sooner counts as a failure, so a connection that opens and closes again at
 * once (a loaded host, a relay turning us away) is re-dialled ever more slowly.
 */
export const RELAY_STABLE_MS = 10_000
/**
 * More relays than this are not kept (the list is in the `relays` table's
 * order: shipped defaults, the user's, discovered): every kept relay is an
 * open connection, and two reservations are all the node makes.
 */
export const MAX_RELAYS = 16

/** How the keeper stands with one relay address. */
export type KeptRelayState = 'connected' | 'dialing' | 'waiting'

interface RelayEntry {
  readonly key: string
  readonly addr: Multiaddr
  readonly peerId: PeerId
  dialing: boolean
  /** no longer in the list: a dial still under way hangs up when it lands */
  dropped: boolean
  /** when our last dial of it succeeded (its back-off ends once the connection has lasted RELAY_STABLE_MS) */
  connectedAt?: number
}

export interface RelayKeeperComponents {
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'dial' | 'getConnections' | 'hangUp' | 'addEventListener' | 'removeEventListener'> & {
    peerStore: Pick<PeerStore, 'get' | 'merge' | 'delete'>
  }
}

export interface RelayKeeperInit {
  /** a dial of a kept relay ended (`remoteAddr`: the address of the connection it gave, which may be another of the relay's) */
  onDialResult?(addr: string, result: { ok: true, rtt?: number, remoteAddr: string } | { ok: false, error: string }): void
  /** whether this browser can dial `addr` now (false: it is kept but not dialled); every address when absent */
  dialable?(addr: string): boolean
}

/**
 * Keeps a connection open to every relay in its list (the active rows of the
 * `relays` table, handed over by the relay list with {@link setRelays} whenever
 * the table changes). The circuit relay transport (listening on
 * `/p2p-circuit`) reserves a slot on connected relays by itself; this class
 * only makes sure there is a connection: it dials a relay when it joins the
 * list, and re-dials with back-off whenever a relay connection closes or a
 * dial fails (the back-off starts over only after a connection that lasted
 * RELAY_STABLE_MS). A relay that is down therefore never fails start-up. A relay
 * that leaves the list (disabled or removed) is hung up on, and libp2p is
 * told to forget it so that neither its reconnect queue nor the relay
 * transport's search dials it again by themselves.
 */
export class RelayKeeper implements RelayKeeperPort, Startable {
  readonly #components: RelayKeeperComponents
  readonly #log: Logger
  readonly #entries = new Map<string, RelayEntry>()
  readonly #init: RelayKeeperInit
  /** relays to dial again, with their failures since the last connection */
  readonly #retries: KeyedRetry<string>
  /** dialling starts once the node runs ({@link afterStart}) */
  #dialing = false
  #stopped = false

  constructor (components: RelayKeeperComponents, init: RelayKeeperInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:relay-keeper')
    this.#init = init
    this.#retries = new KeyedRetry<string>({
      backoff: RELAY_BACKOFF,
      maxKeys: MAX_RELAYS * 2,
      onDue: (key) => {
        const entry = this.#entries.get(key)
        if (entry !== undefined) this.#dial(entry)
      }
    })
  }

  start (): void {
    this.#stopped = false
    this.#components.libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
  }

  /** The node runs: every relay in the list is dialled. */
  afterStart (): void {
    this.#dialing = true
    for (const entry of this.#entries.values()) this.#dial(entry)
  }

  stop (): void {
    this.#stopped = true
    this.#dialing = false
    this.#components.libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#retries.stop()
  }

  /** The addresses kept now, in list order. */
  get relays (): string[] {
    return [...this.#entries.keys()]
  }

  /** True when some kept address leads to `peerId`. */
  keepsPeer (peerId: PeerId): boolean {
    return [...this.#entries.values()].some(e => e.peerId.equals(peerId))
  }

  /** How the keeper stands with `addr`, or undefined when it is not kept. */
  state (addr: string): KeptRelayState | undefined {
    const entry = this.#entries.get(addr)
    if (entry === undefined) return undefined
    if (this.#connected(entry)) return 'connected'
    return entry.dialing ? 'dialing' : 'waiting'
  }

  /**
   * Replaces the list (the first {@link MAX_RELAYS}; malformed addresses are
   * skipped and logged). New relays are dialed at once; relays that left it
   * are hung up on, unless another kept address leads to the same peer.
   * Resolves once those connections are closed.
   */
  async setRelays (relays: string[]): Promise<void> {
    const wanted = new Set(relays.slice(0, MAX_RELAYS))
    const gone: RelayEntry[] = []
    for (const [key, entry] of this.#entries) {
      if (wanted.has(key)) continue
      this.#entries.delete(key)
      entry.dropped = true
      this.#retries.forget(key)
      gone.push(entry)
    }
    for (const str of wanted) {
      if (this.#entries.has(str)) continue
      const entry = this.#add(str)
      if (entry !== undefined && this.#dialing) this.#dial(entry)
    }
    await Promise.all(gone.map(async entry => this.#release(entry.peerId)))
  }

  /**
   * Hangs up on a relay the keeper does not keep (e.g. one disabled, after a
   * test dialed it), the same way as on one that leaves the list. Does
   * nothing for a kept relay.
   */
  async release (peerId: PeerId): Promise<void> {
    await this.#release(peerId)
  }

  /** Re-dial every relay that is not connected now (e.g. the browser came back online). */
  retryNow (): void {
    for (const entry of this.#entries.values()) {
      if (!this.#connected(entry)) {
        this.#retries.forget(entry.key)
        this.#dial(entry)
      }
    }
  }

  #add (str: string): RelayEntry | undefined {
    try {
      const addr = multiaddr(str)
      const id = addr.getComponents().findLast(c => c.name === 'p2p')?.value
      if (id == null) throw new Error('the address has no /p2p/<PeerID>')
      const entry: RelayEntry = { key: str, addr, peerId: peerIdFromString(id), dialing: false, dropped: false }
      this.#entries.set(str, entry)
      return entry
    } catch (err) {
      this.#log.error('not keeping relay %s - %e', str, err)
      return undefined
    }
  }

  #connected (entry: RelayEntry): boolean {
    return this.#components.libp2p.getConnections(entry.peerId).length > 0
  }

  /**
   * Closes our connections to a relay that is not kept. The relay
   * transport tags a relay it holds a reservation on as keep-alive, and
   * libp2p's reconnect queue re-dials such peers when they disconnect: the
   * tag goes first. The peer store entry goes last, so that the transport's
   * search for relays (it looks in the peer store) does not pick it again.
   */
  async #release (peerId: PeerId): Promise<void> {
    if (this.#stopped || this.keepsPeer(peerId)) return
    try {
      // NotFoundError: libp2p knows nothing of it, so there is no tag to clear
      const { libp2p } = this.#components
      const peer = await libp2p.peerStore.get(peerId).catch(() => undefined)
      const tags = Object.fromEntries([...(peer?.tags.keys() ?? [])].filter(tag => tag.startsWith(KEEP_ALIVE)).map(tag => [tag, undefined]))
      if (Object.keys(tags).length > 0) await libp2p.peerStore.merge(peerId, { tags })
      await libp2p.hangUp(peerId)
      await libp2p.peerStore.delete(peerId)
      this.#log('hung up on relay %p, which is not kept', peerId)
    } catch (err) {
      // the relay is out of the list either way; an open connection only costs until it idles out
      this.#log.error('could not hang up on relay %p - %e', peerId, err)
    }
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    if (this.#stopped) return
    // every address of that relay: if one transport is down, another may work
    for (const entry of this.#entries.values()) {
      if (!entry.peerId.equals(evt.detail)) continue
      const lasted = entry.connectedAt === undefined ? undefined : Date.now() - entry.connectedAt
      entry.connectedAt = undefined
      if (lasted !== undefined && lasted >= RELAY_STABLE_MS) this.#retries.succeeded(entry.key)
      this.#log('relay %a disconnected after %s ms, re-dialing', entry.addr, lasted ?? '?')
      this.#schedule(entry)
    }
  }

  /** Dials `entry` again after the back-off for its failures so far, unless a dial is under way or planned. */
  #schedule (entry: RelayEntry): void {
    if (this.#stopped || entry.dropped || entry.dialing) return
    this.#retries.failed(entry.key)
  }

  #dial (entry: RelayEntry): void {
    if (this.#stopped || entry.dropped || entry.dialing) return
    // e.g. a WebRTC-Direct address in a browser without WebRTC: it would only fail, again and again
    if (this.#init.dialable?.(entry.key) === false) return
    entry.dialing = true
    const started = Date.now()
    this.#components.libp2p.dial(entry.addr, { signal: AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS) })
      .then((connection) => {
        entry.dialing = false
        entry.connectedAt = Date.now()
        // the failures so far stay counted until the connection has lasted (see #onDisconnect)
        this.#retries.cancel(entry.key)
        this.#init.onDialResult?.(entry.key, { ok: true, rtt: Date.now() - started, remoteAddr: connection.remoteAddr.toString() })
        // removed from the list while the dial was under way
        if (entry.dropped) void this.#release(entry.peerId)
      }, (err: Error) => {
        entry.dialing = false
        if (entry.dropped) return
        this.#log.error('could not dial relay %a - %e', entry.addr, err)
        this.#init.onDialResult?.(entry.key, { ok: false, error: err.message })
        this.#schedule(entry)
      })
  }
}
