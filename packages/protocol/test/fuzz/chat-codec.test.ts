/**
 * Fuzzing of the `/parley/chat/1.0.0` frame codec
 * (src/chat/codec.ts: `decodeChatFrame`, `encodeChatFrame`,
 * `validateText`). Contract checked, for 10,000 generated inputs per property:
 * - arbitrary bytes, arbitrary JSON values and near-valid frames (the right
 *   keys with arbitrary values), with any `sender`, either decode or throw
 *   `InvalidMessageError`; a decoded frame re-encodes to an equal frame;
 * - valid messages (with and without file offers), acks and rejects
 *   round-trip; flipped, truncated, extended or spliced encodings of them
 *   decode or throw `InvalidMessageError`;
 * - oversized bodies are refused by size before they are parsed;
 * - `validateText` accepts or throws EmptyMessageError, MessageTooLargeError
 *   or InvalidParametersError, for any string.
 * The frames and fields that 1.1.0 added, in both versions: chat-actions.test.ts.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidParametersError } from '@libp2p/interface'
import { decodeChatFrame, encodeChatFrame, validateText } from '../../src/chat/codec.ts'
import { MAX_FRAME_BYTES, MAX_NAME_BYTES, MAX_TEXT_BYTES } from '../../src/chat/constants.ts'
import { EmptyMessageError, MessageTooLargeError } from '../../src/chat/errors.ts'
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../../src/file/constants.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { ChatFrame, ChatSender } from '../../src/chat/codec.ts'
import type { FileOffer } from '../../src/chat/codec.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 })
const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
const wellFormed = (unit: 'binary' | 'grapheme', minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit, minLength, maxLength }).filter(s => !LONE_SURROGATE.test(s))
const offer: fc.Arbitrary<FileOffer> = fc.record({
  sha256: hex64,
  size: fc.maxSafeNat(),
  name: wellFormed('binary', 1, 40),
  mime: fc.string({ maxLength: 40 }),
  chunkSize: fc.integer({ min: Math.log2(MIN_CHUNK_BYTES), max: Math.log2(MAX_CHUNK_BYTES) }).map(e => 2 ** e),
  listHash: hex64,
  thumb: fc.uint8Array({ minLength: 1, maxLength: 48 }),
  thumbMime: fc.constantFrom('image/jpeg' as const, 'image/png' as const, 'image/webp' as const),
  width: fc.integer({ min: 1, max: 1 << 16 }),
  height: fc.integer({ min: 1, max: 1 << 16 })
}, { requiredKeys: ['sha256', 'size', 'name', 'mime', 'chunkSize', 'listHash'] })
  // a thumbnail comes with its type, or neither
  .map(o => {
    if (o.thumb === undefined || o.thumbMime === undefined) {
      const { thumb: _t, thumbMime: _m, ...rest } = o
      return rest
    }
    return o
  })

const validFrame: fc.Arbitrary<ChatFrame> = fc.oneof(
  fc.record({ type: fc.constant('message' as const), id: ulid, text: wellFormed('binary', 1, 60), sentAt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }) }),
  fc.record({ type: fc.constant('message' as const), id: ulid, text: wellFormed('grapheme', 0, 20), sentAt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), file: offer }),
  fc.record({ type: fc.constant('ack' as const), id: ulid, status: fc.constantFrom('stored' as const, 'duplicate' as const) }),
  fc.record({ type: fc.constant('reject' as const), id: ulid, reason: fc.constant('not-a-contact' as const) })
)
const sender = fc.constantFrom<ChatSender | undefined>('dialer', 'listener', undefined)

/** Decodes with the contract: a frame (which re-encodes to itself) or InvalidMessageError. */
function decodeChecked (bytes: Uint8Array, from: ChatSender | undefined): void {
  const result = typed(() => decodeChatFrame(bytes, from), INVALID)
  if (result.ok) {
    const again = typed(() => encodeChatFrame(result.value), INVALID)
    expectSame(again.ok, true)
    if (again.ok) expectEqual(decodeChatFrame(again.value), result.value)
  }
}

