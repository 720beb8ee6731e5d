/**
 * The browser-like Node clients of the simulated federation
 * (tests/bench/federation.ts): WebSockets to relays, circuit relay v2
 * listening on `/p2p-circuit` (search mode, as the app's node does: the
 * transport reserves on a relay it is connected to and looks for another
 * when that one goes), kad-dht in client mode on Parley's protocol, identify
 * and ping. Plus the waits the bench needs, all driven by the node's own
 * events with a bound.
 */
// Node 20: Promise.withResolvers for libp2p, a global WebSocket for @libp2p/websockets
import '../../relay-node/src/polyfill.ts'
import { RELAY_V2_HOP_CODEC, circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { DHT_PROTOCOL } from '@parley/protocol/kad'
import { installLengthPrefixFastPath } from '@parley/protocol/length-prefix'
import { APP_DHT_INIT, clientUpkeep, routingTableRefresh } from '../../src/lib/p2p/relays/dht.ts'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { KadDHTComponents, SingleKadDHT } from '@libp2p/kad-dht'
import type { Libp2p, PrivateKey } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

// a type alias (not an interface) so that it satisfies libp2p's ServiceMap index signature
export type PeerServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  dht: SingleKadDHT
}

export type FederationPeer = Libp2p<PeerServices>

/** A condition is checked again this often besides on the node's address events (the resolution of the timings). */
const POLL_INTERVAL_MS = 10
/** Dialling the first relay (WebSocket, Noise, yamux). */
const RELAY_DIAL_TIMEOUT_MS = 10_000
/** The first reservation; the first DHT self-query (libp2p runs it 1 s after start, bounded by 5 s). */
const JOIN_TIMEOUT_MS = 20_000
const STOP_TIMEOUT_MS = 5_000

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError'
}

/**
 * Resolves with `performance.now()` at the first moment `check()` holds:
 * checked at once, on each change of the node's own addresses
 * (`self:peer:update`, which a reservation made or lost causes) and every
 * POLL_INTERVAL_MS; rejects with WaitTimeoutError after `timeoutMs`.
 */
export async function until (node: FederationPeer, check: () => boolean, timeoutMs: number, what: string): Promise<number> {
  if (check()) return performance.now()
  return new Promise<number>((resolve, reject) => {
    const settle = (): void => {
      node.removeEventListener('self:peer:update', onUpdate)
      clearInterval(poll)
      clearTimeout(timer)
    }
    const onUpdate = (): void => {
      if (!check()) return
      settle()
      resolve(performance.now())
    }
    const poll = setInterval(onUpdate, POLL_INTERVAL_MS)
    const timer = setTimeout(() => {
      settle()
      reject(new WaitTimeoutError(`${what}: not within ${timeoutMs} ms`))
    }, timeoutMs)
    node.addEventListener('self:peer:update', onUpdate)
  })
}

/** PeerIDs of the relays that circuit addresses among `addresses` go through. */
export function relaysIn (addresses: ReadonlyArray<{ toString(): string }>): string[] {
  const relays = new Set<string>()
  for (const ma of addresses) {
    const relay = /\/p2p\/([^/]+)\/p2p-circuit/.exec(ma.toString())?.[1]
    if (relay != null) relays.add(relay)
  }
  return [...relays]
}

/** PeerIDs of the relays the node lists a circuit address through: where it holds reservations now. */
export function reservedOn (node: Libp2p): string[] {
  return relaysIn(node.getMultiaddrs())
}

/**
 * Resolves with true once the DHT's first self-query has finished (libp2p
 * re-dispatches kad-dht's `kad-dht:query:self` on the node): from then on the
 * node knows the relays closest to it, as an app node that has been online a
 * moment does. Resolves with false after `timeoutMs` (kad-dht gives its first
 * self-query 5 s; on a loaded machine it can fail, and the next is due in 5
 * minutes). Call before the node's first relay connection, so the event cannot be missed.
 */
function joined (node: FederationPeer, timeoutMs: number): { done: Promise<boolean>, cancel(): void } {
  // the event is not in libp2p's typed event map
  const target = node as unknown as EventTarget
  let cancel = (): void => {}
  const done = new Promise<boolean>((resolve) => {
    const settle = (result: boolean): void => {
      clearTimeout(timer)
      target.removeEventListener('kad-dht:query:self', onJoined)
      resolve(result)
    }
    const onJoined = (): void => { settle(true) }
    const timer = setTimeout(() => { settle(false) }, timeoutMs)
    cancel = () => { settle(false) }
    target.addEventListener('kad-dht:query:self', onJoined)
  })
  return { done, cancel }
}

