/**
 * The relay's parts as `Startable`s (lifecycle.ts runs them; index.ts lists
 * them in their one order). Each takes the components it uses and undoes in
 * `stop` what its `start` did.
 */
import { join } from 'node:path'
import { isCircuitAddress } from '@parley/protocol/multiaddr'
import { BootstrapKeeper } from './bootstrap.ts'
import { MAILBOX_DIR, MAILBOX_SWEEP_INTERVAL_MS } from './constants.ts'
import { startInstances } from './instances.ts'
import { startMailbox } from './mailbox/service.ts'
import { openMailbox } from './mailbox/store.ts'
import { startNearby } from './nearby.ts'
import { instanceMetrics, mailboxMetrics, nearbyMetrics, startOpsServer } from './ops.ts'
import { servePeerRecords } from './peer-records/service.ts'
import { peerRecordsMetrics } from './peer-records/metrics.ts'
import { servePrekeys } from './prekeys/service.ts'
import { guardWebSocketListeners } from './websocket-guard.ts'
import type { RelayConfig } from './config/options.ts'
import type { InstanceService } from './instances.ts'
import type { Keepalive } from './keepalive.ts'
import type { ConnectionsByIp } from './limits.ts'
import type { Logger, RefusalLog } from './log.ts'
import type { MailboxStore } from './mailbox/store.ts'
import type { NearbyService } from './nearby.ts'
import type { RelayMetrics } from './ops.ts'
import type { PeerRecordService } from './peer-records/service.ts'
import type { RelayServices } from './types.ts'
import type { WebSocketGuard } from './websocket-guard.ts'
import type { Connection, Libp2p, PeerId, PeerInfo, Startable } from '@libp2p/interface'
import type { Registry } from 'prom-client'

/** What the relay's parts share. */
export interface RelayComponents {
  readonly config: RelayConfig
  readonly log: Logger
  readonly registry: Registry
  readonly node: Libp2p<RelayServices>
  readonly metrics: RelayMetrics
  readonly refusals: RefusalLog
  readonly state: RelayState
  /** the clock its limits, records and mailboxes read (RelayNodeOptions.now; Date.now outside tests) */
  readonly now?: () => number
}

export interface RelayState {
  /** everything new is refused (connections, reservations, relayed connections) */
  draining: boolean
  /** stop() has begun: /healthz says "stopping" */
  stopping: boolean
}

/** Before anything stops, the relay drains and says it is stopping. */
export class StopFlags implements Startable {
  constructor (private readonly state: RelayState) {}
  start (): void {}
  beforeStop (): void {
    this.state.stopping = true
    this.state.draining = true
  }

  stop (): void {}
}

/**
 * The open connections counted by IP (what the gater reads), and a
 * reservation ended with its peer's last connection (circuit relay v2 spec):
 * libp2p would keep it until its TTL, holding a place no one can use.
 */
export class ConnectionWatch implements Startable {
  #unfollow?: () => void

  constructor (private readonly components: RelayComponents, private readonly byIp: ConnectionsByIp) {}

  start (): void {
    this.#unfollow = this.byIp.follow(this.components.node)
    this.components.node.addEventListener('peer:disconnect', this.#onDisconnect)
  }

  stop (): void {
    this.#unfollow?.()
    this.components.node.removeEventListener('peer:disconnect', this.#onDisconnect)
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    const held = this.components.node.services.relay.reservations
    const reservation = held.get(event.detail)
    if (reservation == null) return
    reservation.signal.clear()
    held.delete(event.detail)
  }
}

/** Parley's peer records in the DHT (peer-records/service.ts). */
export class PeerRecords implements Startable {
  #service?: PeerRecordService

  constructor (private readonly components: RelayComponents) {}

  start (): void {
    const { node, log, registry } = this.components
    const service: PeerRecordService = this.#service = servePeerRecords(node, { log, now: this.components.now, metrics: peerRecordsMetrics(registry, () => service.store.usage) })
  }

  stop (): void {
    this.#service?.stop()
  }
}

/** Pings every connection in turns (keepalive.ts). */
export class KeepaliveTurns implements Startable {
  constructor (private readonly components: RelayComponents, private readonly keepalive: Keepalive) {}

  start (): void {
    this.keepalive.start(this.components.node)
  }

  stop (): void {
    this.keepalive.stop()
  }
}

/** The WebSocket listeners' handshake limits, frame size and keepalive (websocket-guard.ts). */
export class ListenerGuard implements Startable {
  #guard?: WebSocketGuard

  constructor (private readonly components: RelayComponents, private readonly keepalive: Keepalive) {}

  start (): void {
    const { config, metrics, refusals, state } = this.components
    this.#guard = guardWebSocketListeners(this.components.node, {
      keepalive: this.keepalive,
      maxFrameBytes: config.wsMaxFrameBytes,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      maxPending: config.maxPendingConnections,
      maxPendingPerIp: config.maxPendingConnectionsPerIp,
      draining: () => state.draining,
      refused: (reason, address) => {
        metrics.connectionRefused(reason)
        refusals.refused('connection', reason, { ip: address })
      }
    })
  }

