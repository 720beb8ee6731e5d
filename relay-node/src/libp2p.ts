/**
 * The relay's libp2p node, made and not started (lifecycle.ts starts it):
 * its transports, its limits and the services it speaks.
 */
import { autoNAT } from '@libp2p/autonat'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { mdns } from '@libp2p/mdns'
import { noise } from '@libp2p/noise'
import { defaultCrypto } from '@libp2p/noise/crypto'
import { ping } from '@libp2p/ping'
import { prometheusMetrics } from '@libp2p/prometheus-metrics'
import { tcp } from '@libp2p/tcp'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { withNativeX25519 } from '@parley/protocol/noise-x25519'
import { DEFAULT_HOP_TIMEOUT_MS, MDNS_SERVICE_TAG } from './constants.ts'
import type { WebRTCDirectCertificate } from './certificate.ts'
import type { RelayConfig } from './config/options.ts'
import type { RelayServices } from './types.ts'
import type { TlsFiles } from './tls.ts'
import type { ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'
import type { KadDHTComponents, SingleKadDHT } from '@libp2p/kad-dht'
import type { Registry } from 'prom-client'

export interface RelayLibp2pInit {
  privateKey: PrivateKey
  /** the WebRTC-Direct certificate; WebRTC-Direct is off without it */
  certificate?: WebRTCDirectCertificate
  tlsFiles?: TlsFiles
  registry: Registry
  gater: ConnectionGater
}

function family (host: string): 'ip4' | 'ip6' {
  return host.includes(':') ? 'ip6' : 'ip4'
}

export async function createRelayLibp2p (config: RelayConfig, init: RelayLibp2pInit): Promise<Libp2p<RelayServices>> {
  const { tlsFiles, certificate } = init
  const ip = `/${family(config.host)}/${config.host}`
  const listen = [`${ip}/tcp/${config.port}/ws`]
  if (config.wssPort != null) listen.push(`${ip}/tcp/${config.wssPort}/wss`)
  if (config.tcpPort != null) listen.push(`${ip}/tcp/${config.tcpPort}`)
  if (config.webrtcDirectPort != null) listen.push(`${ip}/udp/${config.webrtcDirectPort}/webrtc-direct`)

  // the HTTP side of the WebSocket listeners: a request (the upgrade) must
  // arrive whole within the handshake time, with small headers
  const httpOptions = {
    headersTimeout: config.handshakeTimeoutMs,
    requestTimeout: config.handshakeTimeoutMs,
    maxHeaderSize: 16 * 1024
  }
  const perProtocol = { maxInboundStreams: config.maxInboundStreams }

  return createLibp2p<RelayServices>({
    start: false,
    privateKey: init.privateKey,
    // libp2p's metric objects live in a module-wide map that a new instance
    // clears: with one relay per process (always, outside tests) that is moot
    metrics: prometheusMetrics({ registry: init.registry }),
    connectionGater: init.gater,
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
      ...(certificate == null
        ? []
        : [webRTCDirect({
            // our own persisted certificate: libp2p would otherwise make one per
            // start (no keychain here) and renew it every 14 days, changing the certhash
            certificate,
            // a relay listens on an address browsers can reach: it needs no STUN
            // (libp2p's default would ask public STUN servers on every connection)
            rtcConfiguration: { iceServers: [] }
          })])
    ],
    // each handshake's DHs without OpenSSL's slow DER decoders: a sixth of the time each
    connectionEncrypters: [noise({ crypto: withNativeX25519(defaultCrypto) })],
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
}
