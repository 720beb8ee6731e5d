/**
 * Fuzzing of the `/parley/file/1.0.0` and `1.1.0` frames: the binary codec
 * (src/file/codec.ts `decodeFileFrame`, `encodeFileFrame`,
 * `encodeFileFrameParts`). Contract checked,
 * for 10,000 generated inputs per property:
 * - arbitrary bytes, and bodies starting with each known type byte, from any
 *   sender, decode or throw `InvalidMessageError`; a decoded frame re-encodes
 *   to the same bytes;
 * - every valid frame round-trips (one array and parts alike); mutated
 *   encodings decode or throw `InvalidMessageError`;
 * - bodies over the version's largest frame (MAX_FRAME_BYTES_OF) are refused by size.
 * Each property runs for both versions (1.1.0: HASHES and CHUNK payloads
 * carry a 16-byte seal tag, which the codec counts but does not open).
 * The framed stream reader (frames.ts) is fuzzed in file-frames.test.ts.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FRAME_TYPES, decodeFileFrame, encodeFileFrame, encodeFileFrameParts } from '../../src/file/codec.ts'
import { MAX_FRAME_BYTES_OF } from '../../src/file/constants.ts'
import { validFileFrame, validSealedFileFrame } from './file-arbs.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { FileFrame, FileFrameSender } from '../../src/file/codec.ts'
import type { FileVersion } from '../../src/file/constants.ts'

const INVALID = ['InvalidMessageError']
const sender = fc.constantFrom<FileFrameSender | undefined>('dialer', 'listener', undefined)
const TYPE_BYTES = Object.values(FRAME_TYPES)
/** Bodies that start with a known type byte: the interesting half of the byte space. */
const typedBody = fc.tuple(fc.constantFrom(...TYPE_BYTES), fc.uint8Array({ maxLength: 80 })).map(([type, rest]) => Uint8Array.from([type, ...rest]))

function decodeChecked (body: Uint8Array, from: FileFrameSender | undefined, version: FileVersion): void {
  const result = typed(() => decodeFileFrame(body, from, version), INVALID)
  if (result.ok) expectSame(Buffer.from(encodeFileFrame(result.value, version)).equals(body), true)
}

/** A frame with its byte fields as hex, so comparisons stay fast. */
function plain (frame: FileFrame): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frame).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]))
}

describe.each<[FileVersion, fc.Arbitrary<FileFrame>]>([
  ['1.0.0', validFileFrame],
  ['1.1.0', validSealedFileFrame]
])('fuzz: file codec %s', (version, validFrame) => {
  const max = MAX_FRAME_BYTES_OF[version]

  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 120 }), typedBody), sender, (body, from) => { decodeChecked(body, from, version) }), FUZZ_PARAMS)
  })

  it('valid frames round-trip, as one array and as parts', () => {
    fc.assert(fc.property(validFrame, (frame) => {
      const body = encodeFileFrame(frame, version)
      expectEqual(plain(decodeFileFrame(body, undefined, version)), plain(frame))
      expectSame(Buffer.concat(encodeFileFrameParts(frame, version)).equals(body), true)
      const own: FileFrameSender = (body[0] ?? 0) < 0x80 ? 'dialer' : 'listener'
      expectEqual(plain(decodeFileFrame(body, own, version)), plain(frame))
      expectSame(typed(() => decodeFileFrame(body, own === 'dialer' ? 'listener' : 'dialer', version), INVALID).ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated valid encodings decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(validFrame, mutationArb, sender, (frame, mutations, from) => {
      decodeChecked(mutate(encodeFileFrame(frame, version), mutations), from, version)
    }), FUZZ_PARAMS)
  })

  it('bodies over the limit are refused by size', () => {
    const big = new Uint8Array(max + 1 + 4096).fill(FRAME_TYPES.chunk)
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.nat({ max: 4096 }), sender, (over, from) => {
        const result = typed(() => decodeFileFrame(big.subarray(0, max + 1 + over), from, version), INVALID)
        expectSame(result.ok, false)
        expect(result.ok ? '' : result.error.message).toMatch(/the limit is/)
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
