/**
 * Worker-side `RTCPeerConnection` proxy. The constructor picks the bridge's
 * current host and posts `pc.create`; every method is a request to that host,
 * whose replies and events carry a state snapshot that the getters return.
 *
 * It never throws for bridge reasons in the constructor (libp2p would not
 * expect it): with no host, or over a limit, the connection turns 'failed'
 * asynchronously and its methods reject with the reason (`NoRtcHostError`, …).
 */

import { MAX_CHANNELS_PER_PEER_CONNECTION, MAX_ICE_SERVERS } from './constants.ts'
import { InvalidStateError, OperationError, RtcHostGoneError } from './errors.ts'
import {
  BridgeDataChannelEvent, BridgeIceCandidateErrorEvent, BridgeIceCandidateEvent, HandlerSlots
} from './events.ts'
import type { EventHandler } from './events.ts'
import type { HostLink } from './host-link.ts'
import type {
  ChannelKey, ConfigurationWire, DataChannelInitWire, HostEvent, IceServerWire, PcKey, PcStateWire, ReplyResult,
  RequestBody, SessionDescriptionWire
} from './protocol.ts'
import { ProxyDataChannel } from './proxy-channel.ts'
import type { ChannelOwner } from './proxy-channel.ts'
import { ProxyCertificate, ProxyIceCandidate, ProxySessionDescription, toCandidateWire, toDescriptionWire } from './proxy-descriptions.ts'
import type { IceCandidateInitLike } from './proxy-descriptions.ts'

/** Host events addressed to a peer connection. */
export type PcHostEvent = Extract<HostEvent, { pcId: PcKey }>

/** What a proxy peer connection needs from its bridge. */
export interface BridgeContext {
  nextPcKey: () => PcKey
  nextChannelKey: () => ChannelKey
  /** Registers the pc on a host (the current one, or `hostId` when certificates pin it), or says why not. */
  attach: (pc: ProxyPeerConnection, hostId: number | undefined) => HostLink | Error
  /** Unregisters a closed pc. */
  detach: (pc: ProxyPeerConnection, link: HostLink | null) => void
  /** The pc's ICE connection state became 'disconnected' (its host's browser stopped hearing the other side). */
  iceDisconnected: (pc: ProxyPeerConnection) => void
}

/** The part of `RTCConfiguration` the proxy understands (unknown members are ignored, as in browsers). */
export interface ProxyConfiguration {
  iceServers?: Array<{ urls: string | string[], username?: string, credential?: string }>
  iceTransportPolicy?: 'all' | 'relay'
  bundlePolicy?: 'balanced' | 'max-bundle' | 'max-compat'
  rtcpMuxPolicy?: 'require'
  iceCandidatePoolSize?: number
  certificates?: unknown[]
}

function toConfigWire (config: ProxyConfiguration): { wire: ConfigurationWire, hostId: number | undefined } {
  const wire: ConfigurationWire = {}
  if (config.iceServers !== undefined) {
    wire.iceServers = config.iceServers.slice(0, MAX_ICE_SERVERS).map(s => {
      const server: IceServerWire = { urls: Array.isArray(s.urls) ? [...s.urls] : s.urls }
      if (s.username !== undefined) server.username = s.username
      if (s.credential !== undefined) server.credential = s.credential
      return server
    })
  }
  if (config.iceTransportPolicy !== undefined) wire.iceTransportPolicy = config.iceTransportPolicy
  if (config.bundlePolicy !== undefined) wire.bundlePolicy = config.bundlePolicy
  if (config.rtcpMuxPolicy !== undefined) wire.rtcpMuxPolicy = config.rtcpMuxPolicy
  if (config.iceCandidatePoolSize !== undefined) wire.iceCandidatePoolSize = config.iceCandidatePoolSize
  let hostId: number | undefined
  if (config.certificates !== undefined && config.certificates.length > 0) {
    wire.certificates = config.certificates.map(c => {
      if (!(c instanceof ProxyCertificate)) {
        throw new TypeError('RTCConfiguration.certificates must come from RTCPeerConnection.generateCertificate()')
      }
      hostId = c.hostId
      return c.certId
    })
  }
  return { wire, hostId }
}

