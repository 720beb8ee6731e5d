/**
 * `/parley/group-call/1.0.0` frames (docs/protocols.md, "Group calls"): the
 * signalling of a call among a group's members, a mesh in which each pair
 * of participants' devices holds one RTCPeerConnection. Each frame is the
 * plaintext of a session box between two members' devices, one request and
 * one reply per stream; here are the frames and their checks.
 *
 * Requests, each naming its `group` and its `call` (32 hex digits each):
 * `state` (who is in the call, ringing the listener or only telling it),
 * `decline`, `join` (the joiner's offer to a participant), `answer`,
 * `offer` (a pair's new negotiation), `ice`, `leave`. Replies: `ringing`
 * (to a state that rings), `joined` (to a join: who is in the call), `ok`,
 * or `reject` with a reason.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { candidateOf, sdpOf } from '../call/fields.ts'
import { MAX_CANDIDATES_PER_FRAME } from '../call/constants.ts'
import { ed25519KeyOf } from '../group/keys.ts'
import { onlyKeys, parseJsonObject } from '../json-frame.ts'
import { MAX_GROUP_CALL_FRAME_BYTES, MAX_GROUP_CALL_MS, MAX_GROUP_CALL_PARTICIPANTS } from './constants.ts'
import type { CallCandidate } from '../call/fields.ts'

export * from './constants.ts'
export type { CallCandidate } from '../call/fields.ts'

/** A group's id or a call's: 32 lowercase hex digits (16 random bytes). */
export const GROUP_CALL_ID_PATTERN = /^[0-9a-f]{32}$/

interface Named {
  group: string
  call: string
}

/**
 * Who is in a call, as its sender sees it: the participants' device PeerIDs
 * (none: the call is over), when the call started and when this was said.
 * `ring`: the listener's devices ring (the call's start, to every member).
 */
export type GroupCallState = Named & { type: 'state', ring: boolean, video: boolean, startedAt: number, sentAt: number, participants: string[] }

export type GroupCallRequest =
  | GroupCallState
  | Named & { type: 'decline' }
  | Named & { type: 'join', video: boolean, sdp: string }
  | Named & { type: 'answer' | 'offer', sdp: string }
  | Named & { type: 'ice', candidates: CallCandidate[] }
  | Named & { type: 'leave' }

export type GroupCallRejectReason =
  /** the sender is not a member of the group (or a device of one), by the listener's fold */
  | 'not-a-member'
  /** no such call under way with the sender, as the listener knows it */
  | 'unknown-call'
  /** the call has MAX_GROUP_CALL_PARTICIPANTS already */
  | 'full'
  /** the listener is in another call */
  | 'busy'
  /** the listener's own join to the sender stands (mesh.ts, `glare`) */
  | 'glare'
  /** a state's `sentAt` too far from the listener's clock */
  | 'stale'
  | 'invalid'
  | 'rate-limited'

export const GROUP_CALL_REJECT_REASONS: readonly GroupCallRejectReason[] = ['not-a-member', 'unknown-call', 'full', 'busy', 'glare', 'stale', 'invalid', 'rate-limited']

export type GroupCallReply =
  | { type: 'ringing' }
  | { type: 'joined', participants: string[] }
  | { type: 'ok' }
  | { type: 'reject', reason: GroupCallRejectReason }

export const GROUP_CALL_REQUEST_TYPES: ReadonlyArray<GroupCallRequest['type']> = ['state', 'decline', 'join', 'answer', 'offer', 'ice', 'leave']

const encoder = new TextEncoder()

function invalid (reason: string): InvalidMessageError {
  return new InvalidMessageError(`Invalid group call frame: ${reason}`)
}

function only (obj: Record<string, unknown>, keys: readonly string[]): void {
  onlyKeys(obj, keys, invalid)
}

function idField (obj: Record<string, unknown>, key: 'group' | 'call'): string {
  const id = obj[key]
  if (typeof id !== 'string' || !GROUP_CALL_ID_PATTERN.test(id)) throw invalid(`"${key}" must be 32 lowercase hex digits`)
  return id
}

function named (obj: Record<string, unknown>): Named {
  return { group: idField(obj, 'group'), call: idField(obj, 'call') }
}

function booleanField (obj: Record<string, unknown>, key: string): boolean {
  const value = obj[key]
  if (typeof value !== 'boolean') throw invalid(`"${key}" must be true or false`)
  return value
}

function timeField (obj: Record<string, unknown>, key: string): number {
  const value = obj[key]
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw invalid(`"${key}" must be an integer of ms since the epoch`)
  return value
}

