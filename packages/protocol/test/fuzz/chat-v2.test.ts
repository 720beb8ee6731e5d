/**
 * Fuzzing of what `/parley/chat/2.0.0` adds to the chat codec: the
 * listener's frames (1.1.0's ack and reject, plus reject "session"); the
 * dialer's boxes are fuzzed with the session codecs (session-box.test.ts).
 * 10,000 generated cases per property: valid replies round-trip in 2.0.0,
 * "session" is refused by a 1.1.0 decode, and mutated replies decode or throw
 * InvalidMessageError, re-encoding to an equal frame when they decode.
 * Messages with a keyed file offer (`file.key`, in session boxes only):
 * they round-trip in 2.0.0 with the key, encode for 1.1.0 without it, a
 * 1.1.0 decode refuses the key, and mutated ones decode or throw
 * InvalidMessageError, a decoded key always 32 bytes.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeChatFrame, encodeChatFrame } from '../../src/chat/codec.ts'
import { MAX_BOX_FRAME_BYTES, MAX_LENGTH_PREFIX_BYTES } from '../../src/chat/constants.ts'
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../../src/file/constants.ts'
import { MAX_BOX_BYTES } from '../../src/session/constants.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { ChatMessageFrame, ChatReplyFrame } from '../../src/chat/codec.ts'

const INVALID = ['InvalidMessageError']
const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 }).filter(s => s[0]! <= '7')
const reply: fc.Arbitrary<ChatReplyFrame> = fc.oneof(
  fc.record({ type: fc.constant('ack' as const), id: ulid, status: fc.constantFrom('stored' as const, 'duplicate' as const, 'seen' as const) }),
  fc.record({ type: fc.constant('reject' as const), id: ulid, reason: fc.constantFrom('not-a-contact' as const, 'not-allowed' as const, 'session' as const) })
)

describe('chat 2.0.0 limits', () => {
  it('a 2.0.0 frame is a box: the largest frame is the largest box, and its length fits the prefix', () => {
    expectSame(MAX_BOX_FRAME_BYTES, MAX_BOX_BYTES)
    expect(MAX_BOX_FRAME_BYTES).toBeLessThan(2 ** (7 * MAX_LENGTH_PREFIX_BYTES))
  })
})

describe('fuzz: chat 2.0.0 listener frames', () => {
  it('valid replies round-trip in 2.0.0; "session" is 2.0.0 only; the dialer may not send them', () => {
    fc.assert(fc.property(reply, (frame) => {
      const bytes = encodeChatFrame(frame, '2.0.0')
      expectEqual(decodeChatFrame(bytes, 'listener', '2.0.0'), frame)
      expectSame(typed(() => decodeChatFrame(bytes, 'dialer', '2.0.0'), INVALID).ok, false)
      const in11 = typed(() => decodeChatFrame(bytes, 'listener', '1.1.0'), INVALID)
      expectSame(in11.ok, !(frame.type === 'reject' && frame.reason === 'session'))
    }), FUZZ_PARAMS)
  })

  it('mutated replies decode or throw InvalidMessageError, and what decodes re-encodes to itself', () => {
    fc.assert(fc.property(reply, mutationArb, (frame, mutations) => {
      const bytes = mutate(encodeChatFrame(frame, '2.0.0'), mutations)
      const result = typed(() => decodeChatFrame(bytes, 'listener', '2.0.0'), INVALID)
      if (!result.ok) return
      expectEqual(decodeChatFrame(encodeChatFrame(result.value, '2.0.0'), 'listener', '2.0.0'), result.value)
    }), FUZZ_PARAMS)
  })
})

const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
const keyed: fc.Arbitrary<ChatMessageFrame> = fc.record({
  type: fc.constant('message' as const),
  id: ulid,
  text: fc.string({ maxLength: 40 }).filter(t => !/[\uD800-\uDFFF]/.test(t)),
  sentAt: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  file: fc.record({
    sha256: hex64,
    size: fc.maxSafeNat(),
    name: fc.string({ minLength: 1, maxLength: 40 }).filter(t => !/[\uD800-\uDFFF]/.test(t)),
    mime: fc.constantFrom('image/png', 'application/octet-stream', 'audio/webm'),
    chunkSize: fc.integer({ min: Math.log2(MIN_CHUNK_BYTES), max: Math.log2(MAX_CHUNK_BYTES) }).map(e => 2 ** e),
    listHash: hex64,
    key: fc.uint8Array({ minLength: 32, maxLength: 32 })
  })
})

describe('fuzz: chat 2.0.0 keyed file offers', () => {
  it('round-trip with their key in 2.0.0, go without it in 1.1.0, and a 1.1.0 decode refuses it', () => {
    fc.assert(fc.property(keyed, (frame) => {
      const boxed = encodeChatFrame(frame, '2.0.0')
      expectEqual(decodeChatFrame(boxed, 'dialer', '2.0.0'), frame)
      expectSame(typed(() => decodeChatFrame(boxed, 'dialer', '1.1.0'), INVALID).ok, false)
      const { key: _key, ...unkeyed } = frame.file ?? {}
      expectEqual(decodeChatFrame(encodeChatFrame(frame, '1.1.0'), 'dialer', '1.1.0'), { ...frame, file: unkeyed })
    }), FUZZ_PARAMS)
  })

  it('mutated ones decode or throw InvalidMessageError; a key that decodes is 32 bytes and re-encodes to itself', () => {
    fc.assert(fc.property(keyed, mutationArb, (frame, mutations) => {
      const result = typed(() => decodeChatFrame(mutate(encodeChatFrame(frame, '2.0.0'), mutations), 'dialer', '2.0.0'), INVALID)
      if (!result.ok || result.value.type !== 'message') return
      expect([undefined, 32]).toContain(result.value.file?.key?.byteLength)
      expectEqual(decodeChatFrame(encodeChatFrame(result.value, '2.0.0'), 'dialer', '2.0.0'), result.value)
    }), FUZZ_PARAMS)
  })
})
