/**
 * Fake components for the node's features (src/lib/p2p/root/components.ts):
 * each feature declares the few components it uses, and a unit test passes
 * exactly those, built from these fakes. A fake libp2p node holds a list of
 * connections, emits libp2p's events and answers dials as the test scripts
 * them; a fake peer store records what is merged and patched.
 */
import { NotFoundError } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { TypedEventEmitter } from 'main-event'
import { UNKNOWN_CAPABILITIES } from '../../src/lib/contract/index.ts'
import { StatusBoard } from '../../src/lib/p2p/kernel/status.ts'
import type { NodeCapabilities } from '../../src/lib/contract/index.ts'
import type { ParleyEventTarget } from '../../src/lib/p2p/kernel/events.ts'
import type { ComponentLogger, Connection, Libp2pEvents, Peer, PeerData, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A real status board over `events`, with no profile (the node's status as features write it). */
export function testStatus (events: ParleyEventTarget): StatusBoard {
  return new StatusBoard({ events, identity: { profile: undefined } })
}

/** What this browser can do, as the capabilities component says it: `patch` over "not known yet". */
export function testCapabilities (patch: Partial<NodeCapabilities> = {}): { current: NodeCapabilities } {
  return { current: { ...UNKNOWN_CAPABILITIES, ...patch } }
}

/** libp2p's logger (silent unless DEBUG names a component). */
export function testLogger (): ComponentLogger {
  return defaultLogger()
}

export interface FakeConnectionInit {
  remotePeer: PeerId
  /** default: a WebSocket address of the peer (a direct, unlimited connection) */
  remoteAddr?: Multiaddr | string
  id?: string
  status?: Connection['status']
  direction?: Connection['direction']
  /** a relayed connection's limits; undefined for a direct one */
  limits?: Connection['limits']
  /** its open streams (default none) */
  streams?: Array<Partial<Stream>>
  /** when it opened, ms since the epoch (default: now) */
  openedAt?: number
  newStream?(protocol: string, options: { signal: AbortSignal }): Promise<Partial<Stream>>
}

/** A fake connection: what the code under test reads of one, and `aborted` once it was aborted. */
export type FakeConnection = Connection & { aborted?: Error }

let connections = 0

export function fakeConnection (init: FakeConnectionInit): FakeConnection {
  const remoteAddr = init.remoteAddr ?? `/ip4/127.0.0.1/tcp/9090/ws/p2p/${init.remotePeer.toString()}`
  const connection: { status: Connection['status'], aborted?: Error } & Record<string, unknown> = {
    id: init.id ?? `c${++connections}`,
    status: init.status ?? 'open',
    direction: init.direction ?? 'outbound',
    remotePeer: init.remotePeer,
    remoteAddr: typeof remoteAddr === 'string' ? multiaddr(remoteAddr) : remoteAddr,
    limits: init.limits,
    streams: init.streams ?? [],
    timeline: { open: init.openedAt ?? Date.now() },
    newStream: init.newStream ?? (async () => { throw new Error('no streams on this fake connection') }),
    abort (err: Error) {
      connection.aborted = err
      connection.status = 'closed'
    },
    close: async () => { connection.status = 'closed' }
  }
  // the one place a plain object stands in for libp2p's Connection
  return connection as unknown as FakeConnection
}

/** The relayed connection to `peer` through `relay` (a multiaddr ending in /p2p/<relay>), with a relay's limits. */
export function relayedConnection (peer: PeerId, relay: string, init: Partial<FakeConnectionInit> = {}): FakeConnection {
  return fakeConnection({
    remoteAddr: `${relay}/p2p-circuit/p2p/${peer.toString()}`,
    limits: { bytes: 1n << 17n, seconds: 120 },
    ...init,
    remotePeer: peer
  })
}

/** A peer store that keeps addresses and tags per peer and records every call. */
export class FakePeerStore {
  readonly peers = new Map<string, Peer>()
  readonly calls: string[] = []

  async get (peerId: PeerId): Promise<Peer> {
    const peer = this.peers.get(peerId.toString())
    if (peer == null) throw new NotFoundError(`no peer ${peerId.toString()}`)
    return peer
  }

  async merge (peerId: PeerId, data: PeerData): Promise<Peer> {
    this.calls.push(`merge ${peerId.toString()}`)
    const peer = this.#entry(peerId)
    for (const ma of data.multiaddrs ?? []) {
      if (!peer.addresses.some(a => a.multiaddr.equals(ma))) peer.addresses.push({ multiaddr: ma, isCertified: false })
    }
    for (const [name, tag] of Object.entries(data.tags ?? {})) {
      if (tag == null) peer.tags.delete(name)
      else peer.tags.set(name, { value: tag.value ?? 0 })
    }
    return peer
  }

  async patch (peerId: PeerId, data: PeerData): Promise<Peer> {
    this.calls.push(`patch ${peerId.toString()}`)
    const peer = this.#entry(peerId)
    if (data.multiaddrs != null) peer.addresses = data.multiaddrs.map(ma => ({ multiaddr: ma, isCertified: false }))
    return peer
  }

  async delete (peerId: PeerId): Promise<void> {
    this.calls.push(`delete ${peerId.toString()}`)
    this.peers.delete(peerId.toString())
  }

  #entry (peerId: PeerId): Peer {
    let peer = this.peers.get(peerId.toString())
    if (peer == null) {
      peer = { id: peerId, addresses: [], protocols: [], metadata: new Map(), tags: new Map() }
      this.peers.set(peerId.toString(), peer)
    }
    return peer
  }
}

export type DialTarget = PeerId | Multiaddr | Multiaddr[]

/**
 * A fake libp2p node with the services `S` a test gives it: its connections
 * (`open` and `close` emit libp2p's connection events), its own addresses,
 * a peer store, and dials answered by `dialer` (by default refused).
 */
export class FakeLibp2p<S extends Record<string, unknown> = Record<string, never>> extends TypedEventEmitter<Libp2pEvents> {
  readonly peerId: PeerId
  readonly services: S
  readonly peerStore = new FakePeerStore()
  connections: Connection[] = []
  multiaddrs: Multiaddr[] = []
  /** every dial, in order: the target as text */
  readonly dials: string[] = []
  /** every hang-up, by PeerID */
  readonly hangUps: string[] = []
  /** every protocol no longer handled, in order */
  readonly unhandled: string[] = []
  dialer: (target: DialTarget, options: { signal?: AbortSignal }) => Promise<Connection> = async (target) => {
    throw new Error(`no dial to ${String(target)} in this test`)
  }

  constructor (peerId: PeerId, services: S) {
    super()
    this.peerId = peerId
    this.services = services
  }

  getConnections (peer?: PeerId): Connection[] {
    return this.connections.filter(c => peer == null || c.remotePeer.equals(peer))
  }

  getMultiaddrs (): Multiaddr[] {
    return this.multiaddrs
  }

  async dial (target: DialTarget, options: { signal?: AbortSignal } = {}): Promise<Connection> {
    this.dials.push(Array.isArray(target) ? target.map(String).join(' ') : target.toString())
    return this.dialer(target, options)
  }

  async unhandle (protocols: string | string[]): Promise<void> {
    this.unhandled.push(...(Array.isArray(protocols) ? protocols : [protocols]))
  }

  async hangUp (peer: PeerId | Multiaddr): Promise<void> {
    this.hangUps.push(peer.toString())
    for (const connection of this.connections.filter(c => c.remotePeer.toString() === peer.toString())) this.close(connection)
  }

  /** A connection opens: `connection:open`, and `peer:connect` for the peer's first. */
  open (connection: Connection): void {
    const first = this.getConnections(connection.remotePeer).length === 0
    this.connections.push(connection)
    this.safeDispatchEvent('connection:open', { detail: connection })
    if (first) this.safeDispatchEvent('peer:connect', { detail: connection.remotePeer })
  }

  /** A connection closes: `connection:close`, and `peer:disconnect` for the peer's last. */
  close (connection: Connection): void {
    this.connections = this.connections.filter(c => c !== connection)
    this.safeDispatchEvent('connection:close', { detail: connection })
    if (this.getConnections(connection.remotePeer).length === 0) this.safeDispatchEvent('peer:disconnect', { detail: connection.remotePeer })
  }
}
