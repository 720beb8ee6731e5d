/**
 * `/parley/nearby/1.0.0` on relay-node: browsers cannot do mDNS, so the relay
 * they share tells them who else is near (docs/protocols.md,
 * "Nearby"). A peer that opted in REGISTERs a display name; it can then LIST
 * the other registered peers that are nearby: connected from the same IP
 * address, or, when the relay sees both on private, loopback or link-local
 * addresses (the relay is on their LAN), from the same private network. A
 * registration lasts while the peer stays connected and can be withdrawn
 * (UNREGISTER) at once. One request per stream.
 */
import { circuitAddressThrough, isCircuitAddress } from '@parley/protocol/multiaddr'
import { ipOfAddr } from './limits.ts'
import { oneRequestHandler } from '@parley/protocol/one-request/server'
import {
  MAX_NEARBY_ADDRESSES, MAX_NEARBY_ADDRESS_BYTES, MAX_NEARBY_ENTRIES, MAX_NEARBY_REQUEST_BYTES, NEARBY_PROTOCOL,
  NearbyFrameError, NearbyRefusedError, decodeNearbyRequest, encodeNearbyError, encodeNearbyReply
} from '@parley/protocol/nearby/codec'
import type { Logger } from './log.ts'
import type { NearbyEntry, NearbyErrorName, NearbyReply, NearbyRequest } from '@parley/protocol/nearby/codec'
import type { Connection, Libp2p, PeerId } from '@libp2p/interface'

/** A request must arrive and be answered within this time. */
export const NEARBY_REQUEST_TIMEOUT_MS = 10_000
/**
 * Registrations one IP address may hold. Everyone behind one home or office
 * NAT shares an address; a LIST reply holds at most this many entries too.
 */
export const DEFAULT_NEARBY_MAX_PER_IP = MAX_NEARBY_ENTRIES
/** Registrations in all (a few hundred bytes each). */
export const DEFAULT_NEARBY_MAX_REGISTRATIONS = 4096
/**
 * Nearby requests per minute from one PeerID, bursts up to this many. The
 * app registers once per relay connection and lists every few seconds while
 * its Nearby screen is open: 20 a minute.
 */
export const DEFAULT_NEARBY_RATE_PER_PEER = 60
/** Bytes of the varint length prefix at most (MAX_NEARBY_REQUEST_BYTES needs 2). */
const MAX_PREFIX_BYTES = 2

/** Why a registration ended (`parley_nearby_removed_total{reason}`). */
export type NearbyRemoval = 'withdrawn' | 'disconnected'
export const NEARBY_REMOVALS: readonly NearbyRemoval[] = ['withdrawn', 'disconnected']

export interface NearbyMetrics {
  registered(): void
  removed(reason: NearbyRemoval): void
  listed(): void
  refused(code: NearbyErrorName): void
}

export interface NearbyServiceInit {
  maxInboundStreams: number
  draining(): boolean
  /** whether `peer` holds a reservation here: only those can be dialled through the relay, so only those are listed */
  reserved(peer: PeerId): boolean
  log: Logger
  metrics: NearbyMetrics
  /** {@link DEFAULT_NEARBY_MAX_PER_IP} */
  maxPerIp?: number
  /** {@link DEFAULT_NEARBY_MAX_REGISTRATIONS} */
  maxRegistrations?: number
  /** {@link DEFAULT_NEARBY_RATE_PER_PEER} */
  ratePerPeer?: number
  /** the clock the rate limit reads; default `Date.now` (tests) */
  now?: () => number
}

