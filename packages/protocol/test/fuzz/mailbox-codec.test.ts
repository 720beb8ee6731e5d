/**
 * Fuzzing of the `/parley/mailbox/1.0.0` frame codec shared by relay-node and
 * the app (relay-node/src/mailbox/codec.ts: `decodeRequest`, `decodeReply`,
 * `encodeRequest`, `encodeReply`, `encodeError`). Contract checked, for 10,000
 * generated inputs per property:
 * - arbitrary bytes (and bodies starting with each operation / status byte)
 *   decode, or throw `MailboxFrameError` (malformed) or, for replies,
 *   `MailboxRefusedError` (an error reply); a decoded request re-encodes to
 *   the same bytes;
 * - valid requests, replies and error replies round-trip; mutated encodings
 *   of them decode or throw those errors only;
 * - counts and sizes declared huge (u16 list counts, u32 item sizes, 0xff id
 *   counts) are refused or bounded by the bytes actually present: no
 *   allocation beyond the frame.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  HINTED_DEPOSIT, ID_BYTES, MAX_IDS, MAX_LIST, MAX_REASON_BYTES, MailboxErrorCode, MailboxFrameError, MailboxRefusedError, Op,
  decodeReply, decodeRequest, encodeError, encodeReply, encodeRequest
} from '../../src/mailbox/codec.ts'
import { HINT_BYTES } from '../../src/push/hint.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { MailboxErrorName, MailboxReply, MailboxRequest, OpName } from '../../src/mailbox/codec.ts'

const OPS: OpName[] = ['deposit', 'list', 'fetch', 'delete']
const REQUEST_ERRORS = [MailboxFrameError]
const REPLY_ERRORS = [MailboxFrameError, MailboxRefusedError]
const id = fc.uint8Array({ minLength: ID_BYTES, maxLength: ID_BYTES })
const time = fc.maxSafeNat()
const ids = fc.array(id, { minLength: 1, maxLength: 6 })

const validRequest: fc.Arbitrary<MailboxRequest> = fc.oneof(
  fc.record({ op: fc.constant('deposit' as const), id, recipient: fc.uint8Array({ minLength: 1, maxLength: 64 }), item: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({
    op: fc.constant('deposit' as const), id, recipient: fc.uint8Array({ minLength: 1, maxLength: 64 }), item: fc.uint8Array({ minLength: 1, maxLength: 64 }), hint: fc.uint8Array({ minLength: HINT_BYTES, maxLength: HINT_BYTES })
  }),
  fc.record({ op: fc.constant('list' as const), after: id, limit: fc.integer({ min: 1, max: MAX_LIST }) }, { requiredKeys: ['op', 'limit'] }),
  fc.record({ op: fc.constantFrom('fetch' as const, 'delete' as const), ids })
)
const validReply: fc.Arbitrary<MailboxReply> = fc.oneof(
  fc.record({ op: fc.constant('deposit' as const), storedAt: time, expiresAt: time, duplicate: fc.boolean() }),
  fc.record({ op: fc.constant('list' as const), more: fc.boolean(), items: fc.array(fc.record({ id, size: fc.nat({ max: 0xffff_ffff }), storedAt: time, expiresAt: time }), { maxLength: 4 }) }),
  fc.record({ op: fc.constant('fetch' as const), items: fc.array(fc.record({ id, storedAt: time, item: fc.uint8Array({ minLength: 1, maxLength: 48 }) }), { maxLength: 4 }) }),
  fc.record({ op: fc.constant('delete' as const), deleted: fc.nat({ max: 0xffff }) })
)
const errorName = fc.constantFrom(...Object.keys(MailboxErrorCode) as MailboxErrorName[])
const opName = fc.constantFrom(...OPS)

/** Bodies that start with a meaningful first byte (an operation, OK or an error code), then anything. */
const leading = (firsts: number[]): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: 120 })).map(([b, rest]) => Uint8Array.from([b, ...rest]))
const requestBytes = fc.oneof(fc.uint8Array({ maxLength: 120 }), leading(Object.values(Op)), fc.tuple(leading([HINTED_DEPOSIT]), fc.uint8Array({ minLength: 100, maxLength: 200 })).map(([a, b]) => Uint8Array.from([...a, ...b])))
const replyBytes = fc.oneof(fc.uint8Array({ maxLength: 120 }), leading([0, 0, 0, ...Object.values(MailboxErrorCode), 0xff]))

const hex = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)

function decodeRequestChecked (frame: Uint8Array): void {
  const result = typed(() => decodeRequest(frame), REQUEST_ERRORS)
  if (result.ok) expectSame(Buffer.from(encodeRequest(result.value)).equals(frame), true)
}

