/**
 * The fields a call's signalling carries for its RTCPeerConnection, the
 * same in 1:1 calls (`/parley/call/1.0.0`) and group calls
 * (`/parley/group-call/1.0.0`): a session description and trickled ICE
 * candidates (docs/protocols.md, "Calls", "Stream and frames"). Each check
 * throws what `invalid` makes of its reason.
 */
import { LONE_SURROGATE } from '../chat/checks.ts'
import { MAX_CANDIDATE_CHARS, MAX_MID_CHARS, MAX_MLINE_INDEX, MAX_SDP_CHARS } from './constants.ts'

/** A trickled ICE candidate, as RTCIceCandidateInit has it; `candidate` '' is the end of candidates. */
export interface CallCandidate {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
  usernameFragment?: string | null
}

/** Makes the error a decoder throws for `reason`. */
export type Invalid = (reason: string) => Error

const CONTROL = /[\u0000-\u001f\u007f]/

/** A session description: "v=0" first, at most MAX_SDP_CHARS, no NUL or unpaired surrogate. */
export function sdpOf (sdp: unknown, invalid: Invalid): string {
  if (typeof sdp !== 'string' || !sdp.startsWith('v=0') || sdp.length > MAX_SDP_CHARS || sdp.includes('\u0000') || LONE_SURROGATE.test(sdp)) {
    throw invalid(`"sdp" must be a session description ("v=0" first) of at most ${MAX_SDP_CHARS} characters`)
  }
  return sdp
}

function optionalText (value: unknown, max: number, what: string, invalid: Invalid): string | null {
  if (value === null) return null
  if (typeof value !== 'string' || value.length > max || CONTROL.test(value) || LONE_SURROGATE.test(value)) {
    throw invalid(`${what} must be null or at most ${max} characters without control characters`)
  }
  return value
}

/** One candidate of an `ice` frame. */
export function candidateOf (value: unknown, invalid: Invalid): CallCandidate {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('a candidate must be an object')
  const c = value as Record<string, unknown>
  if (Object.keys(c).some((k) => !['candidate', 'sdpMid', 'sdpMLineIndex', 'usernameFragment'].includes(k))) {
    throw invalid('a candidate has only candidate, sdpMid, sdpMLineIndex, usernameFragment')
  }
  const line = c['candidate']
  if (typeof line !== 'string' || line.length > MAX_CANDIDATE_CHARS || (line !== '' && !line.startsWith('candidate:')) || CONTROL.test(line) || LONE_SURROGATE.test(line)) {
    throw invalid(`"candidate" must be "" or a "candidate:" line of at most ${MAX_CANDIDATE_CHARS} characters`)
  }
  const sdpMid = optionalText(c['sdpMid'], MAX_MID_CHARS, '"sdpMid"', invalid)
  const index = c['sdpMLineIndex']
  if (index !== null && (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > MAX_MLINE_INDEX)) {
    throw invalid(`"sdpMLineIndex" must be null or an integer 0 to ${MAX_MLINE_INDEX}`)
  }
  if (sdpMid === null && index === null) throw invalid('a candidate names its "sdpMid" or its "sdpMLineIndex"')
  const candidate: CallCandidate = { candidate: line, sdpMid, sdpMLineIndex: index }
  if (c['usernameFragment'] !== undefined) candidate.usernameFragment = optionalText(c['usernameFragment'], MAX_MID_CHARS, '"usernameFragment"', invalid)
  return candidate
}
