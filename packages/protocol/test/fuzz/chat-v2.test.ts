/**
 * Fuzzing of what `/parley/chat/2.0.0` adds to the chat codec: the
 * listener's frames (1.1.0's ack and reject, plus reject "session"); the
 * dialer's boxes are fuzzed with the session codecs (session-box.test.ts).
 * 10,000 generated cases per property: valid replies round-trip in 2.0.0,
 * "session" is refused by a 1.1.0 decode, and mutated replies decode or throw
 * InvalidMessageError, re-encoding to an equal frame when they decode.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeChatFrame, encodeChatFrame } from '../../src/chat/codec.ts'
import { MAX_BOX_FRAME_BYTES, MAX_LENGTH_PREFIX_BYTES } from '../../src/chat/constants.ts'
import { MAX_BOX_BYTES } from '../../src/session/constants.ts'
import { FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { ChatReplyFrame } from '../../src/chat/codec.ts'

const INVALID = ['InvalidMessageError']
const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 }).filter(s => s[0]! <= '7')
const reply: fc.Arbitrary<ChatReplyFrame> = fc.oneof(
  fc.record({ type: fc.constant('ack' as const), id: ulid, status: fc.constantFrom('stored' as const, 'duplicate' as const, 'seen' as const) }),
  fc.record({ type: fc.constant('reject' as const), id: ulid, reason: fc.constantFrom('not-a-contact' as const, 'not-allowed' as const, 'session' as const) })
)

describe('chat 2.0.0 limits', () => {
  it('a 2.0.0 frame is a box: the largest frame is the largest box, and its length fits the prefix', () => {
    expect(MAX_BOX_FRAME_BYTES).toBe(MAX_BOX_BYTES)
    expect(MAX_BOX_FRAME_BYTES).toBeLessThan(2 ** (7 * MAX_LENGTH_PREFIX_BYTES))
  })
})

describe('fuzz: chat 2.0.0 listener frames', () => {
  it('valid replies round-trip in 2.0.0; "session" is 2.0.0 only; the dialer may not send them', () => {
    fc.assert(fc.property(reply, (frame) => {
      const bytes = encodeChatFrame(frame, '2.0.0')
      expect(decodeChatFrame(bytes, 'listener', '2.0.0')).toEqual(frame)
      expect(typed(() => decodeChatFrame(bytes, 'dialer', '2.0.0'), INVALID).ok).toBe(false)
      const in11 = typed(() => decodeChatFrame(bytes, 'listener', '1.1.0'), INVALID)
      expect(in11.ok).toBe(!(frame.type === 'reject' && frame.reason === 'session'))
    }), FUZZ_PARAMS)
  })

  it('mutated replies decode or throw InvalidMessageError, and what decodes re-encodes to itself', () => {
    fc.assert(fc.property(reply, mutationArb, (frame, mutations) => {
      const bytes = mutate(encodeChatFrame(frame, '2.0.0'), mutations)
      const result = typed(() => decodeChatFrame(bytes, 'listener', '2.0.0'), INVALID)
      if (!result.ok) return
      expect(decodeChatFrame(encodeChatFrame(result.value, '2.0.0'), 'listener', '2.0.0')).toEqual(result.value)
    }), FUZZ_PARAMS)
  })
})
