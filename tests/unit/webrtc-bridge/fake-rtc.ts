/**
 * In-memory fake of the browser's RTCPeerConnection / RTCDataChannel for the
 * bridge tests. Two fakes of one {@link FakeRtcWorld} "connect" once offer and
 * answer have been exchanged (the SDP carries a token naming the other fake);
 * channels deliver messages to their remote twin. With `world.autoDrain =
 * false`, sent bytes stay in `bufferedAmount` until the test calls `drain()`.
 * Events are dispatched in separate macrotasks, as a browser would.
 */

import type { HostCertificate, HostDataChannel, HostPeerConnection, HostPeerConnectionClass } from '../../../src/lib/webrtc-bridge/host.ts'

const later = (fn: () => void): void => { setTimeout(fn, 0) }

function namedError (name: string, message: string): Error {
  const err = new Error(message)
  err.name = name
  return err
}

function sizeOf (data: unknown): number {
  if (typeof data === 'string') return new TextEncoder().encode(data).byteLength
  if (data instanceof ArrayBuffer) return data.byteLength
  if (data instanceof Blob) return data.size
  return 0
}

/** The shared "network" of fakes. */
export class FakeRtcWorld {
  /** Deliver sent messages (and drain bufferedAmount) automatically. */
  autoDrain = true
  readonly pcs: FakePeerConnection[] = []
  readonly tokens = new Map<string, FakePeerConnection>()
  nextToken = 1
  /** Every RTCConfiguration the fakes were constructed with. */
  readonly configs: RTCConfiguration[] = []
  /** The constructor to inject into `RtcHost`. */
  readonly Ctor: HostPeerConnectionClass

  constructor () {
    this.Ctor = FakeRtcWorld.#bind(this)
  }

  static #bind (world: FakeRtcWorld): HostPeerConnectionClass {
    return class extends FakePeerConnection {
      constructor (config?: RTCConfiguration) {
        super(world, config ?? {})
      }

      static async generateCertificate (_algorithm: AlgorithmIdentifier): Promise<HostCertificate> {
        return { expires: Date.now() + 86_400_000, getFingerprints: () => [{ algorithm: 'sha-256', value: 'AA:BB' }] }
      }
    }
  }

  /** All channels of all fakes. */
  get channels (): FakeDataChannel[] {
    return this.pcs.flatMap(pc => pc.channels)
  }
}

/** A fake RTCDataChannel. */
export class FakeDataChannel extends EventTarget implements HostDataChannel {
  id: number | null = null
  readonly label: string
  readonly protocol: string
  readonly ordered: boolean
  readonly maxPacketLifeTime: number | null
  readonly maxRetransmits: number | null
  readonly negotiated: boolean
  readyState: RTCDataChannelState = 'connecting'
  bufferedAmount = 0
  bufferedAmountLowThreshold = 0
  binaryType: BinaryType = 'blob'
  remote: FakeDataChannel | null = null
  readonly outbox: ArrayBuffer[] = []
  /** Everything this channel received, in order. */
  readonly received: unknown[] = []
  readonly world: FakeRtcWorld

  constructor (world: FakeRtcWorld, label: string, init: RTCDataChannelInit = {}) {
    super()
    this.world = world
    this.label = label
    this.protocol = init.protocol ?? ''
    this.ordered = init.ordered ?? true
    this.maxPacketLifeTime = init.maxPacketLifeTime ?? null
    this.maxRetransmits = init.maxRetransmits ?? null
    this.negotiated = init.negotiated ?? false
  }

  send (data: string | Blob | ArrayBuffer): void {
    if (this.readyState !== 'open') throw namedError('InvalidStateError', 'not open')
    const copy = data instanceof ArrayBuffer ? data.slice(0) : new ArrayBuffer(0)
    this.bufferedAmount += sizeOf(data)
    this.outbox.push(copy)
    if (this.world.autoDrain) later(() => { this.drain() })
  }

  /** Delivers up to `count` queued messages to the remote channel, firing bufferedamountlow on the crossing. */
  drain (count = Infinity): void {
    while (count-- > 0 && this.outbox.length > 0) {
      const buf = this.outbox.shift() as ArrayBuffer
      const before = this.bufferedAmount
      this.bufferedAmount -= buf.byteLength
      this.remote?.deliver(buf)
      if (before > this.bufferedAmountLowThreshold && this.bufferedAmount <= this.bufferedAmountLowThreshold) {
        this.dispatchEvent(new Event('bufferedamountlow'))
      }
    }
  }

  deliver (buf: ArrayBuffer): void {
    if (this.readyState !== 'open') return
    this.received.push(buf)
    this.dispatchEvent(Object.assign(new Event('message'), { data: buf }))
  }

  close (): void {
    if (this.readyState === 'closing' || this.readyState === 'closed') return
    this.readyState = 'closing'
    later(() => {
      this.finishClose()
      const remote = this.remote
      if (remote !== null && remote.readyState !== 'closed') {
        remote.readyState = 'closing'
        remote.dispatchEvent(new Event('closing'))
        later(() => { remote.finishClose() })
      }
    })
  }

  finishClose (): void {
    if (this.readyState === 'closed') return
    this.readyState = 'closed'
    this.dispatchEvent(new Event('close'))
  }

  open (id: number): void {
    if (this.readyState !== 'connecting') return
    this.id = id
    this.readyState = 'open'
    this.dispatchEvent(new Event('open'))
  }
}

