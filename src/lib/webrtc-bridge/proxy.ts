/**
 * Worker side of the WebRTC bridge. `RtcBridge` keeps the registered host tabs
 * and provides proxy `RTCPeerConnection` / `RTCSessionDescription` /
 * `RTCIceCandidate` classes; `installRtcBridge` puts them on the worker's
 * global scope before `@libp2p/webrtc` is loaded (it reads the globals when its
 * module is evaluated).
 *
 * @example
 * ```ts
 * const bridge = new RtcBridge()
 * installRtcBridge(bridge)
 * const { createNode } = await import('./node.ts') // loads @libp2p/webrtc afterwards
 * // for each tab that connects:
 * const host = bridge.addHost(port, { visible: true })
 * bridge.onHostsChanged = (detail) => { if (detail.lostPeerConnections > 0) redialContacts() }
 * ```
 */

import { MAX_HOSTS, MAX_PEER_CONNECTIONS, REQUEST_TIMEOUT_MS } from './constants.ts'
import { NoRtcHostError, RtcHostGoneError, TooManyError } from './errors.ts'
import { HostLink } from './host-link.ts'
import { defaultBridgeLog } from './protocol.ts'
import type { BridgeLog, BridgePort, ChannelKey, KeygenAlgorithmWire, PcKey } from './protocol.ts'
import { ProxyCertificate, ProxyIceCandidate, ProxySessionDescription } from './proxy-descriptions.ts'
import { ProxyPeerConnection } from './proxy-peer-connection.ts'
import type { BridgeContext, ProxyConfiguration } from './proxy-peer-connection.ts'

export { NoRtcHostError, RtcHostGoneError } from './errors.ts'
export { ProxyPeerConnection } from './proxy-peer-connection.ts'
export { ProxyDataChannel } from './proxy-channel.ts'
export { ProxyCertificate, ProxyIceCandidate, ProxySessionDescription } from './proxy-descriptions.ts'

/** Options for {@link RtcBridge}. */
export interface RtcBridgeOptions {
  /** Where dropped messages and swallowed errors are reported (default: console.warn). */
  log?: BridgeLog
  /** Per-request timeout (default {@link REQUEST_TIMEOUT_MS}). */
  requestTimeoutMs?: number
}

/** Handle returned by {@link RtcBridge.addHost}. */
export interface RtcHostHandle {
  /** The bridge's id for this host. */
  readonly id: number
  /** Reports the tab's visibility (the bridge prefers visible tabs for new peer connections). */
  setVisible: (visible: boolean) => void
  /** Unregisters the host: its peer connections close, as if the tab had gone. */
  remove: () => void
}

/** Why and how the set of hosts changed. */
export interface HostsChangedDetail {
  reason: 'added' | 'removed' | 'visibility'
  hostId: number
  /** Peer connections closed because this host went away (re-dial if > 0). */
  lostPeerConnections: number
  hostCount: number
  currentHostId: number | undefined
}

/** The `hostschange` event of {@link RtcBridge}. */
export class HostsChangedEvent extends Event {
  readonly detail: HostsChangedDetail
  constructor (detail: HostsChangedDetail) {
    super('hostschange')
    this.detail = detail
  }
}

/** The proxy `RTCPeerConnection` class bound to one bridge, with the static `generateCertificate`. */
export interface ProxyPeerConnectionClass {
  new (config?: ProxyConfiguration): ProxyPeerConnection
  generateCertificate: (algorithm: string | KeygenAlgorithmWire) => Promise<ProxyCertificate>
}

/** The three classes `installRtcBridge` puts on the global scope. */
export interface RtcBridgeClasses {
  RTCPeerConnection: ProxyPeerConnectionClass
  RTCSessionDescription: typeof ProxySessionDescription
  RTCIceCandidate: typeof ProxyIceCandidate
}

/**
 * The worker's registry of RTC host tabs and the factory of proxy classes.
 * New peer connections go to the current host (the most recently visible
 * visible tab, else the most recently added tab) and stay on it.
 * Dispatches {@link HostsChangedEvent} (`hostschange`) and calls `onHostsChanged`.
 */
export class RtcBridge extends EventTarget {
  /** Proxy classes compatible with what @libp2p/webrtc uses. */
  readonly classes: RtcBridgeClasses
  /** Called after every `hostschange` event. */
  onHostsChanged: ((detail: HostsChangedDetail) => void) | null = null
  /**
   * Called when a peer connection's ICE state becomes 'disconnected': the
   * host's browser stopped hearing the other side (it closed without a word,
   * or the network went). The data channels stay open until ICE fails, which
   * takes the browser about 30 s; the node probes its direct connections at
   * once instead (presence/direct-upgrade.ts, checkDirect).
   */
  onIceDisconnected: (() => void) | null = null

  readonly #log: BridgeLog
  readonly #timeoutMs: number
  readonly #hosts = new Map<number, HostLink>()
  readonly #pcs = new Set<ProxyPeerConnection>()
  #nextHostId = 1
  #nextPc = 1
  #nextChannel = 1
  #stamp = 0

