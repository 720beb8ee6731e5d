/**
 * Runtime validators for every message in `protocol.ts`. Both ends run each
 * incoming message through these before acting on it; a message that fails is
 * logged and dropped, never thrown out of a 'message' listener (where a throw
 * escapes dispatch; cf. automerge-repo's MessageChannel adapter).
 *
 * Strict: known keys only, exact types, bounded strings and numbers. Tab and
 * worker come from the same build, so there is no older peer to tolerate.
 */

import { isRecord } from '@parley/protocol/is-record'
import {
  MAX_ERROR_MESSAGE_CHARS, MAX_ICE_SERVERS, MAX_MESSAGES_PER_SEND, MAX_SDP_CHARS, MAX_SHORT_STRING_CHARS
} from './constants.ts'
import {
  CHANNEL_STATES, CONNECTION_STATES, ICE_CONNECTION_STATES, ICE_GATHERING_STATES, PC_STATE_EVENTS,
  SDP_TYPES, SIGNALING_STATES
} from './protocol.ts'
import type {
  CertKey, ChannelInfoWire, ChannelKey, ConfigurationWire, DataChannelInitWire, ErrorWire, HostToWorker,
  IceCandidateWire, KeygenAlgorithmWire, PcKey, PcStateWire, PumpAdoptMessage, PumpClosedMessage, ReplyResult,
  SessionDescriptionWire, WorkerToHost
} from './protocol.ts'
import type { HostDataChannel } from './host-types.ts'

type Rec = Record<string, unknown>

const KEY_MAX_CHARS = 24

/** All of `required` present, nothing outside `required` ∪ `optional`, no `undefined` optional values. */
function hasKeys (o: Rec, required: readonly string[], optional: readonly string[] = []): boolean {
  for (const k of required) if (!Object.hasOwn(o, k)) return false
  for (const k of Object.keys(o)) {
    if (required.includes(k)) continue
    if (!optional.includes(k) || o[k] === undefined) return false
  }
  return true
}

function isStr (x: unknown, max = MAX_SHORT_STRING_CHARS): x is string {
  return typeof x === 'string' && x.length <= max
}

function isUint (x: unknown, max = Number.MAX_SAFE_INTEGER): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x <= max
}

function isBool (x: unknown): x is boolean {
  return typeof x === 'boolean'
}

function oneOf<T extends string> (list: readonly T[], x: unknown): x is T {
  return typeof x === 'string' && (list as readonly string[]).includes(x)
}

function isKey (x: unknown, prefix: string): boolean {
  return typeof x === 'string' && x.length <= KEY_MAX_CHARS && x.startsWith(prefix) && /^[a-z]\d+$/.test(x)
}

/** A worker-named peer connection key `p<n>`. */
export function isPcKey (x: unknown): x is PcKey { return isKey(x, 'p') }
/** A worker-created channel key `w<n>`. */
export function isWorkerChannelKey (x: unknown): x is ChannelKey { return isKey(x, 'w') }
/** A host-created channel key `h<n>`. */
export function isHostChannelKey (x: unknown): x is ChannelKey { return isKey(x, 'h') }
/** Any channel key. */
export function isChannelKey (x: unknown): x is ChannelKey { return isWorkerChannelKey(x) || isHostChannelKey(x) }
/** A host-named certificate key `c<n>`. */
export function isCertKey (x: unknown): x is CertKey { return isKey(x, 'c') }

/** `{ name, message }` with bounded strings. */
export function isErrorWire (x: unknown): x is ErrorWire {
  return isRecord(x) && hasKeys(x, ['name', 'message']) && isStr(x.name, 64) && x.name !== '' &&
    isStr(x.message, MAX_ERROR_MESSAGE_CHARS)
}

function isDescription (x: unknown): x is SessionDescriptionWire {
  return isRecord(x) && hasKeys(x, ['type', 'sdp']) && oneOf(SDP_TYPES, x.type) && isStr(x.sdp, MAX_SDP_CHARS)
}

function isCandidate (x: unknown): x is IceCandidateWire {
  return isRecord(x) && hasKeys(x, ['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment']) &&
    isStr(x.candidate) && (x.sdpMid === null || isStr(x.sdpMid)) &&
    (x.sdpMLineIndex === null || isUint(x.sdpMLineIndex, 65_535)) &&
    (x.usernameFragment === null || isStr(x.usernameFragment))
}

