/**
 * Fuzzing of KEY, the unsigned request of `/parley/push/1.0.0`
 * (`decodePushInbound`, `decodePushKeyReply`; docs/protocols.md, "Web Push",
 * "KEY"). Contract checked, for 10,000 generated inputs per property:
 * - arbitrary request bytes (and bodies starting 0x03) decode or throw
 *   `PushFrameError`; what decodes as KEY is the one byte 0x03;
 * - arbitrary reply bytes decode or throw `PushFrameError` or
 *   `PushRefusedError` (a known code); what decodes re-encodes to the same
 *   bytes, a VAPID key on P-256;
 * - valid replies round-trip, and mutated ones still decode or throw only
 *   those errors; fields out of their range are refused by the encoder.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { p256 } from '@noble/curves/nist.js'
import { PushFrameError, PushRefusedError, isP256Point } from '../../src/push/codec.ts'
import { PUSH_KEY_REPLY_ON_BYTES, PushErrorCode } from '../../src/push/constants.ts'
import { decodePushInbound, decodePushKeyReply, encodePushKeyReply, encodePushKeyRequest } from '../../src/push/key.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { PushKeyReply } from '../../src/push/key.ts'

const ERRORS = [PushFrameError, PushRefusedError]
const points = Array.from({ length: 4 }, (_, i) => p256.getPublicKey(new Uint8Array(32).fill(i + 3), false))

const leading = (firsts: number[], max: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: max })).map(([b, rest]) => Uint8Array.from([b, ...rest]))

const replyArb: fc.Arbitrary<PushKeyReply> = fc.oneof(
  fc.record({
    op: fc.constant('key' as const),
    push: fc.constant('on' as const),
    vapidKey: fc.constantFrom(...points),
    maxSubscriptions: fc.integer({ min: 0, max: 0xff }),
    pushesPerMinute: fc.integer({ min: 0, max: 0xffff }),
    coalesceMs: fc.integer({ min: 0, max: 0xffff_ffff }),
    payloadBytes: fc.integer({ min: 0, max: 0xffff }),
    subscriptionDays: fc.integer({ min: 0, max: 0xffff })
  }),
  fc.constant({ op: 'key' as const, push: 'off' as const })
)

function decodeReplyChecked (frame: Uint8Array): void {
  const result = typed(() => decodePushKeyReply(frame), ERRORS)
  if (result.ok) {
    expectSame(Buffer.from(encodePushKeyReply(result.value)).equals(frame), true)
    if (result.value.push === 'on') {
      expectSame(frame.byteLength, PUSH_KEY_REPLY_ON_BYTES)
      expectSame(isP256Point(result.value.vapidKey), true)
    } else {
      expectEqual(frame, Uint8Array.of(0, 0))
    }
  } else if (result.error instanceof PushRefusedError) {
    expect(Object.keys(PushErrorCode)).toContain(result.error.code)
  }
}

describe('fuzz: push KEY', () => {
  it('arbitrary request bytes decode or throw PushFrameError; KEY is the one byte 0x03', () => {
    const bodies = fc.oneof(fc.uint8Array({ maxLength: 200 }), leading([0x03], 200), fc.constant(Uint8Array.of(0x03)))
    fc.assert(fc.property(bodies, (frame) => {
      const result = typed(() => decodePushInbound(frame), [PushFrameError])
      const isKey = frame.byteLength === 1 && frame[0] === 0x03
      // KEY exactly when the frame is the one byte 0x03
      expectSame(result.ok && result.value.op === 'key', isKey)
      expectSame(isKey ? Buffer.from(frame).equals(encodePushKeyRequest()) : true, true)
    }), FUZZ_PARAMS)
  })

  it('arbitrary reply bytes decode or throw PushFrameError / PushRefusedError, and what decodes re-encodes the same', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      leading([0, 0, ...Object.values(PushErrorCode), 0xff], 120),
      fc.tuple(fc.constantFrom(0, 1, 2), fc.uint8Array({ maxLength: 90 })).map(([on, rest]) => Uint8Array.from([0, on, ...rest]))
    )
    fc.assert(fc.property(bytes, decodeReplyChecked), FUZZ_PARAMS)
  })

  it('valid replies round-trip; mutated, they decode or throw only the documented errors', () => {
    fc.assert(fc.property(replyArb, mutationArb, (reply, mutations) => {
      const frame = encodePushKeyReply(reply)
      expectEqual(decodePushKeyReply(frame), reply)
      decodeReplyChecked(mutate(frame, mutations))
    }), FUZZ_PARAMS)
  })

  it('replies with a field out of its range, or a VAPID key off the curve, are refused by the encoder', () => {
    const field = fc.constantFrom('vapidKey', 'maxSubscriptions', 'pushesPerMinute', 'coalesceMs', 'payloadBytes', 'subscriptionDays')
    const on = replyArb.filter((r): r is Extract<PushKeyReply, { push: 'on' }> => r.push === 'on')
    fc.assert(fc.property(on, field, fc.oneof(fc.constant(-1), fc.constant(0.5), fc.integer({ min: 0x1_0000_0000, max: Number.MAX_SAFE_INTEGER })), (reply, broken, n) => {
      const bad = broken === 'vapidKey' ? { ...reply, vapidKey: Uint8Array.of(4, ...new Uint8Array(64)) } : { ...reply, [broken]: n }
      expect(() => encodePushKeyReply(bad)).toThrow(PushFrameError)
    }), FUZZ_PARAMS)
  })
})
