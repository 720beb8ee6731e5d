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
import { Registry } from 'prom-client'
import { installLengthPrefixFastPath } from '@parley/protocol/length-prefix'
import { loadOrCreateCertificate } from './certificate.ts'
import { KEEPALIVE_INTERVAL_MS, KEEPALIVE_SLICES } from './constants.ts'
import { linearConnectionList } from './connection-list.ts'
import { mustWrite, openDataDir } from './data-dir.ts'
import { answerForReservedPeers, refuseDhtRecords } from './dht.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { Keepalive, checkConnection } from './keepalive.ts'
import { createRelayLibp2p } from './libp2p.ts'
import { Lifecycle } from './lifecycle.ts'
import { ConnectionsByIp, relayGater } from './limits.ts'
import { RefusalLog, silentLogger } from './log.ts'
import { countCircuits, relayMetrics, relayedBytes } from './ops.ts'
import {
  Bootstrap, ConnectionWatch, Discovery, Instances, KeepaliveTurns, ListenerGuard, Mailbox, MailboxDatabase, Nearby, OpsServer,
  PeerRecords, Prekeys, StopFlags
} from './parts.ts'
import { LinkRendezvous } from './link-rendezvous/part.ts'
import { PushOff } from './push/off.ts'
import { Push } from './push/part.ts'
import { loadTlsFiles } from './tls.ts'
import type { RelayConfig } from './config/options.ts'
import type { Part } from './lifecycle.ts'
import type { RelayComponents, RelayState } from './parts.ts'
import type { TlsFiles } from './tls.ts'
import type { Libp2p } from '@libp2p/interface'

export type { RelayConfig } from './config/options.ts'
export { parseConfig } from './config/parse.ts'
export type { RelayNode, RelayNodeOptions, RelayServices } from './types.ts'
import type { RelayNode, RelayNodeOptions, RelayServices } from './types.ts'

const isWebRTCDirect = (ma: string): boolean => ma.includes('/webrtc-direct')
const isWss = (ma: string): boolean => ma.includes('/wss') || ma.includes('/tls/ws')
const isWs = (ma: string): boolean => !isWss(ma) && ma.includes('/ws')

