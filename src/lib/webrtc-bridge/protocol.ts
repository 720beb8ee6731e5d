/**
 * The bridge message protocol between the worker (`RtcBridge`, which owns the
 * proxy `RTCPeerConnection`s) and a tab (`RtcHost`, which owns the real ones),
 * over one dedicated MessagePort per tab. Every message is a plain object with
 * a `type` discriminant; `guards.ts` validates each one on arrival.
 *
 * Worker → host: {@link BridgeRequest}s (with an `id`; answered by exactly one
 * {@link ReplyMessage}) and {@link WorkerNotice}s (no reply).
 * Host → worker: replies and {@link HostEvent}s, in the order the real objects
 * produced them. Data-channel payloads travel as transferred ArrayBuffers.
 *
 * Ids never collide: the worker names peer connections `p<n>` and the channels
 * it creates `w<n>`; a host names the channels the remote side created `h<n>`
 * (unique within that host, and a channel is always addressed on its host's port);
 * certificates are `c<n>`, named by the host.
 *
 * docs/webrtc-bridge.md describes every message field by field.
 */

/** A peer connection, named by the worker: `p<n>`. */
export type PcKey = string & { readonly __pcKey: true }
/** A data channel: `w<n>` if the worker created it, `h<n>` if the remote peer did. */
export type ChannelKey = string & { readonly __channelKey: true }
/** A certificate kept by a host: `c<n>`. */
export type CertKey = string & { readonly __certKey: true }

/** An error that crossed the port (prototypes do not survive structured clone). */
export interface ErrorWire { name: string, message: string }

/** `RTCSdpType` values. */
export const SDP_TYPES = ['offer', 'answer', 'pranswer', 'rollback'] as const
/** An `RTCSdpType`. */
export type SdpTypeWire = typeof SDP_TYPES[number]
/** `RTCPeerConnectionState` values. */
export const CONNECTION_STATES = ['new', 'connecting', 'connected', 'disconnected', 'failed', 'closed'] as const
/** An `RTCPeerConnectionState`. */
export type ConnectionStateWire = typeof CONNECTION_STATES[number]
/** `RTCIceConnectionState` values. */
export const ICE_CONNECTION_STATES = ['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed'] as const
/** An `RTCIceConnectionState`. */
export type IceConnectionStateWire = typeof ICE_CONNECTION_STATES[number]
/** `RTCSignalingState` values. */
export const SIGNALING_STATES = ['stable', 'have-local-offer', 'have-remote-offer', 'have-local-pranswer', 'have-remote-pranswer', 'closed'] as const
/** An `RTCSignalingState`. */
export type SignalingStateWire = typeof SIGNALING_STATES[number]
/** `RTCIceGatheringState` values. */
export const ICE_GATHERING_STATES = ['new', 'gathering', 'complete'] as const
/** An `RTCIceGatheringState`. */
export type IceGatheringStateWire = typeof ICE_GATHERING_STATES[number]
/** `RTCDataChannelState` values. */
export const CHANNEL_STATES = ['connecting', 'open', 'closing', 'closed'] as const
/** An `RTCDataChannelState`. */
export type ChannelStateWire = typeof CHANNEL_STATES[number]

/** `RTCSessionDescriptionInit` with both fields present. */
export interface SessionDescriptionWire { type: SdpTypeWire, sdp: string }

/** `RTCIceCandidateInit` with every field present. */
export interface IceCandidateWire {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
  usernameFragment: string | null
}

/** Everything the proxy's state getters return, as of the moment the host sent it. */
export interface PcStateWire {
  connectionState: ConnectionStateWire
  iceConnectionState: IceConnectionStateWire
  signalingState: SignalingStateWire
  iceGatheringState: IceGatheringStateWire
  localDescription: SessionDescriptionWire | null
  remoteDescription: SessionDescriptionWire | null
}

/** One entry of `RTCConfiguration.iceServers`. */
export interface IceServerWire { urls: string | string[], username?: string, credential?: string }

