import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { isRelayed, isWebRtc, markCarriesData } from '../kernel/connections.ts'
import { DirectOutlooks } from './outlooks.ts'
import { LIVENESS_PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS, probeDirect } from './probe-direct.ts'
import type { NodeCapabilities } from '../../contract/index.ts'
import type { Capabilities } from '../kernel/capabilities.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { GroupBookPort } from '../kernel/ports/groups.ts'
import type { DirectUpgraderPort } from '../kernel/ports/presence.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { ComponentLogger, Connection, IdentifyResult, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Retry a failed upgrade after ~2 s, doubling to 60 s (plus jitter). */
export const UPGRADE_BACKOFF: BackoffOptions = { initialMs: 2000, maxMs: 60_000 }
/** Give up on a peer's upgrade after this many failures in a row (until its next relayed connection). */
export const MAX_UPGRADE_ATTEMPTS = 8
/**
 * One WebRTC upgrade (signalling over the relayed connection + ICE) must finish
 * within this time, dial queue included. The attempt itself ends sooner: libp2p
 * bounds each address dial by its `addressDialTimeout` (6 s by default).
 */
export const UPGRADE_TIMEOUT_MS = 20_000
/** Peers with an upgrade in progress or scheduled, at most. */
export const MAX_UPGRADE_PEERS = 256
/**
 * @libp2p/webrtc's signalling protocol. A node whose browser has no WebRTC
 * stops serving it, so identify tells its peers, and a dial fails at once
 * with UnsupportedProtocolError instead of timing out.
 */
export const SIGNALING_PROTOCOL = '/webrtc-signaling/0.0.1'


export interface DirectUpgraderComponents {
  logger: ComponentLogger
  events: ParleyEventTarget
  libp2p: Pick<Libp2p, 'getConnections' | 'dial' | 'addEventListener' | 'removeEventListener' | 'unhandle'>
  /** upgrade only connections to accepted contacts, and to members of a group we are in */
  contactBook: Pick<ContactBookPort, 'isAccepted'>
  groupBook: Pick<GroupBookPort, 'sharesGroup'>
  /** no WebRTC here: no attempts */
  capabilities: Pick<Capabilities, 'current'>
  /** where the outlooks are kept (`direct`) */
  status: Pick<StatusBoard, 'current' | 'update'>
}

/**
 * Connection policy: when a relayed connection to a contact (or to a member
 * of a group we are in) opens, dial the peer again over `/p2p-circuit/webrtc` to get a direct WebRTC
 * connection, and keep using that one. Only the side that dialled the
 * relayed connection upgrades, so the two peers never race each other. A
 * failed upgrade is retried with back-off while the relayed connection lasts
 * (MAX_UPGRADE_ATTEMPTS in all); chat keeps flowing over the relay meanwhile.
 * When a direct connection closes (for instance its host tab went away)
 * while a relayed one remains, the upgrade starts again. A new direct
 * connection is probed first ({@link probeDirect}) and announced as
 * `connection:usable` once it carries data. A peer that becomes an accepted
 * contact while a relayed connection is open (`contact:accepted`: we
 * accepted, or they accepted us) is upgraded then, by the side that dialled.
 *
 * Where a direct connection cannot happen it is not tried: this browser has
 * no WebRTC (the tabs said so: the signalling protocol is then unhandled, so
 * peers learn it through identify), or the peer's identify lacks the
 * signalling protocol, or a dial was refused for want of it. Each such
 * reason, and an upgrade given up after its attempts, is the peer's outlook
 * (outlooks.ts) until a direct connection comes or the peer disconnects.
 */
export class DirectUpgrader implements DirectUpgraderPort, Startable {
  readonly #components: DirectUpgraderComponents
  readonly #log: Logger
  /** peers with an upgrade planned, and their failures; at most MAX_UPGRADE_PEERS */
  readonly #retries: KeyedRetry<string>
  /** peers with an upgrade under way */
  readonly #running = new Set<string>()
  readonly #outlooks: DirectOutlooks
  /** direct connections with a liveness probe in flight (checkDirect) */
  readonly #checking = new WeakSet<Connection>()
  #started = false

