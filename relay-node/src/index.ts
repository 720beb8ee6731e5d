/**
 * @packageDocumentation
 *
 * relay-node: a js-libp2p node that browsers running Parley use to meet.
 * It holds circuit relay v2 reservations for them and relays their (end-to-end
 * Noise-encrypted) connections; it can read nothing they say. relay-nodes form
 * one Kademlia DHT (`/parley/kad/1.0.0`) in which a browser is found through
 * the relay it holds a reservation on.
 *
 * @example
 * ```ts
 * const relay = await createRelayNode({ ...parseConfig([]) as RelayConfig, port: 0 })
 * console.log(relay.multiaddrs)
 * await relay.stop()
 * ```
 */

import './polyfill.ts'
import { join } from 'node:path'
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { Registry } from 'prom-client'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { installLengthPrefixFastPath } from '@parley/protocol/length-prefix'
import { isCircuitAddress } from '@parley/protocol/multiaddr'
import { BootstrapKeeper } from './bootstrap.ts'
import { loadOrCreateCertificate } from './certificate.ts'
import { DEFAULT_HOP_TIMEOUT_MS, KEEPALIVE_INTERVAL_MS, KEEPALIVE_SLICES, MAILBOX_DIR, MAILBOX_SWEEP_INTERVAL_MS, MDNS_SERVICE_TAG } from './constants.ts'
import { mustWrite, openDataDir } from './data-dir.ts'
import { answerForReservedPeers, refuseDhtRecords } from './dht.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { linearConnectionList } from './connection-list.ts'
import { ConnectionsByIp, relayGater } from './limits.ts'
import { RefusalLog, silentLogger } from './log.ts'
import { startMailbox } from './mailbox/service.ts'
import { servePrekeys } from './prekeys/service.ts'
import { startInstances } from './instances.ts'
import type { InstanceService } from './instances.ts'
import { startNearby } from './nearby.ts'
import type { NearbyService } from './nearby.ts'
import { openMailbox } from './mailbox/store.ts'
import type { MailboxStore } from './mailbox/store.ts'
import { countCircuits, instanceMetrics, mailboxMetrics, nearbyMetrics, relayMetrics, relayedBytes, startOpsServer } from './ops.ts'
import { loadTlsFiles } from './tls.ts'
import { Keepalive, checkConnection } from './keepalive.ts'
import { guardWebSocketListeners } from './websocket-guard.ts'
import type { RelayConfig } from './config.ts'
import type { TlsFiles } from './tls.ts'
import type { KadDHTComponents, SingleKadDHT } from '@libp2p/kad-dht'
import { servePeerRecords } from './peer-records/service.ts'
import { peerRecordsMetrics } from './peer-records/metrics.ts'
import type { PeerRecordService } from './peer-records/service.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

export type { RelayConfig } from './config.ts'
export { parseConfig } from './config.ts'
export type { RelayNode, RelayNodeOptions, RelayServices } from './types.ts'
import type { RelayNode, RelayNodeOptions, RelayServices } from './types.ts'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'

const isWebRTCDirect = (ma: string): boolean => ma.includes('/webrtc-direct')
const isWss = (ma: string): boolean => ma.includes('/wss') || ma.includes('/tls/ws')
const isWs = (ma: string): boolean => !isWss(ma) && ma.includes('/ws')

/** The drain checks whether relayed connections are left this often. */
const DRAIN_POLL_MS = 100
/** Refusals are summed up in one log line per reason this often. */
const REFUSAL_LOG_INTERVAL_MS = 10_000

function family (host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4'
}