/** The drain checks whether relayed connections are left this often. */
const DRAIN_POLL_MS = 100
/** Refusals are summed up in one log line per reason this often. */
const REFUSAL_LOG_INTERVAL_MS = 10_000

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
  if (config.push) await mustWrite(config.dataDir, 'its push subscriptions', 'run it with --push off')

  // a registry per relay: libp2p's metrics and ours, nothing global (tests run several relays in one process)
  const registry = new Registry()
  const state: RelayState = { draining: false, stopping: false }
  // set once made; the gater and the metrics read it through closures
  let libp2p: Libp2p<RelayServices> | undefined
  const reservations = (): RelayServices['relay']['reservations'] | undefined => libp2p?.services.relay.reservations
  const metrics = relayMetrics(registry, {
    reservations: () => reservations()?.size ?? 0,
    connections: () => libp2p?.getConnections().length ?? 0,
    circuits: () => libp2p == null ? 0 : countCircuits(libp2p),
    relayedBytes: async () => relayedBytes(registry),
    dhtPeers: () => libp2p?.services.dht.routingTable.size ?? 0
  })
  const refusals = new RefusalLog(log, REFUSAL_LOG_INTERVAL_MS)
  const byIp = new ConnectionsByIp()
  const gater = relayGater(
    { node: () => libp2p, byIp, reservations, draining: () => state.draining },
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
  const node = libp2p = await createRelayLibp2p(config, { privateKey, certificate: cert?.certificate, tlsFiles, registry, gater })
  // what the relay changes in libp2p and the DHT, before either starts
  linearConnectionList(node)
  if (options.answerForReservedPeers !== false) answerForReservedPeers(node.services.dht, node, reservations)
  refuseDhtRecords(node.services.dht)

  const components: RelayComponents = { config, log, registry, node, metrics, refusals, state, now: options.now }
  const keepalive = new Keepalive({
    intervalMs: options.keepaliveIntervalMs ?? KEEPALIVE_INTERVAL_MS,
    slices: KEEPALIVE_SLICES,
    ping: checkConnection,
    dead: (kind) => { log.debug('closed a connection that stopped answering', { kind }) }
  })
  const guard = new ListenerGuard(components, keepalive)
  const mailbox = new MailboxDatabase(config, options.now)
  const push = config.push ? new Push(components) : undefined
  const ops = config.metricsPort == null ? undefined : new OpsServer(components, config.metricsPort)
  // The one order: started first to last; stopped last to first, on stop() and after a failed start alike
  const parts: Part[] = [
    { name: 'stop flags', part: new StopFlags(state) },
    { name: 'refusals', part: refusals },
    { name: 'connections', part: new ConnectionWatch(components, byIp) },
    { name: 'libp2p', part: node },
    { name: 'peer records', part: new PeerRecords(components) },
    { name: 'keepalive', part: new KeepaliveTurns(components, keepalive) },
    { name: 'websocket guard', part: guard },
    ...(config.mailbox ? [{ name: 'mailbox database', part: mailbox }, { name: 'mailbox', part: new Mailbox(components, mailbox, push === undefined ? undefined : (recipient: string, hint?: Uint8Array) => { push.deposited(recipient, hint) }) }] : []),
    { name: 'push', part: push ?? new PushOff(components) },
    ...(config.prekeys ? [{ name: 'prekeys', part: new Prekeys(components) }] : []),
    ...(config.nearby ? [{ name: 'nearby', part: new Nearby(components) }] : []),
    ...(config.instances ? [{ name: 'instances', part: new Instances(components) }] : []),
    ...(config.linkRendezvous ? [{ name: 'link rendezvous', part: new LinkRendezvous(components) }] : []),
    ...(ops == null ? [] : [{ name: 'ops server', part: ops }]),
    ...(config.bootstrap.length > 0 ? [{ name: 'bootstrap', part: new Bootstrap(components, options.bootstrapRetryMaxMs) }] : []),
    { name: 'discovery', part: new Discovery(components) }
  ]
  const lifecycle = new Lifecycle(parts, log)
  await lifecycle.start()

  const peerId = node.peerId.toString()
  const all = node.getMultiaddrs().map(ma => ma.toString())
  const wsMultiaddrs = all.filter(isWs)
  const wssMultiaddrs = all.filter(isWss)
  const webrtcDirectMultiaddrs = all.filter(isWebRTCDirect)
  const tcpMultiaddrs = all.filter(ma => !isWs(ma) && !isWss(ma) && !isWebRTCDirect(ma))
  const describe = (files: TlsFiles): Omit<TlsFiles, 'cert' | 'key'> => ({ subject: files.subject, fingerprint256: files.fingerprint256, validTo: files.validTo })
  const opsUrl = ops?.url

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
    ...(opsUrl == null ? {} : { opsUrl }),
    get circuits () { return countCircuits(node) },
    get draining () { return state.draining },
    get pushVapidKey () { return push?.vapidKey },
    mailboxUsage: (recipient) => recipient == null ? mailbox.store?.usage : mailbox.store?.usageOf(recipient),
    async reloadTls () {
      if (config.tlsCertPath == null || config.tlsKeyPath == null) return undefined
      const files = await loadTlsFiles(config.tlsCertPath, config.tlsKeyPath)
      guard.setSecureContext({ cert: files.cert, key: files.key })
      tlsFiles = files
      return describe(files)
    },
    async drain (timeoutMs) {
      state.draining = true
      const deadline = Date.now() + timeoutMs
      let left = countCircuits(node)
      while (left > 0 && Date.now() < deadline) {
        await new Promise(resolve => setTimeout(resolve, Math.min(DRAIN_POLL_MS, Math.max(0, deadline - Date.now()))))
        left = countCircuits(node)
      }
      return left
    },
    async stop () {
      await lifecycle.stop()
    }
  }
}
