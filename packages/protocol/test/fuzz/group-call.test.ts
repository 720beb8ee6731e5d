/**
 * Fuzzing of the group-call signalling (src/group-call/wire.ts:
 * `decodeGroupCallRequest`, `decodeGroupCallReply`, `encodeGroupCallFrame`;
 * src/group-call/mesh.ts: `CallMesh`). Contract checked, for 10,000
 * generated inputs per property:
 * - arbitrary bytes, arbitrary JSON values and near-valid frames (the keys
 *   of every request and reply with right or arbitrary values) decode or
 *   throw InvalidMessageError, with both decoders; a decoded frame re-encodes
 *   to an equal one;
 * - requests and replies with fields within and beyond their limits (ids,
 *   times, participant lists, session descriptions, candidates, reasons)
 *   decode exactly when within them, to what was encoded; a request is no
 *   reply and a reply no request;
 * - flipped, truncated, extended or spliced encodings of valid frames decode
 *   or throw InvalidMessageError; frames over MAX_GROUP_CALL_FRAME_BYTES are
 *   refused by their size;
 * - on the wire (src/group-call/boxed.ts): a session box is a request and a
 *   reply; outside a box only a reject (session, invalid, rate-limited) is a
 *   reply; arbitrary and mutated bytes decode or throw InvalidMessageError;
 * - the mesh: 2 to 8 devices join one call at random moments, knowing some
 *   of those in it, their frames delivered in any order between pairs (in
 *   order within one direction of a pair, as the protocol sends them). Once
 *   every frame is delivered, no device holds more pairs than a call allows,
 *   every pair is held by both its devices, and the devices in the call are
 *   each paired with every other: with up to 6 devices, all of them.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import { MAX_CANDIDATE_CHARS, MAX_CANDIDATES_PER_FRAME, MAX_SDP_CHARS } from '../../src/call/constants.ts'
import { decodeGroupCallBoxReply, decodeGroupCallBoxRequest, encodeGroupCallBoxReply, SESSION_REJECT } from '../../src/group-call/boxed.ts'
import { CallMesh } from '../../src/group-call/mesh.ts'
import { encodeBox } from '../../src/session/box.ts'
import { boxArb } from './session-arbs.ts'
import {
  GROUP_CALL_REJECT_REASONS, GROUP_CALL_REQUEST_TYPES, MAX_GROUP_CALL_FRAME_BYTES, MAX_GROUP_CALL_MS, MAX_GROUP_CALL_PARTICIPANTS,
  decodeGroupCallReply, decodeGroupCallRequest, encodeGroupCallFrame
} from '../../src/group-call/wire.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, nearFrames, typed } from './wire-helpers.ts'
import type { CallCandidate } from '../../src/call/fields.ts'
import type { GroupCallReply, GroupCallRequest, GroupCallRejectReason } from '../../src/group-call/wire.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const REQUEST_TYPES: readonly string[] = GROUP_CALL_REQUEST_TYPES

/** Eight devices' PeerIDs, from fixed seeds. */
let peers: string[] = []
beforeAll(async () => {
  peers = await Promise.all(Array.from({ length: 8 }, async (_, i) => peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(i + 1))).toString()))
})

/** Decodes `bytes` with both decoders: each gives a frame that re-encodes to an equal frame, or throws InvalidMessageError. Returns how many decoded. */
function decodeChecked (bytes: Uint8Array): number {
  let decoded = 0
  for (const decode of [decodeGroupCallRequest, decodeGroupCallReply] as Array<(b: Uint8Array) => GroupCallRequest | GroupCallReply>) {
    const result = typed(() => decode(bytes), INVALID)
    if (result.ok) {
      decoded++
      expectEqual(decode(encodeGroupCallFrame(result.value)), result.value)
    }
  }
  return decoded
}

