/**
 * "One identity, one place" in the node (docs/protocols.md, "One identity,
 * one place"). A backup restored in a second browser while the first still
 * runs makes two live copies of one identity; the relays keep one
 * reservation per PeerID, so messages reach one copy and the other looks
 * connected and gets nothing. This node tells each relay of the relay list
 * it is connected to which instance it is (this browser profile's id, kept
 * in the `settings` table) on one `/parley/instance/1.0.0` stream that stays
 * open while both run; each relay tells it, at once and whenever that
 * changes, the other live instances of our PeerID. Their union (each
 * instance counted once, however many relays see it) is the status's
 * `elsewhere`, which every tab shows as a warning until the other copies are
 * gone. A copy restored from a backup here says so in it (`restored`): the
 * tab then offers to link this browser as a device instead (p2p/link).
 */
import { watchInstances } from '@parley/protocol/instance/client'
import { instanceHex } from '@parley/protocol/instance/codec'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { isCircuitAddress } from '@parley/protocol/multiaddr'
import { instanceId } from '../../db/settings.ts'
import type { Elsewhere } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { RelayKeeperPort } from '../kernel/ports/relays.ts'
import type { OtherInstance } from '@parley/protocol/instance/codec'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

/**
 * A relay that refused the stream, broke it or ended it while the connection
 * stayed open is asked again after this back-off (doubling); a new
 * connection to it asks at once.
 */
export const INSTANCE_RETRY: BackoffOptions = { initialMs: 5_000, maxMs: 5 * 60_000 }
/** Relays watched at once: the relay keeper keeps at most this many (relays/relay-keeper.ts MAX_RELAYS). */
export const MAX_WATCHED_RELAYS = 16

export interface InstanceWatchComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'getConnections' | 'addEventListener' | 'removeEventListener'>
  /** only relays of our relay list are believed */
  keeper: RelayKeeperPort
  status: Pick<StatusBoard, 'current' | 'update'>
}

export interface InstanceWatchInit {
  /** {@link INSTANCE_RETRY} (tests shorten it) */
  retry?: BackoffOptions
}

interface Watch {
  connection: Connection
  controller: AbortController
  /** the relay answered on it (it worked until it ended) */
  answered: boolean
}

const errorName = (err: unknown): string => err instanceof Error ? err.name : ''

/** Whether two `elsewhere` values say the same. */
function same (a: Elsewhere | undefined, b: Elsewhere | undefined): boolean {
  return a?.count === b?.count && a?.since === b?.since && a?.restored === b?.restored
}

/**
 * The node's side of the instance protocol. Never throws out of its event
 * handlers: a relay's refusal or a broken stream is logged and asked again
 * with back-off; a relay without the protocol is not asked again until it
 * reconnects.
 */
export class InstanceWatch implements Startable {
  readonly #components: InstanceWatchComponents
  readonly #init: InstanceWatchInit
  readonly #log: Logger
  #id?: Uint8Array
  /** this copy came from a backup (the `settings` row `restored`): `elsewhere` says so, and it may link instead */
  #restored = false
  #started = false
  #retries?: KeyedRetry<string>
  /** open instance streams, by relay PeerID; at most MAX_WATCHED_RELAYS */
  readonly #watches = new Map<string, Watch>()
  /** relays that do not offer the protocol, until they disconnect */
  readonly #unsupported = new Set<string>()
  /** what each relay said last: the other instances (hex id → since, ms on our clock) */
  readonly #views = new Map<string, Map<string, number>>()

  constructor (components: InstanceWatchComponents, init: InstanceWatchInit = {}) {
    this.#components = components
    this.#init = init
    this.#log = components.logger.forComponent('parley:instances')
  }

  /** This browser profile's instance id (hex), once started. */
  get instance (): string | undefined {
    return this.#id == null ? undefined : instanceHex(this.#id)
  }