  stop (): void {
    this.#guard?.stop()
  }

  /** Uses a new WSS certificate for new connections. */
  setSecureContext (secure: { cert: string, key: string }): void {
    this.#guard?.setSecureContext(secure)
  }
}

/**
 * The mailbox database. It closes before libp2p stops (it is opened after):
 * the native WebRTC library may abort the process while its listener stops
 * (README.md, "Stopping"), and then nothing is left open.
 */
export class MailboxDatabase implements Startable {
  store?: MailboxStore

  constructor (private readonly config: RelayConfig, private readonly now?: () => number) {}

  async start (): Promise<void> {
    this.store = await openMailbox(join(this.config.dataDir, MAILBOX_DIR), this.config, this.now)
  }

  async stop (): Promise<void> {
    await this.store?.close()
  }
}

/** The mailbox protocol, and the sweep of expired items. */
export class Mailbox implements Startable {
  #service?: { stop(): Promise<void> }
  #sweeper?: ReturnType<typeof setInterval>

  constructor (private readonly components: RelayComponents, private readonly database: MailboxDatabase, private readonly stored?: (recipient: string, hint?: Uint8Array) => void) {}

  async start (): Promise<void> {
    const { node, config, registry, log, state } = this.components
    const store = this.database.store
    if (store == null) throw new Error('the mailbox database is not open')
    const metrics = mailboxMetrics(registry, () => store.usage)
    this.#service = await startMailbox(node, {
      store,
      ratePerPeer: config.mailboxRatePerPeer,
      now: this.components.now,
      maxInboundStreams: config.maxInboundStreams,
      draining: () => state.draining,
      log,
      metrics,
      ...(this.stored === undefined ? {} : { stored: this.stored })
    })
    const sweep = (): void => {
      store.sweep().then(
        (n) => { if (n > 0) { metrics.expired(n); log.info('removed expired mailbox items', { count: n }) } },
        (err: unknown) => { log.error('mailbox sweep failed', { error: err }) })
    }
    sweep()
    this.#sweeper = setInterval(sweep, MAILBOX_SWEEP_INTERVAL_MS)
    this.#sweeper.unref()
  }

  async stop (): Promise<void> {
    clearInterval(this.#sweeper)
    await this.#service?.stop()
  }
}

/** The prekey directory (prekeys/service.ts), with its database. */
export class Prekeys implements Startable {
  #service?: { stop(): Promise<void> }

  constructor (private readonly components: RelayComponents) {}

  async start (): Promise<void> {
    const { node, config, registry, log, state } = this.components
    this.#service = await servePrekeys(node, config, registry, { draining: () => state.draining, log, now: this.components.now })
  }

  async stop (): Promise<void> {
    await this.#service?.stop()
  }
}

/** Who is nearby, among the peers holding a reservation here (nearby.ts). */
export class Nearby implements Startable {
  #service?: NearbyService

  constructor (private readonly components: RelayComponents) {}

  async start (): Promise<void> {
    const { node, config, registry, log, state } = this.components
    this.#service = await startNearby(node, {
      maxInboundStreams: config.maxInboundStreams,
      now: this.components.now,
      draining: () => state.draining,
      reserved: (peer) => node.services.relay.reservations.has(peer),
      log,
      metrics: nearbyMetrics(registry, () => this.#service?.size ?? 0)
    })
  }

  async stop (): Promise<void> {
    await this.#service?.stop()
  }
}

