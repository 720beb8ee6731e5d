/**
 * `/parley/call/1.0.0` frames (docs/protocols.md, "Calls"): the signalling
 * of a 1:1 voice or video call between two contacts, carried like the
 * group protocol, one request and one reply per stream, each a
 * length-prefixed UTF-8 JSON frame of at most MAX_CALL_FRAME_BYTES, also
 * over relayed connections. The media never passes here: each side's tab
 * holds the call's RTCPeerConnection, and these frames carry its session
 * descriptions and ICE candidates.
 *
 * Requests, each naming its `call` (32 hex digits the caller chose):
 * `invite` (the caller's offer), `accept` (the callee's answer), `decline`,
 * `hangup` (either side, with a reason; the caller's before an answer is a
 * cancel), `ice` (trickled candidates), `offer` / `answer` (a new
 * negotiation during the call: an ICE restart). Replies: `ringing` (to an
 * invite that now rings), `ok`, or `reject` with a reason.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { onlyKeys, parseJsonObject } from '../json-frame.ts'
import { LONE_SURROGATE } from '../chat/checks.ts'
import { CALL_ID_PATTERN, MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_CANDIDATES_PER_FRAME, MAX_MID_CHARS, MAX_MLINE_INDEX, MAX_SDP_CHARS } from './constants.ts'

export * from './constants.ts'

/** Why a call ended, as a `hangup` says it. */
export type HangupReason =
  /** a person ended it (or the callee's last tab closed) */
  | 'hangup'
  /** the caller stopped before an answer */
  | 'cancel'
  /** no answer within RING_TIMEOUT_MS */
  | 'timeout'
  /** no path for the media, or the tab's connection failed */
  | 'failed'
  /** the caller to a device of the callee's that rang: another device of the callee's account answered */
  | 'answered-elsewhere'
  /** the caller to a device of the callee's that rang: another device of the callee's account declined */
  | 'declined-elsewhere'

export const HANGUP_REASONS: readonly HangupReason[] = ['hangup', 'cancel', 'timeout', 'failed', 'answered-elsewhere', 'declined-elsewhere']

/** The reasons an app from before linked devices' calls (2026-11-30) refuses as invalid: a caller sends those `cancel` instead. */
export const ELSEWHERE_REASONS: readonly HangupReason[] = ['answered-elsewhere', 'declined-elsewhere']

/** A trickled ICE candidate, as RTCIceCandidateInit has it; `candidate` '' is the end of candidates. */
export interface CallCandidate {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
  usernameFragment?: string | null
}

export type CallRequest =
  | { type: 'invite', call: string, video: boolean, sdp: string, sentAt: number }
  | { type: 'accept', call: string, sdp: string }
  | { type: 'decline', call: string }
  | { type: 'hangup', call: string, reason: HangupReason }
  | { type: 'ice', call: string, candidates: CallCandidate[] }
  | { type: 'offer', call: string, sdp: string }
  | { type: 'answer', call: string, sdp: string }

export type CallRejectReason =
  /** the callee is in another call */
  | 'busy'
  /** not an accepted, unblocked contact */
  | 'not-a-contact'
  /** no such call (ended, or never known) */
  | 'unknown-call'
  /** an invite's `sentAt` too far from the callee's clock */
  | 'stale'
  | 'invalid'
  | 'rate-limited'

export const CALL_REJECT_REASONS: readonly CallRejectReason[] = ['busy', 'not-a-contact', 'unknown-call', 'stale', 'invalid', 'rate-limited']

export type CallReply =
  | { type: 'ringing' }
  | { type: 'ok' }
  | { type: 'reject', reason: CallRejectReason }

