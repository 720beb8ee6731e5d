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
import { candidateOf, sdpOf } from './fields.ts'
import { CALL_ID_PATTERN, MAX_CALL_FRAME_BYTES, MAX_CANDIDATES_PER_FRAME } from './constants.ts'
import type { CallCandidate } from './fields.ts'

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

export type { CallCandidate } from './fields.ts'

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

function sdpField (obj: Record<string, unknown>): string {
  return sdpOf(obj['sdp'], invalid)
}

function candidateField (value: unknown): CallCandidate {
  return candidateOf(value, invalid)
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
