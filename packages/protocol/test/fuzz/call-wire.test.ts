/**
 * Fuzzing of the `/parley/call/1.0.0` frames (src/call/wire.ts:
 * `decodeCallRequest`, `decodeCallReply`, `encodeCallFrame`). Contract
 * checked, for 10,000 generated inputs per property:
 * - arbitrary bytes, arbitrary JSON values and near-valid frames (the keys
 *   of every request and reply with right or arbitrary values) decode or
 *   throw InvalidMessageError, with both decoders; a decoded frame re-encodes
 *   to an equal one;
 * - requests and replies with fields within and beyond their limits
 *   (session descriptions, candidate lists, candidate lines, mids, indexes,
 *   hangup reasons: the six of today, among them answered-elsewhere and
 *   declined-elsewhere, or one no app knows)
 *   decode exactly when within them, to what was encoded; a request is no
 *   reply and a reply no request;
 * - flipped, truncated, extended or spliced encodings of valid frames decode
 *   or throw InvalidMessageError;
 * - frames over MAX_CALL_FRAME_BYTES are refused by their size, before parsing.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  CALL_REJECT_REASONS, HANGUP_REASONS, MAX_CALL_FRAME_BYTES, MAX_CANDIDATE_CHARS, MAX_CANDIDATES_PER_FRAME, MAX_MID_CHARS, MAX_MLINE_INDEX, MAX_SDP_CHARS,
  decodeCallReply, decodeCallRequest, encodeCallFrame
} from '../../src/call/wire.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, nearFrames, typed } from './wire-helpers.ts'
import type { CallCandidate, CallReply, CallRequest, HangupReason } from '../../src/call/wire.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const CONTROL = /[\u0000-\u001f\u007f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const REQUEST_TYPES = ['invite', 'accept', 'decline', 'hangup', 'ice', 'offer', 'answer']

/** Decodes `bytes` with both decoders: each gives a frame that re-encodes to an equal frame, or throws InvalidMessageError. Returns how many decoded. */
function decodeChecked (bytes: Uint8Array): number {
  let decoded = 0
  for (const decode of [decodeCallRequest, decodeCallReply] as Array<(b: Uint8Array) => CallRequest | CallReply>) {
    const result = typed(() => decode(bytes), INVALID)
    if (result.ok) {
      decoded++
      expectEqual(decode(encodeCallFrame(result.value)), result.value)
    }
  }
  return decoded
}

