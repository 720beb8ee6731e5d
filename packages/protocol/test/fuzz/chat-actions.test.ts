/**
 * Fuzzing of what `/parley/chat/1.1.0` added to the chat codec
 * (src/chat/codec.ts, actions.ts, offer.ts): the message fields replyTo, ttl
 * and file.voice, the action frames reaction, edit, delete, read, timer and
 * typing, ack 'seen' and reject 'not-allowed'. For each of these kinds,
 * 10,000 generated cases per property:
 * - a random valid frame round-trips in 1.1.0, only the dialer (or for replies
 *   the listener) may send it, and a 1.0.0 decode refuses it with
 *   InvalidMessageError; its encoding, randomly flipped, truncated, extended or
 *   spliced, decodes or throws InvalidMessageError in either version;
 * - near-valid objects (the kind's keys and a stray one, arbitrary and
 *   kind-specific values) decode or throw InvalidMessageError in either version;
 * and every decoded frame re-encodes, in the version it was decoded in, to an
 * equal frame. Also: reaction emoji made of random emoji parts are accepted
 * exactly when `isReactionEmoji` says so. 1.0.0 frames: chat-codec.test.ts.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeChatFrame, encodeChatFrame, isReactionEmoji } from '../../src/chat/codec.ts'
import { MAX_EMOJI_BYTES, MAX_READ_TARGETS, MAX_VOICE_MS, MAX_WAVEFORM_BYTES, MESSAGE_TTLS } from '../../src/chat/constants.ts'
import { MAX_CHUNK_BYTES, MIN_CHUNK_BYTES } from '../../src/file/constants.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { ChatFrame, ChatSender } from '../../src/chat/codec.ts'
import type { ChatVersion } from '../../src/chat/constants.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const VERSIONS: ChatVersion[] = ['1.0.0', '1.1.0']

const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 })
const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
const sentAt = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
const text = (minLength: number): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength, maxLength: 60 }).filter(s => !LONE_SURROGATE.test(s))
/** Whole emoji a reaction may carry ('' takes one back). */
const EMOJI = ['', '👍', '❤️', '😂', '🇷🇺', '🏴󠁧󠁢󠁥󠁮󠁧󠁿', '👨‍👩‍👧‍👦', '👍🏽', '🧑🏻‍🤝‍🧑🏿', '1️⃣', '#️⃣', '🫠', '☺️']
/** Parts emoji are made of, and some that are not emoji. */
const EMOJI_PARTS = ['👍', '🏽', '\u200D', '\uFE0F', '\u20E3', '1', '#', '🇷', '🇺', '👨', '👧', '\u{E0067}', '\u{E007F}', '🏴', '©', 'a', ' ', 'я', '\u0000', '\uD83D']
const voice = fc.record({ durationMs: fc.integer({ min: 1, max: MAX_VOICE_MS }), waveform: fc.uint8Array({ minLength: 1, maxLength: MAX_WAVEFORM_BYTES }) })
const offer = fc.record({
  sha256: hex64,
  size: fc.maxSafeNat(),
  name: text(1),
  mime: fc.string({ maxLength: 40 }),
  chunkSize: fc.integer({ min: Math.log2(MIN_CHUNK_BYTES), max: Math.log2(MAX_CHUNK_BYTES) }).map(e => 2 ** e),
  listHash: hex64,
  voice
}, { requiredKeys: ['sha256', 'size', 'name', 'mime', 'chunkSize', 'listHash'] })

