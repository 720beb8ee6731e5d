/**
 * Fuzzing of the session decoders (packages/protocol/src/session/box.ts
 * `decodeBox`, `decodeHeader`, `decodeInit`, and records.ts `decodeRecord`).
 * Contract checked, for 10,000 generated inputs per property:
 * - arbitrary bytes (and arbitrary flags for a header) decode or throw
 *   `SessionFrameError`, never a TypeError or RangeError;
 * - whatever decodes is canonical: encoding it again gives the same bytes;
 * - valid encodings round-trip (checked through their bytes: vitest's deep
 *   equality of 2 KiB typed arrays would cost more than the decoding, and
 *   encoding is injective);
 * - any mutation of a valid encoding (flip, truncate, extend, splice, set)
 *   decodes to what re-encodes to the mutated bytes, or throws `SessionFrameError`;
 * - nothing is sized from the input: memory stays bounded, and a box over
 *   MAX_BOX_BYTES is refused before it is read.
 *
 * The KEM fields are 1184 and 1088 bytes; their content does not matter to
 * a decoder, so the generators fill them from a two-byte pattern (fast), and
 * vary only lengths, flags, counters and the small fields byte by byte.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeBox, decodeHeader, decodeInit, encodeBox, encodeHeader, encodeInit, headerFlags } from '../../src/session/box.ts'
import {
  BOX_VERSION, HEADER_BASE_BYTES, INIT_BYTES, KEM_CIPHERTEXT_BYTES, KEM_PUBLIC_BYTES, MAX_BOX_BYTES, MAX_HEADER_BYTES, MIN_BOX_BYTES
} from '../../src/session/constants.ts'
import { SessionFrameError } from '../../src/session/errors.ts'
import { decodeRecord, encodeRecord } from '../../src/session/records.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { boxArb, headerArb, initArb, patterned } from './session-arbs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { PrekeyRecord } from '../../src/session/records.ts'

const FRAME = [SessionFrameError]
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b)

const recordArb: fc.Arbitrary<PrekeyRecord> = fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const).chain(kind => fc.record({
  kind: fc.constant(kind),
  id: fc.integer({ min: 1, max: 0xffff_ffff }),
  createdAt: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  publicKey: kind === 2 || kind === 3 ? patterned(KEM_PUBLIC_BYTES) : fc.uint8Array({ minLength: 32, maxLength: 32 }),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 })
}))

/** Bytes that start like a box (version, item id, flags) and run to lengths around every threshold. */
const boxLike = fc.tuple(fc.nat(255), fc.oneof(
  fc.integer({ min: 0, max: MIN_BOX_BYTES + 20 }),
  fc.integer({ min: HEADER_BASE_BYTES + KEM_PUBLIC_BYTES - 10, max: MAX_HEADER_BYTES + INIT_BYTES + 100 })
), fc.nat(255)).map(([flags, length, fill]) => Uint8Array.from([BOX_VERSION, ...new Array<number>(16).fill(fill), flags, ...new Array<number>(length).fill(fill)]))

describe('fuzz: session box, header, init and prekey record decoders', () => {
  it('arbitrary bytes decode to a canonical box or throw SessionFrameError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 400 }), boxLike), bytes => {
      const result = typed(() => decodeBox(bytes), FRAME)
      expectSame(result.ok ? same(encodeBox(result.value), bytes) : true, true)
    }), FUZZ_PARAMS)
  })

  it('valid boxes round-trip, and their mutations decode canonically or throw SessionFrameError', () => {
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(boxArb, mutationArb, (box, mutations) => {
        const bytes = encodeBox(box)
        const decoded = decodeBox(bytes)
        expectSame(same(encodeBox(decoded), bytes) && same(decoded.ciphertext, box.ciphertext) && decoded.header.n === box.header.n && (decoded.init === undefined) === (box.init === undefined), true)
        const mutated = mutate(bytes, mutations)
        const result = typed(() => decodeBox(mutated), FRAME)
        expectSame(result.ok ? same(encodeBox(result.value), mutated) : true, true)
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(256 * 1024 * 1024)
  })

  it('a box over MAX_BOX_BYTES is refused by its length', () => {
    const huge = new Uint8Array(MAX_BOX_BYTES + 1)
    huge[0] = BOX_VERSION
    expect(() => decodeBox(huge)).toThrow(new SessionFrameError(`a box is at most ${MAX_BOX_BYTES} bytes; this one is ${MAX_BOX_BYTES + 1}`))
  })

  it('arbitrary headers and flags decode canonically or throw SessionFrameError', () => {
    const lengths = fc.oneof(fc.nat({ max: 80 }), fc.constantFrom(HEADER_BASE_BYTES + KEM_PUBLIC_BYTES, HEADER_BASE_BYTES + KEM_CIPHERTEXT_BYTES, MAX_HEADER_BYTES).chain(n => fc.integer({ min: n - 2, max: n + 2 })))
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.tuple(lengths, fc.nat(255)).map(([n, fill]) => new Uint8Array(n).fill(fill)))
    fc.assert(fc.property(bytes, fc.nat(255), (b, flags) => {
      const result = typed(() => decodeHeader(b, flags), FRAME)
      expectSame(result.ok ? same(encodeHeader(result.value), b) && headerFlags(result.value) === (flags & 0x06) : true, true)
    }), FUZZ_PARAMS)
  })

  it('valid headers round-trip, and their mutations decode canonically or throw SessionFrameError', () => {
    fc.assert(fc.property(headerArb, mutationArb, fc.boolean(), (header, mutations, flipFlags) => {
      const bytes = encodeHeader(header)
      const flags = headerFlags(header)
      const decoded = decodeHeader(bytes, flags)
      expectSame(same(encodeHeader(decoded), bytes) && decoded.pn === header.pn && same(decoded.dh, header.dh), true)
      const mutated = mutate(bytes, mutations)
      const result = typed(() => decodeHeader(mutated, flipFlags ? flags ^ 0x06 : flags), FRAME)
      expectSame(result.ok ? same(encodeHeader(result.value), mutated) : true, true)
    }), FUZZ_PARAMS)
  })

  it('arbitrary and mutated inits decode canonically or throw SessionFrameError', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(fc.integer({ min: INIT_BYTES - 3, max: INIT_BYTES + 3 }), fc.nat(255)).map(([n, fill]) => new Uint8Array(n).fill(fill)),
      fc.tuple(initArb, mutationArb).map(([init, mutations]) => mutate(encodeInit(init), mutations))
    )
    fc.assert(fc.property(bytes, b => {
      const result = typed(() => decodeInit(b), FRAME)
      expectSame(result.ok ? same(encodeInit(result.value), b) : true, true)
    }), FUZZ_PARAMS)
    fc.assert(fc.property(initArb, init => { expectEqual(decodeInit(encodeInit(init)), init) }), { ...FUZZ_PARAMS, numRuns: 1000 })
  })

  it('arbitrary and mutated prekey records decode canonically or throw SessionFrameError', () => {
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(recordArb, mutationArb).map(([record, mutations]) => mutate(encodeRecord(record), mutations))
    )
    fc.assert(fc.property(bytes, b => {
      const result = typed(() => decodeRecord(b), FRAME)
      expectSame(result.ok ? result.value.length <= b.byteLength && same(encodeRecord(result.value.record), b.subarray(0, result.value.length)) : true, true)
    }), FUZZ_PARAMS)
    fc.assert(fc.property(recordArb, record => { expectEqual(decodeRecord(encodeRecord(record)).record, record) }), { ...FUZZ_PARAMS, numRuns: 1000 })
  })
})
