/**
 * Fuzzing of the `/parley/group/2.0.0` frames (src/group/boxed.ts:
 * `decodeGroupBoxRequest`, `decodeGroupBoxReply`, and `decodeGroupReply` as
 * 2.0.0 reads a reply outside a box) and of the splitting of operations into
 * boxes (`opsParts`, `fitReply`). Contract checked, for 10,000 generated
 * inputs per property:
 * - arbitrary bytes, and mutations of valid boxes and replies, decode or throw
 *   InvalidMessageError; a request decodes exactly when it is a box that
 *   decodeBox takes, to its own bytes;
 * - a reply decodes to a box (its bytes, when decodeBox takes them) or to a
 *   1.0.0 reply that carries no operations; `reject session` only in 2.0.0;
 * - operations split into parts keep their order, never exceed
 *   MAX_OPS_PER_FRAME or the byte budget (but for one operation alone over
 *   it), and a sync's reply cut to one box is its prefix, with `more` when
 *   anything was left out; its JSON fits a box's plaintext;
 * - a message request or item carries a file's key only as a box's
 *   plaintext, 32 bytes of base64, and round-trips with it and without it.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { decodeGroupBoxReply, decodeGroupBoxRequest, fitReply, MAX_BOXED_OPS_BYTES, opsParts } from '../../src/group/boxed.ts'
import { decodeGroupItem, decodeGroupReply, decodeGroupRequest, encodeGroupFrame, encodeGroupItem, MAX_OPS_PER_FRAME, withoutKey } from '../../src/group/wire.ts'
import { fromBase64, toBase64 } from '../../src/base64.ts'
import { decodeBox, encodeBox } from '../../src/session/box.ts'
import { MAX_PLAINTEXT_BYTES } from '../../src/session/constants.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { boxArb } from './session-arbs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { GroupReply } from '../../src/group/wire.ts'
import type { SignedGroupOp } from '../../src/group/op.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const boxes = boxArb.map(encodeBox)

/** Whether decodeBox takes `bytes`. */
function isBox (bytes: Uint8Array): boolean {
  return typed(() => decodeBox(bytes), ['SessionFrameError']).ok
}

/** Decodes `bytes` as a 2.0.0 request and reply: each gives what the contract says, or throws InvalidMessageError. */
function decodeChecked (bytes: Uint8Array): void {
  const request = typed(() => decodeGroupBoxRequest(bytes), INVALID)
  expectSame(request.ok, isBox(bytes))
  if (request.ok) expectSame(request.value, bytes)
  const reply = typed(() => decodeGroupBoxReply(bytes), INVALID)
  if (!reply.ok) return
  if ('box' in reply.value) {
    expectSame(isBox(bytes), true)
  } else {
    expect(reply.value.reply.type === 'reply' ? reply.value.reply.ops : undefined).toBeUndefined()
  }
}

const signed: fc.Arbitrary<SignedGroupOp> = fc.record({
  body: fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 1, arbitrary: fc.integer({ min: 1000, max: 40_000 }).map(n => 'b'.repeat(n)) }),
  sig: fc.string({ maxLength: 90 })
})
const reply: fc.Arbitrary<GroupReply> = fc.oneof(
  fc.record({ type: fc.constant('reply' as const), status: fc.constantFrom('ok' as const, 'stored' as const, 'duplicate' as const), more: fc.boolean() }, { requiredKeys: ['type', 'status'] }),
  fc.record({ type: fc.constant('reject' as const), reason: fc.constantFrom('not-a-member' as const, 'unknown-group' as const, 'invalid' as const, 'rate-limited' as const, 'session' as const) })
)

