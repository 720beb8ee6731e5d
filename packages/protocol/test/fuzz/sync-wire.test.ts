/**
 * Fuzzing of `/parley/sync/1.0.0`'s frames (src/sync/wire.ts): the request
 * (a session box), the sync item inside it and the reply, which every device
 * decodes from its siblings. Contract checked, for 10,000 generated cases
 * per property:
 * - arbitrary bytes, and JSON near an item's and the reply's shapes, decode
 *   or throw InvalidMessageError only; what decodes encodes to the same
 *   bytes again (one wire form);
 * - every valid item of each kind round-trips, and mutations of its bytes
 *   are refused or decode to an item that round-trips;
 * - an item with a field of another kind, a field missing, or a body past
 *   MAX_TEXT_BYTES is refused; a payload past MAX_SYNC_PAYLOAD_BYTES is
 *   refused by its size;
 * - every reply round-trips; a request is a well-formed box (mutated ones
 *   decode as boxes or are refused) no longer than MAX_SYNC_FRAME_BYTES.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InvalidMessageError } from '@libp2p/interface'
import { MAX_TEXT_BYTES } from '../../src/chat/constants.ts'
import { encodeBox } from '../../src/session/box.ts'
import {
  decodeSyncItem, decodeSyncReply, decodeSyncRequest, encodeSyncItem, encodeSyncReply, MAX_SYNC_FRAME_BYTES, MAX_SYNC_PAYLOAD_BYTES, MAX_SYNC_TTL_SECONDS
} from '../../src/sync/wire.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { boxArb } from './session-arbs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { SyncItem, SyncReply } from '../../src/sync/wire.ts'

const ERRORS = [InvalidMessageError]
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

const ulidArb = fc.tuple(fc.constantFrom(...'01234567'), fc.string({ unit: fc.constantFrom(...CROCKFORD), minLength: 25, maxLength: 25 })).map(([a, b]) => a + b)
const peerArb = fc.string({ unit: fc.constantFrom(...BASE58), minLength: 46, maxLength: 52 })
const textArb = fc.string({ minLength: 1, maxLength: 200 }).filter(s => !/[\uD800-\uDFFF]/.test(s))
const sentAtArb = fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER })
const actionArb = fc.oneof(
  fc.record({ type: fc.constant('reaction' as const), id: ulidArb, sentAt: sentAtArb, target: ulidArb, emoji: fc.constantFrom('', '👍', '❤️', '😂') }),
  fc.record({ type: fc.constant('edit' as const), id: ulidArb, sentAt: sentAtArb, target: ulidArb, text: textArb }),
  fc.record({ type: fc.constant('delete' as const), id: ulidArb, sentAt: sentAtArb, target: ulidArb })
)
const bodyArb = fc.oneof(
  fc.record({
    kind: fc.constant('sent' as const),
    chat: peerArb,
    message: fc.record({ id: ulidArb, sentAt: sentAtArb, body: textArb, replyTo: ulidArb, ttl: fc.integer({ min: 1, max: MAX_SYNC_TTL_SECONDS }) }, { requiredKeys: ['id', 'sentAt', 'body'] })
  }),
  fc.record({ kind: fc.constant('read' as const), chat: peerArb, upTo: ulidArb }),
  fc.record({ kind: fc.constant('action' as const), chat: peerArb, action: actionArb }),
  fc.record({ kind: fc.constant('contact' as const), chat: peerArb, op: fc.constant('added' as const), username: fc.string({ maxLength: 40 }).filter(s => !/[\uD800-\uDFFF]/.test(s)), state: fc.constantFrom('requested' as const, 'accepted' as const) }),
  fc.record({ kind: fc.constant('contact' as const), chat: peerArb, op: fc.constant('renamed' as const), nickname: fc.oneof(fc.constant(null), textArb) }),
  fc.record({ kind: fc.constant('contact' as const), chat: peerArb, op: fc.constant('deleted' as const), withHistory: fc.boolean() }),
  fc.record({ kind: fc.constant('contact' as const), chat: peerArb, op: fc.constant('verified' as const), verified: fc.boolean() }),
  fc.record({ kind: fc.constant('settings' as const), readReceipts: fc.boolean(), typing: fc.boolean() })
)
const itemArb: fc.Arbitrary<SyncItem> = fc.tuple(ulidArb, bodyArb).map(([id, body]) => ({ type: 'sync', id, ...body }) as SyncItem)
const replyArb: fc.Arbitrary<SyncReply> = fc.oneof(
  fc.constant({ type: 'ack' } as const),
  fc.constantFrom('not-a-sibling', 'session', 'invalid', 'rate-limited').map(reason => ({ type: 'reject', reason }) as const)
)
/** JSON near an item's shape: the right keys or not, the right kinds of values or not. */
const nearItem = fc.record({
  type: fc.oneof(fc.constant('sync'), fc.string({ maxLength: 5 })),
  id: fc.oneof(ulidArb, fc.string({ maxLength: 30 })),
  kind: fc.constantFrom('sent', 'read', 'action', 'contact', 'settings', 'x'),
  chat: fc.oneof(peerArb, fc.string({ maxLength: 60 }), fc.integer()),
  upTo: fc.oneof(ulidArb, fc.integer()),
  op: fc.constantFrom('added', 'renamed', 'deleted', 'verified', 'blocked'),
  username: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)),
  state: fc.constantFrom('requested', 'accepted', 'pending'),
  nickname: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null), fc.integer()),
  withHistory: fc.oneof(fc.boolean(), fc.constant('yes')),
  verified: fc.oneof(fc.boolean(), fc.constant(1)),
  readReceipts: fc.oneof(fc.boolean(), fc.constant(0)),
  typing: fc.boolean(),
  message: fc.oneof(fc.record({ id: fc.oneof(ulidArb, fc.string()), sentAt: fc.oneof(sentAtArb, fc.constant(-1)), body: fc.string({ maxLength: 20 }), ttl: fc.integer({ min: -1, max: MAX_SYNC_TTL_SECONDS + 1 }) }, { requiredKeys: [] }), fc.constant(null)),
  action: fc.oneof(actionArb, fc.record({ type: fc.constantFrom('read', 'timer', 'typing', 'reaction'), id: ulidArb }), fc.constant([]))
}, { requiredKeys: [] }).map(o => utf8(JSON.stringify(o)))
const nearReply = fc.record({
  type: fc.constantFrom('ack', 'reject', 'sync', ''),
  reason: fc.constantFrom('not-a-sibling', 'session', 'invalid', 'rate-limited', 'x')
}, { requiredKeys: ['type'] }).map(o => utf8(JSON.stringify(o)))