function decodeReplyChecked (op: OpName, frame: Uint8Array): void {
  const result = typed(() => decodeReply(op, frame), REPLY_ERRORS)
  if (result.ok) {
    expectSame(result.value.op, op)
    expectSame(Buffer.from(encodeReply(result.value)).equals(frame), true)
  } else if (result.error instanceof MailboxRefusedError) {
    expect(Object.keys(MailboxErrorCode)).toContain(result.error.code)
  }
}

describe('fuzz: mailbox codec', () => {
  it('arbitrary request bytes decode or throw MailboxFrameError', () => {
    fc.assert(fc.property(requestBytes, decodeRequestChecked), FUZZ_PARAMS)
  })

  it('arbitrary reply bytes decode or throw MailboxFrameError / MailboxRefusedError', () => {
    fc.assert(fc.property(opName, replyBytes, decodeReplyChecked), FUZZ_PARAMS)
  })

  it('valid requests, replies and error replies round-trip', () => {
    fc.assert(fc.property(validRequest, validReply, errorName, fc.string({ maxLength: 40 }), (request, reply, code, reason) => {
      expectSame(hex(decodeRequest(encodeRequest(request))), hex(request))
      expectSame(hex(decodeReply(reply.op, encodeReply(reply))), hex(reply))
      const refused = typed(() => decodeReply(reply.op, encodeError(code, reason)), REPLY_ERRORS)
      expectSame(refused.ok, false)
      expect(refused.ok ? undefined : refused.error).toBeInstanceOf(MailboxRefusedError)
      expectSame(refused.ok ? undefined : (refused.error as MailboxRefusedError).code, code)
    }), FUZZ_PARAMS)
  })

  it('mutated valid requests and replies decode or throw the mailbox errors', () => {
    fc.assert(fc.property(validRequest, validReply, opName, mutationArb, (request, reply, op, mutations) => {
      decodeRequestChecked(mutate(encodeRequest(request), mutations))
      // the reply read as the answer to its own operation, and to another one
      decodeReplyChecked(reply.op, mutate(encodeReply(reply), mutations))
      decodeReplyChecked(op, mutate(encodeReply(reply), mutations))
    }), FUZZ_PARAMS)
  })

  it('huge declared counts and sizes are refused against the bytes present, not allocated', () => {
    const u16 = (n: number): number[] => [n >> 8, n & 255]
    const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]
    const huge = fc.oneof(
      // LIST reply: a u16 count up to 65535, few entries behind it
      fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.uint8Array({ maxLength: 40 })).map(([count, rest]) => ({ op: 'list' as const, frame: Uint8Array.from([0, 0, ...u16(count), ...rest]) })),
      // FETCH reply: one item declaring up to 4 GiB
      fc.tuple(fc.integer({ min: 1, max: 0xffff_ffff }), fc.uint8Array({ maxLength: 40 })).map(([size, rest]) => ({ op: 'fetch' as const, frame: Uint8Array.from([0, 1, ...new Array<number>(ID_BYTES + 8).fill(0), ...u32(size), ...rest]) })),
      // FETCH reply: up to 255 items declared
      fc.tuple(fc.integer({ min: 1, max: 0xff }), fc.uint8Array({ maxLength: 40 })).map(([count, rest]) => ({ op: 'fetch' as const, frame: Uint8Array.from([0, count, ...rest]) })),
      // an error reply with a reason over the limit
      fc.integer({ min: MAX_REASON_BYTES + 1, max: MAX_REASON_BYTES + 64 }).map(n => ({ op: 'delete' as const, frame: Uint8Array.from([1, ...new Array<number>(n).fill(0x41)]) }))
    )
    const hugeRequest = fc.tuple(fc.constantFrom(Op.fetch, Op.delete), fc.integer({ min: MAX_IDS + 1, max: 0xff }), fc.uint8Array({ maxLength: 40 }))
      .map(([op, count, rest]) => Uint8Array.from([op, count, ...rest]))
    const before = process.memoryUsage().arrayBuffers
    fc.assert(fc.property(huge, hugeRequest, ({ op, frame }, request) => {
      const reply = typed(() => decodeReply(op, frame), REPLY_ERRORS)
      expect(reply.ok ? hex(reply.value).length : 0).toBeLessThan(4 * frame.byteLength + 64)
      expectSame(typed(() => decodeRequest(request), REQUEST_ERRORS).ok, false)
    }), FUZZ_PARAMS)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })
})
