/**
 * Fuzzing of the `/parley/nearby/1.0.0` frame codec shared by relay-node and
 * the app (relay-node/src/nearby-codec.ts: `decodeNearbyRequest`,
 * `decodeNearbyReply`, `encodeNearbyRequest`, `encodeNearbyReply`,
 * `encodeNearbyError`). Contract checked, for 10,000 generated inputs per
 * property:
 * - arbitrary bytes (and bodies starting with each operation / status byte)
 *   decode, or throw `NearbyFrameError` (malformed) or, for replies,
 *   `NearbyRefusedError` (an error reply); a decoded request re-encodes to
 *   the same bytes (found: a leading UTF-8 BOM was silently stripped);
 * - valid requests, replies and error replies round-trip; mutated encodings
 *   decode or throw those errors only;
 * - declared lengths and counts larger than the frame are refused, not
 *   allocated.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_NEARBY_ADDRESSES, MAX_NEARBY_ENTRIES, MAX_NEARBY_NAME_CHARS, NearbyErrorCode, NearbyFrameError, NearbyOp, NearbyRefusedError,
  decodeNearbyReply, decodeNearbyRequest, encodeNearbyError, encodeNearbyReply, encodeNearbyRequest
} from '../../src/nearby/codec.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { NearbyErrorName, NearbyOpName, NearbyReply, NearbyRequest } from '../../src/nearby/codec.ts'

const REQUEST_ERRORS = [NearbyFrameError]
const REPLY_ERRORS = [NearbyFrameError, NearbyRefusedError]
const OPS: NearbyOpName[] = ['register', 'unregister', 'list']
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .filter(s => s.length > 0 && s.trim() === s && [...s].length <= MAX_NEARBY_NAME_CHARS && !CONTROL.test(s))
const address = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter(s => !LONE_SURROGATE.test(s))
  // a leading U+FEFF must survive the trip (a BOM-stripping decoder loses it)
  .chain(s => fc.constantFrom(s, `\uFEFF${s}`))
const validRequest: fc.Arbitrary<NearbyRequest> = fc.oneof(
  fc.record({ op: fc.constant('register' as const), name }),
  fc.record({ op: fc.constantFrom('unregister' as const, 'list' as const) })
)
const entry = fc.record({ peer: fc.uint8Array({ minLength: 1, maxLength: 64 }), name, addresses: fc.array(address, { minLength: 1, maxLength: MAX_NEARBY_ADDRESSES }) })
const validReply: fc.Arbitrary<NearbyReply> = fc.oneof(
  fc.record({ op: fc.constant('register' as const) }),
  fc.record({ op: fc.constant('unregister' as const), removed: fc.boolean() }),
  fc.record({ op: fc.constant('list' as const), entries: fc.array(entry, { maxLength: 3 }) })
)
const errorName = fc.constantFrom(...Object.keys(NearbyErrorCode) as NearbyErrorName[])
const opName = fc.constantFrom(...OPS)
const leading = (firsts: number[]): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: 120 })).map(([b, rest]) => Uint8Array.from([b, ...rest]))
const hex = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)

function decodeRequestChecked (frame: Uint8Array): void {
  const result = typed(() => decodeNearbyRequest(frame), REQUEST_ERRORS)
  if (result.ok) expectSame(hex(decodeNearbyRequest(encodeNearbyRequest(result.value))), hex(result.value))
}

function decodeReplyChecked (op: NearbyOpName, frame: Uint8Array): void {
  const result = typed(() => decodeNearbyReply(op, frame), REPLY_ERRORS)
  if (result.ok) {
    expectSame(result.value.op, op)
    expectSame(hex(decodeNearbyReply(op, encodeNearbyReply(result.value))), hex(result.value))
  } else if (result.error instanceof NearbyRefusedError) {
    expect(Object.keys(NearbyErrorCode)).toContain(result.error.code)
  }
}

describe('fuzz: nearby codec', () => {
  it('arbitrary request bytes decode or throw NearbyFrameError', () => {
    const bom = fc.uint8Array({ maxLength: 40 }).map(rest => Uint8Array.from([NearbyOp.register, 0xef, 0xbb, 0xbf, ...rest]))
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), leading(Object.values(NearbyOp)), bom), (frame) => {
      decodeRequestChecked(frame)
      // what decodes is exactly what was sent: re-encoding gives the same bytes
      const result = typed(() => decodeNearbyRequest(frame), REQUEST_ERRORS)
      expectSame(!result.ok || Buffer.from(encodeNearbyRequest(result.value)).equals(frame), true)
    }), FUZZ_PARAMS)
  })

  it('arbitrary reply bytes decode or throw NearbyFrameError / NearbyRefusedError', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 120 }), leading([0, 0, 0, ...Object.values(NearbyErrorCode), 0xff]))
    fc.assert(fc.property(opName, bytes, decodeReplyChecked), FUZZ_PARAMS)
  })

  it('valid requests, replies and error replies round-trip', () => {
    fc.assert(fc.property(validRequest, validReply, errorName, fc.string({ maxLength: 40 }), (request, reply, code, reason) => {
      expectSame(hex(decodeNearbyRequest(encodeNearbyRequest(request))), hex(request))
      expectSame(hex(decodeNearbyReply(reply.op, encodeNearbyReply(reply))), hex(reply))
      const refused = typed(() => decodeNearbyReply(reply.op, encodeNearbyError(code, reason)), REPLY_ERRORS)
      expectSame(refused.ok, false)
      expectSame(refused.ok ? undefined : (refused.error as NearbyRefusedError).code, code)
    }), FUZZ_PARAMS)
  })

  it('mutated valid requests and replies decode or throw the nearby errors', () => {
    fc.assert(fc.property(validRequest, validReply, opName, mutationArb, (request, reply, op, mutations) => {
      decodeRequestChecked(mutate(encodeNearbyRequest(request), mutations))
      decodeReplyChecked(reply.op, mutate(encodeNearbyReply(reply), mutations))
      decodeReplyChecked(op, mutate(encodeNearbyReply(reply), mutations))
    }), FUZZ_PARAMS)
  })

  it('declared lengths and counts beyond the frame are refused, not allocated', () => {
    const huge = fc.tuple(fc.integer({ min: 1, max: 0xff }), fc.integer({ min: 1, max: 0xff }), fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 24 }))
      // a LIST of `count` entries whose first declares a `peer`-byte PeerID and a `nameLength`-byte name, then few bytes
      .map(([count, peer, nameLength, rest]) => Uint8Array.from([0, count, peer, ...new Array<number>(Math.min(peer, 64)).fill(1), nameLength >> 8, nameLength & 255, ...rest]))
    const before = process.memoryUsage().arrayBuffers
    fc.assert(fc.property(huge, (frame) => {
      const result = typed(() => decodeNearbyReply('list', frame), REPLY_ERRORS)
      expect(result.ok && result.value.op === 'list' ? result.value.entries.length : 0).toBeLessThanOrEqual(MAX_NEARBY_ENTRIES)
    }), FUZZ_PARAMS)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })
})