function isState (x: unknown): x is PcStateWire {
  return isRecord(x) &&
    hasKeys(x, ['connectionState', 'iceConnectionState', 'signalingState', 'iceGatheringState', 'localDescription', 'remoteDescription']) &&
    oneOf(CONNECTION_STATES, x.connectionState) && oneOf(ICE_CONNECTION_STATES, x.iceConnectionState) &&
    oneOf(SIGNALING_STATES, x.signalingState) && oneOf(ICE_GATHERING_STATES, x.iceGatheringState) &&
    (x.localDescription === null || isDescription(x.localDescription)) &&
    (x.remoteDescription === null || isDescription(x.remoteDescription))
}

function isIceServer (x: unknown): boolean {
  return isRecord(x) && hasKeys(x, ['urls'], ['username', 'credential']) &&
    (isStr(x.urls) || (Array.isArray(x.urls) && x.urls.length <= MAX_ICE_SERVERS && x.urls.every(u => isStr(u)))) &&
    (x.username === undefined || isStr(x.username)) && (x.credential === undefined || isStr(x.credential))
}

function isConfig (x: unknown): x is ConfigurationWire {
  return isRecord(x) &&
    hasKeys(x, [], ['iceServers', 'iceTransportPolicy', 'bundlePolicy', 'rtcpMuxPolicy', 'iceCandidatePoolSize', 'certificates']) &&
    (x.iceServers === undefined || (Array.isArray(x.iceServers) && x.iceServers.length <= MAX_ICE_SERVERS && x.iceServers.every(isIceServer))) &&
    (x.iceTransportPolicy === undefined || oneOf(['all', 'relay'], x.iceTransportPolicy)) &&
    (x.bundlePolicy === undefined || oneOf(['balanced', 'max-bundle', 'max-compat'], x.bundlePolicy)) &&
    (x.rtcpMuxPolicy === undefined || x.rtcpMuxPolicy === 'require') &&
    (x.iceCandidatePoolSize === undefined || isUint(x.iceCandidatePoolSize, 255)) &&
    (x.certificates === undefined || (Array.isArray(x.certificates) && x.certificates.length <= 8 && x.certificates.every(isCertKey)))
}

function isChannelInit (x: unknown): x is DataChannelInitWire {
  return isRecord(x) && hasKeys(x, [], ['ordered', 'maxPacketLifeTime', 'maxRetransmits', 'protocol', 'negotiated', 'id']) &&
    (x.ordered === undefined || isBool(x.ordered)) &&
    (x.maxPacketLifeTime === undefined || isUint(x.maxPacketLifeTime, 65_535)) &&
    (x.maxRetransmits === undefined || isUint(x.maxRetransmits, 65_535)) &&
    (x.protocol === undefined || isStr(x.protocol)) &&
    (x.negotiated === undefined || isBool(x.negotiated)) &&
    (x.id === undefined || isUint(x.id, 65_534))
}

function isAlgorithm (x: unknown): x is KeygenAlgorithmWire {
  return isRecord(x) && hasKeys(x, ['name'], ['namedCurve', 'hash', 'modulusLength', 'expires']) &&
    isStr(x.name, 64) && (x.namedCurve === undefined || isStr(x.namedCurve, 64)) &&
    (x.hash === undefined || isStr(x.hash, 64)) && (x.modulusLength === undefined || isUint(x.modulusLength, 16_384)) &&
    (x.expires === undefined || isUint(x.expires))
}

function isData (x: unknown): boolean {
  return x instanceof ArrayBuffer || typeof x === 'string' || (typeof Blob !== 'undefined' && x instanceof Blob)
}

function isSctpId (x: unknown): x is number | null {
  return x === null || isUint(x, 65_535)
}