const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 })
const id = fc.oneof({ weight: 6, arbitrary: hex32 }, { weight: 1, arbitrary: fc.oneof(hex32.map(h => h.toUpperCase()), fc.string({ maxLength: 34 })) })
const sdpArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(s => `v=0\r\n${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_SDP_CHARS - 2, max: MAX_SDP_CHARS + 2 }).map(n => `v=0${'a'.repeat(n - 3)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }
)
const candidateArb: fc.Arbitrary<CallCandidate> = fc.record({
  candidate: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }).map(s => `candidate:${s}`), fc.integer({ min: MAX_CANDIDATE_CHARS - 1, max: MAX_CANDIDATE_CHARS + 1 }).map(n => `candidate:${'x'.repeat(n - 10)}`)),
  sdpMid: fc.oneof(fc.constant(null), fc.string({ maxLength: 4 })),
  sdpMLineIndex: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 64 }))
})
const candidatesArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(candidateArb, { minLength: 0, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_CANDIDATES_PER_FRAME - 1, max: MAX_CANDIDATES_PER_FRAME + 1 }).chain(n => fc.array(candidateArb, { minLength: n, maxLength: n })) }
)
const time = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 2 ** 45 }) }, { weight: 1, arbitrary: fc.constantFrom(0, -1, 1.5, 2 ** 53) })
/** PeerIDs from the pool, now and then one twice, a non-canonical or a made-up one, or too many. */
const participantsArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: MAX_GROUP_CALL_PARTICIPANTS }).chain(n => fc.shuffledSubarray([...Array(8).keys()], { minLength: n, maxLength: n })).map(ix => ix.map(i => peers[i] ?? '')) },
  { weight: 1, arbitrary: fc.constant(null).map(() => [...peers.slice(0, MAX_GROUP_CALL_PARTICIPANTS), peers[7] ?? '']) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }).map(i => [peers[i] ?? '', peers[i] ?? '']) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 60 }), fc.integer({ min: 0, max: 7 }).map(i => (peers[i] ?? '').toLowerCase())), { maxLength: 3 }) }
)
const request: fc.Arbitrary<GroupCallRequest> = fc.oneof(
  fc.record({ type: fc.constant('state' as const), group: id, call: id, ring: fc.boolean(), video: fc.boolean(), startedAt: time, sentAt: time, participants: participantsArb }),
  fc.record({ type: fc.constant('join' as const), group: id, call: id, video: fc.boolean(), sdp: sdpArb }),
  fc.record({ type: fc.constantFrom('answer' as const, 'offer' as const), group: id, call: id, sdp: sdpArb }),
  fc.record({ type: fc.constantFrom('decline' as const, 'leave' as const), group: id, call: id }),
  fc.record({ type: fc.constant('ice' as const), group: id, call: id, candidates: candidatesArb })
)
const reply: fc.Arbitrary<GroupCallReply> = fc.oneof(
  fc.constant({ type: 'ringing' as const }),
  fc.constant({ type: 'ok' as const }),
  fc.record({ type: fc.constant('joined' as const), participants: participantsArb }),
  fc.record({ type: fc.constant('reject' as const), reason: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...GROUP_CALL_REJECT_REASONS) }, { weight: 1, arbitrary: fc.constantFrom<string>('session', 'Full', '') as fc.Arbitrary<GroupCallRejectReason> }) })
)

function participantsFit (list: readonly string[], min: number): boolean {
  return list.length >= min && list.length <= MAX_GROUP_CALL_PARTICIPANTS && new Set(list).size === list.length && list.every(p => peers.includes(p))
}

function candidateFits (c: CallCandidate): boolean {
  return (c.candidate === '' || c.candidate.startsWith('candidate:')) && c.candidate.length <= MAX_CANDIDATE_CHARS &&
    (c.sdpMLineIndex === null || (c.sdpMLineIndex >= 0 && c.sdpMLineIndex <= 63)) && (c.sdpMid !== null || c.sdpMLineIndex !== null) &&
    !/[\u0000-\u001f\u007f]/.test(c.sdpMid ?? '') && !LONE_SURROGATE.test(c.sdpMid ?? '')
}