/** A valid frame of each 1.1.0 addition; `message` always carries at least one of replyTo, ttl, file.voice. */
const VALID: Record<string, fc.Arbitrary<ChatFrame>> = {
  message: fc.record({
    type: fc.constant('message' as const), id: ulid, text: text(1), sentAt, replyTo: ulid, ttl: fc.constantFrom(...MESSAGE_TTLS), file: offer
  }, { requiredKeys: ['type', 'id', 'text', 'sentAt'] })
    .filter(m => m.replyTo !== undefined || m.ttl !== undefined || m.file?.voice !== undefined),
  reaction: fc.record({ type: fc.constant('reaction' as const), id: ulid, sentAt, target: ulid, emoji: fc.constantFrom(...EMOJI) }),
  edit: fc.record({ type: fc.constant('edit' as const), id: ulid, sentAt, target: ulid, text: text(1) }),
  delete: fc.record({ type: fc.constant('delete' as const), id: ulid, sentAt, target: ulid }),
  read: fc.record({ type: fc.constant('read' as const), id: ulid, sentAt, targets: fc.uniqueArray(ulid, { minLength: 1, maxLength: MAX_READ_TARGETS }) }),
  timer: fc.record({ type: fc.constant('timer' as const), id: ulid, sentAt, ttl: fc.constantFrom(0, ...MESSAGE_TTLS) }),
  typing: fc.record({ type: fc.constant('typing' as const), id: ulid, typing: fc.boolean() }),
  'ack seen': fc.record({ type: fc.constant('ack' as const), id: ulid, status: fc.constant('seen' as const) }),
  'reject not-allowed': fc.record({ type: fc.constant('reject' as const), id: ulid, reason: fc.constant('not-allowed' as const) })
}

/** Each kind's keys (and one no frame has) for the near-valid objects. */
const KEYS: Record<string, string[]> = {
  message: ['type', 'id', 'text', 'sentAt', 'file', 'replyTo', 'ttl', 'extra'],
  reaction: ['type', 'id', 'sentAt', 'target', 'emoji', 'extra'],
  edit: ['type', 'id', 'sentAt', 'target', 'text', 'extra'],
  delete: ['type', 'id', 'sentAt', 'target', 'extra'],
  read: ['type', 'id', 'sentAt', 'targets', 'extra'],
  timer: ['type', 'id', 'sentAt', 'ttl', 'extra'],
  typing: ['type', 'id', 'typing', 'extra'],
  'ack seen': ['type', 'id', 'status', 'extra'],
  'reject not-allowed': ['type', 'id', 'reason', 'extra']
}
const TYPE_OF: Record<string, string> = { 'ack seen': 'ack', 'reject not-allowed': 'reject' }
const nearValue = fc.oneof(
  fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), ulid, fc.constantFrom(...EMOJI),
  fc.array(ulid, { maxLength: MAX_READ_TARGETS + 2 }), fc.constantFrom<unknown>(
    'message', 'reaction', 'edit', 'delete', 'read', 'timer', 'typing', 'ack', 'reject', 'seen', 'not-allowed', 'stored',
    ...MESSAGE_TTLS, 0, 60, -300, 1.5, 2 ** 53, true, false, '', 'a'.repeat(MAX_EMOJI_BYTES + 1), '👍'.repeat(9))
)
const nearVoice = fc.record({ durationMs: fc.oneof(nearValue, fc.constantFrom(1, MAX_VOICE_MS, MAX_VOICE_MS + 1)), waveform: fc.oneof(nearValue, fc.constantFrom('AA==', 'AAz/KA==', 'A'.repeat(136))), x: nearValue }, { requiredKeys: [] })
const nearFile = fc.record({
  sha256: hex64, size: fc.nat(), name: fc.constant('a.webm'), mime: fc.constant('audio/webm'), chunkSize: fc.constant(MIN_CHUNK_BYTES), listHash: hex64,
  voice: fc.oneof(nearVoice, nearValue)
}, { requiredKeys: ['sha256', 'size', 'name', 'mime', 'chunkSize', 'listHash'] })
/** A right value for each key (the near-valid objects take it most of the time, so some are whole valid frames). */
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  id: ulid, sentAt, target: ulid, replyTo: ulid, emoji: fc.constantFrom(...EMOJI), text: text(1), typing: fc.boolean(),
  targets: fc.uniqueArray(ulid, { minLength: 1, maxLength: 4 }), status: fc.constantFrom('seen', 'stored', 'duplicate'),
  reason: fc.constantFrom('not-allowed', 'not-a-contact'), extra: nearValue
}
function nearFrame (kind: string): fc.Arbitrary<Record<string, unknown>> {
  const keys = KEYS[kind] ?? []
  const type = TYPE_OF[kind] ?? kind
  const good = (k: string): fc.Arbitrary<unknown> => k === 'type'
    ? fc.constant(type)
    : k === 'ttl' ? fc.constantFrom(...(kind === 'timer' ? [0, ...MESSAGE_TTLS] : MESSAGE_TTLS)) : k === 'file' ? nearFile : GOOD[k] ?? nearValue
  return fc.record(Object.fromEntries(keys.map(k => [k, fc.oneof({ weight: 3, arbitrary: good(k) }, { weight: 1, arbitrary: nearValue })])), { requiredKeys: [] })
}
const sender = fc.constantFrom<ChatSender | undefined>('dialer', 'listener', undefined)
const version = fc.constantFrom<ChatVersion>(...VERSIONS)