function isRequest (x: Rec): boolean {
  const base = ['type', 'id', 'op']
  if (!isUint(x.id)) return false
  switch (x.op) {
    case 'pc.create':
      return hasKeys(x, [...base, 'pcId', 'config']) && isPcKey(x.pcId) && isConfig(x.config)
    case 'pc.createOffer':
      return hasKeys(x, [...base, 'pcId', 'iceRestart']) && isPcKey(x.pcId) && isBool(x.iceRestart)
    case 'pc.createAnswer':
      return hasKeys(x, [...base, 'pcId']) && isPcKey(x.pcId)
    case 'pc.setLocalDescription':
      return hasKeys(x, [...base, 'pcId', 'description']) && isPcKey(x.pcId) &&
        (x.description === null || isDescription(x.description))
    case 'pc.setRemoteDescription':
      return hasKeys(x, [...base, 'pcId', 'description']) && isPcKey(x.pcId) && isDescription(x.description)
    case 'pc.addIceCandidate':
      return hasKeys(x, [...base, 'pcId', 'candidate']) && isPcKey(x.pcId) &&
        (x.candidate === null || isCandidate(x.candidate))
    case 'dc.create':
      return hasKeys(x, [...base, 'pcId', 'channelId', 'label', 'init']) && isPcKey(x.pcId) &&
        isWorkerChannelKey(x.channelId) && isStr(x.label) && isChannelInit(x.init)
    case 'cert.generate':
      return hasKeys(x, [...base, 'algorithm']) && isAlgorithm(x.algorithm)
    default:
      return false
  }
}

/** True if `x` is a well-formed worker → host message. */
export function isWorkerToHost (x: unknown): x is WorkerToHost {
  if (!isRecord(x)) return false
  switch (x.type) {
    case 'request':
      return isRequest(x)
    case 'pc.close':
      return hasKeys(x, ['type', 'pcId']) && isPcKey(x.pcId)
    case 'dc.send':
      return hasKeys(x, ['type', 'channelId', 'data', 'bytes']) && isChannelKey(x.channelId) &&
        isData(x.data) && isUint(x.bytes)
    case 'dc.sendMany':
      return hasKeys(x, ['type', 'channelId', 'data', 'bytes']) && isChannelKey(x.channelId) &&
        Array.isArray(x.data) && x.data.length >= 2 && x.data.length <= MAX_MESSAGES_PER_SEND &&
        x.data.every(d => d instanceof ArrayBuffer) && isUint(x.bytes)
    case 'dc.close':
      return hasKeys(x, ['type', 'channelId']) && isChannelKey(x.channelId)
    case 'dc.threshold':
      return hasKeys(x, ['type', 'channelId', 'threshold']) && isChannelKey(x.channelId) && isUint(x.threshold)
    default:
      return false
  }
}

function isChannelInfo (x: unknown): x is ChannelInfoWire {
  return isRecord(x) &&
    hasKeys(x, ['channelId', 'id', 'label', 'protocol', 'ordered', 'maxPacketLifeTime', 'maxRetransmits', 'negotiated', 'readyState', 'bufferedAmount']) &&
    isHostChannelKey(x.channelId) && isSctpId(x.id) && isStr(x.label) && isStr(x.protocol) && isBool(x.ordered) &&
    (x.maxPacketLifeTime === null || isUint(x.maxPacketLifeTime, 65_535)) &&
    (x.maxRetransmits === null || isUint(x.maxRetransmits, 65_535)) &&
    isBool(x.negotiated) && oneOf(CHANNEL_STATES, x.readyState) && isUint(x.bufferedAmount)
}

function isCertificate (x: unknown): boolean {
  return isRecord(x) && hasKeys(x, ['certId', 'expires', 'fingerprints']) && isCertKey(x.certId) &&
    typeof x.expires === 'number' && Number.isFinite(x.expires) &&
    Array.isArray(x.fingerprints) && x.fingerprints.length <= 8 &&
    x.fingerprints.every(f => isRecord(f) && hasKeys(f, ['algorithm', 'value']) && isStr(f.algorithm, 64) && isStr(f.value, 1024))
}

function isResult (x: unknown): x is ReplyResult {
  return isRecord(x) && hasKeys(x, [], ['state', 'description', 'channel', 'certificate']) &&
    (x.state === undefined || isState(x.state)) &&
    (x.description === undefined || isDescription(x.description)) &&
    (x.channel === undefined || (isRecord(x.channel) && hasKeys(x.channel, ['id', 'readyState']) &&
      isSctpId(x.channel.id) && oneOf(CHANNEL_STATES, x.channel.readyState))) &&
    (x.certificate === undefined || isCertificate(x.certificate))
}

