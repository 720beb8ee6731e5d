/**
 * Worker-side stand-ins for `RTCSessionDescription`, `RTCIceCandidate` and
 * `RTCCertificate`: plain value classes with the browser's fields and
 * `toJSON()`, plus converters to the wire shapes of `protocol.ts`.
 */

import { SDP_TYPES } from './protocol.ts'
import type { CertKey, CertificateWire, IceCandidateWire, SdpTypeWire, SessionDescriptionWire } from './protocol.ts'

/** Like `RTCSessionDescription`: `{ type, sdp }` plus `toJSON()`. */
export class ProxySessionDescription {
  readonly type: SdpTypeWire
  readonly sdp: string
  constructor (init: { type?: string, sdp?: string } = {}) {
    if (!(SDP_TYPES as readonly string[]).includes(init.type ?? '')) {
      throw new TypeError(`Failed to construct 'RTCSessionDescription': invalid type ${String(init.type)}`)
    }
    this.type = init.type as SdpTypeWire
    this.sdp = init.sdp ?? ''
  }

  /** The init dictionary, as in browsers. */
  toJSON (): SessionDescriptionWire {
    return { type: this.type, sdp: this.sdp }
  }
}

/** Input accepted wherever a browser takes an `RTCIceCandidateInit`. */
export interface IceCandidateInitLike {
  candidate?: string
  sdpMid?: string | null
  sdpMLineIndex?: number | null
  usernameFragment?: string | null
}

/**
 * Like `RTCIceCandidate`. The init fields are kept as given; the parsed fields
 * (`foundation`, `address`, `port`, …) are read from the candidate line.
 */
export class ProxyIceCandidate {
  readonly candidate: string
  readonly sdpMid: string | null
  readonly sdpMLineIndex: number | null
  readonly usernameFragment: string | null
  readonly foundation: string | null
  readonly component: 'rtp' | 'rtcp' | null
  readonly priority: number | null
  readonly address: string | null
  readonly protocol: 'udp' | 'tcp' | null
  readonly port: number | null
  readonly type: string | null

  constructor (init: IceCandidateInitLike = {}) {
    if (init.sdpMid == null && init.sdpMLineIndex == null) {
      throw new TypeError("Failed to construct 'RTCIceCandidate': sdpMid and sdpMLineIndex are both null")
    }
    this.candidate = init.candidate ?? ''
    this.sdpMid = init.sdpMid ?? null
    this.sdpMLineIndex = init.sdpMLineIndex ?? null
    this.usernameFragment = init.usernameFragment ?? null
    // candidate:<foundation> <component> <protocol> <priority> <address> <port> typ <type> …
    const f = this.candidate.replace(/^candidate:/, '').split(' ')
    const parsed = f.length >= 8 && f[6] === 'typ'
    this.foundation = parsed ? f[0] ?? null : null
    this.component = parsed ? (f[1] === '1' ? 'rtp' : 'rtcp') : null
    const protocol = f[2]?.toLowerCase()
    this.protocol = parsed && (protocol === 'udp' || protocol === 'tcp') ? protocol : null
    this.priority = parsed ? Number(f[3]) : null
    this.address = parsed ? f[4] ?? null : null
    this.port = parsed ? Number(f[5]) : null
    this.type = parsed ? f[7] ?? null : null
  }

  /** The init dictionary, as in browsers (libp2p sends this to the remote peer). */
  toJSON (): IceCandidateWire {
    return {
      candidate: this.candidate,
      sdpMid: this.sdpMid,
      sdpMLineIndex: this.sdpMLineIndex,
      usernameFragment: this.usernameFragment
    }
  }
}

/**
 * Like `RTCCertificate`, but the key lives in the tab that generated it: the
 * worker holds a handle. It can only be used in a configuration for a peer
 * connection on that same host.
 */
export class ProxyCertificate {
  readonly expires: number
  /** @internal The host-side handle. */
  readonly certId: CertKey
  /** @internal The bridge's id of the host that holds the key. */
  readonly hostId: number
  readonly #fingerprints: Array<{ algorithm: string, value: string }>

  constructor (wire: CertificateWire, hostId: number) {
    this.expires = wire.expires
    this.certId = wire.certId
    this.hostId = hostId
    this.#fingerprints = wire.fingerprints
  }

  /** Like `RTCCertificate.getFingerprints()`. */
  getFingerprints (): Array<{ algorithm: string, value: string }> {
    return this.#fingerprints.map(f => ({ ...f }))
  }
}

/** `RTCSessionDescriptionInit`-like input → wire, or a TypeError. */
export function toDescriptionWire (d: { type?: string, sdp?: string }): SessionDescriptionWire {
  if (!(SDP_TYPES as readonly string[]).includes(d.type ?? '')) {
    throw new TypeError(`Invalid session description type ${String(d.type)}`)
  }
  return { type: d.type as SdpTypeWire, sdp: d.sdp ?? '' }
}

/** `RTCIceCandidateInit`-like input → wire. */
export function toCandidateWire (c: IceCandidateInitLike): IceCandidateWire {
  return {
    candidate: c.candidate ?? '',
    sdpMid: c.sdpMid ?? null,
    sdpMLineIndex: c.sdpMLineIndex ?? null,
    usernameFragment: c.usernameFragment ?? null
  }
}