function itemChecked (bytes: Uint8Array): void {
  const result = typed(() => decodeSyncItem(bytes), ERRORS)
  if (!result.ok) return
  expectSame(result.value.type, 'sync')
  const again = encodeSyncItem(result.value)
  expectEqual(decodeSyncItem(again), result.value)
  expectSame(Buffer.from(encodeSyncItem(decodeSyncItem(again))).equals(Buffer.from(again)), true)
}

function replyChecked (bytes: Uint8Array): void {
  const result = typed(() => decodeSyncReply(bytes), ERRORS)
  if (result.ok) expectEqual(decodeSyncReply(encodeSyncReply(result.value)), result.value)
}

describe('fuzz: /parley/sync/1.0.0 frames', () => {
  it('arbitrary bytes, and JSON near each shape, decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), nearItem, nearReply), (bytes) => {
      itemChecked(bytes)
      replyChecked(bytes)
      const request = typed(() => decodeSyncRequest(bytes), ERRORS)
      expectSame(request.ok ? request.value : bytes, bytes)
    }), FUZZ_PARAMS)
  })

  it('every item of each kind round-trips, and mutated items are refused or decode to one that round-trips', () => {
    fc.assert(fc.property(itemArb, mutationArb, (item, mutations) => {
      const bytes = encodeSyncItem(item)
      expectEqual(decodeSyncItem(bytes), decodeSyncItem(utf8(JSON.stringify(item))))
      expectSame(decodeSyncItem(bytes).kind, item.kind)
      itemChecked(mutate(bytes, mutations))
    }), FUZZ_PARAMS)
  })

  it('a field of another kind, a field missing, a body past MAX_TEXT_BYTES or a payload past its limit is refused', () => {
    fc.assert(fc.property(itemArb, fc.constantFrom('upTo', 'op', 'typing', 'message', 'extra'), fc.nat(), (item, key, n) => {
      const obj: Record<string, unknown> = JSON.parse(new TextDecoder().decode(encodeSyncItem(item)))
      // a key of another kind (or none's), added; one of its own kind's, taken away
      const foreign = Object.hasOwn(obj, key) ? 'extra' : key
      expect(() => decodeSyncItem(utf8(JSON.stringify({ ...obj, [foreign]: 1 })))).toThrow(InvalidMessageError)
      const kindKeys = Object.keys(obj).filter(k => !['type', 'id', 'kind'].includes(k))
      const dropped = kindKeys[n % kindKeys.length] ?? 'type'
      const { [dropped]: _gone, ...rest } = obj
      expect(() => decodeSyncItem(utf8(JSON.stringify(rest)))).toThrow(InvalidMessageError)
    }), FUZZ_PARAMS)
    // a body past its limit, and a payload past its own, by a byte and by more
    for (const extra of [1, 4096]) {
      const long = { type: 'sync', id: '01JD0000000000000000000001', kind: 'sent', chat: '12D3KooWBobBobBobBobBobBobBobBobBobBobBobBobBobBobBo', message: { id: '01JD0000000000000000000001', sentAt: 1, body: 'x'.repeat(MAX_TEXT_BYTES + extra) } }
      expect(() => decodeSyncItem(utf8(JSON.stringify(long)))).toThrow(InvalidMessageError)
      expect(() => decodeSyncItem(utf8(JSON.stringify({ ...long, message: { ...long.message, body: 'x'.repeat(MAX_TEXT_BYTES) } })))).not.toThrow()
      const big = utf8(JSON.stringify({ ...long, message: { ...long.message, body: 'x'.repeat(MAX_SYNC_PAYLOAD_BYTES + extra) } }))
      expect(() => decodeSyncItem(big)).toThrow(/at most/)
    }
  })

  it('every reply round-trips, mutated ones decode or are refused; a request is a well-formed box of at most MAX_SYNC_FRAME_BYTES', () => {
    fc.assert(fc.property(replyArb, boxArb, mutationArb, (reply, box, mutations) => {
      expectEqual(decodeSyncReply(encodeSyncReply(reply)), reply)
      replyChecked(mutate(encodeSyncReply(reply), mutations))
      const bytes = encodeBox(box)
      expectSame(decodeSyncRequest(bytes), bytes)
      const result = typed(() => decodeSyncRequest(mutate(bytes, mutations)), ERRORS)
      expect(result.ok ? result.value.byteLength : 0).toBeLessThanOrEqual(MAX_SYNC_FRAME_BYTES)
    }), FUZZ_PARAMS)
  })
})