/** The clonable part of `RTCConfiguration`; certificates are host-side handles. */
export interface ConfigurationWire {
  iceServers?: IceServerWire[]
  iceTransportPolicy?: 'all' | 'relay'
  bundlePolicy?: 'balanced' | 'max-bundle' | 'max-compat'
  rtcpMuxPolicy?: 'require'
  iceCandidatePoolSize?: number
  certificates?: CertKey[]
}

/** `RTCDataChannelInit`. */
export interface DataChannelInitWire {
  ordered?: boolean
  maxPacketLifeTime?: number
  maxRetransmits?: number
  protocol?: string
  negotiated?: boolean
  id?: number
}

/** Algorithm for `RTCPeerConnection.generateCertificate` (ECDSA or RSASSA-PKCS1-v1_5). */
export interface KeygenAlgorithmWire {
  name: string
  namedCurve?: string
  hash?: string
  modulusLength?: number
  expires?: number
}

/** A certificate the host generated and keeps; the worker sees its handle. */
export interface CertificateWire {
  certId: CertKey
  expires: number
  fingerprints: Array<{ algorithm: string, value: string }>
}

/** A data channel as the host sees it, sent when the remote side creates one. */
export interface ChannelInfoWire {
  channelId: ChannelKey
  id: number | null
  label: string
  protocol: string
  ordered: boolean
  maxPacketLifeTime: number | null
  maxRetransmits: number | null
  negotiated: boolean
  readyState: ChannelStateWire
  bufferedAmount: number
}

/** Payload of a data-channel message: ArrayBuffers are transferred, strings and Blobs cloned. */
export type ChannelDataWire = ArrayBuffer | string | Blob

/** The operations a request can ask for. */
export type RequestBody =
  | { op: 'pc.create', pcId: PcKey, config: ConfigurationWire }
  | { op: 'pc.createOffer', pcId: PcKey, iceRestart: boolean }
  | { op: 'pc.createAnswer', pcId: PcKey }
  | { op: 'pc.setLocalDescription', pcId: PcKey, description: SessionDescriptionWire | null }
  | { op: 'pc.setRemoteDescription', pcId: PcKey, description: SessionDescriptionWire }
  | { op: 'pc.addIceCandidate', pcId: PcKey, candidate: IceCandidateWire | null }
  | { op: 'dc.create', pcId: PcKey, channelId: ChannelKey, label: string, init: DataChannelInitWire }
  | { op: 'cert.generate', algorithm: KeygenAlgorithmWire }

/** Worker → host, answered by exactly one {@link ReplyMessage} with the same `id`. */
export type BridgeRequest = RequestBody & { type: 'request', id: number }

/** Worker → host, fire-and-forget. */
export type WorkerNotice =
  | { type: 'pc.close', pcId: PcKey }
  | { type: 'dc.send', channelId: ChannelKey, data: ChannelDataWire, bytes: number }
  /** Several binary messages for one channel, sent in order, answered by one `dc.sent`. */
  | { type: 'dc.sendMany', channelId: ChannelKey, data: ArrayBuffer[], bytes: number }
  | { type: 'dc.close', channelId: ChannelKey }
  | { type: 'dc.threshold', channelId: ChannelKey, threshold: number }

/** Everything the worker sends to a host. */
export type WorkerToHost = BridgeRequest | WorkerNotice

/** What a successful reply carries; which fields are set depends on the request's `op`. */
export interface ReplyResult {
  /** Every `pc.*` op: the peer connection's state after the call. */
  state?: PcStateWire
  /** `pc.createOffer`, `pc.createAnswer`. */
  description?: SessionDescriptionWire
  /** `dc.create`: the real channel's SCTP id (null until negotiated) and state. */
  channel?: { id: number | null, readyState: ChannelStateWire }
  /** `cert.generate`. */
  certificate?: CertificateWire
}

/** Host → worker: the answer to one {@link BridgeRequest}. */
export type ReplyMessage =
  | { type: 'reply', id: number, ok: true, result: ReplyResult }
  | { type: 'reply', id: number, ok: false, error: ErrorWire }