/** Device PeerIDs, each once: `min` to MAX_GROUP_CALL_PARTICIPANTS of them. */
function participantsField (value: unknown, min: number): string[] {
  if (!Array.isArray(value) || value.length < min || value.length > MAX_GROUP_CALL_PARTICIPANTS) {
    throw invalid(`"participants" must list ${min} to ${MAX_GROUP_CALL_PARTICIPANTS} PeerIDs`)
  }
  for (const peer of value) if (typeof peer !== 'string' || ed25519KeyOf(peer) === undefined) throw invalid('a participant must be an Ed25519 PeerID')
  if (new Set(value).size !== value.length) throw invalid('a participant is listed twice')
  return value as string[]
}

export function encodeGroupCallFrame (frame: GroupCallRequest | GroupCallReply): Uint8Array {
  return encoder.encode(JSON.stringify(frame))
}

/** A request as the listener reads it (a box's plaintext); throws InvalidMessageError saying what is wrong. */
export function decodeGroupCallRequest (bytes: Uint8Array): GroupCallRequest {
  const obj = parseJsonObject(bytes, MAX_GROUP_CALL_FRAME_BYTES, invalid)
  switch (obj['type']) {
    case 'state': {
      only(obj, ['type', 'group', 'call', 'ring', 'video', 'startedAt', 'sentAt', 'participants'])
      const ring = booleanField(obj, 'ring')
      const video = booleanField(obj, 'video')
      const startedAt = timeField(obj, 'startedAt')
      const sentAt = timeField(obj, 'sentAt')
      if (sentAt < startedAt || sentAt - startedAt > MAX_GROUP_CALL_MS) throw invalid(`"sentAt" must be from "startedAt" to ${MAX_GROUP_CALL_MS} ms after it`)
      // a call that rings has someone in it; one that is over rings nobody
      const participants = participantsField(obj['participants'], ring ? 1 : 0)
      return { type: 'state', ...named(obj), ring, video, startedAt, sentAt, participants }
    }
    case 'join':
      only(obj, ['type', 'group', 'call', 'video', 'sdp'])
      return { type: 'join', ...named(obj), video: booleanField(obj, 'video'), sdp: sdpOf(obj['sdp'], invalid) }
    case 'answer':
    case 'offer':
      only(obj, ['type', 'group', 'call', 'sdp'])
      return { type: obj['type'], ...named(obj), sdp: sdpOf(obj['sdp'], invalid) }
    case 'ice': {
      only(obj, ['type', 'group', 'call', 'candidates'])
      const list = obj['candidates']
      if (!Array.isArray(list) || list.length < 1 || list.length > MAX_CANDIDATES_PER_FRAME) throw invalid(`"candidates" must list 1 to ${MAX_CANDIDATES_PER_FRAME} candidates`)
      return { type: 'ice', ...named(obj), candidates: list.map((c: unknown) => candidateOf(c, invalid)) }
    }
    case 'decline':
    case 'leave':
      only(obj, ['type', 'group', 'call'])
      return { type: obj['type'], ...named(obj) }
    default:
      throw invalid(`"type" must be one of ${GROUP_CALL_REQUEST_TYPES.join(', ')}`)
  }
}

/**
 * A reply as the dialer reads it; with `request`, only the reply that
 * request may have (`ringing` to a state that rings, `joined` to a join).
 * Throws InvalidMessageError.
 */
export function decodeGroupCallReply (bytes: Uint8Array, request?: Pick<GroupCallRequest, 'type'> & { ring?: boolean }): GroupCallReply {
  const obj = parseJsonObject(bytes, MAX_GROUP_CALL_FRAME_BYTES, invalid)
  switch (obj['type']) {
    case 'ringing':
      if (request !== undefined && !(request.type === 'state' && request.ring === true)) throw invalid('only a state that rings is answered "ringing"')
      only(obj, ['type'])
      return { type: 'ringing' }
    case 'joined':
      if (request !== undefined && request.type !== 'join') throw invalid('only a join is answered "joined"')
      only(obj, ['type', 'participants'])
      // the listener is in the call, so at least it
      return { type: 'joined', participants: participantsField(obj['participants'], 1) }
    case 'ok':
      if (request?.type === 'join') throw invalid('a join is answered "joined" or "reject"')
      only(obj, ['type'])
      return { type: 'ok' }
    case 'reject': {
      only(obj, ['type', 'reason'])
      const reason = obj['reason']
      if (typeof reason !== 'string' || !(GROUP_CALL_REJECT_REASONS as readonly string[]).includes(reason)) throw invalid(`"reason" must be one of ${GROUP_CALL_REJECT_REASONS.join(', ')}`)
      return { type: 'reject', reason: reason as GroupCallRejectReason }
    }
    default:
      throw invalid('"type" must be "ringing", "joined", "ok" or "reject"')
  }
}
