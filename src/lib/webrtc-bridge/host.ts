/**
 * Tab side of the WebRTC bridge: `RtcHost` carries out the worker's calls on
 * real `RTCPeerConnection`s and forwards their events (see protocol.ts and
 * docs/webrtc-bridge.md). One host per tab, on a port dedicated to the bridge.
 *
 * With `transferChannels`, the port leads to the tab's `ChannelPump` (pump.ts)
 * in a dedicated worker, and the host transfers every data channel to it as
 * soon as the channel exists: the bytes then never touch the main thread,
 * which may be busy rendering. Where a channel cannot be transferred, the
 * host drives it itself, as without a pump.
 *
 * @example
 * ```ts
 * const host = new RtcHost(port, { visible: () => document.visibilityState === 'visible' })
 * document.addEventListener('visibilitychange', () => { host.setVisible(document.visibilityState === 'visible') })
 * addEventListener('pagehide', () => { host.close() })
 * ```
 */

import { MAX_CHANNELS_PER_PEER_CONNECTION, MAX_PEER_CONNECTIONS } from './constants.ts'
import { ChannelTable } from './channel-table.ts'
import type { ChannelNotice } from './channel-table.ts'
import { InvalidStateError, OperationError, TooManyError, errorToWire } from './errors.ts'
import { isPumpClosed, isWorkerToHost } from './guards.ts'
import { defaultBridgeLog } from './protocol.ts'
import type {
  BridgeLog, BridgePort, BridgeRequest, ChannelInfoWire, ChannelKey, ConfigurationWire, HostToWorker, PcKey,
  PumpAdoptMessage, PumpToHost, ReplyResult
} from './protocol.ts'
import { channelInfo, descriptionToWire, snapshot } from './host-types.ts'
import type { HostDataChannel, HostPeerConnection, HostPeerConnectionClass } from './host-types.ts'
import { HostCertificateStore } from './host-certificates.ts'
import { watchRemoteClose, wirePeerConnection } from './host-wiring.ts'

/** The injectable WebRTC surface (see host-types.ts). */
export type { HostCertificate, HostDataChannel, HostPeerConnection, HostPeerConnectionClass } from './host-types.ts'

/** Options for {@link RtcHost}. */
export interface RtcHostOptions {
  /** The constructor to use (default: `globalThis.RTCPeerConnection`); tests inject a fake. */
  RTCPeerConnection?: HostPeerConnectionClass
  /** Initial visibility, reported to the worker at once when given. */
  visible?: () => boolean
  /** Where dropped messages and swallowed errors are reported (default: console.warn). */
  log?: BridgeLog
  /**
   * The port leads to a `ChannelPump` (pump.ts): transfer every data channel
   * to it in a `pump.adopt` message (default false: the port leads to the worker).
   */
  transferChannels?: boolean
}

interface HostedPc {
  pc: HostPeerConnection
  /** Its channels, whether this host drives them or the pump does: counted against the limit. */
  channels: Set<ChannelKey>
  detach: () => void
}

/** Carries out a worker's WebRTC calls on real objects (see the module comment). */
export class RtcHost {
  readonly #port: BridgePort
  readonly #Ctor: HostPeerConnectionClass | undefined
  readonly #log: BridgeLog
  readonly #pcs = new Map<PcKey, HostedPc>()
  /** The channels this host drives itself. */
  readonly #channels = new ChannelTable()
  /** The peer connection of every channel counted in a `HostedPc`, driven here or by the pump. */
  readonly #channelPc = new Map<ChannelKey, PcKey>()
  readonly #certs = new HostCertificateStore()
  /** Cleared for good after a transfer throws: this browser cannot transfer data channels. */
  #transfer: boolean
  #nextChannel = 1
  #closed = false

