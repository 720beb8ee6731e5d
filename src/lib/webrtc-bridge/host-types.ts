/**
 * The subset of the browser's WebRTC API that `RtcHost` uses, so tests can
 * inject an in-memory fake and the real `RTCPeerConnection` fits as is.
 */

import type { ChannelDataWire, ChannelInfoWire, ChannelKey, IceCandidateWire, PcStateWire, SessionDescriptionWire } from './protocol.ts'
import { SDP_TYPES } from './protocol.ts'

/** What the host uses of a real `RTCDataChannel`. */
export interface HostDataChannel extends EventTarget {
  readonly id: number | null
  readonly label: string
  readonly protocol: string
  readonly ordered: boolean
  readonly maxPacketLifeTime: number | null
  readonly maxRetransmits: number | null
  readonly negotiated: boolean
  readonly readyState: RTCDataChannelState
  readonly bufferedAmount: number
  bufferedAmountLowThreshold: number
  binaryType: BinaryType
  send: ((data: string) => void) & ((data: Blob) => void) & ((data: ArrayBuffer) => void)
  close: () => void
}

/** What the host uses of a real `RTCPeerConnection`. */
export interface HostPeerConnection extends EventTarget {
  readonly connectionState: RTCPeerConnectionState
  readonly iceConnectionState: RTCIceConnectionState
  readonly signalingState: RTCSignalingState
  readonly iceGatheringState: RTCIceGatheringState
  readonly localDescription: { type: RTCSdpType, sdp: string } | null
  readonly remoteDescription: { type: RTCSdpType, sdp: string } | null
  createOffer: (options?: RTCOfferOptions) => Promise<RTCSessionDescriptionInit>
  createAnswer: () => Promise<RTCSessionDescriptionInit>
  setLocalDescription: (description?: RTCSessionDescriptionInit) => Promise<void>
  setRemoteDescription: (description: RTCSessionDescriptionInit) => Promise<void>
  addIceCandidate: (candidate?: RTCIceCandidateInit | null) => Promise<void>
  createDataChannel: (label: string, init?: RTCDataChannelInit) => HostDataChannel
  close: () => void
  /** the SCTP transport, once negotiated (absent in fakes that do not model it) */
  readonly sctp?: HostTransport & { readonly transport?: HostTransport | null } | null
}

/** An RTCSctpTransport or RTCDtlsTransport: a state and its statechange event. */
export interface HostTransport extends EventTarget {
  readonly state: string
}

/** What the host uses of a real `RTCCertificate`. */
export interface HostCertificate {
  readonly expires: number
  getFingerprints: () => Array<{ algorithm?: string, value?: string }>
}

/** The `RTCPeerConnection` constructor (real, or a fake in tests). */
export interface HostPeerConnectionClass {
  new (config?: RTCConfiguration): HostPeerConnection
  generateCertificate?: (algorithm: AlgorithmIdentifier) => Promise<HostCertificate>
}

/** A real description → wire (type checked, defaults as browsers apply them). */
export function descriptionToWire (d: { type?: string, sdp?: string } | null | undefined): SessionDescriptionWire | null {
  if (d == null) return null
  const type = (SDP_TYPES as readonly string[]).includes(d.type ?? '') ? d.type as SessionDescriptionWire['type'] : 'offer'
  return { type, sdp: d.sdp ?? '' }
}

/** The state snapshot every pc event and reply carries. */
export function snapshot (pc: HostPeerConnection): PcStateWire {
  return {
    connectionState: pc.connectionState,
    iceConnectionState: pc.iceConnectionState,
    signalingState: pc.signalingState,
    iceGatheringState: pc.iceGatheringState,
    localDescription: descriptionToWire(pc.localDescription),
    remoteDescription: descriptionToWire(pc.remoteDescription)
  }
}

/** A real candidate (or null) → wire. */
export function candidateToWire (c: RTCIceCandidateInit | null | undefined): IceCandidateWire | null {
  if (c == null) return null
  return {
    candidate: c.candidate ?? '',
    sdpMid: c.sdpMid ?? null,
    sdpMLineIndex: c.sdpMLineIndex ?? null,
    usernameFragment: c.usernameFragment ?? null
  }
}

/** A real channel created by the remote peer → the info sent with `pc.datachannel`. */
export function channelInfo (key: ChannelKey, ch: HostDataChannel): ChannelInfoWire {
  return {
    channelId: key,
    id: ch.id,
    label: ch.label,
    protocol: ch.protocol,
    ordered: ch.ordered,
    maxPacketLifeTime: ch.maxPacketLifeTime,
    maxRetransmits: ch.maxRetransmits,
    negotiated: ch.negotiated,
    readyState: ch.readyState,
    bufferedAmount: ch.bufferedAmount
  }
}

/**
 * A received message's data → what crosses the port. An ArrayBuffer is
 * transferred as is; a view or a SharedArrayBuffer is copied into a fresh
 * ArrayBuffer first; strings and Blobs are cloned.
 */
export function messageDataToWire (data: unknown): { wire: ChannelDataWire, transfer: ArrayBuffer[] } | null {
  if (data instanceof ArrayBuffer) return { wire: data, transfer: [data] }
  if (ArrayBuffer.isView(data)) {
    const copy = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer
    return { wire: copy, transfer: [copy] }
  }
  if (typeof SharedArrayBuffer !== 'undefined' && data instanceof SharedArrayBuffer) {
    const copy = new Uint8Array(data).slice().buffer
    return { wire: copy, transfer: [copy] }
  }
  if (typeof data === 'string' || (typeof Blob !== 'undefined' && data instanceof Blob)) return { wire: data, transfer: [] }
  return null
}