  constructor (components: DirectUpgraderComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:direct-upgrade')
    this.#retries = new KeyedRetry<string>({
      backoff: UPGRADE_BACKOFF,
      maxKeys: MAX_UPGRADE_PEERS,
      whenFull: 'refuse',
      // the first attempt and the retries after it
      maxRetries: MAX_UPGRADE_ATTEMPTS - 1,
      onDue: (key) => { void this.#upgrade(key) }
    })
    this.#outlooks = new DirectOutlooks(components)
  }

  /** false: this browser cannot make WebRTC connections (null, not known yet, counts as able). */
  get #webRtcHere (): boolean {
    return this.#components.capabilities.current.webrtc !== false
  }

  start (): void {
    this.#started = true
    this.#components.libp2p.addEventListener('connection:open', this.#onOpen)
    this.#components.libp2p.addEventListener('connection:close', this.#onClose)
    this.#components.events.addEventListener('contact:accepted', this.#onAccepted)
    this.#components.events.addEventListener('capabilities', this.#onCapabilities)
    this.#components.libp2p.addEventListener('peer:identify', this.#onIdentify)
  }

  /** Once libp2p runs (its WebRTC transport has registered the signalling handler). */
  async afterStart (): Promise<void> {
    if (!this.#webRtcHere) await this.#noWebRtcHere()
  }

  stop (): void {
    this.#started = false
    this.#components.libp2p.removeEventListener('connection:open', this.#onOpen)
    this.#components.libp2p.removeEventListener('connection:close', this.#onClose)
    this.#components.events.removeEventListener('contact:accepted', this.#onAccepted)
    this.#components.events.removeEventListener('capabilities', this.#onCapabilities)
    this.#components.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    this.#retries.stop()
  }

  /**
   * Probes every open direct WebRTC connection now (one probe per connection
   * at a time) and closes those that carry nothing within
   * LIVENESS_PROBE_TIMEOUT_MS. Called when a peer connection's ICE went
   * 'disconnected': the other browser closed without a word, or the network
   * went. The browser declares such a connection failed only after about
   * 30 s and libp2p's pings come every 10 s; a contact shows offline once its
   * last connection closes (greeter.ts), so within a few seconds this way.
   */
  checkDirect (): void {
    if (!this.#started) return
    for (const connection of this.#components.libp2p.getConnections()) {
      if (connection.status !== 'open' || isRelayed(connection) || !isWebRtc(connection) || this.#checking.has(connection)) continue
      this.#checking.add(connection)
      void probeDirect(connection, LIVENESS_PROBE_TIMEOUT_MS).then(works => {
        this.#checking.delete(connection)
        if (works || !this.#started || connection.status !== 'open') return
        this.#log('direct WebRTC connection to %p carried nothing after its ICE went disconnected - closing it', connection.remotePeer)
        connection.abort(new Error(`The direct connection carried no data within ${LIVENESS_PROBE_TIMEOUT_MS} ms after its ICE went disconnected.`))
      })
    }
  }

  /** Try again now for every peer that has only relayed connections (e.g. a new WebRTC host appeared). */
  retryAll (): void {
    if (!this.#started) return
    for (const connection of this.#components.libp2p.getConnections()) {
      if (this.#wantsUpgrade(connection)) this.#fresh(connection.remotePeer)
    }
  }

  readonly #onCapabilities = (evt: CustomEvent<NodeCapabilities>): void => {
    if (this.#started && evt.detail.webrtc === false) void this.#noWebRtcHere()
  }

  /** This browser has no WebRTC: stop serving the signalling protocol, plan nothing, say why for every relayed peer. */
  async #noWebRtcHere (): Promise<void> {
    for (const key of this.#retries.plannedKeys) this.#retries.forget(key)
    for (const connection of this.#components.libp2p.getConnections()) {
      if (isRelayed(connection) && this.#relayedOnly(connection.remotePeer)) this.#outlooks.set(connection.remotePeer.toString(), { state: 'unsupportedHere', attempts: 0 })
    }
    try {
      await this.#components.libp2p.unhandle(SIGNALING_PROTOCOL)
    } catch (err) {
      this.#log.error('could not stop serving %s - %e', SIGNALING_PROTOCOL, err)
    }
  }

  /** Identify told what the peer serves: without the signalling protocol its browser cannot connect directly. */
  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { peerId, protocols, connection } = evt.detail
    if (!this.#started || !this.#webRtcHere || !isRelayed(connection) || protocols.length === 0) return
    const key = peerId.toString()
    if (!protocols.includes(SIGNALING_PROTOCOL)) {
      this.#retries.forget(key)
      if (this.#relayedOnly(peerId)) this.#outlooks.set(key, { state: 'unsupportedThere', attempts: 0 })
    } else if (this.#outlooks.get(key)?.state === 'unsupportedThere') {
      // it can now (another browser with the same identity): try again
      this.#outlooks.set(key, undefined)
      if (this.#wantsUpgrade(connection)) this.#fresh(peerId)
    }
  }

  readonly #onOpen = (evt: CustomEvent<Connection>): void => {
    const connection = evt.detail
    if (!isRelayed(connection) && isWebRtc(connection)) {
      this.#verify(connection)
      return
    }
    if (isRelayed(connection) && !this.#webRtcHere && this.#relayedOnly(connection.remotePeer)) {
      this.#outlooks.set(connection.remotePeer.toString(), { state: 'unsupportedHere', attempts: 0 })
      return
    }
    if (!this.#wantsUpgrade(connection)) return
    void this.#known(connection.remotePeer).then(known => {
      // a new relayed connection gives the peer a fresh set of attempts
      if (known) this.#fresh(connection.remotePeer)
    }, (err: unknown) => { this.#log.error('contact lookup failed - %e', err) })
  }

  /** An accepted contact, or a member of a group we are in (who need not be a contact). */
  async #known (peer: PeerId): Promise<boolean> {
    return await this.#components.contactBook.isAccepted(peer) || await this.#components.groupBook.sharesGroup(peer.toString())
  }

  /** They became a contact after the relayed connection opened (whose open found no contact): upgrade now. */
  readonly #onAccepted = (evt: CustomEvent<{ peerId: string }>): void => {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(evt.detail.peerId)
    } catch {
      return
    }
    if (this.#components.libp2p.getConnections(peerId).some(c => this.#wantsUpgrade(c))) this.#fresh(peerId)
  }

  readonly #onClose = (evt: CustomEvent<Connection>): void => {
    const closed = evt.detail
    if (!this.#started) return
    if (this.#components.libp2p.getConnections(closed.remotePeer).every(c => c.status !== 'open')) {
      // gone: whatever held it back is not known for the next connection
      this.#outlooks.set(closed.remotePeer.toString(), undefined)
      return
    }
    if (isRelayed(closed)) return
    // a direct connection went away: upgrade again if we still have a relayed one we dialled
    if (this.#components.libp2p.getConnections(closed.remotePeer).some(c => this.#wantsUpgrade(c))) this.#fresh(closed.remotePeer)
  }

  /** Upgrades `peerId` as soon as possible with a fresh set of attempts, unless one is under way or planned. */
  #fresh (peerId: PeerId): void {
    const key = peerId.toString()
    if (!this.#started || this.#running.has(key) || this.#retries.planned(key)) return
    if (!this.#webRtcHere) {
      this.#outlooks.set(key, { state: 'unsupportedHere', attempts: 0 })
      return
    }
    if (this.#outlooks.get(key)?.state === 'unsupportedThere') return
    this.#retries.forget(key)
    this.#retries.plan(key, 0)
  }

  /**
   * Probes a new direct WebRTC connection ({@link probeDirect}): one that
   * carries a stream becomes usable; one that carries nothing is closed, and
   * chat stays on the relayed one.
   */
  #verify (connection: Connection): void {
    void probeDirect(connection).then(works => {
      if (!this.#started || connection.status !== 'open') return
      if (works) {
        markCarriesData(connection)
        this.#outlooks.set(connection.remotePeer.toString(), undefined)
        this.#components.events.safeDispatchEvent('connection:usable', { detail: connection })
        return
      }
      this.#log.error('direct WebRTC connection to %p carries no data - closing it', connection.remotePeer)
      connection.abort(new Error(`The direct connection carried no data within ${PROBE_TIMEOUT_MS} ms.`))
    })
  }

  #wantsUpgrade (connection: Connection): boolean {
    if (connection.status !== 'open' || connection.direction !== 'outbound' || !isRelayed(connection)) return false
    return this.#relayedOnly(connection.remotePeer)
  }

  /** No open direct connection to `peerId`. */
  #relayedOnly (peerId: PeerId): boolean {
    return !this.#components.libp2p.getConnections(peerId).some(c => c.status === 'open' && !isRelayed(c))
  }

  async #upgrade (key: string): Promise<void> {
    const peerId = peerIdFromString(key)
    this.#running.add(key)
    try {
      const relayed = this.#components.libp2p.getConnections(peerId).find(c => this.#wantsUpgrade(c))
      if (relayed == null) {
        // already direct, or the relayed connection is gone: nothing to do
        this.#retries.forget(key)
        return
      }
      const attempts = this.#retries.failures(key) + 1
      this.#outlooks.set(key, { state: 'trying', attempts })
      try {
        const made = await this.#components.libp2p.dial(webRtcAddress(relayed.remoteAddr, peerId), { signal: AbortSignal.timeout(UPGRADE_TIMEOUT_MS) })
        // libp2p joins dials to one peer: this one may have been handed what another dial made
        if (!isWebRtc(made)) throw new Error(`the dial gave back a relayed connection (${made.remoteAddr.toString()}), not a WebRTC one`)
        this.#log('direct WebRTC connection to %p is up', peerId)
        this.#retries.succeeded(key)
      } catch (err) {
        this.#log.error('WebRTC upgrade to %p failed (attempt %d) - %e', peerId, attempts, err)
        if (!this.#started) return
        if (isUnsupportedProtocol(err)) {
          // their browser has no WebRTC: trying again will not help
          this.#retries.forget(key)
          this.#outlooks.set(key, { state: 'unsupportedThere', attempts })
        } else if (this.#retries.failed(key) === undefined) {
          this.#outlooks.set(key, { state: 'failed', attempts })
        }
      }
    } finally {
      this.#running.delete(key)
    }
  }
}

/** The peer does not serve the protocol a dial needed (multistream-select said "na"), however deep the dial wrapped it. */
function isUnsupportedProtocol (err: unknown, depth = 0): boolean {
  if (err == null || typeof err !== 'object' || depth > 4) return false
  const { name, errors, cause } = err as { name?: unknown, errors?: unknown, cause?: unknown }
  if (name === 'UnsupportedProtocolError') return true
  if (Array.isArray(errors) && errors.some(e => isUnsupportedProtocol(e, depth + 1))) return true
  return isUnsupportedProtocol(cause, depth + 1)
}

/** `<relay>/p2p-circuit/p2p/<peer>` → `<relay>/p2p-circuit/webrtc/p2p/<peer>` */
export function webRtcAddress (circuitAddr: Multiaddr, peerId: PeerId): Multiaddr {
  const base = circuitAddr.toString().replace(new RegExp(`/p2p/${peerId.toString()}$`), '')
  return multiaddr(`${base}/webrtc/p2p/${peerId.toString()}`)
}
