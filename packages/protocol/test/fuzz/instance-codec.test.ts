/**
 * Fuzzing of the `/parley/instance/1.0.0` frame codec shared by relay-node
 * and the app (`decodeInstanceHello`, `decodeInstanceFrame`,
 * `encodeInstanceHello`, `encodeInstanceOthers`, `encodeInstanceError`).
 * Contract checked, for 10,000 generated inputs per property:
 * - arbitrary bytes (and bodies starting with each frame type / status byte)
 *   decode, or throw `InstanceFrameError` (malformed) or, for the relay's
 *   frames, `InstanceRefusedError` (an error frame); what decodes re-encodes
 *   to the same bytes;
 * - valid hellos, lists and error frames round-trip; mutated encodings
 *   decode or throw those errors only;
 * - a declared count larger than the frame is refused, not allocated.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  INSTANCE_ID_BYTES, InstanceErrorCode, InstanceFrameError, InstanceRefusedError, MAX_OTHER_INSTANCES,
  decodeInstanceFrame, decodeInstanceHello, encodeInstanceError, encodeInstanceHello, encodeInstanceOthers, instanceHex
} from '../../src/instance/codec.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { InstanceErrorName, OtherInstance } from '../../src/instance/codec.ts'

const HELLO_ERRORS = [InstanceFrameError]
const FRAME_ERRORS = [InstanceFrameError, InstanceRefusedError]

const instanceId = fc.uint8Array({ minLength: INSTANCE_ID_BYTES, maxLength: INSTANCE_ID_BYTES })
const others: fc.Arbitrary<OtherInstance[]> = fc.uniqueArray(
  fc.record({ id: instanceId, ageS: fc.integer({ min: 0, max: 0xffff_ffff }) }),
  { maxLength: MAX_OTHER_INSTANCES, selector: o => instanceHex(o.id) })
const errorName = fc.constantFrom(...Object.keys(InstanceErrorCode) as InstanceErrorName[])
const leading = (firsts: number[]): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: 200 })).map(([b, rest]) => Uint8Array.from([b, ...rest]))
const hex = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)

function decodeHelloChecked (frame: Uint8Array): void {
  const result = typed(() => decodeInstanceHello(frame), HELLO_ERRORS)
  if (result.ok) {
    expectSame(result.value.byteLength, INSTANCE_ID_BYTES)
    expectSame(Buffer.from(encodeInstanceHello(result.value)).equals(frame), true)
  }
}

function decodeFrameChecked (frame: Uint8Array): void {
  const result = typed(() => decodeInstanceFrame(frame), FRAME_ERRORS)
  if (result.ok) {
    expect(result.value.length).toBeLessThanOrEqual(MAX_OTHER_INSTANCES)
    expectSame(Buffer.from(encodeInstanceOthers(result.value)).equals(frame), true)
  } else if (result.error instanceof InstanceRefusedError) {
    expect(Object.keys(InstanceErrorCode)).toContain(result.error.code)
  }
}

describe('fuzz: instance codec', () => {
  it('arbitrary hello bytes decode or throw InstanceFrameError, and what decodes is what was sent', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 40 }), leading([0x01]), instanceId.map(id => Uint8Array.from([0x01, ...id]))), decodeHelloChecked), FUZZ_PARAMS)
  })

  it('arbitrary relay frames decode or throw InstanceFrameError / InstanceRefusedError', () => {
    const listLike = fc.tuple(fc.integer({ min: 0, max: 0xff }), fc.uint8Array({ maxLength: 200 })).map(([count, rest]) => Uint8Array.from([0x00, count, ...rest]))
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), leading([0, 0, ...Object.values(InstanceErrorCode), 0xff]), listLike)
    fc.assert(fc.property(bytes, decodeFrameChecked), FUZZ_PARAMS)
  })

  it('valid hellos, lists and error frames round-trip', () => {
    fc.assert(fc.property(instanceId, others, errorName, fc.string({ maxLength: 300 }), (id, list, code, reason) => {
      expectEqual(decodeInstanceHello(encodeInstanceHello(id)), id)
      expectSame(hex(decodeInstanceFrame(encodeInstanceOthers(list))), hex(list))
      const refused = typed(() => decodeInstanceFrame(encodeInstanceError(code, reason)), FRAME_ERRORS)
      expectSame(refused.ok, false)
      expectSame(refused.ok ? undefined : (refused.error as InstanceRefusedError).code, code)
    }), FUZZ_PARAMS)
  })

  it('mutated valid hellos and lists decode or throw the instance errors', () => {
    fc.assert(fc.property(instanceId, others, mutationArb, (id, list, mutations) => {
      decodeHelloChecked(mutate(encodeInstanceHello(id), mutations))
      decodeFrameChecked(mutate(encodeInstanceOthers(list), mutations))
    }), FUZZ_PARAMS)
  })

  it('a declared count beyond the frame is refused, not allocated', () => {
    const huge = fc.tuple(fc.integer({ min: 1, max: 0xff }), fc.uint8Array({ maxLength: 60 })).map(([count, rest]) => Uint8Array.from([0x00, count, ...rest]))
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(huge, (frame) => {
        const result = typed(() => decodeInstanceFrame(frame), FRAME_ERRORS)
        expect(result.ok ? result.value.length : 0).toBeLessThanOrEqual(MAX_OTHER_INSTANCES)
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