const timeFits = (t: number): boolean => Number.isSafeInteger(t) && t > 0

/** What the protocol takes (docs/protocols.md, "Group calls"). */
function fits (frame: GroupCallRequest | GroupCallReply): boolean {
  const idsFit = !('call' in frame) || (/^[0-9a-f]{32}$/.test(frame.call) && /^[0-9a-f]{32}$/.test(frame.group))
  const sdpFits = !('sdp' in frame) || (frame.sdp.startsWith('v=0') && frame.sdp.length <= MAX_SDP_CHARS && !frame.sdp.includes('\u0000') && !LONE_SURROGATE.test(frame.sdp))
  switch (frame.type) {
    case 'state':
      return idsFit && timeFits(frame.startedAt) && timeFits(frame.sentAt) && frame.sentAt >= frame.startedAt && frame.sentAt - frame.startedAt <= MAX_GROUP_CALL_MS &&
        participantsFit(frame.participants, frame.ring ? 1 : 0)
    case 'ice': return idsFit && frame.candidates.length >= 1 && frame.candidates.length <= MAX_CANDIDATES_PER_FRAME && frame.candidates.every(candidateFits)
    case 'joined': return participantsFit(frame.participants, 1)
    case 'reject': return GROUP_CALL_REJECT_REASONS.includes(frame.reason)
    default: return idsFit && sdpFits
  }
}

const junk = fc.oneof(fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), hex32, fc.constantFrom<unknown>(...REQUEST_TYPES, 'ringing', 'joined', 'ok', 'reject', 'full', [], {}, true, null))
const KEYS: Record<string, string[]> = {
  state: ['group', 'call', 'ring', 'video', 'startedAt', 'sentAt', 'participants'], join: ['group', 'call', 'video', 'sdp'], answer: ['group', 'call', 'sdp'],
  offer: ['group', 'call', 'sdp'], ice: ['group', 'call', 'candidates'], decline: ['group', 'call'], leave: ['group', 'call'],
  ringing: [], joined: ['participants'], ok: [], reject: ['reason']
}

describe('fuzz: group call frames', () => {
  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => { decodeChecked(bytes) }), FUZZ_PARAMS)
  })

  it('arbitrary JSON values decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => { decodeChecked(encoder.encode(JSON.stringify(value))) }), FUZZ_PARAMS)
  })

  it('near-valid frames (their keys, right or arbitrary values) decode or throw InvalidMessageError', () => {
    const good: Record<string, fc.Arbitrary<unknown>> = {
      group: hex32, call: hex32, ring: fc.boolean(), video: fc.boolean(), startedAt: fc.constant(1_000), sentAt: fc.integer({ min: 1_000, max: 5_000 }),
      participants: participantsArb, sdp: sdpArb, candidates: fc.array(candidateArb, { minLength: 1, maxLength: 2 }), reason: fc.constantFrom(...GROUP_CALL_REJECT_REASONS)
    }
    let decoded = 0
    fc.assert(fc.property(nearFrames(KEYS, good, junk), (value) => { decoded += decodeChecked(encoder.encode(JSON.stringify(value))) }), FUZZ_PARAMS)
    // the generator reaches past the first checks
    expect(decoded).toBeGreaterThan(FUZZ_PARAMS.numRuns / 20)
  })

  it('requests and replies decode exactly when within the limits, to what was encoded; a request is no reply and a reply no request', () => {
    fc.assert(fc.property(fc.oneof(request, reply), (frame) => {
      const bytes = encodeGroupCallFrame(frame)
      const isRequest = REQUEST_TYPES.includes(frame.type)
      const result = typed<GroupCallRequest | GroupCallReply>(() => (isRequest ? decodeGroupCallRequest : decodeGroupCallReply)(bytes), INVALID)
      expectEqual(result.ok ? result.value : fits(frame), fits(frame) ? frame : false)
      expectSame(typed(() => (isRequest ? decodeGroupCallReply : decodeGroupCallRequest)(bytes), INVALID).ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated encodings of valid frames decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(request, reply).filter(fits), mutationArb, (frame, mutations) => {
      decodeChecked(mutate(encodeGroupCallFrame(frame), mutations))
    }), FUZZ_PARAMS)
  })

  it('frames over MAX_GROUP_CALL_FRAME_BYTES are refused by their size, without parsing them; a frame at the limit decodes', () => {
    const big = encoder.encode(`${' '.repeat(MAX_GROUP_CALL_FRAME_BYTES + 4096)}{"type":"leave","group":"0123456789abcdef0123456789abcdef","call":"0123456789abcdef0123456789abcdef"}`)
    let runs = 0
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.integer({ min: -64, max: 4096 }), (over) => {
        const result = typed(() => decodeGroupCallRequest(big.subarray(big.byteLength - MAX_GROUP_CALL_FRAME_BYTES - over)), INVALID)
        const outcome = result.ok ? 'decoded' : result.error.message.includes(`over the limit of ${MAX_GROUP_CALL_FRAME_BYTES}`) ? 'size' : 'content'
        expectSame(outcome, over > 0 ? 'size' : 'decoded')
        runs++
      }), FUZZ_PARAMS)
    })
    expectSame(runs, FUZZ_PARAMS.numRuns)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})