function isIceError (x: unknown): boolean {
  return isRecord(x) && hasKeys(x, ['errorCode', 'errorText', 'url', 'address', 'port']) &&
    isUint(x.errorCode, 65_535) && isStr(x.errorText) && isStr(x.url) &&
    (x.address === null || isStr(x.address)) && (x.port === null || isUint(x.port, 65_535))
}

/** True if `x` is a well-formed host → worker message. */
export function isHostToWorker (x: unknown): x is HostToWorker {
  if (!isRecord(x)) return false
  switch (x.type) {
    case 'reply':
      if (!isUint(x.id)) return false
      return x.ok === true
        ? hasKeys(x, ['type', 'id', 'ok', 'result']) && isResult(x.result)
        : x.ok === false && hasKeys(x, ['type', 'id', 'ok', 'error']) && isErrorWire(x.error)
    case 'pc.icecandidate':
      return hasKeys(x, ['type', 'pcId', 'candidate', 'state']) && isPcKey(x.pcId) &&
        (x.candidate === null || isCandidate(x.candidate)) && isState(x.state)
    case 'pc.icecandidateerror':
      return hasKeys(x, ['type', 'pcId', 'error', 'state']) && isPcKey(x.pcId) && isIceError(x.error) && isState(x.state)
    case 'pc.event':
      return hasKeys(x, ['type', 'pcId', 'event', 'state']) && isPcKey(x.pcId) &&
        oneOf(PC_STATE_EVENTS, x.event) && isState(x.state)
    case 'pc.datachannel':
      return hasKeys(x, ['type', 'pcId', 'channel', 'state']) && isPcKey(x.pcId) &&
        isChannelInfo(x.channel) && isState(x.state)
    case 'dc.open':
      return hasKeys(x, ['type', 'channelId', 'id']) && isChannelKey(x.channelId) && isSctpId(x.id)
    case 'dc.closing':
    case 'dc.close':
      return hasKeys(x, ['type', 'channelId']) && isChannelKey(x.channelId)
    case 'dc.error':
      return hasKeys(x, ['type', 'channelId', 'error']) && isChannelKey(x.channelId) && isErrorWire(x.error)
    case 'dc.message':
      return hasKeys(x, ['type', 'channelId', 'data']) && isChannelKey(x.channelId) && isData(x.data)
    case 'dc.sent':
      return hasKeys(x, ['type', 'channelId', 'bytes', 'bufferedAmount', 'error']) && isChannelKey(x.channelId) &&
        isUint(x.bytes) && isUint(x.bufferedAmount) && (x.error === null || isErrorWire(x.error))
    case 'dc.bufferedamountlow':
      return hasKeys(x, ['type', 'channelId', 'bufferedAmount']) && isChannelKey(x.channelId) && isUint(x.bufferedAmount)
    case 'host.visibility':
      return hasKeys(x, ['type', 'visible']) && isBool(x.visible)
    case 'host.leave':
      return hasKeys(x, ['type'])
    case 'host.error':
      return hasKeys(x, ['type', 'command', 'error']) && isStr(x.command, 64) && isErrorWire(x.error)
    default:
      return false
  }
}

/**
 * True if `x` looks like a data channel: the pump cannot check more of an
 * object that arrived by transfer, and a wrong one fails at its first call
 * (caught there like any other failed call).
 */
function isChannelObject (x: unknown): x is HostDataChannel {
  if (typeof x !== 'object' || x === null) return false
  const c = x as Partial<Record<'send' | 'close' | 'addEventListener' | 'removeEventListener', unknown>>
  return typeof c.send === 'function' && typeof c.close === 'function' &&
    typeof c.addEventListener === 'function' && typeof c.removeEventListener === 'function'
}

/** True if `x` is a well-formed host → pump `pump.adopt` message. */
export function isPumpAdopt (x: unknown): x is PumpAdoptMessage<HostDataChannel> {
  return isRecord(x) && x.type === 'pump.adopt' && hasKeys(x, ['type', 'pcId', 'channelId', 'channel']) &&
    isPcKey(x.pcId) && isChannelKey(x.channelId) && isChannelObject(x.channel)
}

/** True if `x` is a well-formed pump → host `pump.closed` message. */
export function isPumpClosed (x: unknown): x is PumpClosedMessage {
  return isRecord(x) && x.type === 'pump.closed' && hasKeys(x, ['type', 'channelId']) && isChannelKey(x.channelId)
}
