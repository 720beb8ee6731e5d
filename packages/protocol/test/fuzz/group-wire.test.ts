/**
 * Fuzzing of the `/parley/group/1.0.0` frames and the groups' mailbox items
 * (src/group/wire.ts: `decodeGroupRequest`, `decodeGroupReply`,
 * `decodeGroupItem` and their encoders). Contract checked, for 10,000
 * generated inputs per property:
 * - arbitrary bytes, arbitrary JSON values and near-valid frames (the keys of
 *   every request, reply and item with right or arbitrary values) decode or
 *   throw InvalidMessageError, with each decoder; a decoded frame re-encodes
 *   to an equal one;
 * - requests, replies and items with lists within and beyond their limits
 *   (operations per frame, heads, missing ids) decode exactly when within
 *   them, to what was encoded; a request is no item and an item no request;
 *   flipped, truncated, extended or spliced encodings decode or throw
 *   InvalidMessageError;
 * - frames over MAX_GROUP_FRAME_BYTES are refused by size, before parsing.
 * The operations and messages inside are only shapes here: their content is
 * fuzzed in group.test.ts.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_DEPS } from '../../src/group/constants.ts'
import {
  MAX_GROUP_FRAME_BYTES, MAX_MISSING, MAX_OPS_PER_FRAME, decodeGroupItem, decodeGroupReply, decodeGroupRequest, encodeGroupFrame, encodeGroupItem
} from '../../src/group/wire.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { hex32, hex64 } from './group-arbs.ts'
import { memoryGrowth, mutate, mutationArb, nearFrames, typed } from './wire-helpers.ts'
import type { GroupItem, GroupReply, GroupRequest } from '../../src/group/wire.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const MAX_HEADS = MAX_DEPS * 4

/** Each decoder with the encoder that makes what it reads. */
const DECODERS = [
  { name: 'request', decode: decodeGroupRequest, encode: (f: GroupRequest) => encodeGroupFrame(f) },
  { name: 'reply', decode: decodeGroupReply, encode: (f: GroupReply) => encodeGroupFrame(f) },
  { name: 'item', decode: decodeGroupItem, encode: (f: GroupItem) => encodeGroupItem(f) }
] as const

/** Decodes `bytes` with every decoder: each gives a frame that re-encodes to an equal frame, or throws InvalidMessageError. Returns how many decoded. */
function decodeChecked (bytes: Uint8Array): number {
  let decoded = 0
  for (const { decode, encode } of DECODERS) {
    const result = typed<GroupRequest | GroupReply>(() => decode(bytes), INVALID)
    if (result.ok) {
      decoded++
      expectEqual(decode((encode as (f: GroupRequest | GroupReply) => Uint8Array)(result.value)), result.value)
    }
  }
  return decoded
}

/** An operation or message as the frame carries it: any strings (op.ts and message.ts judge them). */
const signed = fc.record({ body: fc.string({ unit: 'binary', maxLength: 40 }), sig: fc.string({ maxLength: 90 }) })
/** A list of `item` of 0 to `max` + 2 entries, mostly short. */
const list = <T>(item: fc.Arbitrary<T>, max: number): fc.Arbitrary<T[]> => fc.oneof(
  { weight: 4, arbitrary: fc.array(item, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.integer({ min: max - 1, max: max + 2 }).chain(n => fc.array(item, { minLength: n, maxLength: n })) }
)
const request: fc.Arbitrary<GroupRequest> = fc.oneof(
  fc.record({ type: fc.constant('ops' as const), group: hex32, ops: list(signed, MAX_OPS_PER_FRAME) }),
  fc.record({ type: fc.constant('sync' as const), group: hex32, heads: list(hex64, MAX_HEADS) }),
  fc.record({ type: fc.constant('message' as const), message: signed })
)
const reply: fc.Arbitrary<GroupReply> = fc.oneof(
  fc.record({ type: fc.constant('reply' as const), status: fc.constantFrom('ok' as const, 'stored' as const, 'duplicate' as const), ops: list(signed, MAX_OPS_PER_FRAME), more: fc.boolean(), missing: list(hex64, MAX_MISSING) }, { requiredKeys: ['type', 'status'] }),
  fc.record({ type: fc.constant('reject' as const), reason: fc.constantFrom('not-a-member' as const, 'unknown-group' as const, 'invalid' as const, 'rate-limited' as const) })
)

/** What the protocol takes: lists within their limits (an `ops` request names at least one). */
function fits (frame: GroupRequest | GroupReply): boolean {
  switch (frame.type) {
    case 'ops': return frame.ops.length >= 1 && frame.ops.length <= MAX_OPS_PER_FRAME
    case 'sync': return frame.heads.length <= MAX_HEADS
    case 'reply': return (frame.ops ?? []).length <= MAX_OPS_PER_FRAME && (frame.missing ?? []).length <= MAX_MISSING
    default: return true
  }
}

/** Near-valid frames: one kind's keys (most of the time all of them, 1 time in 6 a stray one too), each right 3 times in 4. */
const junk = fc.oneof(fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), hex32, hex64, fc.constantFrom<unknown>('ops', 'sync', 'message', 'reply', 'reject', 'group-ops', 'group-message', 'ok', 'invalid', [], {}, true))
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  group: hex32, ops: fc.array(signed, { maxLength: 3 }), heads: fc.array(hex64, { maxLength: 3 }), message: signed, status: fc.constantFrom('ok', 'stored', 'duplicate'),
  more: fc.boolean(), missing: fc.array(hex64, { maxLength: 3 }), reason: fc.constantFrom('not-a-member', 'unknown-group', 'invalid', 'rate-limited')
}
const KEYS: Record<string, string[]> = {
  ops: ['group', 'ops'], 'group-ops': ['group', 'ops'], sync: ['group', 'heads'], message: ['message'], 'group-message': ['message'],
  reply: ['status', 'ops', 'more', 'missing'], reject: ['reason']
}
const nearFrame = nearFrames(KEYS, GOOD, junk, k => k === 'ops' ? fc.array(fc.oneof(signed, junk), { maxLength: 2 }) : junk)