export async function createRelayNode (config: RelayConfig, options: RelayNodeOptions = {}): Promise<RelayNode> {
  const log = options.log ?? silentLogger
  installLengthPrefixFastPath() // no new RangeError per chunk a Noise connection receives
  // the operator's files first: a bad one stops the start before anything is written
  let tlsFiles = config.wssPort == null || config.tlsCertPath == null || config.tlsKeyPath == null
    ? undefined
    : await loadTlsFiles(config.tlsCertPath, config.tlsKeyPath)
  await openDataDir(config.dataDir)
  const { privateKey, created } = await loadOrCreateIdentity(config.dataDir)
  const cert = config.webrtcDirectPort == null ? undefined : await loadOrCreateCertificate(config.dataDir)
  // the mailbox database writes from its first open: a read-only directory stops the start here, with a sentence
  if (config.mailbox) await mustWrite(config.dataDir, 'its mailbox database', 'run it with --mailbox off')
  if (config.prekeys) await mustWrite(config.dataDir, 'its prekey database', 'run it with --prekeys off')

  const ip = `/${family(config.host)}/${config.host}`
  const listen = [`${ip}/tcp/${config.port}/ws`]
  if (config.wssPort != null) listen.push(`${ip}/tcp/${config.wssPort}/wss`)
  if (config.tcpPort != null) listen.push(`${ip}/tcp/${config.tcpPort}`)
  if (config.webrtcDirectPort != null) listen.push(`${ip}/udp/${config.webrtcDirectPort}/webrtc-direct`)

  // a registry per relay: libp2p's metrics and ours, nothing global (tests run several relays in one process)
  const registry = new Registry()
  // set once created; the gater and the metrics read it through closures
  let libp2p: Libp2p<RelayServices> | undefined = undefined
  let draining = false
  let stopping = false
  const reservations = (): CircuitRelayService['reservations'] | undefined => libp2p?.services.relay.reservations
  const metrics = relayMetrics(registry, {
    reservations: () => reservations()?.size ?? 0,
    connections: () => libp2p?.getConnections().length ?? 0,
    circuits: () => libp2p == null ? 0 : countCircuits(libp2p),
    relayedBytes: async () => relayedBytes(registry),
    dhtPeers: () => libp2p?.services.dht.routingTable.size ?? 0
  })
  const refusals = new RefusalLog(log, REFUSAL_LOG_INTERVAL_MS)
  const keepalive = new Keepalive({
    intervalMs: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    slices: KEEPALIVE_SLICES,
    ping: checkConnection,
    dead: (kind) => { log.debug('closed a connection that stopped answering', { kind }) }
  })
  const byIp = new ConnectionsByIp()
  const gater = relayGater(
    { node: () => libp2p, byIp, reservations, draining: () => draining },
    config,
    {
      reservationRefused: (reason, peer, address) => {
        metrics.reservationRefused(reason)
        refusals.refused('reservation', reason, { peer, ip: address })
      },
      connectionRefused: (reason, address) => {
        metrics.connectionRefused(reason)
        refusals.refused('connection', reason, { ip: address })
      },
      circuitRefused: (reason, source, destination) => {
        metrics.circuitRefused(reason)
        refusals.refused('relayed connection', reason, { source, destination })
      }
    }, options.now)
  // the HTTP side of the WebSocket listeners: a request (the upgrade) must
  // arrive whole within the handshake time, with small headers
  const httpOptions = {
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: config.handshakeTimeoutMs,
    maxHeaderSize: 16 * 1024
  }
  const perProtocol = { maxInboundStreams: config.maxInboundStreams }

  const node = await createLibp2p<RelayServices>({
    privateKey,
    // libp2p's metric objects live in a module-wide map that a new instance
    // clears: with one relay per process (always, outside tests) that is moot
    metrics: prometheusMetrics({ registry }),
    connectionGater: gater,
    // replaced by keepalive.ts: it pings every connection in one tick
    connectionMonitor: { enabled: false },
    addresses: config.announce.length > 0 ? { listen, announce: config.announce } : { listen },
    transports: [
      webSockets({
        http: httpOptions,
        ...(tlsFiles == null ? {} : { https: { ...httpOptions, cert: tlsFiles.cert, key: tlsFiles.key } })
      }),
      // dials other relay-nodes' TCP addresses; listens only with --tcp-port
      tcp({ maxConnections: config.maxConnections }),
      ...(cert == null
        ? []
        : [webRTCDirect({
            // our own persisted certificate: libp2p would otherwise make one per
            // start (no keychain here) and renew it every 14 days, changing the certhash
            certificate: cert.certificate,
            // a relay listens on an address browsers can reach: it needs no STUN
            // (libp2p's default would ask public STUN servers on every connection)
            rtcConfiguration: { iceServers: [] }
          })])
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: config.maxConnections,
      maxIncomingPendingConnections: config.maxPendingConnections,
      // the gater applies the per-IP rate (and counts its refusals); libp2p's own limiter stays out of its way
      inboundConnectionThreshold: Number.MAX_SAFE_INTEGER,
      inboundUpgradeTimeout: config.handshakeTimeoutMs
    },
    // bootstrap relays are dialled (and re-dialled) by BootstrapKeeper
    peerDiscovery: config.mdns ? [mdns({ serviceTag: MDNS_SERVICE_TAG })] : [],
    services: {
      identify: identify(perProtocol),
      identifyPush: identifyPush(perProtocol),
      ping: ping(perProtocol),
      autoNAT: autoNAT(perProtocol),
      // kadDHT() is typed as returning KadDHT; the instance is a SingleKadDHT (it has the routing table)
      dht: kadDHT({
        protocol: DHT_PROTOCOL,
        clientMode: false,
        // relay-nodes on one LAN, or in the tests on loopback, are real peers here
        peerInfoMapper: passthroughMapper,
        ...perProtocol
      }) as (components: KadDHTComponents) => SingleKadDHT,
      relay: circuitRelayServer({
        hopTimeout: DEFAULT_HOP_TIMEOUT_MS,
        maxInboundHopStreams: config.maxInboundStreams,
        reservations: {
          maxReservations: config.maxReservations,
          reservationTtl: config.reservationTtlMs,
          applyDefaultLimit: true,
          defaultDurationLimit: config.circuitDurationLimitMs,
          defaultDataLimit: BigInt(config.circuitDataLimitBytes)
        }
      })
    }
  })

  libp2p = node
  const peerId = node.peerId.toString()
  const unfollow = byIp.follow(node)
  // a reservation ends with the peer's last connection (circuit relay v2
  // spec); libp2p would keep it until its TTL, holding a place no one can use
  const onDisconnect = (event: CustomEvent<PeerId>): void => {
    const held = reservations()
    const reservation = held?.get(event.detail)
    if (held == null || reservation == null) return
    reservation.signal.clear()
    held.delete(event.detail)
  }
  node.addEventListener('peer:disconnect', onDisconnect)
  let mailbox: MailboxStore | undefined
  let mailboxService: { stop(): Promise<void> } | undefined
  let prekeys: { stop(): Promise<void> } | undefined
  let peerRecords: PeerRecordService | undefined
  let nearbyService: NearbyService | undefined
  let instanceService: InstanceService | undefined
  let sweeper: ReturnType<typeof setInterval> | undefined
  let guard: ReturnType<typeof guardWebSocketListeners>
  let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined
  try {
    linearConnectionList(node)
    if (options.answerForReservedPeers !== false) answerForReservedPeers(node.services.dht, node, reservations)
    refuseDhtRecords(node.services.dht)
    const records: PeerRecordService = peerRecords = servePeerRecords(node, { log, now: options.now, metrics: peerRecordsMetrics(registry, () => records.store.usage) })
    keepalive.start(node)
    guard = guardWebSocketListeners(node, {
      keepalive,
      maxFrameBytes: config.wsMaxFrameBytes,
      handshakeTimeoutMs: config.handshakeTimeoutMs,
      maxPending: config.maxPendingConnections,
      maxPendingPerIp: config.maxPendingConnectionsPerIp,
      draining: () => draining,
      refused: (reason, address) => {
        metrics.connectionRefused(reason)
        refusals.refused('connection', reason, { ip: address })
      }
    })
    if (config.mailbox) {
      const store = mailbox = await openMailbox(join(config.dataDir, MAILBOX_DIR), config, options.now)
      const metrics = mailboxMetrics(registry, () => store.usage)
      mailboxService = await startMailbox(node, {
        store,
        ratePerPeer: config.mailboxRatePerPeer,
        now: options.now,
        maxInboundStreams: config.maxInboundStreams,
        draining: () => draining,
        log,
        metrics
      })
      const sweep = (): void => {
        store.sweep().then(
          (n) => { if (n > 0) { metrics.expired(n); log.info('removed expired mailbox items', { count: n }) } },
          (err: unknown) => { log.error('mailbox sweep failed', { error: err }) })
      }
      sweep()
      sweeper = setInterval(sweep, MAILBOX_SWEEP_INTERVAL_MS)
      sweeper.unref()
    }
    if (config.prekeys) prekeys = await servePrekeys(node, config, registry, { draining: () => draining, log, now: options.now })
    if (config.nearby) {
      nearbyService = await startNearby(node, {
        maxInboundStreams: config.maxInboundStreams,
        now: options.now,
        draining: () => draining,
        reserved: (peer) => reservations()?.has(peer) ?? false,
        log,
        metrics: nearbyMetrics(registry, () => nearbyService?.size ?? 0)
      })
    }
    if (config.instances) {
      instanceService = await startInstances(node, {
        maxStreams: config.maxInstanceStreams,
        now: options.now,
        draining: () => draining,
        log,
        metrics: instanceMetrics(registry, { streams: () => instanceService?.streams ?? 0, copies: () => instanceService?.copies ?? 0 })
      })
    }
    ops = config.metricsPort == null
      ? undefined
      : await startOpsServer(config.host, config.metricsPort, registry, () => ({
        status: stopping || node.status !== 'started' ? 'stopping' : draining ? 'draining' : 'ok',
        peerId,
        reservations: reservations()?.size ?? 0
      }))
  } catch (err) {
    refusals.stop()
    keepalive.stop()
    clearInterval(sweeper)
    peerRecords?.stop()
    await prekeys?.stop()
    await node.stop()
    unfollow()
    node.removeEventListener('peer:disconnect', onDisconnect)
    await mailbox?.close()
    throw err
  }

  const bootstrap = config.bootstrap.length > 0 ? new BootstrapKeeper(node, config.bootstrap, log, options.bootstrapRetryMaxMs) : undefined
  node.addEventListener('peer:discovery', (event) => {
    const { id, multiaddrs } = event.detail
    log.debug('peer discovered', { peer: id, addresses: multiaddrs.map(String) })
    // mDNS finds other relay-nodes but does not connect to them, and the DHT needs a
    // connection. Only relay-nodes (direct addresses, not circuits through someone) are dialled.
    const direct = multiaddrs.length > 0 && multiaddrs.every(ma => !isCircuitAddress(ma.toString()))
    if (config.mdns && direct && node.getConnections(id).length === 0) {
      log.info('dialling a relay-node found on the network', { peer: id, addresses: multiaddrs.map(String) })
      node.dial(id, { signal: AbortSignal.timeout(config.handshakeTimeoutMs) })
        .catch((err: unknown) => { log.warn('cannot reach a discovered relay-node', { peer: id, error: err }) })
    }
  })
  if (log.enabled('debug')) {
    node.addEventListener('connection:open', (event) => { log.debug('connection opened', { peer: event.detail.remotePeer, address: event.detail.remoteAddr }) })
    node.addEventListener('connection:close', (event) => { log.debug('connection closed', { peer: event.detail.remotePeer, address: event.detail.remoteAddr }) })
  }

  const all = node.getMultiaddrs().map(ma => ma.toString())
  const wsMultiaddrs = all.filter(isWs)
  const wssMultiaddrs = all.filter(isWss)
  const webrtcDirectMultiaddrs = all.filter(isWebRTCDirect)
  const tcpMultiaddrs = all.filter(ma => !isWs(ma) && !isWss(ma) && !isWebRTCDirect(ma))
  const describe = (files: TlsFiles): Omit<TlsFiles, 'cert' | 'key'> => ({ subject: files.subject, fingerprint256: files.fingerprint256, validTo: files.validTo })

  return {
    node,
    peerId,
    multiaddrs: [...wsMultiaddrs, ...wssMultiaddrs, ...webrtcDirectMultiaddrs],
    wsMultiaddrs,
    wssMultiaddrs,
    webrtcDirectMultiaddrs,
    tcpMultiaddrs,
    identityCreated: created,
    ...(cert == null
      ? {}
      : { certificate: { certhash: cert.certificate.certhash, created: cert.created, ...(cert.replaced == null ? {} : { replaced: cert.replaced }) } }),
    get tls () { return tlsFiles == null ? undefined : describe(tlsFiles) },
    ...(ops == null ? {} : { opsUrl: ops.url }),
    get circuits () { return countCircuits(node) },
    get draining () { return draining },
    mailboxUsage: (recipient) => recipient == null ? mailbox?.usage : mailbox?.usageOf(recipient),
    async reloadTls () {
      if (config.tlsCertPath == null || config.tlsKeyPath == null) return undefined
      const files = await loadTlsFiles(config.tlsCertPath, config.tlsKeyPath)
      guard.setSecureContext({ cert: files.cert, key: files.key })
      tlsFiles = files
      return describe(files)
    },
    async drain (timeoutMs) {
      draining = true
      const deadline = Date.now() + timeoutMs
      let left = countCircuits(node)
      while (left > 0 && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, Math.min(DRAIN_POLL_MS, Math.max(0, deadline - Date.now()))))
        left = countCircuits(node)
      }
      return left
    },
    async stop () {
      stopping = true
      draining = true
      guard.stop()
      keepalive.stop()
      bootstrap?.stop()
      refusals.stop()
      clearInterval(sweeper)
      await mailboxService?.stop()
      peerRecords?.stop()
      await prekeys?.stop()
      await nearbyService?.stop()
      await instanceService?.stop()
      // the stores close before the transports stop: the native WebRTC library may abort the
      // process while its listener stops (README.md, "Stopping"), and then nothing is left open
      await mailbox?.close()
      await node.stop()
      unfollow()
      node.removeEventListener('peer:disconnect', onDisconnect)
      await ops?.close()
    }
  }
}