const encoder = new TextEncoder()

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid call frame: ${reason}`)
}

function parse (bytes: Uint8Array): Record<string, unknown> {
  return parseJsonObject(bytes, MAX_CALL_FRAME_BYTES, invalid)
}

function only (obj: Record<string, unknown>, keys: readonly string[]): void {
  onlyKeys(obj, keys, invalid)
}

function callField (obj: Record<string, unknown>): string {
  const call = obj['call']
  if (typeof call !== 'string' || !CALL_ID_PATTERN.test(call)) throw invalid('"call" must be 32 lowercase hex digits')
  return call
}

/** A session description: "v=0" first, at most MAX_SDP_CHARS, no NUL or unpaired surrogate. */
function sdpField (obj: Record<string, unknown>): string {
  const sdp = obj['sdp']
  if (typeof sdp !== 'string' || !sdp.startsWith('v=0') || sdp.length > MAX_SDP_CHARS || sdp.includes('\u0000') || LONE_SURROGATE.test(sdp)) {
    throw invalid(`"sdp" must be a session description ("v=0" first) of at most ${MAX_SDP_CHARS} characters`)
  }
  return sdp
}

function optionalText (value: unknown, max: number, what: string): string | null {
  if (value === null) return null
  if (typeof value !== 'string' || value.length > max || /[\u0000-\u001f\u007f]/.test(value) || LONE_SURROGATE.test(value)) {
    throw invalid(`${what} must be null or at most ${max} characters without control characters`)
  }
  return value
}

function candidateField (value: unknown): CallCandidate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('a candidate must be an object')
  const c = value as Record<string, unknown>
  if (Object.keys(c).some((k) => !['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment'].includes(k))) {
    throw invalid('a candidate has only candidate, sdpMid, sdpMLineIndex, usernameFragment')
  }
  const line = c['candidate']
  if (typeof line !== 'string' || line.length > MAX_CANDIDATE_CHARS || (line !== '' && !line.startsWith('candidate:')) || /[\u0000-\u001f\u007f]/.test(line) || LONE_SURROGATE.test(line)) {
    throw invalid(`"candidate" must be "" or a "candidate:" line of at most ${MAX_CANDIDATE_CHARS} characters`)
  }
  const sdpMid = optionalText(c['sdpMid'], MAX_MID_CHARS, '"sdpMid"')
  const index = c['sdpMLineIndex']
  if (index !== null && (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_MLINE_INDEX)) {
    throw invalid(`"sdpMLineIndex" must be null or an integer 0 to ${MAX_MLINE_INDEX}`)
  }
  if (sdpMid === null && index === null) throw invalid('a candidate names its "sdpMid" or its "sdpMLineIndex"')
  const candidate: CallCandidate = { candidate: line, sdpMid, sdpMLineIndex: index }
  if (c['usernameFragment'] !== undefined) candidate.usernameFragment = optionalText(c['usernameFragment'], MAX_MID_CHARS, '"usernameFragment"')
  return candidate
}

export function encodeCallFrame (frame: CallRequest | CallReply): Uint8Array {
  return encoder.encode(JSON.stringify(frame))
}

/** A request as the listener reads it; throws InvalidMessageError saying what is wrong. */
export function decodeCallRequest (bytes: Uint8Array): CallRequest {
  const obj = parse(bytes)
  switch (obj['type']) {
    case 'invite': {
      only(obj, ['type', 'call', 'video', 'sdp', 'sentAt'])
      const video = obj['video']
      if (typeof video !== 'boolean') throw invalid('"video" must be true or false')
      const sentAt = obj['sentAt']
      if (typeof sentAt !== 'number' || !Number.isSafeInteger(sentAt) || sentAt <= 0) throw invalid('"sentAt" must be an integer of ms since the epoch')
      return { type: 'invite', call: callField(obj), video, sdp: sdpField(obj), sentAt }
    }
    case 'accept':
    case 'offer':
    case 'answer':
      only(obj, ['type', 'call', 'sdp'])
      return { type: obj['type'] as 'accept' | 'offer' | 'answer', call: callField(obj), sdp: sdpField(obj) }
    case 'decline':
      only(obj, ['type', 'call'])
      return { type: 'decline', call: callField(obj) }
    case 'hangup': {
      only(obj, ['type', 'call', 'reason'])
      const reason = obj['reason']
      if (typeof reason !== 'string' || !(HANGUP_REASONS as readonly string[]).includes(reason)) throw invalid(`"reason" must be one of ${HANGUP_REASONS.join(', ')}`)
      return { type: 'hangup', call: callField(obj), reason: reason as HangupReason }
    }
    case 'ice': {
      only(obj, ['type', 'call', 'candidates'])
      const list = obj['candidates']
      if (!Array.isArray(list) || list.length < 1 || list.length > MAX_CANDIDATES_PER_FRAME) throw invalid(`"candidates" must list 1 to ${MAX_CANDIDATES_PER_FRAME} candidates`)
      return { type: 'ice', call: callField(obj), candidates: list.map(candidateField) }
    }
    default:
      throw invalid('"type" must be "invite", "accept", "decline", "hangup", "ice", "offer" or "answer"')
  }
}

/** A reply as the dialer reads it; `ringing` only answers an invite. Throws InvalidMessageError. */
export function decodeCallReply (bytes: Uint8Array, request?: Pick<CallRequest, 'type'>): CallReply {
  const obj = parse(bytes)
  switch (obj['type']) {
    case 'ringing':
      if (request !== undefined && request.type !== 'invite') throw invalid('only an invite is answered "ringing"')
      only(obj, ['type'])
      return { type: 'ringing' }
    case 'ok':
      only(obj, ['type'])
      return { type: 'ok' }
    case 'reject': {
      only(obj, ['type', 'reason'])
      const reason = obj['reason']
      if (typeof reason !== 'string' || !(CALL_REJECT_REASONS as readonly string[]).includes(reason)) throw invalid(`"reason" must be one of ${CALL_REJECT_REASONS.join(', ')}`)
      return { type: 'reject', reason: reason as CallRejectReason }
    }
    default:
      throw invalid('"type" must be "ringing", "ok" or "reject"')
  }
}
