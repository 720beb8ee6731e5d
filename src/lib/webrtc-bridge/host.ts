/**
 * Tab side of the WebRTC bridge: `RtcHost` carries out the worker's calls on
 * real `RTCPeerConnection`s and forwards their events (see protocol.ts and
 * docs/webrtc-bridge.md). One host per tab, on a port dedicated to the bridge.
 *
 * @example
 * ```ts
 * const host = new RtcHost(port, { visible: () => document.visibilityState === 'visible' })
 * document.addEventListener('visibilitychange', () => { host.setVisible(document.visibilityState === 'visible') })
 * addEventListener('pagehide', () => { host.close() })
 * ```
 */

import { MAX_CHANNELS_PER_PEER_CONNECTION, MAX_PEER_CONNECTIONS } from './constants.ts'
import { InvalidStateError, OperationError, TooManyError, errorToWire } from './errors.ts'
import { isWorkerToHost } from './guards.ts'
import { defaultBridgeLog } from './protocol.ts'
import type {
  BridgeLog, BridgePort, BridgeRequest, ChannelInfoWire, ChannelKey, ConfigurationWire, HostToWorker, PcKey, ReplyResult,
  WorkerToHost
} from './protocol.ts'
import { channelInfo, descriptionToWire, snapshot } from './host-types.ts'
import type { HostDataChannel, HostPeerConnection, HostPeerConnectionClass } from './host-types.ts'
import { HostCertificateStore } from './host-certificates.ts'
import { watchRemoteClose, wireDataChannel, wirePeerConnection } from './host-wiring.ts'

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
}

interface HostedPc {
  pc: HostPeerConnection
  channels: Set<ChannelKey>
  detach: () => void
}

interface HostedChannel {
  pcId: PcKey
  channel: HostDataChannel
  detach: () => void
  /** The proxy's `bufferedAmountLowThreshold`. */
  threshold: number
  /**
   * True while the real threshold is lowered to 0 after a low event above 0,
   * so the worker also learns when the buffer is empty (see docs/webrtc-bridge.md).
   */
  draining: boolean
}

/** Carries out a worker's WebRTC calls on real objects (see the module comment). */
export class RtcHost {
  readonly #port: BridgePort
  readonly #Ctor: HostPeerConnectionClass | undefined
  readonly #log: BridgeLog
  readonly #pcs = new Map<PcKey, HostedPc>()
  readonly #channels = new Map<ChannelKey, HostedChannel>()
  readonly #certs = new HostCertificateStore()
  #nextChannel = 1
  #closed = false

  constructor (port: BridgePort, options: RtcHostOptions = {}) {
    this.#port = port
    this.#Ctor = options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: HostPeerConnectionClass }).RTCPeerConnection
    this.#log = options.log ?? defaultBridgeLog
    port.addEventListener('message', this.#onMessage)
    port.addEventListener('messageerror', this.#onMessageError)
    port.addEventListener('close', this.#onPortClose)
    port.start?.()
    if (options.visible !== undefined) this.setVisible(options.visible())
  }

  /** Peer connections this tab currently hosts. */
  get peerConnectionCount (): number { return this.#pcs.size }

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
    if (!isWorkerToHost(data)) {
      this.#log('dropped a malformed message from the worker: %o', data)
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

  #handle (msg: WorkerToHost): void {
    switch (msg.type) {
      case 'request':
        this.#request(msg)
        return
      case 'pc.close':
        this.#closePc(msg.pcId)
        return
      case 'dc.send': {
        const entry = this.#channels.get(msg.channelId)
        let error = entry === undefined ? errorToWire(new InvalidStateError('Unknown data channel')) : null
        if (entry !== undefined) {
          this.#restoreThreshold(entry)
          try {
            sendOn(entry.channel, msg.data)
          } catch (err) {
            error = errorToWire(err)
          }
        }
        const bufferedAmount = entry?.channel.bufferedAmount ?? 0
        this.#post({ type: 'dc.sent', channelId: msg.channelId, bytes: msg.bytes, bufferedAmount, error })
        return
      }
      case 'dc.close':
        this.#channel(msg.channelId).close()
        return
      case 'dc.threshold': {
        const entry = this.#channels.get(msg.channelId)
        if (entry === undefined) throw new InvalidStateError(`Unknown data channel ${msg.channelId}`)
        entry.threshold = msg.threshold
        entry.draining = false
        entry.channel.bufferedAmountLowThreshold = msg.threshold
      }
    }
  }

  #restoreThreshold (entry: HostedChannel): void {
    if (!entry.draining) return
    entry.draining = false
    entry.channel.bufferedAmountLowThreshold = entry.threshold
  }

  #onLow (key: ChannelKey): void {
    const entry = this.#channels.get(key)
    if (entry === undefined) return
    if (entry.draining) {
      this.#restoreThreshold(entry)
    } else if (entry.channel.bufferedAmount > 0 && entry.threshold > 0) {
      entry.draining = true
      entry.channel.bufferedAmountLowThreshold = 0
    }
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
        this.#adoptChannel(msg.pcId, hosted, msg.channelId, channel)
        return { channel: { id: channel.id, readyState: channel.readyState } }
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
      const info = this.#adoptChannel(pcId, hosted, key, channel)
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

  #adoptChannel (pcId: PcKey, hosted: HostedPc, key: ChannelKey, channel: HostDataChannel): ChannelInfoWire {
    const detach = wireDataChannel(key, channel, (m, t) => { this.#post(m, t) }, {
      onClosed: () => { this.#dropChannel(key) },
      onLow: () => { this.#onLow(key) }
    })
    hosted.channels.add(key)
    this.#channels.set(key, { pcId, channel, detach, threshold: channel.bufferedAmountLowThreshold, draining: false })
    return channelInfo(key, channel)
  }

  #dropChannel (key: ChannelKey): void {
    const entry = this.#channels.get(key)
    if (entry === undefined) return
    entry.detach()
    this.#channels.delete(key)
    this.#pcs.get(entry.pcId)?.channels.delete(key)
  }

  #closePc (pcId: PcKey): void {
    const hosted = this.#pcs.get(pcId)
    if (hosted === undefined) return
    this.#pcs.delete(pcId)
    hosted.detach()
    for (const key of [...hosted.channels]) this.#dropChannel(key)
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

  #channel (key: ChannelKey): HostDataChannel {
    const entry = this.#channels.get(key)
    if (entry === undefined) throw new InvalidStateError(`Unknown data channel ${key}`)
    return entry.channel
  }
}

function sendOn (channel: HostDataChannel, data: ArrayBuffer | string | Blob): void {
  if (typeof data === 'string') channel.send(data)
  else if (data instanceof ArrayBuffer) channel.send(data)
  else channel.send(data)
}