const hex32 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 })
const callId = fc.oneof({ weight: 6, arbitrary: hex32 }, { weight: 1, arbitrary: fc.oneof(hex32.map(h => h.toUpperCase()), fc.string({ maxLength: 34 })) })
/** Text of about `max` characters: short, or near the limit (beyond it with `beyond`), some with control characters or a lone surrogate. */
const textArb = (max: number, prefix: string): fc.Arbitrary<string> => fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }).map(s => prefix + s) },
  { weight: 1, arbitrary: fc.integer({ min: max - 2, max: max + 2 }).map(n => prefix + 'x'.repeat(Math.max(0, n - prefix.length))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }
)
const sdpArb = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }).map(s => `v=0\r\n${s}`) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_SDP_CHARS - 2, max: MAX_SDP_CHARS + 2 }).map(n => `v=0${'a'.repeat(n - 3)}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) }
)
const candidateArb: fc.Arbitrary<CallCandidate> = fc.record({
  candidate: fc.oneof({ weight: 1, arbitrary: fc.constant('') }, { weight: 6, arbitrary: textArb(MAX_CANDIDATE_CHARS, 'candidate:') }),
  sdpMid: fc.oneof(fc.constant(null), textArb(MAX_MID_CHARS, '')),
  sdpMLineIndex: fc.oneof(fc.constant(null), fc.integer({ min: -1, max: MAX_MLINE_INDEX + 1 }), fc.constantFrom(0.5, 62.5, 2 ** 53)),
  usernameFragment: fc.oneof(fc.constant(null), textArb(MAX_MID_CHARS, ''))
}, { requiredKeys: ['candidate', 'sdpMid', 'sdpMLineIndex'] })
const candidatesArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(candidateArb, { minLength: 0, maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: MAX_CANDIDATES_PER_FRAME - 1, max: MAX_CANDIDATES_PER_FRAME + 1 }).chain(n => fc.array(candidateArb, { minLength: n, maxLength: n })) }
)
const sentAt = fc.oneof(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, -1, 1.5, 2 ** 53))
const request: fc.Arbitrary<CallRequest> = fc.oneof(
  fc.record({ type: fc.constant('invite' as const), call: callId, video: fc.boolean(), sdp: sdpArb, sentAt }),
  fc.record({ type: fc.constantFrom('accept' as const, 'offer' as const, 'answer' as const), call: callId, sdp: sdpArb }),
  fc.record({ type: fc.constant('decline' as const), call: callId }),
  // now and then a reason no app knows, or near one (the -elsewhere reasons an older app refuses)
  fc.record({ type: fc.constant('hangup' as const), call: callId, reason: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...HANGUP_REASONS) }, { weight: 1, arbitrary: fc.constantFrom<string>('elsewhere', 'answered', 'Answered-elsewhere', 'declined-elsewhere ', '') as fc.Arbitrary<HangupReason> }) }),
  fc.record({ type: fc.constant('ice' as const), call: callId, candidates: candidatesArb })
)
const reply: fc.Arbitrary<CallReply> = fc.oneof(
  fc.constant({ type: 'ringing' as const }),
  fc.constant({ type: 'ok' as const }),
  fc.record({ type: fc.constant('reject' as const), reason: fc.constantFrom(...CALL_REJECT_REASONS) })
)

function textFits (value: string | null | undefined, max: number): boolean {
  return value === null || value === undefined || (value.length <= max && !CONTROL.test(value) && !LONE_SURROGATE.test(value))
}

function candidateFits (c: CallCandidate): boolean {
  const line = c.candidate
  const index = c.sdpMLineIndex
  return (line === '' || line.startsWith('candidate:')) && line.length <= MAX_CANDIDATE_CHARS && !CONTROL.test(line) && !LONE_SURROGATE.test(line) &&
    textFits(c.sdpMid, MAX_MID_CHARS) && textFits(c.usernameFragment, MAX_MID_CHARS) &&
    (index === null || (Number.isInteger(index) && index >= 0 && index <= MAX_MLINE_INDEX)) && (c.sdpMid !== null || index !== null)
}

/** What the protocol takes (docs/protocols.md, "Calls"). */
function fits (frame: CallRequest | CallReply): boolean {
  const idFits = !('call' in frame) || /^[0-9a-f]{32}$/.test(frame.call)
  const sdpFits = !('sdp' in frame) || (frame.sdp.startsWith('v=0') && frame.sdp.length <= MAX_SDP_CHARS && !frame.sdp.includes('\u0000') && !LONE_SURROGATE.test(frame.sdp))
  switch (frame.type) {
    case 'invite': return idFits && sdpFits && Number.isSafeInteger(frame.sentAt) && frame.sentAt > 0
    case 'hangup': return idFits && HANGUP_REASONS.includes(frame.reason)
    case 'ice': return idFits && frame.candidates.length >= 1 && frame.candidates.length <= MAX_CANDIDATES_PER_FRAME && frame.candidates.every(candidateFits)
    default: return idFits && sdpFits
  }
}

/** Near-valid frames: one type's keys (1 time in 4 some left out, 1 time in 6 a stray one), each right 3 times in 4. */
const junk = fc.oneof(fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), hex32, fc.constantFrom<unknown>(...REQUEST_TYPES, 'ringing', 'ok', 'reject', 'busy', [], {}, true, null))
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  call: hex32, video: fc.boolean(), sdp: sdpArb, sentAt, candidates: fc.array(candidateArb, { minLength: 1, maxLength: 3 }),
  reason: fc.constantFrom(...HANGUP_REASONS, ...CALL_REJECT_REASONS)
}
const KEYS: Record<string, string[]> = {
  invite: ['call', 'video', 'sdp', 'sentAt'], accept: ['call', 'sdp'], offer: ['call', 'sdp'], answer: ['call', 'sdp'], decline: ['call'],
  hangup: ['call', 'reason'], ice: ['call', 'candidates'], ringing: [], ok: [], reject: ['reason']
}
const nearFrame = nearFrames(KEYS, GOOD, junk)

describe('fuzz: call frames', () => {
  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => { decodeChecked(bytes) }), FUZZ_PARAMS)
  })

  it('arbitrary JSON values decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => { decodeChecked(encoder.encode(JSON.stringify(value))) }), FUZZ_PARAMS)
  })

  it('near-valid frames (their keys, right or arbitrary values) decode or throw InvalidMessageError', () => {
    let decoded = 0
    fc.assert(fc.property(nearFrame, (value) => { decoded += decodeChecked(encoder.encode(JSON.stringify(value))) }), FUZZ_PARAMS)
    // the generator reaches past the first checks
    expect(decoded).toBeGreaterThan(FUZZ_PARAMS.numRuns / 20)
  })

  it('requests and replies decode exactly when within the limits, to what was encoded; a request is no reply and a reply no request', () => {
    fc.assert(fc.property(fc.oneof(request, reply), (frame) => {
      const bytes = encodeCallFrame(frame)
      const isRequest = REQUEST_TYPES.includes(frame.type)
      const result = typed<CallRequest | CallReply>(() => (isRequest ? decodeCallRequest : decodeCallReply)(bytes), INVALID)
      expectEqual(result.ok ? result.value : fits(frame), fits(frame) ? frame : false)
      expectSame(typed(() => (isRequest ? decodeCallReply : decodeCallRequest)(bytes), INVALID).ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated encodings of valid frames decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(request, reply).filter(fits), mutationArb, (frame, mutations) => {
      decodeChecked(mutate(encodeCallFrame(frame), mutations))
    }), FUZZ_PARAMS)
  })

  it('frames over MAX_CALL_FRAME_BYTES are refused by their size, without parsing them; a frame at the limit decodes', () => {
    // a valid request after white space: any tail of it is a request, too big or not
    const big = encoder.encode(`${' '.repeat(MAX_CALL_FRAME_BYTES + 4096)}{"type":"decline","call":"0123456789abcdef0123456789abcdef"}`)
    let runs = 0
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.integer({ min: -64, max: 4096 }), (over) => {
        const result = typed(() => decodeCallRequest(big.subarray(big.byteLength - MAX_CALL_FRAME_BYTES - over)), INVALID)
        const outcome = result.ok ? 'decoded' : result.error.message.includes(`over the limit of ${MAX_CALL_FRAME_BYTES}`) ? 'size' : 'content'
        expectSame(outcome, over > 0 ? 'size' : 'decoded')
        runs++
      }), FUZZ_PARAMS)
    })
    expectSame(runs, FUZZ_PARAMS.numRuns)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