describe('fuzz: group 2.0.0 frames', () => {
  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map(b => Uint8Array.of(2, ...b))), decodeChecked), FUZZ_PARAMS)
  })

  it('valid boxes are requests and replies, to their own bytes; mutated ones decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(boxes, mutationArb, (box, mutations) => {
      expectSame(decodeGroupBoxRequest(box), box)
      // the same bytes, not a copy (vitest's deep equality of 2 KiB typed arrays costs more than the decoding)
      const decoded = decodeGroupBoxReply(box)
      expectSame('box' in decoded && decoded.box === box, true)
      decodeChecked(mutate(box, mutations))
    }), FUZZ_PARAMS)
  })

  it('replies outside a box: 1.0.0\'s without operations, and "reject session" in 2.0.0 only; mutated ones decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(reply, fc.array(signed, { maxLength: 2 }), mutationArb, (frame, ops, mutations) => {
      const bytes = encodeGroupFrame(frame)
      expectEqual(decodeGroupBoxReply(bytes), { reply: frame })
      const session = frame.type === 'reject' && frame.reason === 'session'
      expectSame(typed(() => decodeGroupReply(bytes), INVALID).ok, !session)
      // a reply with operations outside a box is refused
      expectSame(frame.type === 'reply' && typed(() => decodeGroupBoxReply(encodeGroupFrame({ ...frame, ops })), INVALID).ok, false)
      decodeChecked(mutate(bytes, mutations))
    }), FUZZ_PARAMS)
  })

  it('operations split into parts in order, each within MAX_OPS_PER_FRAME and the byte budget; a sync\'s reply cut to one box is its prefix and fits', () => {
    const lists = fc.oneof(
      { weight: 3, arbitrary: fc.array(signed, { maxLength: 12 }) },
      { weight: 1, arbitrary: fc.integer({ min: 250, max: 600 }).map(n => Array.from({ length: n }, (_, i) => ({ body: `o${i}`, sig: 's' }))) }
    )
    fc.assert(fc.property(lists, fc.integer({ min: 100, max: MAX_BOXED_OPS_BYTES }), (ops, budget) => {
      const parts = opsParts(ops.map(op => ({ signed: op })), budget)
      expectEqual(parts.flat().map(p => p.signed), ops)
      for (const part of parts) {
        expect(part.length).toBeGreaterThan(0)
        expect(part.length).toBeLessThanOrEqual(MAX_OPS_PER_FRAME)
        const bytes = encoder.encode(JSON.stringify(part.map(p => p.signed))).byteLength
        expectSame(part.length === 1 || bytes <= budget, true)
      }
      const cut = fitReply({ type: 'reply', status: 'ok', ops })
      if (cut.type !== 'reply') throw new Error('a reply was turned into a reject')
      expectEqual(ops.slice(0, cut.ops?.length), cut.ops)
      expectSame(cut.more === true, (cut.ops?.length ?? 0) < ops.length)
      expectSame((cut.ops?.length ?? 0) <= 1 || encodeGroupFrame(cut).byteLength <= MAX_PLAINTEXT_BYTES, true)
    }), FUZZ_PARAMS)
  })

  it('a message\'s file key: in a box (boxed) a request or item takes 32 bytes of base64, outside one none; withoutKey drops it', () => {
    const keyText = fc.oneof(
      { weight: 3, arbitrary: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(toBase64) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map(toBase64) },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 50 }), fc.integer(), fc.constant(null)) }
    )
    fc.assert(fc.property(fc.record({ body: fc.string({ maxLength: 40 }), sig: fc.string({ maxLength: 90 }) }), keyText, fc.boolean(), fc.boolean(), (message, key, asItem, boxed) => {
      const raw = { type: asItem ? 'group-message' : 'message', message, key }
      const bytes = encoder.encode(JSON.stringify(raw))
      const decode = asItem ? decodeGroupItem : decodeGroupRequest
      const result = typed(() => decode(bytes, { boxed }), INVALID)
      const good = boxed && typeof key === 'string' && fromBase64(key)?.byteLength === 32
      expectSame(result.ok, good)
      if (!result.ok || result.value.type !== 'message') return
      expectEqual(result.value.key, fromBase64(key as string))
      // it encodes back to what it was, and without the key to a frame any decoder takes
      const again = asItem ? encodeGroupItem(result.value) : encodeGroupFrame(result.value)
      expectEqual(decode(again, { boxed: true }), result.value)
      const bare = withoutKey(result.value)
      expectEqual(bare, { type: 'message', message })
      expectEqual(decode(asItem ? encodeGroupItem(bare) : encodeGroupFrame(bare)), bare)
    }), FUZZ_PARAMS)
  })
})
