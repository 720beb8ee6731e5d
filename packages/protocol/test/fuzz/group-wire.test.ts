/**
 * Fuzzing of the `/parley/group/1.0.0` frames and the group mailbox items
 * (src/group/wire.ts: `decodeGroupRequest`, `decodeGroupReply`,
 * `decodeGroupItem`). Contract checked, for 10,000 generated inputs per
 * property: arbitrary bytes, arbitrary JSON and near-valid frames either
 * decode or throw `InvalidMessageError`; whatever decodes re-encodes to a
 * frame that decodes to the same value; valid frames round-trip, and their
 * damaged encodings decode or are refused, never anything else; frames over
 * the size limit are refused by size. The operations and messages inside are
 * fuzzed by group.test.ts (op.ts, message.ts).
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  decodeGroupItem, decodeGroupReply, decodeGroupRequest, encodeGroupFrame, encodeGroupItem, MAX_GROUP_FRAME_BYTES, MAX_MISSING, MAX_OPS_PER_FRAME
} from '../../src/group/wire.ts'
import { FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { GroupItem, GroupReply, GroupRequest } from '../../src/group/wire.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()

const hex = (length: number): fc.Arbitrary<string> => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length })
const signedArb = fc.record({ body: fc.string({ maxLength: 64 }), sig: fc.string({ maxLength: 88 }) })
const opIdArb = hex(64)
const groupIdArb = hex(32)

const requestArb: fc.Arbitrary<GroupRequest> = fc.oneof(
  fc.record({ type: fc.constant('ops' as const), group: groupIdArb, ops: fc.array(signedArb, { minLength: 1, maxLength: 4 }) }),
  fc.record({ type: fc.constant('sync' as const), group: groupIdArb, heads: fc.array(opIdArb, { maxLength: 4 }) }),
  fc.record({ type: fc.constant('message' as const), message: signedArb })
)

const replyArb: fc.Arbitrary<GroupReply> = fc.oneof(
  fc.record({
    type: fc.constant('reply' as const),
    status: fc.constantFrom('ok' as const, 'stored' as const, 'duplicate' as const),
    ops: fc.array(signedArb, { maxLength: 3 }),
    more: fc.boolean(),
    missing: fc.array(opIdArb, { maxLength: 3 })
  }, { requiredKeys: ['type', 'status'] }),
  fc.record({ type: fc.constant('reject' as const), reason: fc.constantFrom('not-a-member' as const, 'unknown-group' as const, 'invalid' as const, 'rate-limited' as const) })
)

const itemArb: fc.Arbitrary<GroupItem> = requestArb.filter((r): r is GroupItem => r.type !== 'sync')

/** Near-valid frames: the right keys with arbitrary values. */
const nearArb = fc.record({
  type: fc.oneof(fc.constantFrom('ops', 'sync', 'message', 'reply', 'reject', 'group-ops', 'group-message'), fc.anything()),
  group: fc.oneof(groupIdArb, fc.anything()),
  ops: fc.oneof(fc.array(signedArb, { maxLength: 3 }), fc.anything()),
  heads: fc.oneof(fc.array(opIdArb, { maxLength: 3 }), fc.anything()),
  message: fc.oneof(signedArb, fc.anything()),
  status: fc.oneof(fc.constantFrom('ok', 'stored', 'duplicate'), fc.anything()),
  reason: fc.oneof(fc.constantFrom('invalid', 'x'), fc.anything()),
  missing: fc.oneof(fc.array(opIdArb, { maxLength: 3 }), fc.anything()),
  more: fc.anything()
}, { requiredKeys: ['type'] })

const decoders = {
  request: (b: Uint8Array) => decodeGroupRequest(b),
  reply: (b: Uint8Array) => decodeGroupReply(b),
  item: (b: Uint8Array) => decodeGroupItem(b)
}

/** Decodes or refuses; what decodes re-encodes to the same value. */
function check (bytes: Uint8Array): void {
  const request = typed(() => decoders.request(bytes), INVALID)
  if (request.ok) expect(decodeGroupRequest(encodeGroupFrame(request.value))).toEqual(request.value)
  const reply = typed(() => decoders.reply(bytes), INVALID)
  if (reply.ok) expect(decodeGroupReply(encodeGroupFrame(reply.value))).toEqual(reply.value)
  const item = typed(() => decoders.item(bytes), INVALID)
  if (item.ok) expect(decodeGroupItem(encodeGroupItem(item.value))).toEqual(item.value)
}

describe('group frames under fuzzing', () => {
  it('arbitrary bytes decode or are refused with InvalidMessageError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => { check(bytes) }), FUZZ_PARAMS)
  })

  it('arbitrary JSON and near-valid frames decode or are refused', () => {
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), nearArb), (value) => { check(encoder.encode(JSON.stringify(value) ?? 'null')) }), FUZZ_PARAMS)
  })

  it('valid requests, replies and items round-trip; damaged ones decode or are refused', () => {
    fc.assert(fc.property(requestArb, replyArb, itemArb, mutationArb, (request, reply, item, mutations) => {
      expect(decodeGroupRequest(encodeGroupFrame(request))).toEqual(request)
      expect(decodeGroupReply(encodeGroupFrame(reply))).toEqual(reply)
      expect(decodeGroupItem(encodeGroupItem(item))).toEqual(item)
      check(mutate(encodeGroupFrame(request), mutations))
      check(mutate(encodeGroupFrame(reply), mutations))
      check(mutate(encodeGroupItem(item), mutations))
    }), FUZZ_PARAMS)
  })

  it('refuses frames over the limits: size, operations per frame, missing ids', () => {
    const big = encoder.encode(JSON.stringify({ type: 'message', message: { body: 'x'.repeat(MAX_GROUP_FRAME_BYTES), sig: '' } }))
    expect(() => decodeGroupRequest(big)).toThrow(/over the limit/)
    const many = { type: 'ops', group: 'a'.repeat(32), ops: Array.from({ length: MAX_OPS_PER_FRAME + 1 }, () => ({ body: '', sig: '' })) }
    expect(() => decodeGroupRequest(encoder.encode(JSON.stringify(many)))).toThrow(/"ops" must list/)
    const missing = { type: 'reply', status: 'ok', missing: Array.from({ length: MAX_MISSING + 1 }, () => 'b'.repeat(64)) }
    expect(() => decodeGroupReply(encoder.encode(JSON.stringify(missing)))).toThrow(/"missing"/)
    expect(() => decodeGroupItem(encoder.encode(JSON.stringify({ type: 'group-sync', group: 'a'.repeat(32), heads: [] })))).toThrow(/group-ops/)
  })
})