describe('fuzz: group call frames on the wire', () => {
  const boxes = boxArb.map(encodeBox)
  const wire = (bytes: Uint8Array): void => {
    const request = typed(() => decodeGroupCallBoxRequest(bytes), INVALID)
    const reply = typed(() => decodeGroupCallBoxReply(bytes), INVALID)
    // a request is a box, and a box is a reply too
    if (request.ok) expectEqual(reply.ok && 'box' in reply.value ? reply.value.box : undefined, bytes)
    if (reply.ok) expectEqual(encodeGroupCallBoxReply('box' in reply.value ? reply.value.box : reply.value.reply), bytes)
  }

  it('a session box is a request and a reply; outside a box, only a reject that comes before any box is opened', () => {
    fc.assert(fc.property(boxes, (box) => {
      expectEqual(decodeGroupCallBoxRequest(box), box)
      expectEqual(decodeGroupCallBoxReply(box), { box })
    }), FUZZ_PARAMS)
    for (const reason of ['session', 'invalid', 'rate-limited'] as const) {
      expectEqual(decodeGroupCallBoxReply(encodeGroupCallBoxReply({ type: 'reject', reason })), { reply: { type: 'reject', reason } })
    }
    for (const other of [{ type: 'reject', reason: 'full' }, { type: 'ok' }, { type: 'joined', participants: [] }, { type: 'reject', reason: 'session', more: 1 }]) {
      expectSame(typed(() => decodeGroupCallBoxReply(encoder.encode(JSON.stringify(other))), INVALID).ok, false)
    }
  })

  it('arbitrary bytes, and boxes or the session reject mutated, decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => { wire(bytes) }), FUZZ_PARAMS)
    fc.assert(fc.property(fc.oneof(boxes, fc.constant(encodeGroupCallBoxReply(SESSION_REJECT))), mutationArb, (bytes, mutations) => { wire(mutate(bytes, mutations)) }), FUZZ_PARAMS)
  })
})

/** A frame between two devices' meshes, and the reply that comes back for it. */
type Frame =
  | { kind: 'join' }
  | { kind: 'leave' }
  | { kind: 'joined', participants: string[] }
  | { kind: 'refused', reason: string }

/**
 * Devices joining one call, their frames delivered in an order `choose`
 * picks: one directed link's oldest frame at a time (a pair's frames in one
 * direction go in order), or the next device's join.
 */