const CLOSED_STATE: Omit<PcStateWire, 'localDescription' | 'remoteDescription'> = {
  connectionState: 'closed', iceConnectionState: 'closed', signalingState: 'closed', iceGatheringState: 'complete'
}

/** A proxy `RTCPeerConnection` (see the module comment). */
export class ProxyPeerConnection extends EventTarget implements ChannelOwner {
  /** @internal The bridge's key for this peer connection. */
  readonly _key: PcKey
  readonly #ctx: BridgeContext
  readonly #link: HostLink | null
  readonly #h = new HandlerSlots(this)
  readonly #channels = new Set<ProxyDataChannel>()
  #state: PcStateWire = {
    connectionState: 'new',
    iceConnectionState: 'new',
    signalingState: 'stable',
    iceGatheringState: 'new',
    localDescription: null,
    remoteDescription: null
  }

  #local: ProxySessionDescription | null = null
  #remote: ProxySessionDescription | null = null
  #failure: Error | null = null
  #closed = false

  constructor (ctx: BridgeContext, config: ProxyConfiguration = {}) {
    super()
    const { wire, hostId } = toConfigWire(config)
    this.#ctx = ctx
    this._key = ctx.nextPcKey()
    const link = ctx.attach(this, hostId)
    if (link instanceof Error) {
      this.#link = null
      this.#failure = link
      queueMicrotask(() => { this.#fail() })
      return
    }
    this.#link = link
    link.request({ op: 'pc.create', pcId: this._key, config: wire }, this._key).then(
      result => { this.#apply(result) },
      (err: Error) => {
        if (this.#closed) return
        this.#failure = err
        this.#fail()
      }
    )
  }

  get connectionState (): PcStateWire['connectionState'] { return this.#state.connectionState }
  get iceConnectionState (): PcStateWire['iceConnectionState'] { return this.#state.iceConnectionState }
  get signalingState (): PcStateWire['signalingState'] { return this.#state.signalingState }
  get iceGatheringState (): PcStateWire['iceGatheringState'] { return this.#state.iceGatheringState }
  get localDescription (): ProxySessionDescription | null { return this.#local }
  get remoteDescription (): ProxySessionDescription | null { return this.#remote }
  get currentLocalDescription (): ProxySessionDescription | null { return this.#local }
  get currentRemoteDescription (): ProxySessionDescription | null { return this.#remote }

  get onicecandidate (): EventHandler<BridgeIceCandidateEvent<ProxyIceCandidate>> { return this.#h.get('icecandidate') }
  set onicecandidate (fn: EventHandler<BridgeIceCandidateEvent<ProxyIceCandidate>>) { this.#h.set('icecandidate', fn) }
  get onicecandidateerror (): EventHandler<BridgeIceCandidateErrorEvent> { return this.#h.get('icecandidateerror') }
  set onicecandidateerror (fn: EventHandler<BridgeIceCandidateErrorEvent>) { this.#h.set('icecandidateerror', fn) }
  get onconnectionstatechange (): EventHandler { return this.#h.get('connectionstatechange') }
  set onconnectionstatechange (fn: EventHandler) { this.#h.set('connectionstatechange', fn) }
  get oniceconnectionstatechange (): EventHandler { return this.#h.get('iceconnectionstatechange') }
  set oniceconnectionstatechange (fn: EventHandler) { this.#h.set('iceconnectionstatechange', fn) }
  get onsignalingstatechange (): EventHandler { return this.#h.get('signalingstatechange') }
  set onsignalingstatechange (fn: EventHandler) { this.#h.set('signalingstatechange', fn) }
  get onicegatheringstatechange (): EventHandler { return this.#h.get('icegatheringstatechange') }
  set onicegatheringstatechange (fn: EventHandler) { this.#h.set('icegatheringstatechange', fn) }
  get onnegotiationneeded (): EventHandler { return this.#h.get('negotiationneeded') }
  set onnegotiationneeded (fn: EventHandler) { this.#h.set('negotiationneeded', fn) }
  get ondatachannel (): EventHandler<BridgeDataChannelEvent<ProxyDataChannel>> { return this.#h.get('datachannel') }
  set ondatachannel (fn: EventHandler<BridgeDataChannelEvent<ProxyDataChannel>>) { this.#h.set('datachannel', fn) }

  /** Resolves with `{ type: 'offer', sdp }` created by the host's real connection. */
  async createOffer (options?: { iceRestart?: boolean }): Promise<SessionDescriptionWire> {
    const r = await this.#request({ op: 'pc.createOffer', pcId: this._key, iceRestart: options?.iceRestart === true })
    if (r.description === undefined) throw new OperationError('The RTC host returned no offer')
    return r.description
  }

  /** Resolves with `{ type: 'answer', sdp }` created by the host's real connection. */
  async createAnswer (): Promise<SessionDescriptionWire> {
    const r = await this.#request({ op: 'pc.createAnswer', pcId: this._key })
    if (r.description === undefined) throw new OperationError('The RTC host returned no answer')
    return r.description
  }

  /** `localDescription` is updated before this resolves. */
  async setLocalDescription (description?: { type?: string, sdp?: string } | null): Promise<void> {
    const wire = description == null ? null : toDescriptionWire(description)
    await this.#request({ op: 'pc.setLocalDescription', pcId: this._key, description: wire })
  }

  /** `remoteDescription` is updated before this resolves. */
  async setRemoteDescription (description: { type?: string, sdp?: string }): Promise<void> {
    await this.#request({ op: 'pc.setRemoteDescription', pcId: this._key, description: toDescriptionWire(description) })
  }

  /** Null/undefined (or an empty candidate) signals the end of candidates. */
  async addIceCandidate (candidate?: IceCandidateInitLike | null): Promise<void> {
    const wire = candidate == null ? null : toCandidateWire(candidate)
    await this.#request({ op: 'pc.addIceCandidate', pcId: this._key, candidate: wire })
  }

  /** Returns a proxy channel at once (readyState 'connecting'); the host creates the real one. */
  createDataChannel (label: string, init: DataChannelInitWire = {}): ProxyDataChannel {
    if (this.#closed) throw new InvalidStateError('The RTCPeerConnection is closed')
    if (this.#channels.size >= MAX_CHANNELS_PER_PEER_CONNECTION) {
      throw new OperationError(`More than ${MAX_CHANNELS_PER_PEER_CONNECTION} data channels on one RTCPeerConnection`)
    }
    const channelId = this.#ctx.nextChannelKey()
    const channel = new ProxyDataChannel(this.#link, this, {
      channelId,
      id: init.negotiated === true ? init.id ?? null : null,
      label: String(label),
      protocol: init.protocol ?? '',
      ordered: init.ordered ?? true,
      maxPacketLifeTime: init.maxPacketLifeTime ?? null,
      maxRetransmits: init.maxRetransmits ?? null,
      negotiated: init.negotiated ?? false,
      readyState: 'connecting',
      bufferedAmount: 0
    })
    this.#channels.add(channel)
    const link = this.#link
    if (link === null || this.#failure !== null) {
      queueMicrotask(() => { channel._forceClosed() })
      return channel
    }
    link.channels.set(channelId, channel)
    const wireInit: DataChannelInitWire = {}
    for (const k of ['ordered', 'maxPacketLifeTime', 'maxRetransmits', 'protocol', 'negotiated', 'id'] as const) {
      if (init[k] !== undefined) Object.assign(wireInit, { [k]: init[k] })
    }
    link.request({ op: 'dc.create', pcId: this._key, channelId, label: String(label), init: wireInit }, this._key).then(
      result => { channel._created(result.channel?.id ?? null, result.channel?.readyState ?? 'connecting') },
      () => { channel._forceClosed() }
    )
    return channel
  }

  /** Closes at once (states 'closed', no state events, as in browsers); channels close with 'close' events. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#state = { ...this.#state, ...CLOSED_STATE }
    if (this.#link !== null) {
      // what the channels sent in this task goes first, as the real pc has it before close()
      for (const channel of this.#channels) channel._flush()
      this.#link.notify({ type: 'pc.close', pcId: this._key })
      this.#link.rejectPendingFor(this._key, new InvalidStateError('The RTCPeerConnection was closed'))
    }
    for (const channel of [...this.#channels]) channel._closeSoon()
    this.#ctx.detach(this, this.#link)
  }

  /** @internal A channel reached 'closed'. */
  channelClosed (channel: ProxyDataChannel): void {
    this.#channels.delete(channel)
    this.#link?.channels.delete(channel._key)
  }

  /** @internal The host went away: everything closes, with events (unlike `close()`). */
  _hostLost (): void {
    if (this.#closed) return
    this.#closed = true
    this.#failure = new RtcHostGoneError()
    this.#state = { ...this.#state, ...CLOSED_STATE }
    for (const channel of [...this.#channels]) channel._forceClosed()
    this.#ctx.detach(this, this.#link)
    this.dispatchEvent(new Event('iceconnectionstatechange'))
    this.dispatchEvent(new Event('connectionstatechange'))
  }

  /** @internal An event from the host for this peer connection. */
  _onHostEvent (msg: PcHostEvent): void {
    if (this.#closed) return
    this.#apply({ state: msg.state })
    switch (msg.type) {
      case 'pc.icecandidate':
        this.dispatchEvent(new BridgeIceCandidateEvent(msg.candidate === null ? null : new ProxyIceCandidate(msg.candidate)))
        return
      case 'pc.icecandidateerror':
        this.dispatchEvent(new BridgeIceCandidateErrorEvent(msg.error))
        return
      case 'pc.event':
        this.dispatchEvent(new Event(msg.event))
        if (msg.event === 'iceconnectionstatechange' && this.#state.iceConnectionState === 'disconnected' && !this.#closed) this.#ctx.iceDisconnected(this)
        return
      case 'pc.datachannel':
        this.#onRemoteChannel(msg)
    }
  }

  #onRemoteChannel (msg: Extract<PcHostEvent, { type: 'pc.datachannel' }>): void {
    const link = this.#link
    if (link === null) return
    if (this.#channels.size >= MAX_CHANNELS_PER_PEER_CONNECTION) {
      link.notify({ type: 'dc.close', channelId: msg.channel.channelId })
      return
    }
    const channel = new ProxyDataChannel(link, this, msg.channel)
    this.#channels.add(channel)
    link.channels.set(msg.channel.channelId, channel)
    this.dispatchEvent(new BridgeDataChannelEvent(channel))
  }

  async #request (body: RequestBody): Promise<ReplyResult> {
    if (this.#closed) throw new InvalidStateError('The RTCPeerConnection is closed')
    if (this.#failure !== null) throw this.#failure
    if (this.#link === null) throw new InvalidStateError('The RTCPeerConnection has no host')
    try {
      const result = await this.#link.request(body, this._key)
      this.#apply(result)
      return result
    } catch (err) {
      throw this.#failure ?? err
    }
  }

  #apply (result: ReplyResult): void {
    const s = result.state
    if (s === undefined || this.#closed) return
    if (!sameDescription(s.localDescription, this.#state.localDescription)) {
      this.#local = s.localDescription === null ? null : new ProxySessionDescription(s.localDescription)
    }
    if (!sameDescription(s.remoteDescription, this.#state.remoteDescription)) {
      this.#remote = s.remoteDescription === null ? null : new ProxySessionDescription(s.remoteDescription)
    }
    this.#state = s
  }

  #fail (): void {
    if (this.#closed || this.#state.connectionState === 'failed') return
    this.#state = { ...this.#state, connectionState: 'failed', iceConnectionState: 'failed' }
    for (const channel of [...this.#channels]) channel._forceClosed()
    this.dispatchEvent(new Event('iceconnectionstatechange'))
    this.dispatchEvent(new Event('connectionstatechange'))
  }
}

function sameDescription (a: SessionDescriptionWire | null, b: SessionDescriptionWire | null): boolean {
  return a === b || (a !== null && b !== null && a.type === b.type && a.sdp === b.sdp)
}