/** The instance protocol: one identity open in two places (instances.ts). */
export class Instances implements Startable {
  #service?: InstanceService

  constructor (private readonly components: RelayComponents) {}

  async start (): Promise<void> {
    const { node, config, registry, log, state } = this.components
    this.#service = await startInstances(node, {
      maxStreams: config.maxInstanceStreams,
      now: this.components.now,
      draining: () => state.draining,
      log,
      metrics: instanceMetrics(registry, { streams: () => this.#service?.streams ?? 0, copies: () => this.#service?.copies ?? 0 })
    })
  }

  async stop (): Promise<void> {
    await this.#service?.stop()
  }
}

/**
 * The operations server (`/metrics`, `/healthz`). It closes after every
 * other part has stopped, so that /healthz says "stopping" until the end.
 */
export class OpsServer implements Startable {
  #server?: Awaited<ReturnType<typeof startOpsServer>>

  constructor (private readonly components: RelayComponents, private readonly port: number) {}

  get url (): string | undefined {
    return this.#server?.url
  }

  async start (): Promise<void> {
    const { node, config, registry, state } = this.components
    const peerId = node.peerId.toString()
    this.#server = await startOpsServer(config.host, this.port, registry, () => ({
      status: state.stopping || node.status !== 'started' ? 'stopping' : state.draining ? 'draining' : 'ok',
      peerId,
      reservations: node.services.relay.reservations.size
    }))
  }

  stop (): void {}

  async afterStop (): Promise<void> {
    await this.#server?.close()
  }
}

/** Dials the bootstrap relays, and again whenever one is lost (bootstrap.ts). */
export class Bootstrap implements Startable {
  #keeper?: BootstrapKeeper

  constructor (private readonly components: RelayComponents, private readonly retryMaxMs?: number) {}

  start (): void {
    const { node, config, log } = this.components
    this.#keeper = new BootstrapKeeper(node, config.bootstrap, log, this.retryMaxMs)
  }

  stop (): void {
    this.#keeper?.stop()
  }
}

/**
 * Dials the relay-nodes mDNS finds (it finds them but does not connect, and
 * the DHT needs a connection), and logs connections at debug level.
 */
export class Discovery implements Startable {
  constructor (private readonly components: RelayComponents) {}

  start (): void {
    const { node, log } = this.components
    node.addEventListener('peer:discovery', this.#onDiscovery)
    if (log.enabled('debug')) {
      node.addEventListener('connection:open', this.#onOpen)
      node.addEventListener('connection:close', this.#onClose)
    }
  }

  stop (): void {
    const { node } = this.components
    node.removeEventListener('peer:discovery', this.#onDiscovery)
    node.removeEventListener('connection:open', this.#onOpen)
    node.removeEventListener('connection:close', this.#onClose)
  }

  readonly #onDiscovery = (event: CustomEvent<PeerInfo>): void => {
    const { node, config, log } = this.components
    const { id, multiaddrs } = event.detail
    log.debug('peer discovered', { peer: id, addresses: multiaddrs.map(String) })
    // only relay-nodes (direct addresses, not circuits through someone) are dialled
    const direct = multiaddrs.length > 0 && multiaddrs.every(ma => !isCircuitAddress(ma.toString()))
    if (config.mdns && direct && node.getConnections(id).length === 0) {
      log.info('dialling a relay-node found on the network', { peer: id, addresses: multiaddrs.map(String) })
      node.dial(id, { signal: AbortSignal.timeout(config.handshakeTimeoutMs) })
        .catch((err: unknown) => { log.warn('cannot reach a discovered relay-node', { peer: id, error: err }) })
    }
  }

  readonly #onOpen = (event: CustomEvent<Connection>): void => {
    this.components.log.debug('connection opened', { peer: event.detail.remotePeer, address: event.detail.remoteAddr })
  }

  readonly #onClose = (event: CustomEvent<Connection>): void => {
    this.components.log.debug('connection closed', { peer: event.detail.remotePeer, address: event.detail.remoteAddr })
  }
}