  async start (): Promise<void> {
    this.#id = await instanceId(this.#components.db)
    this.#restored = await this.#components.db.settings.get('restored') !== undefined
    this.#retries = new KeyedRetry<string>({
      backoff: this.#init.retry ?? INSTANCE_RETRY,
      maxKeys: MAX_WATCHED_RELAYS * 2,
      onDue: (relay) => { this.#ensure(relay) }
    })
    const { libp2p } = this.#components
    libp2p.addEventListener('connection:open', this.#onConnection)
    libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    // a new reservation: it may be on a relay that joined the list after we connected (a discovered one)
    libp2p.addEventListener('transport:listening', this.#onListening)
    this.#started = true
  }

  /** The node runs: every relay we are connected to is told. */
  afterStart (): void {
    this.#onListening()
  }

  stop (): void {
    this.#started = false
    const { libp2p } = this.#components
    libp2p.removeEventListener('connection:open', this.#onConnection)
    libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    libp2p.removeEventListener('transport:listening', this.#onListening)
    this.#retries?.stop()
    // leaving: each stream is closed, which the relay passes on at once
    for (const watch of this.#watches.values()) watch.controller.abort()
    this.#watches.clear()
    this.#unsupported.clear()
    this.#views.clear()
    this.#publish()
  }

  /** How this node stands with `relay` (a PeerID): its stream is open, it lacks the protocol, a new try is planned, or none of these. */
  relayState (relay: string): 'watching' | 'unsupported' | 'retrying' | undefined {
    if (this.#watches.has(relay)) return 'watching'
    if (this.#unsupported.has(relay)) return 'unsupported'
    return this.#retries?.planned(relay) === true ? 'retrying' : undefined
  }

  readonly #onListening = (): void => {
    for (const connection of this.#components.libp2p.getConnections()) this.#consider(connection)
  }

  readonly #onConnection = (event: CustomEvent<Connection>): void => {
    this.#consider(event.detail)
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    const relay = event.detail.toString()
    this.#unsupported.delete(relay)
    this.#retries?.forget(relay)
  }

  #consider (connection: Connection): void {
    if (this.#components.keeper.keepsPeer(connection.remotePeer)) this.#ensure(connection.remotePeer.toString())
  }

  /** An open connection to `relay` that no relay limits. */
  #usable (relay: string): Connection | undefined {
    return this.#components.libp2p.getConnections().find(c =>
      c.remotePeer.toString() === relay && c.status === 'open' && c.limits == null && !isCircuitAddress(c.remoteAddr.toString()))
  }

  /** Opens the instance stream to `relay` unless one is open, planned, pointless or over the bound. */
  #ensure (relay: string): void {
    const id = this.#id
    if (!this.#started || id == null || this.#watches.has(relay) || this.#unsupported.has(relay) || this.#retries?.planned(relay) === true) return
    if (this.#watches.size >= MAX_WATCHED_RELAYS) return
    const connection = this.#usable(relay)
    if (connection == null) return
    const controller = new AbortController()
    const watch: Watch = { connection, controller, answered: false }
    this.#watches.set(relay, watch)
    watchInstances(connection, id, { signal: controller.signal, onOthers: (others) => { this.#heard(relay, watch, others) } })
      .then(() => { this.#ended(relay, watch, undefined) }, (err: unknown) => { this.#ended(relay, watch, err) })
  }

  #heard (relay: string, watch: Watch, others: OtherInstance[]): void {
    if (this.#watches.get(relay) !== watch) return
    watch.answered = true
    this.#retries?.succeeded(relay)
    const now = Date.now()
    const before = this.#views.get(relay)
    const view = new Map<string, number>()
    for (const other of others) {
      const key = instanceHex(other.id)
      // ages are whole seconds: the first sighting's time stays, so the status does not wobble
      view.set(key, Math.min(before?.get(key) ?? Infinity, now - other.ageS * 1000))
    }
    this.#views.set(relay, view)
    if (others.length > 0) this.#log('relay %s sees %d other running copies of this identity', relay, others.length)
    this.#publish()
  }

  #ended (relay: string, watch: Watch, err: unknown): void {
    if (this.#watches.get(relay) === watch) this.#watches.delete(relay)
    if (this.#views.delete(relay)) this.#publish()
    if (watch.controller.signal.aborted || !this.#started) return
    if (errorName(err) === 'UnsupportedProtocolError') {
      // an older relay, or one run with --instances off: asked again after it reconnects
      this.#unsupported.add(relay)
      this.#log('relay %s does not offer the instance protocol', relay)
      return
    }
    if (err != null) this.#log.error('instance stream to %s ended - %e', relay, err)
    if (watch.connection.status !== 'open') {
      // the connection went: the next one asks (#onConnection). Another may be open already: after a
      // stream that worked (a transport switch) it is asked at once; after one that never got an
      // answer it waits out the back-off, or a relay closing each connection at once as a stream is
      // asked of it (over its limits) would be asked in a loop, connection after connection
      if (watch.answered) {
        this.#ensure(relay)
        return
      }
      if (this.#usable(relay) === undefined) return
    }
    this.#retries?.failed(relay)
  }

  /** The union of what the relays say, into the status when it changed. */
  #publish (): void {
    const since = new Map<string, number>()
    for (const view of this.#views.values()) {
      for (const [key, at] of view) since.set(key, Math.min(since.get(key) ?? Infinity, at))
    }
    const elsewhere: Elsewhere | undefined = since.size === 0
      ? undefined
      : { count: since.size, since: Math.min(...since.values()), ...(this.#restored ? { restored: true } : {}) }
    const { status } = this.#components
    if (same(status.current.elsewhere, elsewhere)) return
    status.update({ elsewhere })
  }
}
