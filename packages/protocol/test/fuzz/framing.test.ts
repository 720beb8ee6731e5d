/**
 * Fuzzing of the varint length prefix shared by the Parley protocols
 * (src/framing.ts `decodeVarintLength`, and the chat and file
 * `decodeFrameLength` built on it). Contract checked, for 10,000 generated
 * inputs per property:
 * - any bytes (as a Uint8Array or a Uint8ArrayList in pieces) either decode to
 *   the value a reference decoder computes, or throw the caller's `invalid`
 *   error (prefix longer than maxBytes), or RangeError exactly when the prefix
 *   is incomplete (what `lpStream` expects: "read more"); nothing else;
 * - every value up to the limit round-trips through its varint encoding;
 * - prefixes declaring huge lengths (2^21 .. 2^53) are refused with
 *   InvalidMessageError before anything is allocated.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Uint8ArrayList } from 'uint8arraylist'
import { decodeFrameLength, decodeVarintLength } from '../../src/framing.ts'

import { MAX_FRAME_BYTES as MAX_CHAT_FRAME_BYTES, MAX_LENGTH_PREFIX_BYTES as CHAT_PREFIX_BYTES } from '../../src/chat/constants.ts'

import { MAX_LENGTH_PREFIX_BYTES as FILE_PREFIX_BYTES } from '../../src/file/constants.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'

const decodeChatLength = (prefix: Uint8Array | Uint8ArrayList): number => decodeFrameLength(prefix, CHAT_PREFIX_BYTES, 'chat')
const decodeFileLength = (prefix: Uint8Array | Uint8ArrayList): number => decodeFrameLength(prefix, FILE_PREFIX_BYTES, 'file')
import { memoryGrowth, typed, varint } from './wire-helpers.ts'

class PrefixError extends Error {
  override name = 'PrefixError'
}
const invalid = (reason: string): PrefixError => new PrefixError(reason)

/** What decodeVarintLength must do with `bytes`, computed independently. */
function reference (bytes: Uint8Array, maxBytes: number): { value: number } | 'invalid' | 'incomplete' {
  let value = 0n
  for (let i = 0; i < bytes.byteLength; i++) {
    if (i >= maxBytes) return 'invalid'
    const byte = bytes[i] ?? 0
    value += BigInt(byte & 0x7f) << BigInt(7 * i)
    if ((byte & 0x80) === 0) return { value: Number(value) }
  }
  return 'incomplete'
}


/** `bytes` cut into a Uint8ArrayList at the given points. */
function pieces (bytes: Uint8Array, cuts: number[]): Uint8ArrayList {
  const points = [...new Set(cuts.map(c => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
  const list = new Uint8ArrayList()
  let from = 0
  for (const point of [...points, bytes.byteLength]) {
    if (point > from) list.append(bytes.subarray(from, point))
    from = Math.max(from, point)
  }
  return list
}

function check (bytes: Uint8Array, prefix: Uint8Array | Uint8ArrayList, maxBytes: number): void {
  const expected = reference(bytes, maxBytes)
  const result = typed(() => decodeVarintLength(prefix, maxBytes, invalid), [PrefixError, RangeError])
  if (result.ok) {
    expectEqual(expected, { value: result.value })
    expectSame(Number.isSafeInteger(result.value), true)
  } else if (result.error instanceof PrefixError) {
    expectSame(expected, 'invalid')
  } else {
    // RangeError is the documented "incomplete, read more" signal, and only that
    expectSame(result.error.message, 'incomplete length prefix')
    expectSame(expected, 'incomplete')
  }
}

describe('fuzz: varint length prefix', () => {
  it('any bytes: the reference value, the caller\'s error, or RangeError only while incomplete', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: 1, max: 7 }), (bytes, maxBytes) => {
      check(bytes, bytes, maxBytes)
    }), FUZZ_PARAMS)
  })

  it('the same bytes in a Uint8ArrayList of several pieces decode the same', () => {
    const continuation = fc.uint8Array({ maxLength: 10 }).map(b => b.map(x => x | 0x80))
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 12 }), continuation), fc.array(fc.nat(), { maxLength: 4 }), fc.integer({ min: 1, max: 7 }),
      (bytes, cuts, maxBytes) => {
        check(bytes, pieces(bytes, cuts), maxBytes)
      }), FUZZ_PARAMS)
  })

  it('every length up to 3 bytes of prefix round-trips (chat and file), then more bytes are ignored', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 21 - 1 }), fc.uint8Array({ maxLength: 4 }), (n, after) => {
      const prefix = varint(n)
      const withBody = Uint8Array.from([...prefix, ...after])
      expectSame(decodeChatLength(withBody), n)
      expectSame(decodeFileLength(new Uint8ArrayList(prefix, after)), n)
      expectSame(decodeVarintLength(varint(n), 8, invalid), n)
    }), FUZZ_PARAMS)
  })

  it('huge declared lengths are refused with InvalidMessageError, before allocating', () => {
    expectSame(CHAT_PREFIX_BYTES, 3)
    expectSame(FILE_PREFIX_BYTES, 3)
    let checked = 0
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.integer({ min: 2 ** 21, max: Number.MAX_SAFE_INTEGER }), (n) => {
        for (const decode of [decodeChatLength, decodeFileLength]) {
          const result = typed(() => decode(varint(n)), ['InvalidMessageError'])
          expectSame(result.ok, false)
        }
        checked++
      }), FUZZ_PARAMS)
    })
    expect(checked).toBeGreaterThanOrEqual(FUZZ_PARAMS.numRuns)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
    // 2^31 in particular, and the chat limit itself is still accepted
    expect(() => decodeChatLength(varint(2 ** 31))).toThrow(expect.objectContaining({ name: 'InvalidMessageError' }))
    expectSame(decodeChatLength(varint(MAX_CHAT_FRAME_BYTES)), MAX_CHAT_FRAME_BYTES)
  })
})
