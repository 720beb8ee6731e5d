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
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import {
  DEFAULT_HOP_TIMEOUT_MS, DEFAULT_INBOUND_UPGRADE_TIMEOUT_MS, DEFAULT_MAX_INBOUND_HOP_STREAMS
} from './constants.ts'
import { loadOrCreateIdentity } from './identity.ts'
import type { RelayConfig } from './config.ts'
import type { Libp2p } from '@libp2p/interface'

export type { RelayConfig } from './config.ts'
export { parseConfig } from './config.ts'

export interface RelayNode {
  readonly node: Libp2p
  readonly peerId: string
  /** Full multiaddrs including `/p2p/<peerId>`, as browsers dial them. */
  readonly multiaddrs: string[]
  /** true when the identity key was created by this start */
  readonly identityCreated: boolean
  stop(): Promise<void>
}

function listenAddress (host: string, port: number): string {
  const family = host.includes(':') ? 'ip6' : 'ip4'
  return `/${family}/${host}/tcp/${port}/ws`
}

export async function createRelayNode (config: RelayConfig): Promise<RelayNode> {
  const { privateKey, created } = await loadOrCreateIdentity(config.dataDir)

  const node = await createLibp2p({
    privateKey,
    addresses: {
      listen: [listenAddress(config.host, config.port)]
    },
    transports: [webSockets()],
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

  const peerId = node.peerId.toString()
  return {
    node,
    peerId,
    multiaddrs: node.getMultiaddrs().map(ma => ma.toString()),
    identityCreated: created,
    async stop () {
      await node.stop()
    }
  }
}
