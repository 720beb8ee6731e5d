/**
 * @packageDocumentation
 *
 * relay-node: a js-libp2p node that browsers running Parley use to meet.
 * It holds circuit relay v2 reservations for them and relays their (end-to-end
 * Noise-encrypted) connections; it can read nothing they say.
 *
 * @example
 * ```ts
 * const relay = await createRelayNode({ ...parseConfig([]) as RelayConfig, port: 0 })
 * console.log(relay.multiaddrs)
 * await relay.stop()
 * ```
 */

import './polyfill.ts'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { createLibp2p } from 'libp2p'
import { Registry } from 'prom-client'
import {
  DEFAULT_HOP_TIMEOUT_MS, DEFAULT_INBOUND_UPGRADE_TIMEOUT_MS, DEFAULT_MAX_INBOUND_HOP_STREAMS
} from './constants.ts'
import { loadOrCreateCertificate } from './certificate.ts'
import { loadOrCreateIdentity } from './identity.ts'
import { reservationGate } from './limits.ts'
import { relayMetrics, startOpsServer } from './ops.ts'
import type { RelayConfig } from './config.ts'
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Libp2p } from '@libp2p/interface'

export type { RelayConfig } from './config.ts'
export { parseConfig } from './config.ts'

export interface RelayNode {
  readonly node: Libp2p
  readonly peerId: string
  /** Full multiaddrs including `/p2p/<peerId>`, as browsers dial them: WebSocket ones first, then WebRTC-Direct. */
  readonly multiaddrs: string[]
  /** The `/ws` subset of {@link multiaddrs}. */
  readonly wsMultiaddrs: string[]
  /** The `/webrtc-direct/certhash/…` subset of {@link multiaddrs}; empty when WebRTC-Direct is off. */
  readonly webrtcDirectMultiaddrs: string[]
  /** true when the identity key was created by this start */
  readonly identityCreated: boolean
  /** WebRTC-Direct certificate: `created` when this start made a new one (new certhash); undefined when WebRTC-Direct is off */
  readonly certificate?: { certhash: string, created: boolean, replaced?: string }
  /** base URL of the operations server (`/metrics`, `/healthz`); undefined when it is off */
  readonly opsUrl?: string
  stop(): Promise<void>
}

function family (host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4'
}

const isWebRTCDirect = (ma: string): boolean => ma.includes('/webrtc-direct')

export async function createRelayNode (config: RelayConfig): Promise<RelayNode> {
  const { privateKey, created } = await loadOrCreateIdentity(config.dataDir)
  const cert = config.webrtcDirectPort == null ? undefined : await loadOrCreateCertificate(config.dataDir)

  const listen = [`/${family(config.host)}/${config.host}/tcp/${config.port}/ws`]
  if (config.webrtcDirectPort != null) listen.push(`/${family(config.host)}/${config.host}/udp/${config.webrtcDirectPort}/webrtc-direct`)

  // a registry per relay: libp2p's metrics and ours, nothing global (tests run several relays in one process)
  const registry = new Registry()
  // set once created; the gater and the metrics read it through closures
  let libp2p: Libp2p<{ relay: CircuitRelayService }> | undefined = undefined
  const reservations = (): CircuitRelayService['reservations'] | undefined => libp2p?.services.relay.reservations
  const metrics = relayMetrics(registry, () => libp2p, () => reservations()?.size ?? 0)
  const node = await createLibp2p({
    privateKey,
    // libp2p's metric objects live in a module-wide map that a new instance
    // clears: with one relay per process (always, outside tests) that is moot
    metrics: prometheusMetrics({ registry }),
    connectionGater: {
      // per-IP share of the reservations; refusals are counted by reason
      denyInboundRelayReservation: reservationGate(() => libp2p, reservations, config, metrics.rejected)
    },
    addresses: config.announce.length > 0 ? { listen, announce: config.announce } : { listen },
    transports: [
      webSockets(),
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
      inboundUpgradeTimeout: DEFAULT_INBOUND_UPGRADE_TIMEOUT_MS
    },
    services: {
      identify: identify(),
      ping: ping(),
      relay: circuitRelayServer({
        hopTimeout: DEFAULT_HOP_TIMEOUT_MS,
        maxInboundHopStreams: DEFAULT_MAX_INBOUND_HOP_STREAMS,
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
  let stopping = false
  const ops = config.metricsPort == null
    ? undefined
    : await startOpsServer(config.host, config.metricsPort, registry, () => ({ ok: !stopping && node.status === 'started', peerId, reservations: reservations()?.size ?? 0 }))
      .catch(async (err: unknown) => {
        await node.stop()
        throw err
      })
  const all = node.getMultiaddrs().map(ma => ma.toString())
  const wsMultiaddrs = all.filter(ma => !isWebRTCDirect(ma))
  const webrtcDirectMultiaddrs = all.filter(isWebRTCDirect)
  return {
    node,
    peerId,
    multiaddrs: [...wsMultiaddrs, ...webrtcDirectMultiaddrs],
    wsMultiaddrs,
    webrtcDirectMultiaddrs,
    identityCreated: created,
    ...(cert == null
      ? {}
      : { certificate: { certhash: cert.certificate.certhash, created: cert.created, ...(cert.replaced == null ? {} : { replaced: cert.replaced }) } }),
    ...(ops == null ? {} : { opsUrl: ops.url }),
    async stop () {
      stopping = true
      await node.stop()
      await ops?.close()
    }
  }
}