describe('fuzz: group frames and mailbox items', () => {
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

  it('requests, replies and items decode exactly when their lists are within the limits, to what was encoded; a request is no item', () => {
    fc.assert(fc.property(fc.oneof(request, reply), (frame) => {
      const bytes = encodeGroupFrame(frame)
      const isRequest = frame.type === 'ops' || frame.type === 'sync' || frame.type === 'message'
      const decode = isRequest ? decodeGroupRequest : decodeGroupReply
      const result = typed(() => decode(bytes), INVALID)
      expectEqual(result.ok ? result.value : fits(frame), fits(frame) ? frame : false)
      expectSame(typed(() => (isRequest ? decodeGroupReply : decodeGroupRequest)(bytes), INVALID).ok, false)
      expectSame(typed(() => decodeGroupItem(bytes), INVALID).ok, false)
      const item = frame.type === 'ops' || frame.type === 'message' ? encodeGroupItem(frame) : undefined
      const asItem = item === undefined ? undefined : typed(() => decodeGroupItem(item), INVALID)
      expectEqual(asItem === undefined ? undefined : asItem.ok ? asItem.value : fits(frame), asItem === undefined ? undefined : fits(frame) ? frame : false)
      expectSame(item === undefined ? false : typed(() => decodeGroupRequest(item), INVALID).ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated encodings of valid frames and items decode or throw InvalidMessageError', () => {
    const valid = fc.oneof(request, reply).filter(fits)
    fc.assert(fc.property(valid, fc.boolean(), mutationArb, (frame, asItem, mutations) => {
      const bytes = asItem && (frame.type === 'ops' || frame.type === 'message') ? encodeGroupItem(frame) : encodeGroupFrame(frame)
      decodeChecked(mutate(bytes, mutations))
    }), FUZZ_PARAMS)
  })

  it('frames over MAX_GROUP_FRAME_BYTES are refused by their size, without parsing them; a frame at the limit decodes', () => {
    // a valid request after white space: any tail of it is a request, too big or not
    const big = encoder.encode(`${' '.repeat(MAX_GROUP_FRAME_BYTES + 4096)}{"type":"message","message":{"body":"{}","sig":""}}`)
    let runs = 0
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.integer({ min: -64, max: 4096 }), fc.nat({ max: 2 }), (over, which) => {
        const { decode } = DECODERS[which] as (typeof DECODERS)[number]
        const result = typed(() => decode(big.subarray(big.byteLength - MAX_GROUP_FRAME_BYTES - over)), INVALID)
        const outcome = result.ok ? 'decoded' : result.error.message.includes(`over the limit of ${MAX_GROUP_FRAME_BYTES}`) ? 'size' : 'content'
        // within the limit only the request decoder takes it (for the others it is the wrong type)
        expectSame(outcome, over > 0 ? 'size' : which === 0 ? 'decoded' : 'content')
        runs++
      }), FUZZ_PARAMS)
    })
    expectSame(runs, FUZZ_PARAMS.numRuns)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
