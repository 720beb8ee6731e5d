/**
 * Fuzzing of the `/parley/file/1.0.0` frames: the binary codec
 * (src/file/codec.ts `decodeFileFrame`, `encodeFileFrame`,
 * `encodeFileFrameParts`). Contract checked,
 * for 10,000 generated inputs per property:
 * - arbitrary bytes, and bodies starting with each known type byte, from any
 *   sender, decode or throw `InvalidMessageError`; a decoded frame re-encodes
 *   to the same bytes;
 * - every valid frame round-trips (one array and parts alike); mutated
 *   encodings decode or throw `InvalidMessageError`;
 * - bodies over MAX_FRAME_BYTES are refused by size.
 * The framed stream reader (frames.ts) is fuzzed in file-frames.test.ts.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FRAME_TYPES, decodeFileFrame, encodeFileFrame, encodeFileFrameParts } from '../../src/file/codec.ts'
import { MAX_FRAME_BYTES } from '../../src/file/constants.ts'
import { validFileFrame as validFrame } from './file-arbs.ts'
import { FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { FileFrame, FileFrameSender } from '../../src/file/codec.ts'

const INVALID = ['InvalidMessageError']
const sender = fc.constantFrom<FileFrameSender | undefined>('dialer', 'listener', undefined)
const TYPE_BYTES = Object.values(FRAME_TYPES)
/** Bodies that start with a known type byte: the interesting half of the byte space. */
const typedBody = fc.tuple(fc.constantFrom(...TYPE_BYTES), fc.uint8Array({ maxLength: 80 })).map(([type, rest]) => Uint8Array.from([type, ...rest]))

function decodeChecked (body: Uint8Array, from: FileFrameSender | undefined): void {
  const result = typed(() => decodeFileFrame(body, from), INVALID)
  if (result.ok) expect(Buffer.from(encodeFileFrame(result.value)).equals(body)).toBe(true)
}

/** A frame with its byte fields as hex, so comparisons stay fast. */
function plain (frame: FileFrame): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frame).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]))
}

describe('fuzz: file codec', () => {
  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), typedBody), sender, decodeChecked), FUZZ_PARAMS)
  })

  it('valid frames round-trip, as one array and as parts', () => {
    fc.assert(fc.property(validFrame, (frame) => {
      const body = encodeFileFrame(frame)
      expect(plain(decodeFileFrame(body))).toEqual(plain(frame))
      expect(Buffer.concat(encodeFileFrameParts(frame)).equals(body)).toBe(true)
      const own: FileFrameSender = (body[0] ?? 0) < 0x80 ? 'dialer' : 'listener'
      expect(plain(decodeFileFrame(body, own))).toEqual(plain(frame))
      expect(typed(() => decodeFileFrame(body, own === 'dialer' ? 'listener' : 'dialer'), INVALID).ok).toBe(false)
    }), FUZZ_PARAMS)
  })

  it('mutated valid encodings decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(validFrame, mutationArb, sender, (frame, mutations, from) => {
      decodeChecked(mutate(encodeFileFrame(frame), mutations), from)
    }), FUZZ_PARAMS)
  })

  it('bodies over the limit are refused by size', () => {
    const big = new Uint8Array(MAX_FRAME_BYTES + 1 + 4096).fill(FRAME_TYPES.chunk)
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.nat({ max: 4096 }), sender, (over, from) => {
        const result = typed(() => decodeFileFrame(big.subarray(0, MAX_FRAME_BYTES + 1 + over), from), INVALID)
        expect(result.ok).toBe(false)
        expect(result.ok ? '' : result.error.message).toMatch(/the limit is/)
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