function simulate (devices: string[], knownOf: (device: number, inCall: string[]) => string[], choose: (n: number) => number, refusals: Map<string, number>): CallMesh[] {
  const meshes = devices.map(d => new CallMesh(d))
  const links = new Map<string, Frame[]>()
  const send = (from: string, to: string, frame: Frame): void => {
    const key = `${from} ${to}`
    links.set(key, [...links.get(key) ?? [], frame])
  }
  const mesh = (peer: string): CallMesh => meshes[devices.indexOf(peer)] as CallMesh
  const sendAll = (from: string, sends: { join: string[], leave: string[] } | undefined): void => {
    for (const to of sends?.join ?? []) send(from, to, { kind: 'join' })
    for (const to of sends?.leave ?? []) send(from, to, { kind: 'leave' })
  }
  meshes[0]?.start()
  let next = 1
  for (let step = 0; step < 10_000; step++) {
    const busy = [...links].filter(([, frames]) => frames.length > 0)
    const options = busy.length + (next < devices.length ? 1 : 0)
    if (options === 0) return meshes
    const pick = choose(options)
    if (pick === busy.length) {
      const device = devices[next] as string
      sendAll(device, mesh(device).join(knownOf(next, meshes.filter(m => m.inCall).map(m => m.me))))
      next++
      continue
    }
    const [key, frames] = busy[pick] as [string, Frame[]]
    const [from, to] = key.split(' ') as [string, string]
    const frame = frames.shift() as Frame
    const at = mesh(to)
    if (frame.kind === 'join') {
      const answer = at.onJoin(from)
      send(to, from, answer.reply === 'joined' ? { kind: 'joined', participants: answer.participants } : { kind: 'refused', reason: answer.reply })
    } else if (frame.kind === 'leave') {
      at.onLeave(from)
    } else if (frame.kind === 'joined') {
      sendAll(to, at.onJoined(from, frame.participants))
    } else {
      refusals.set(frame.reason, (refusals.get(frame.reason) ?? 0) + 1)
      sendAll(to, at.onRefused(from, frame.reason))
    }
  }
  throw new Error('the frames never settled')
}

describe('fuzz: the group call mesh', () => {
  it('devices joining at once, in any order: every pair held by both its devices, the call never over its size, and with up to 6 devices every one paired with every other', () => {
    const refusals = new Map<string, number>()
    fc.assert(fc.property(
      fc.integer({ min: 2, max: 8 }), fc.infiniteStream(fc.nat()), fc.infiniteStream(fc.nat()),
      (n, picks, knowing) => {
        const devices = peers.slice(0, n)
        const order = picks[Symbol.iterator]()
        const known = knowing[Symbol.iterator]()
        const choose = (options: number): number => (order.next().value as number) % options
        // a joiner knows the starter (its ring said so) and some of those in the call when it joins (a state said them)
        const knownOf = (_device: number, inCall: string[]): string[] => [devices[0] as string, ...inCall.filter(() => (known.next().value as number) % 2 === 0)]
        const meshes = simulate(devices, knownOf, choose, refusals)
        const inCall = meshes.filter(m => m.inCall)
        for (const m of meshes) {
          // nothing left half-made
          for (const d of devices) expectSame(m.pair(d) === 'offering', false)
          expectSame(m.participants().length <= MAX_GROUP_CALL_PARTICIPANTS, true)
          for (const peer of m.participants().slice(1)) {
            const other = meshes.find(o => o.me === peer)
            expectSame(other?.inCall === true && other.pair(m.me) === 'open', true)
          }
        }
        // those in the call are each paired with every other
        for (const m of inCall) expectEqual(new Set(m.participants()), new Set(inCall.map(o => o.me)))
        if (n <= MAX_GROUP_CALL_PARTICIPANTS) expectSame(inCall.length, n)
      }
    ), FUZZ_PARAMS)
    // the orders reach the rules' corners: joins that cross (glare), calls that fill, joins to one who is not in yet
    expect(['glare', 'full', 'unknown-call'].filter(reason => (refusals.get(reason) ?? 0) <= FUZZ_PARAMS.numRuns / 100)).toEqual([])
  })

})