  constructor (port: BridgePort, options: RtcHostOptions = {}) {
    this.#port = port
    this.#Ctor = options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: HostPeerConnectionClass }).RTCPeerConnection
    this.#log = options.log ?? defaultBridgeLog
    this.#transfer = options.transferChannels ?? false
    port.addEventListener('message', this.#onMessage)
    port.addEventListener('messageerror', this.#onMessageError)
    port.addEventListener('close', this.#onPortClose)
    port.start?.()
    if (options.visible !== undefined) this.setVisible(options.visible())
  }

  /** Peer connections this tab currently hosts. */
  get peerConnectionCount (): number { return this.#pcs.size }

  /** Data channels of those peer connections, whether this host or its pump drives them. */
  get channelCount (): number { return this.#channelPc.size }

  /** Reports the tab's visibility to the worker (wire it to `visibilitychange`). */
  setVisible (visible: boolean): void {
    this.#post({ type: 'host.visibility', visible })
  }

  /** Tells the worker this tab is leaving, closes every real peer connection, and closes the port. */
  close (): void {
    if (this.#closed) return
    this.#post({ type: 'host.leave' })
    this.#shutdown()
    this.#port.close?.()
  }

  #shutdown (): void {
    this.#closed = true
    this.#port.removeEventListener('message', this.#onMessage)
    this.#port.removeEventListener('messageerror', this.#onMessageError)
    this.#port.removeEventListener('close', this.#onPortClose)
    for (const pcId of [...this.#pcs.keys()]) this.#closePc(pcId)
    this.#certs.clear()
  }

  readonly #onPortClose = (): void => {
    if (!this.#closed) this.#shutdown()
  }

  readonly #onMessageError = (): void => {
    this.#log('the worker sent a message that could not be deserialized; dropped')
  }

  readonly #onMessage = (event: Event): void => {
    const data: unknown = (event as MessageEvent).data
    if (!isWorkerToHost(data) && !isPumpClosed(data)) {
      // the type only: a 'create' carries ICE server credentials, which are never logged
      this.#log('dropped a malformed message from the worker (type %s)', describeType(data))
      return
    }
    try {
      this.#handle(data)
    } catch (err) {
      this.#log('error handling %s: %o', data.type, err)
      this.#post({ type: 'host.error', command: data.type, error: errorToWire(err) })
    }
  }

  #post (message: HostToWorker, transfer: ArrayBuffer[] = []): void {
    if (this.#closed) return
    try {
      this.#port.postMessage(message, transfer)
    } catch (err) {
      if (transfer.length > 0) {
        // A buffer that cannot be transferred is sent as a copy instead.
        this.#post(message)
        return
      }
      this.#log('postMessage to the worker failed: %o', err)
    }
  }

  #handle (msg: PumpToHost): void {
    switch (msg.type) {
      case 'request':
        this.#request(msg)
        return
      case 'pc.close':
        this.#closePc(msg.pcId)
        return
      case 'dc.send':
      case 'dc.sendMany':
      case 'dc.close':
      case 'dc.threshold':
        if (!this.#channels.handle(msg)) this.#unknownChannel(msg)
        return
      case 'pump.closed':
        // only for a channel the pump drives; one this host drives frees itself on its close event
        if (!this.#channels.has(msg.channelId)) this.#forgetChannel(msg.channelId)
    }
  }

  /**
   * A notice for a channel not driven here: it closed meanwhile (the worker
   * closes or tunes a channel while the close event is on its way), or never
   * existed. A close or threshold then has nothing left to do; a send is
   * answered with an error so the proxy's accounting settles.
   */
  #unknownChannel (msg: ChannelNotice): void {
    if (msg.type !== 'dc.send' && msg.type !== 'dc.sendMany') return
    const error = errorToWire(new InvalidStateError('Unknown data channel'))
    this.#post({ type: 'dc.sent', channelId: msg.channelId, bytes: msg.bytes, bufferedAmount: 0, error })
  }

  /** Starts the real call synchronously (keeping the worker's order), replies when it settles. */
  #request (msg: BridgeRequest): void {
    let result: Promise<ReplyResult>
    try {
      result = Promise.resolve(this.#run(msg))
    } catch (err) {
      result = Promise.reject(err)
    }
    result.then(
      r => { this.#post({ type: 'reply', id: msg.id, ok: true, result: r }) },
      (err: unknown) => { this.#post({ type: 'reply', id: msg.id, ok: false, error: errorToWire(err) }) }
    )
  }

  #run (msg: BridgeRequest): ReplyResult | Promise<ReplyResult> {
    switch (msg.op) {
      case 'pc.create':
        return { state: snapshot(this.#create(msg.pcId, msg.config)) }
      case 'pc.createOffer': {
        const pc = this.#pc(msg.pcId)
        return pc.createOffer({ iceRestart: msg.iceRestart })
          .then(d => ({ description: descriptionToWire({ type: d.type ?? 'offer', sdp: d.sdp }) ?? undefined, state: snapshot(pc) }))
      }
      case 'pc.createAnswer': {
        const pc = this.#pc(msg.pcId)
        return pc.createAnswer()
          .then(d => ({ description: descriptionToWire({ type: d.type ?? 'answer', sdp: d.sdp }) ?? undefined, state: snapshot(pc) }))
      }
      case 'pc.setLocalDescription': {
        const pc = this.#pc(msg.pcId)
        const p = msg.description === null ? pc.setLocalDescription() : pc.setLocalDescription(msg.description)
        return p.then(() => ({ state: snapshot(pc) }))
      }
      case 'pc.setRemoteDescription': {
        const pc = this.#pc(msg.pcId)
        return pc.setRemoteDescription(msg.description).then(() => ({ state: snapshot(pc) }))
      }
      case 'pc.addIceCandidate': {
        const pc = this.#pc(msg.pcId)
        const p = msg.candidate === null ? pc.addIceCandidate(null) : pc.addIceCandidate(msg.candidate)
        return p.then(() => ({ state: snapshot(pc) }))
      }
      case 'dc.create': {
        const hosted = this.#pcs.get(msg.pcId)
        if (hosted === undefined) throw new InvalidStateError(`Unknown peer connection ${msg.pcId}`)
        if (this.#channels.has(msg.channelId)) throw new InvalidStateError(`Data channel ${msg.channelId} exists`)
        if (hosted.channels.size >= MAX_CHANNELS_PER_PEER_CONNECTION) {
          throw new OperationError(`More than ${MAX_CHANNELS_PER_PEER_CONNECTION} data channels on one RTCPeerConnection`)
        }
        const channel = hosted.pc.createDataChannel(msg.label, msg.init)
        const info = this.#keepChannel(msg.pcId, hosted, msg.channelId, channel)
        return { channel: { id: info.id, readyState: info.readyState } }
      }
      case 'cert.generate':
        return this.#certs.generate(this.#Ctor, msg.algorithm).then(certificate => ({ certificate }))
    }
  }

  #create (pcId: PcKey, config: ConfigurationWire): HostPeerConnection {
    if (this.#Ctor === undefined) throw new InvalidStateError('This tab has no RTCPeerConnection')
    if (this.#pcs.has(pcId)) throw new InvalidStateError(`Peer connection ${pcId} exists`)
    if (this.#pcs.size >= MAX_PEER_CONNECTIONS) {
      throw new TooManyError(`This tab already hosts ${MAX_PEER_CONNECTIONS} WebRTC connections`)
    }
    const { certificates, ...rest } = config
    const real: RTCConfiguration = { ...rest }
    if (certificates !== undefined) {
      real.certificates = this.#certs.resolve(certificates)
    }
    const pc = new this.#Ctor(real)
    const hosted: HostedPc = { pc, channels: new Set(), detach: () => {} }
    hosted.detach = wirePeerConnection(pcId, pc, (m, t) => { this.#post(m, t) }, channel => {
      if (hosted.channels.size >= MAX_CHANNELS_PER_PEER_CONNECTION) {
        this.#log('closing a remote data channel of %s: too many channels', pcId)
        channel.close()
        return
      }
      const key = `h${this.#nextChannel++}` as ChannelKey
      const info = this.#keepChannel(pcId, hosted, key, channel)
      this.#post({ type: 'pc.datachannel', pcId, channel: info, state: snapshot(pc) })
    })
    const detachWiring = hosted.detach
    const detachWatch = watchRemoteClose(pc, () => { this.#remoteClosed(pcId) })
    hosted.detach = () => { detachWiring(); detachWatch() }
    this.#pcs.set(pcId, hosted)
    return pc
  }

  /** The remote peer ended the connection: close ours and tell the worker it failed. */
  #remoteClosed (pcId: PcKey): void {
    const hosted = this.#pcs.get(pcId)
    if (hosted === undefined) return
    const state = { ...snapshot(hosted.pc), connectionState: 'failed' as const, iceConnectionState: 'failed' as const }
    this.#closePc(pcId)
    this.#post({ type: 'pc.event', pcId, event: 'iceconnectionstatechange', state })
    this.#post({ type: 'pc.event', pcId, event: 'connectionstatechange', state })
  }

  /**
   * Counts a new channel against its peer connection and hands it to the pump,
   * or drives it here. Everything the worker is told about the channel is read
   * first: a transferred channel reads as closed on this side. Runs in the task
   * that created the channel (a browser transfers a channel only then), and
   * before the caller posts the reply or `pc.datachannel`, so the pump holds
   * the channel before the worker hears of it.
   */
  #keepChannel (pcId: PcKey, hosted: HostedPc, key: ChannelKey, channel: HostDataChannel): ChannelInfoWire {
    const info = channelInfo(key, channel)
    hosted.channels.add(key)
    this.#channelPc.set(key, pcId)
    if (!this.#transferToPump(pcId, key, channel)) {
      this.#channels.add(key, channel, (m, t) => { this.#post(m, t) }, () => { this.#forgetChannel(key) })
    }
    return info
  }

  /** Transfers `channel` to the pump; false (nothing sent) if there is no pump or the browser refuses. */
  #transferToPump (pcId: PcKey, channelId: ChannelKey, channel: HostDataChannel): boolean {
    if (!this.#transfer || this.#closed) return false
    const message: PumpAdoptMessage<HostDataChannel> = { type: 'pump.adopt', pcId, channelId, channel }
    try {
      // the real object is an RTCDataChannel, which is Transferable where the browser supports it
      this.#port.postMessage(message, [channel as unknown as Transferable])
      return true
    } catch (err) {
      // a browser that cannot transfer data channels will not learn to: stop trying
      this.#transfer = false
      this.#log('cannot transfer data channels to the pump, this tab drives them: %o', err)
      return false
    }
  }

  /** A channel is gone: free its place in its peer connection's count. */
  #forgetChannel (key: ChannelKey): void {
    const pcId = this.#channelPc.get(key)
    if (pcId === undefined) return
    this.#channelPc.delete(key)
    this.#pcs.get(pcId)?.channels.delete(key)
  }

  #closePc (pcId: PcKey): void {
    const hosted = this.#pcs.get(pcId)
    if (hosted === undefined) return
    this.#pcs.delete(pcId)
    hosted.detach()
    for (const key of hosted.channels) {
      // channels the pump drives close with the real pc, and the pump sees their close events
      this.#channels.drop(key)
      this.#channelPc.delete(key)
    }
    try {
      hosted.pc.close()
    } catch (err) {
      this.#log('closing %s threw: %o', pcId, err)
    }
  }

  #pc (pcId: PcKey): HostPeerConnection {
    const hosted = this.#pcs.get(pcId)
    if (hosted === undefined) throw new InvalidStateError(`Unknown peer connection ${pcId}`)
    return hosted.pc
  }
}

/** A malformed message's `type`, bounded, for the log. */
function describeType (data: unknown): string {
  const type = typeof data === 'object' && data !== null ? (data as { type?: unknown }).type : undefined
  return typeof type === 'string' ? type.slice(0, 32) : typeof type
}