/** Near-valid objects: the keys a frame may have (and a few it may not), arbitrary JSON values. */
const FRAME_KEYS = ['type', 'id', 'text', 'sentAt', 'file', 'status', 'reason', 'extra']
const FILE_KEYS = ['sha256', 'size', 'name', 'mime', 'chunkSize', 'listHash', 'thumb', 'thumbMime', 'width', 'height', 'x']
const nearValue = fc.oneof(fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), ulid, hex64, fc.constantFrom('message', 'ack', 'reject', 'stored', 'duplicate', 'not-a-contact', 'image/png', 'AAAA', '', 16384, 1, 0, -1, 1.5, 2 ** 53))
/** An object with any subset of `keys`, each holding a value of `value`. */
const someKeys = (keys: string[], value: (key: string) => fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
  fc.record(Object.fromEntries(keys.map(k => [k, value(k)])), { requiredKeys: [] })
const nearFile = someKeys(FILE_KEYS, () => nearValue)
const nearFrame = someKeys(FRAME_KEYS, key => key === 'file' ? fc.oneof(nearFile, nearValue) : nearValue)

describe('fuzz: chat codec', () => {
  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), sender, decodeChecked), FUZZ_PARAMS)
  })

  it('arbitrary JSON values decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.jsonValue({ depthSize: 'small' }), sender, (value, from) => {
      decodeChecked(encoder.encode(JSON.stringify(value)), from)
    }), FUZZ_PARAMS)
  })

  it('near-valid frames (valid keys, arbitrary values) decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(nearFrame, sender, (value, from) => {
      decodeChecked(encoder.encode(JSON.stringify(value)), from)
    }), FUZZ_PARAMS)
  })

  it('valid frames round-trip, and only their own sender may send them', () => {
    fc.assert(fc.property(validFrame, (frame) => {
      const bytes = encodeChatFrame(frame)
      expectEqual(decodeChatFrame(bytes), frame)
      const own: ChatSender = frame.type === 'message' ? 'dialer' : 'listener'
      expectEqual(decodeChatFrame(bytes, own), frame)
      expectSame(typed(() => decodeChatFrame(bytes, own === 'dialer' ? 'listener' : 'dialer'), INVALID).ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated valid encodings decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(validFrame, mutationArb, sender, (frame, mutations, from) => {
      decodeChecked(mutate(encodeChatFrame(frame), mutations), from)
    }), FUZZ_PARAMS)
  })

  it('bodies over the limit are refused by size, without parsing them', () => {
    const big = new Uint8Array(MAX_FRAME_BYTES + 1 + 4096).fill(0x20)
    let runs = 0
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.nat({ max: 4096 }), sender, (over, from) => {
        const result = typed(() => decodeChatFrame(big.subarray(0, MAX_FRAME_BYTES + 1 + over), from), INVALID)
        expectSame(result.ok, false)
        expect(result.ok ? '' : result.error.message).toMatch(/the limit is/)
        runs++
      }), FUZZ_PARAMS)
    })
    expectSame(runs, FUZZ_PARAMS.numRuns)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })

  it('validateText accepts or throws EmptyMessageError, MessageTooLargeError or InvalidParametersError', () => {
    const long = fc.nat({ max: 8 }).map(n => 'é'.repeat(MAX_TEXT_BYTES / 2 - 4 + n))
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.constantFrom('\uD800', '\uDC00', 'a', '😀'), maxLength: 8 }), long), (text) => {
      const result = typed(() => { validateText(text) }, [EmptyMessageError, MessageTooLargeError, InvalidParametersError])
      const bytes = encoder.encode(text).byteLength
      const expectOk = text.length > 0 && !LONE_SURROGATE.test(text) && bytes <= MAX_TEXT_BYTES
      expectSame(result.ok, expectOk)
    }), FUZZ_PARAMS)
    expect(MAX_NAME_BYTES).toBeGreaterThan(40)
  })
})