  constructor (options: RtcBridgeOptions = {}) {
    super()
    this.#log = options.log ?? defaultBridgeLog
    this.#timeoutMs = options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS
    const ctx: BridgeContext = {
      nextPcKey: () => `p${this.#nextPc++}` as PcKey,
      nextChannelKey: () => `w${this.#nextChannel++}` as ChannelKey,
      attach: (pc, hostId) => this.#attach(pc, hostId),
      detach: (pc, link) => {
        link?.pcs.delete(pc._key)
        this.#pcs.delete(pc)
      },
      iceDisconnected: () => {
        try {
          this.onIceDisconnected?.()
        } catch (err) {
          this.#log('onIceDisconnected threw: %o', err)
        }
      }
    }
    const generateCertificate = async (algorithm: string | KeygenAlgorithmWire): Promise<ProxyCertificate> => {
      const link = this.#current()
      if (link === undefined) throw new NoRtcHostError()
      const alg = typeof algorithm === 'string' ? { name: algorithm } : algorithm
      const r = await link.request({ op: 'cert.generate', algorithm: pickAlgorithm(alg) })
      if (r.certificate === undefined) throw new RtcHostGoneError('The RTC host returned no certificate')
      return new ProxyCertificate(r.certificate, link.id)
    }
    class RTCPeerConnection extends ProxyPeerConnection {
      constructor (config?: ProxyConfiguration) {
        super(ctx, config)
      }

      static async generateCertificate (algorithm: string | KeygenAlgorithmWire): Promise<ProxyCertificate> {
        return await generateCertificate(algorithm)
      }
    }
    this.classes = {
      RTCPeerConnection,
      RTCSessionDescription: ProxySessionDescription,
      RTCIceCandidate: ProxyIceCandidate
    }
  }

  /** Registered hosts. */
  get hostCount (): number { return this.#hosts.size }
  /** The host new peer connections go to, or undefined when there is none. */
  get currentHostId (): number | undefined { return this.#current()?.id }
  /** Open proxy peer connections across all hosts. */
  get peerConnectionCount (): number { return this.#pcs.size }

  /**
   * Registers a tab's dedicated port (its other end is given to `new RtcHost(port)`).
   * Throws `TooManyError` past {@link MAX_HOSTS}.
   */
  addHost (port: BridgePort, info: { visible: boolean }): RtcHostHandle {
    if (this.#hosts.size >= MAX_HOSTS) throw new TooManyError(`More than ${MAX_HOSTS} RTC host tabs`)
    const link = new HostLink({
      id: this.#nextHostId++,
      port,
      visible: info.visible,
      log: this.#log,
      timeoutMs: this.#timeoutMs,
      stamp: () => ++this.#stamp,
      events: {
        onGone: (gone, lost) => {
          this.#hosts.delete(gone.id)
          this.#changed('removed', gone.id, lost)
        },
        onVisibility: l => { this.#changed('visibility', l.id, 0) }
      }
    })
    this.#hosts.set(link.id, link)
    this.#changed('added', link.id, 0)
    return {
      id: link.id,
      setVisible: (visible: boolean) => {
        if (link.gone || link.visible === visible) return
        link.visible = visible
        if (visible) link.visibleAt = ++this.#stamp
        this.#changed('visibility', link.id, 0)
      },
      remove: () => { link.lose('removed') }
    }
  }

  #current (): HostLink | undefined {
    let best: HostLink | undefined
    for (const link of this.#hosts.values()) {
      if (best === undefined) { best = link; continue }
      if (link.visible !== best.visible) {
        if (link.visible) best = link
        continue
      }
      const a = link.visible ? link.visibleAt : link.addedAt
      const b = best.visible ? best.visibleAt : best.addedAt
      if (a > b) best = link
    }
    return best
  }

  #attach (pc: ProxyPeerConnection, hostId: number | undefined): HostLink | Error {
    if (this.#pcs.size >= MAX_PEER_CONNECTIONS) {
      return new TooManyError(`More than ${MAX_PEER_CONNECTIONS} WebRTC connections are open`)
    }
    const link = hostId === undefined ? this.#current() : this.#hosts.get(hostId)
    if (link === undefined) {
      return hostId === undefined
        ? new NoRtcHostError()
        : new RtcHostGoneError('The tab that holds this connection\'s certificate went away')
    }
    link.pcs.set(pc._key, pc)
    this.#pcs.add(pc)
    return link
  }

  #changed (reason: HostsChangedDetail['reason'], hostId: number, lostPeerConnections: number): void {
    const detail: HostsChangedDetail = {
      reason, hostId, lostPeerConnections, hostCount: this.#hosts.size, currentHostId: this.#current()?.id
    }
    this.dispatchEvent(new HostsChangedEvent(detail))
    try {
      this.onHostsChanged?.(detail)
    } catch (err) {
      this.#log('onHostsChanged threw: %o', err)
    }
  }
}

function pickAlgorithm (a: KeygenAlgorithmWire): KeygenAlgorithmWire {
  const out: KeygenAlgorithmWire = { name: String(a.name) }
  if (typeof a.namedCurve === 'string') out.namedCurve = a.namedCurve
  if (typeof a.hash === 'string') out.hash = a.hash
  if (typeof a.modulusLength === 'number') out.modulusLength = a.modulusLength
  if (typeof a.expires === 'number') out.expires = a.expires
  return out
}

/** A global scope that may get the proxy classes. */
export type RtcGlobalScope = Partial<Record<'RTCPeerConnection' | 'RTCSessionDescription' | 'RTCIceCandidate', unknown>>

/**
 * Sets `RTCPeerConnection`, `RTCSessionDescription` and `RTCIceCandidate` on
 * `scope` to the bridge's proxies, each only where missing unless `force`
 * (a Window or a DedicatedWorker with real ones keeps them). Call it before
 * `@libp2p/webrtc` is imported. Returns the names it set.
 */
export function installRtcBridge (bridge: RtcBridge, scope: object = globalThis, options: { force?: boolean } = {}): string[] {
  const target = scope as RtcGlobalScope
  const set: string[] = []
  for (const name of ['RTCPeerConnection', 'RTCSessionDescription', 'RTCIceCandidate'] as const) {
    if (options.force === true || target[name] === undefined) {
      target[name] = bridge.classes[name]
      set.push(name)
    }
  }
  return set
}