export interface NearbyService {
  /** registrations held now */
  readonly size: number
  stop(): Promise<void>
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

function ipv4 (text: string): number[] | undefined {
  const m = IPV4.exec(text)
  if (m == null) return undefined
  const parts = m.slice(1).map(Number)
  return parts.every(n => n <= 255) ? parts : undefined
}

/** The eight 16-bit groups of an IPv6 address (zone dropped, `::` and a dotted tail expanded), or undefined. */
function ipv6 (text: string): number[] | undefined {
  let s = text.toLowerCase()
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  const dotted = /[^:]*\.[^:]*$/.exec(s)?.[0]
  if (dotted != null) {
    const v4 = ipv4(dotted)
    if (v4 == null) return undefined
    const [a = 0, b = 0, c = 0, d = 0] = v4
    s = `${s.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = s.split('::')
  if (halves.length > 2) return undefined
  const head = halves[0] === '' || halves[0] == null ? [] : halves[0].split(':')
  const tail = halves.length === 2 && halves[1] !== '' && halves[1] != null ? halves[1].split(':') : []
  const missing = 8 - head.length - tail.length
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined
  const parts = [...head, ...new Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail]
  if (!parts.every(p => /^[0-9a-f]{1,4}$/.test(p))) return undefined
  return parts.map(p => parseInt(p, 16))
}

const hex = (n: number): string => n.toString(16)

/**
 * The network in which `ip` is "nearby": two connections are nearby exactly
 * when their keys are equal.
 * - A public address is its own network: only the same address (people
 *   behind one NAT) is nearby. Carrier-grade NAT space (100.64/10) counts as
 *   public: it is shared by strangers.
 * - Private addresses mean the relay is on the people's LAN: IPv4 RFC 1918
 *   addresses are nearby within the same /24, IPv6 unique-local ones within
 *   the same /64.
 * - Loopback (the relay's own host) and link-local addresses (one link) are
 *   each one network.
 * IPv4-mapped IPv6 addresses count as the IPv4 address.
 */
export function nearbyNetwork (ip: string): string {
  let v4 = ipv4(ip)
  if (v4 == null && ip.includes(':')) {
    const groups = ipv6(ip)
    if (groups == null) return `address:${ip.toLowerCase()}`
    const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = groups
    if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) {
      v4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
    } else {
      if (groups.slice(0, 7).every(g => g === 0) && g7 === 1) return 'loopback'
      if ((g0 & 0xffc0) === 0xfe80) return 'link-local:ip6'
      if ((g0 & 0xfe00) === 0xfc00) return `private:${[g0, g1, g2, g3].map(hex).join(':')}::/64`
      return `address:${groups.map(hex).join(':')}`
    }
  }
  if (v4 == null) return `address:${ip}`
  const [a = 0, b = 0, c = 0] = v4
  if (a === 127) return 'loopback'
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return `private:${a}.${b}.${c}.0/24`
  if (a === 169 && b === 254) return 'link-local:ip4'
  return `address:${v4.join('.')}`
}

interface Registration {
  peer: PeerId
  name: string
  ip: string
  network: string
}

/**
 * The registrations: by PeerID, counted per IP address and grouped by
 * network (insertion order = registration order), bounded per address and in
 * all.
 */
export class NearbyRegistry {
  readonly #byPeer = new Map<string, Registration>()
  readonly #perIp = new Map<string, number>()
  readonly #byNetwork = new Map<string, Map<string, Registration>>()

  constructor (private readonly maxPerIp: number, private readonly maxRegistrations: number) {}

  get size (): number {
    return this.#byPeer.size
  }

  has (peer: string): boolean {
    return this.#byPeer.has(peer)
  }

  /**
   * Registers `peer` (or renames it: a peer registering again keeps its
   * place). Refuses, changing nothing, when its address or the relay is full.
   */
  register (peer: PeerId, name: string, ip: string): 'ok' | 'per-ip' | 'full' {
    const key = peer.toString()
    const old = this.#byPeer.get(key)
    if (old != null && old.ip === ip) {
      old.name = name
      return 'ok'
    }
    if ((this.#perIp.get(ip) ?? 0) >= this.maxPerIp) return 'per-ip'
    if (old == null && this.#byPeer.size >= this.maxRegistrations) return 'full'
    if (old != null) this.remove(key)
    const registration: Registration = { peer, name, ip, network: nearbyNetwork(ip) }
    this.#byPeer.set(key, registration)
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1)
    let network = this.#byNetwork.get(registration.network)
    if (network == null) {
      network = new Map()
      this.#byNetwork.set(registration.network, network)
    }
    network.set(key, registration)
    return 'ok'
  }

  /** Removes `peer`'s registration; false when it had none. */
  remove (peer: string): boolean {
    const registration = this.#byPeer.get(peer)
    if (registration == null) return false
    this.#byPeer.delete(peer)
    const count = (this.#perIp.get(registration.ip) ?? 1) - 1
    if (count <= 0) this.#perIp.delete(registration.ip)
    else this.#perIp.set(registration.ip, count)
    const network = this.#byNetwork.get(registration.network)
    network?.delete(peer)
    if (network?.size === 0) this.#byNetwork.delete(registration.network)
    return true
  }

  /**
   * The others registered in `peer`'s network that `include` accepts, newest
   * first, at most `limit`; undefined when `peer` is not registered.
   */
  nearby (peer: string, limit: number, include: (r: Registration) => boolean): Registration[] | undefined {
    const self = this.#byPeer.get(peer)
    if (self == null) return undefined
    const out: Registration[] = []
    const others = [...(this.#byNetwork.get(self.network)?.values() ?? [])]
    for (let i = others.length - 1; i >= 0 && out.length < limit; i--) {
      const other = others[i]
      if (other != null && other !== self && include(other)) out.push(other)
    }
    return out
  }

  clear (): void {
    this.#byPeer.clear()
    this.#perIp.clear()
    this.#byNetwork.clear()
  }
}

/** How an address is reached, to list first the relay addresses of the transport the asker uses. */
function transportOf (address: string): string {
  if (address.includes('/webrtc-direct')) return 'webrtc-direct'
  if (address.includes('/wss') || address.includes('/tls/ws')) return 'wss'
  if (address.includes('/ws')) return 'ws'
  if (address.includes('/quic')) return 'quic'
  return 'tcp'
}

/**
 * `peer`'s circuit addresses through this relay (`<relay address>/p2p-circuit/p2p/<peer>`),
 * those over the asker's own transport first, at most MAX_NEARBY_ADDRESSES.
 */
export function circuitAddresses (relayAddresses: string[], askerAddress: string, peer: string): string[] {
  const asker = transportOf(askerAddress)
  return relayAddresses
    .filter(a => !isCircuitAddress(a))
    .map(a => circuitAddressThrough(a, peer))
    .filter(a => new TextEncoder().encode(a).byteLength <= MAX_NEARBY_ADDRESS_BYTES)
    .sort((x, y) => Number(transportOf(y) === asker) - Number(transportOf(x) === asker))
    .slice(0, MAX_NEARBY_ADDRESSES)
}

/** The IP address a direct connection comes from; undefined for a relayed one (it says nothing of where the peer is). */
function directIp (connection: Connection): string | undefined {
  if (isCircuitAddress(connection.remoteAddr.toString())) return undefined
  return ipOfAddr(connection.remoteAddr)
}

export async function startNearby (node: Libp2p, init: NearbyServiceInit): Promise<NearbyService> {
  const ratePerPeer = init.ratePerPeer ?? DEFAULT_NEARBY_RATE_PER_PEER
  const registry = new NearbyRegistry(init.maxPerIp ?? DEFAULT_NEARBY_MAX_PER_IP, init.maxRegistrations ?? DEFAULT_NEARBY_MAX_REGISTRATIONS)
  const shutdown = new AbortController()

  // a registration lasts while the peer is connected: gone with its last connection
  const onDisconnect = (event: CustomEvent<PeerId>): void => {
    if (registry.remove(event.detail.toString())) init.metrics.removed('disconnected')
  }
  node.addEventListener('peer:disconnect', onDisconnect)

  function answer (request: NearbyRequest, connection: Connection): NearbyReply {
    const peer = connection.remotePeer
    const key = peer.toString()
    switch (request.op) {
      case 'register': {
        const ip = directIp(connection)
        if (ip == null) throw new NearbyRefusedError('bad-request', 'register over a direct connection: a relayed one does not say which network you are on')
        const result = registry.register(peer, request.name, ip)
        if (result === 'per-ip') throw new NearbyRefusedError('per-ip', `your address holds ${init.maxPerIp ?? DEFAULT_NEARBY_MAX_PER_IP} registrations already`)
        if (result === 'full') throw new NearbyRefusedError('full', 'the relay holds all the registrations it can')
        // the last connection may have closed while this request was read: peer:disconnect came first
        if (node.getConnections(peer).length === 0) {
          registry.remove(key)
          throw new NearbyRefusedError('unavailable', 'the connection closed')
        }
        init.metrics.registered()
        return { op: 'register' }
      }
      case 'unregister': {
        const removed = registry.remove(key)
        if (removed) init.metrics.removed('withdrawn')
        return { op: 'unregister', removed }
      }
      case 'list': {
        const relayAddresses = node.getMultiaddrs().map(String)
        const found = registry.nearby(key, MAX_NEARBY_ENTRIES, r => init.reserved(r.peer))
        if (found == null) throw new NearbyRefusedError('not-registered', 'register first: only people who show themselves see others')
        init.metrics.listed()
        const entries: NearbyEntry[] = []
        for (const r of found) {
          const addresses = circuitAddresses(relayAddresses, connection.remoteAddr.toString(), r.peer.toString())
          if (addresses.length > 0) entries.push({ peer: r.peer.toMultihash().bytes, name: r.name, addresses })
        }
        return { op: 'list', entries }
      }
    }
  }

  const handle = oneRequestHandler<NearbyRequest, NearbyReply, NearbyErrorName>({
    name: 'nearby',
    timeoutMs: NEARBY_REQUEST_TIMEOUT_MS,
    maxRequestBytes: MAX_NEARBY_REQUEST_BYTES,
    maxPrefixBytes: MAX_PREFIX_BYTES,
    ratePerMinute: ratePerPeer,
    now: init.now,
    decode: decodeNearbyRequest,
    encodeReply: encodeNearbyReply,
    encodeError: encodeNearbyError,
    malformed: (err) => err instanceof NearbyFrameError ? 'bad-request' : undefined,
    refusal: (err) => err instanceof NearbyRefusedError ? { code: err.code, reason: err.reason } : undefined,
    answer,
    draining: init.draining,
    refused: (code) => { init.metrics.refused(code) },
    log: init.log
  }, shutdown.signal)

  await node.handle(NEARBY_PROTOCOL, handle, { maxInboundStreams: init.maxInboundStreams })
  return {
    get size () { return registry.size },
    stop: async () => {
      shutdown.abort()
      node.removeEventListener('peer:disconnect', onDisconnect)
      registry.clear()
      await node.unhandle(NEARBY_PROTOCOL)
    }
  }
}