/** A fake RTCPeerConnection. */
export class FakePeerConnection extends EventTarget implements HostPeerConnection {
  connectionState: RTCPeerConnectionState = 'new'
  iceConnectionState: RTCIceConnectionState = 'new'
  signalingState: RTCSignalingState = 'stable'
  iceGatheringState: RTCIceGatheringState = 'new'
  localDescription: { type: RTCSdpType, sdp: string } | null = null
  remoteDescription: { type: RTCSdpType, sdp: string } | null = null
  readonly channels: FakeDataChannel[] = []
  readonly candidates: Array<RTCIceCandidateInit | null> = []
  peer: FakePeerConnection | null = null
  readonly world: FakeRtcWorld
  readonly token: string
  readonly config: RTCConfiguration
  #nextSctpId: number

  constructor (world: FakeRtcWorld, config: RTCConfiguration) {
    super()
    this.world = world
    this.config = config
    world.configs.push(config)
    this.token = `t${world.nextToken++}`
    this.#nextSctpId = 0
    world.pcs.push(this)
    world.tokens.set(this.token, this)
  }

  async createOffer (): Promise<RTCSessionDescriptionInit> {
    this.#assertOpen()
    this.#nextSctpId = 0
    return { type: 'offer', sdp: `v=0\r\na=fake:${this.token}\r\n` }
  }

  async createAnswer (): Promise<RTCSessionDescriptionInit> {
    this.#assertOpen()
    if (this.remoteDescription?.type !== 'offer') throw namedError('InvalidStateError', 'no remote offer')
    this.#nextSctpId = 1
    return { type: 'answer', sdp: `v=0\r\na=fake:${this.token}\r\n` }
  }

  async setLocalDescription (d?: RTCSessionDescriptionInit): Promise<void> {
    this.#assertOpen()
    if (d?.type === undefined || d.sdp === undefined) throw namedError('OperationError', 'implicit descriptions are not faked')
    this.localDescription = { type: d.type, sdp: d.sdp }
    this.#setSignaling(d.type === 'offer' ? 'have-local-offer' : 'stable')
    this.#gather()
    this.#maybeConnect()
  }

  async setRemoteDescription (d: RTCSessionDescriptionInit): Promise<void> {
    this.#assertOpen()
    const token = /a=fake:(t\d+)/.exec(d.sdp ?? '')?.[1]
    const peer = token === undefined ? undefined : this.world.tokens.get(token)
    if (peer === undefined || d.type === undefined) throw namedError('OperationError', 'unknown remote description')
    this.peer = peer
    this.remoteDescription = { type: d.type, sdp: d.sdp ?? '' }
    this.#setSignaling(d.type === 'offer' ? 'have-remote-offer' : 'stable')
    this.#maybeConnect()
  }

  async addIceCandidate (candidate?: RTCIceCandidateInit | null): Promise<void> {
    this.#assertOpen()
    this.candidates.push(candidate ?? null)
  }

  createDataChannel (label: string, init?: RTCDataChannelInit): FakeDataChannel {
    this.#assertOpen()
    const channel = new FakeDataChannel(this.world, label, init)
    this.channels.push(channel)
    if (this.connectionState === 'connected') later(() => { this.#announce(channel) })
    return channel
  }

  close (): void {
    if (this.connectionState === 'closed') return
    this.connectionState = 'closed'
    this.iceConnectionState = 'closed'
    this.signalingState = 'closed'
    for (const c of this.channels) c.readyState = 'closed'
  }

  #assertOpen (): void {
    if (this.connectionState === 'closed') throw namedError('InvalidStateError', 'closed')
  }

  #setSignaling (state: RTCSignalingState): void {
    this.signalingState = state
    this.dispatchEvent(new Event('signalingstatechange'))
  }

  #gather (): void {
    later(() => {
      if (this.connectionState === 'closed') return
      this.iceGatheringState = 'gathering'
      this.dispatchEvent(new Event('icegatheringstatechange'))
      const candidate = { candidate: `candidate:1 1 udp 2122260223 127.0.0.1 ${5000 + this.world.pcs.indexOf(this)} typ host`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'frag' }
      this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: { ...candidate, toJSON: () => candidate } }))
      later(() => {
        if (this.connectionState === 'closed') return
        this.iceGatheringState = 'complete'
        this.dispatchEvent(new Event('icegatheringstatechange'))
        this.dispatchEvent(Object.assign(new Event('icecandidate'), { candidate: null }))
      })
    })
  }

  #maybeConnect (): void {
    const peer = this.peer
    if (peer === null || this.localDescription === null || this.remoteDescription === null) return
    later(() => { this.#becomeConnected() })
  }

  #becomeConnected (): void {
    if (this.connectionState !== 'new') return
    this.iceConnectionState = 'checking'
    this.dispatchEvent(new Event('iceconnectionstatechange'))
    this.connectionState = 'connecting'
    this.dispatchEvent(new Event('connectionstatechange'))
    later(() => {
      if (this.connectionState !== 'connecting') return
      this.iceConnectionState = 'connected'
      this.dispatchEvent(new Event('iceconnectionstatechange'))
      this.connectionState = 'connected'
      this.dispatchEvent(new Event('connectionstatechange'))
      // The answerer's side announces nothing until both sides are connected.
      later(() => { for (const c of this.channels) this.#announce(c) })
    })
  }

  /** Opens a locally created channel and creates its twin on the peer (datachannel event). */
  #announce (channel: FakeDataChannel): void {
    const peer = this.peer
    if (channel.remote !== null || channel.readyState !== 'connecting' || peer === null) return
    if (peer.connectionState !== 'connected') {
      later(() => { this.#announce(channel) })
      return
    }
    const id = this.#nextSctpId
    this.#nextSctpId += 2
    const twin = new FakeDataChannel(this.world, channel.label, { protocol: channel.protocol, ordered: channel.ordered })
    twin.id = id
    twin.readyState = 'open'
    twin.remote = channel
    channel.remote = twin
    peer.channels.push(twin)
    peer.dispatchEvent(Object.assign(new Event('datachannel'), { channel: twin }))
    channel.open(id)
  }
}