/** Simple peer-connection events (no payload beyond the state snapshot). */
export const PC_STATE_EVENTS = [
  'connectionstatechange', 'iceconnectionstatechange', 'signalingstatechange', 'icegatheringstatechange', 'negotiationneeded'
] as const
/** One of {@link PC_STATE_EVENTS}. */
export type PcStateEventName = typeof PC_STATE_EVENTS[number]

/** `RTCPeerConnectionIceErrorEvent` fields. */
export interface IceCandidateErrorWire {
  errorCode: number
  errorText: string
  url: string
  address: string | null
  port: number | null
}

/** Host → worker events, forwarded in the order the real objects fired them. */
export type HostEvent =
  | { type: 'pc.icecandidate', pcId: PcKey, candidate: IceCandidateWire | null, state: PcStateWire }
  | { type: 'pc.icecandidateerror', pcId: PcKey, error: IceCandidateErrorWire, state: PcStateWire }
  | { type: 'pc.event', pcId: PcKey, event: PcStateEventName, state: PcStateWire }
  | { type: 'pc.datachannel', pcId: PcKey, channel: ChannelInfoWire, state: PcStateWire }
  | { type: 'dc.open', channelId: ChannelKey, id: number | null }
  | { type: 'dc.closing', channelId: ChannelKey }
  | { type: 'dc.close', channelId: ChannelKey }
  | { type: 'dc.error', channelId: ChannelKey, error: ErrorWire }
  | { type: 'dc.message', channelId: ChannelKey, data: ChannelDataWire }
  | { type: 'dc.sent', channelId: ChannelKey, bytes: number, bufferedAmount: number, error: ErrorWire | null }
  | { type: 'dc.bufferedamountlow', channelId: ChannelKey, bufferedAmount: number }
  | { type: 'host.visibility', visible: boolean }
  | { type: 'host.leave' }
  | { type: 'host.error', command: string, error: ErrorWire }

/** Everything a host sends to the worker. */
export type HostToWorker = ReplyMessage | HostEvent

/**
 * Host → pump (internal to one tab, see pump.ts): a real channel, transferred
 * in the same message, that the pump drives from now on. Sent in the task that
 * created (or received) the channel and before the reply or `pc.datachannel`
 * that announces it to the worker.
 */
export interface PumpAdoptMessage<C = unknown> {
  type: 'pump.adopt'
  pcId: PcKey
  channelId: ChannelKey
  /** The transferred `RTCDataChannel`. */
  channel: C
}

/** Pump → host: an adopted channel closed, so the host frees it from its peer connection's count. */
export interface PumpClosedMessage {
  type: 'pump.closed'
  channelId: ChannelKey
}

/** Everything a host sends to its port when that port leads to a pump. */
export type HostToPump<C = unknown> = HostToWorker | PumpAdoptMessage<C>

/** Everything a pump sends to its host: the worker's messages it does not handle itself, and its own notices. */
export type PumpToHost = WorkerToHost | PumpClosedMessage

/**
 * The part of `MessagePort` the bridge uses, so tests and the BroadcastChannel
 * fallback can pass their own. A `'close'` event (recent Chromium, Node) means
 * the other side is gone.
 */
export interface BridgePort {
  postMessage: (message: unknown, transfer: Transferable[]) => void
  addEventListener: (type: 'message' | 'messageerror' | 'close', listener: (event: Event) => void) => void
  removeEventListener: (type: 'message' | 'messageerror' | 'close', listener: (event: Event) => void) => void
  start?: () => void
  close?: () => void
}

/** Where the bridge reports dropped messages and swallowed errors. */
export type BridgeLog = (message: string, ...args: unknown[]) => void

/** Default {@link BridgeLog}: `console.warn` with an `[rtc-bridge]` prefix. */
export const defaultBridgeLog: BridgeLog = (message, ...args) => {
  console.warn(`[rtc-bridge] ${message}`, ...args)
}