export interface StartPeerOptions {
  /** the relay to connect to first (`/ws/p2p/<id>`): the only one the peer is told about */
  relayAddr: string
  /** listen on `/p2p-circuit` and wait until a reservation is held */
  reserve: boolean
  /** its key (default: a new one) */
  privateKey?: PrivateKey
  /**
   * its DHT has the app's settings and upkeep (src/lib/p2p/relays/dht.ts, APP_DHT_INIT and
   * clientUpkeep): it checks and selects peer records, after the first self-query at start looks
   * itself up and refreshes its routing table only every hour, and tags no closest peers keep-alive.
   * Without, kad-dht's defaults (both every 5 min, tags every 5 s), as the federation bench measured
   * before peer records
   */
  app?: boolean
  /** wait for its first DHT self-query (default true); without, `joined` says whether it had finished by then */
  waitForJoin?: boolean
  /**
   * run kad-dht's routing-table refresh (default true): at start and then every 5 min (every hour with
   * `app`), a random-walk query for each bucket. A thousand clients' first refreshes are more than two
   * cores shared with a hundred relays can answer; a browser runs its own on its own CPU
   */
  refresh?: boolean
}

export interface StartedPeer {
  node: FederationPeer
  /** whether its first DHT self-query finished within JOIN_TIMEOUT_MS */
  joined: boolean
}

/**
 * Turns kad-dht's routing-table refresh off before the node starts: its
 * `afterStart` runs the first refresh, and each refresh schedules the next.
 */
function withoutRefresh (dht: SingleKadDHT): void {
  routingTableRefresh(dht).afterStart = async () => {}
}

/** A browser-like client connected to `relayAddr`, joined to the DHT, holding a reservation when asked to. */
export async function startPeer (options: StartPeerOptions): Promise<StartedPeer> {
  installLengthPrefixFastPath() // as the app's nodes (src/lib/p2p/root/libp2p.ts)
  const node = await createLibp2p<PeerServices>({
    ...(options.privateKey == null ? {} : { privateKey: options.privateKey }),
    addresses: { listen: options.reserve ? ['/p2p-circuit'] : [] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // A browser's node pings each connection every 10 s (libp2p's connection monitor). Here some 50 clients,
    // each connected to most of the 20 relays through the DHT, share one event loop: their pings would be
    // ~100 a second of this process's time, on top of the relays' own monitors pinging every client
    connectionMonitor: { enabled: false },
    services: {
      identify: identify(),
      // as the app's node: the relays it is connected to learn its new addresses when it moves
      identifyPush: identifyPush(),
      // libp2p's connection monitor pings each connection too: room for its ping beside the bench's own
      ping: ping({ maxOutboundStreams: 2 }),
      // client mode: it asks the relays and answers nobody, like the browser's node. The relays
      // listen on loopback: the default mapper would drop those (private) addresses
      // (kadDHT() is typed as KadDHT; the instance is a SingleKadDHT, it has the routing table)
      dht: (components: KadDHTComponents) => {
        const dht = (kadDHT(options.app === true ? APP_DHT_INIT : { protocol: DHT_PROTOCOL, clientMode: true, peerInfoMapper: passthroughMapper }) as (components: KadDHTComponents) => SingleKadDHT)(components)
        if (options.app === true) clientUpkeep(dht)
        if (options.refresh === false) withoutRefresh(dht)
        return dht
      }
    }
  })
  const dhtJoined = joined(node, JOIN_TIMEOUT_MS)
  try {
    await node.dial(multiaddr(options.relayAddr), { signal: AbortSignal.timeout(RELAY_DIAL_TIMEOUT_MS) })
    if (options.reserve) await until(node, () => reservedOn(node).length > 0, JOIN_TIMEOUT_MS, 'a reservation')
    if (options.waitForJoin === false) {
      dhtJoined.cancel()
      return { node, joined: false }
    }
    return { node, joined: await dhtJoined.done }
  } catch (err) {
    dhtJoined.cancel()
    await stopPeer(node)
    throw err
  }
}

/** Stops the node; a stop that hangs is abandoned after STOP_TIMEOUT_MS (the process ends soon after). */
export async function stopPeer (node: Libp2p): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.resolve(node.stop()).catch(() => {
      // a node that fails to stop holds nothing the bench still needs
    }),
    new Promise<void>(resolve => { timer = setTimeout(resolve, STOP_TIMEOUT_MS) })
  ])
  clearTimeout(timer)
}

/** One line about a node's view of the network, for the diagnostics on stderr. */
export async function describePeer (node: FederationPeer, relayName: (peerId: string) => string): Promise<string> {
  const connected = [...new Set(node.getConnections().filter(c => c.status === 'open').map(c => relayName(c.remotePeer.toString())))]
  const hopRelays = await node.peerStore.all({ filters: [(peer) => peer.protocols.includes(RELAY_V2_HOP_CODEC)] })
  return `reserved on [${reservedOn(node).map(relayName).join(', ')}], connected to [${connected.join(', ')}], ` +
    `DHT routing table ${node.services.dht.routingTable.size}, ${hopRelays.length} relays known to speak hop`
}