/** Decodes with the contract: a frame that re-encodes (in the same version) to an equal frame, or InvalidMessageError. */
function decodeChecked (bytes: Uint8Array, from: ChatSender | undefined, v: ChatVersion): boolean {
  const result = typed(() => decodeChatFrame(bytes, from, v), INVALID)
  if (result.ok) {
    const again = typed(() => encodeChatFrame(result.value, v), INVALID)
    expectSame(again.ok, true)
    if (again.ok) expectEqual(decodeChatFrame(again.value, from, v), result.value)
  }
  return result.ok
}

describe('fuzz: chat codec 1.1.0 additions', () => {
  describe.each(Object.keys(VALID))('%s', (kind) => {
    const valid = VALID[kind] as fc.Arbitrary<ChatFrame>

    it('valid frames round-trip in 1.1.0 only; mutated, they decode or throw InvalidMessageError', () => {
      fc.assert(fc.property(valid, mutationArb, sender, version, (frame, mutations, from, v) => {
        const bytes = encodeChatFrame(frame, '1.1.0')
        expectEqual(decodeChatFrame(bytes, undefined, '1.1.0'), frame)
        const own: ChatSender = frame.type === 'ack' || frame.type === 'reject' ? 'listener' : 'dialer'
        expectEqual(decodeChatFrame(bytes, own, '1.1.0'), frame)
        expectSame(typed(() => decodeChatFrame(bytes, own === 'dialer' ? 'listener' : 'dialer', '1.1.0'), INVALID).ok, false)
        expectSame(typed(() => decodeChatFrame(bytes, own, '1.0.0'), INVALID).ok, false)
        expectSame(typed(() => encodeChatFrame(frame, '1.0.0'), INVALID).ok, false)
        decodeChecked(mutate(bytes, mutations), from, v)
      }), FUZZ_PARAMS)
    })

    it('near-valid frames (its keys, arbitrary values) decode or throw InvalidMessageError', () => {
      let decoded = 0
      fc.assert(fc.property(nearFrame(kind), sender, version, (value, from, v) => {
        if (decodeChecked(encoder.encode(JSON.stringify(value)), from, v)) decoded++
      }), FUZZ_PARAMS)
      // the generator reaches past the first checks: some cases are whole valid frames
      expect(decoded).toBeGreaterThan(0)
    })
  })

  it('a reaction of random emoji parts decodes exactly when isReactionEmoji accepts it', () => {
    const emoji = fc.array(fc.constantFrom(...EMOJI_PARTS), { minLength: 1, maxLength: 10 }).map(parts => parts.join(''))
    let accepted = 0
    fc.assert(fc.property(emoji, ulid, ulid, (e, id, target) => {
      const result = typed(() => decodeChatFrame(encoder.encode(JSON.stringify({ type: 'reaction', id, sentAt: 1, target, emoji: e })), 'dialer'), INVALID)
      const expected = !LONE_SURROGATE.test(e) && isReactionEmoji(e)
      expectSame(result.ok, expected)
      if (expected) accepted++
      expectEqual(result.ok ? result.value : undefined, expected ? { type: 'reaction', id, sentAt: 1, target, emoji: e } : undefined)
    }), FUZZ_PARAMS)
    expect(accepted).toBeGreaterThan(0)
  })
})
