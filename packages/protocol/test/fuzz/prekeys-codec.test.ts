/**
 * Fuzzing of the `/parley/prekeys/1.0.0` codec (packages/protocol/src/prekeys/codec.ts:
 * `decodeRequest`, `decodeReply`, `decodeBundle` and their encoders), shared
 * by relay-node and the app. Contract checked, for 10,000 generated inputs
 * per property:
 * - arbitrary bytes (and bodies starting with each operation or status byte,
 *   or with a record's kind byte for the bundle parser) decode or throw
 *   `PrekeysFrameError` or, for replies, `PrekeysRefusedError`; whatever
 *   decodes re-encodes to the same bytes;
 * - valid requests, replies, bundles and error replies round-trip; mutated
 *   encodings of them decode canonically or throw those errors only;
 * - counts declared huge (a u16 one-time count, a long owner) are refused
 *   against the bytes present: memory stays bounded.
 *
 * Records are not signed here (the codec does not check signatures): their
 * keys come from a two-byte pattern, as in session-box.test.ts, so a PQ
 * record of 1261 bytes costs little to make.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  MAX_OWNER_BYTES, Op, PrekeysErrorCode, PrekeysFrameError, PrekeysRefusedError,
  decodeBundle, decodeReply, decodeRequest, encodeError, encodeReply, encodeRequest
} from '../../src/prekeys/codec.ts'
import { KEM_PUBLIC_BYTES, KEY_BYTES, PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { encodeRecord, isPqKind } from '../../src/session/records.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { FetchedBundle, OpName, PrekeysErrorName, PrekeysReply, PrekeysRequest } from '../../src/prekeys/codec.ts'
import type { PrekeyKind, PrekeyRecord } from '../../src/session/records.ts'

const OPS: OpName[] = ['publish', 'status', 'fetch', 'clear']
const REQUEST_ERRORS = [PrekeysFrameError]
const REPLY_ERRORS = [PrekeysFrameError, PrekeysRefusedError]
const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(b)

const patterned = (length: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => Uint8Array.from({ length }, (_, i) => (a + i * b) & 0xff))
const u32 = fc.oneof(fc.constantFrom(1, 0x7fff_ffff, 0xffff_ffff), fc.integer({ min: 1, max: 0xffff_ffff }))

const recordOf = (kind: PrekeyKind, id: fc.Arbitrary<number> = u32): fc.Arbitrary<PrekeyRecord> => fc.record({
  kind: fc.constant(kind),
  id,
  createdAt: fc.oneof(fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()),
  publicKey: patterned(isPqKind(kind) ? KEM_PUBLIC_BYTES : KEY_BYTES),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 })
})

/** One-time records with distinct ids per kind (a few; the 200-record case is in codec.test.ts). */
const oneTimeArb = fc.uniqueArray(fc.tuple(fc.constantFrom(PREKEY_PQ_ONE_TIME, PREKEY_EC_ONE_TIME), fc.integer({ min: 1, max: 0xffff_ffff })), { maxLength: 4, selector: ([kind, id]) => `${kind}/${id}` })
  .chain(pairs => fc.tuple(...pairs.map(([kind, id]) => recordOf(kind, fc.constant(id)))))

const validRequest: fc.Arbitrary<PrekeysRequest> = fc.oneof(
  fc.record({ op: fc.constant('publish' as const), signed: recordOf(PREKEY_SIGNED_EC), lastResort: recordOf(PREKEY_PQ_LAST_RESORT), oneTime: oneTimeArb }),
  fc.record({ op: fc.constant('fetch' as const), owner: fc.uint8Array({ minLength: 1, maxLength: MAX_OWNER_BYTES }) }),
  fc.constantFrom({ op: 'status' as const }, { op: 'clear' as const })
)
const bundleArb: fc.Arbitrary<FetchedBundle> = fc.record({
  signed: recordOf(PREKEY_SIGNED_EC),
  pq: fc.constantFrom(PREKEY_PQ_ONE_TIME, PREKEY_PQ_LAST_RESORT).chain(kind => recordOf(kind)),
  ecOneTime: recordOf(PREKEY_EC_ONE_TIME)
}, { requiredKeys: ['signed', 'pq'] })
const statusArb = fc.record({ signedId: fc.nat({ max: 0xffff_ffff }), lastResortId: fc.nat({ max: 0xffff_ffff }), pqOneTime: fc.nat({ max: 0xffff }), ecOneTime: fc.nat({ max: 0xffff }) })
const validReply: fc.Arbitrary<PrekeysReply> = fc.oneof(
  fc.record({ op: fc.constantFrom('publish' as const, 'status' as const), status: statusArb }),
  fc.record({ op: fc.constant('fetch' as const), bundle: bundleArb }),
  fc.constant({ op: 'clear' as const })
)
const errorName = fc.constantFrom(...Object.keys(PrekeysErrorCode) as PrekeysErrorName[])
const opName = fc.constantFrom(...OPS)

/** Bodies that start with meaningful bytes (an operation, OK or an error code, a kind), then anything. */
const leading = (firsts: number[], maxLength = 160): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength })).map(([b, rest]) => Uint8Array.from([b, ...rest]))
const requestBytes = fc.oneof(fc.uint8Array({ maxLength: 160 }), leading(Object.values(Op)))
const replyBytes = fc.oneof(fc.uint8Array({ maxLength: 160 }), leading([0, 0, 0, ...Object.values(PrekeysErrorCode), 0xff]))
/** Near-records for the bundle parser: a kind byte, then sizes around an EC or a PQ record. */
const bundleBytes = fc.oneof(
  fc.uint8Array({ maxLength: 160 }),
  leading([1, 2, 3, 4, 0, 5], 200),
  fc.tuple(bundleArb, mutationArb).map(([b, m]) => mutate(encodeReply({ op: 'fetch', bundle: b }).subarray(1), m))
)

const hex = (v: unknown): string => JSON.stringify(v, (_, x: unknown) => x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x)

function decodeRequestChecked (frame: Uint8Array): void {
  const result = typed(() => decodeRequest(frame), REQUEST_ERRORS)
  if (result.ok) expectSame(same(encodeRequest(result.value), frame), true)
}

function decodeReplyChecked (op: OpName, frame: Uint8Array): void {
  const result = typed(() => decodeReply(op, frame), REPLY_ERRORS)
  if (result.ok) {
    expectSame(result.value.op, op)
    expectSame(same(encodeReply(result.value), frame), true)
  } else if (result.error instanceof PrekeysRefusedError) {
    expect(Object.keys(PrekeysErrorCode)).toContain(result.error.code)
  }
}

function decodeBundleChecked (bytes: Uint8Array): void {
  const result = typed(() => decodeBundle(bytes), REQUEST_ERRORS)
  if (result.ok) expectSame(same(encodeReply({ op: 'fetch', bundle: result.value }).subarray(1), bytes), true)
}

describe('fuzz: prekeys codec', () => {
  it('arbitrary request bytes decode canonically or throw PrekeysFrameError', () => {
    fc.assert(fc.property(requestBytes, decodeRequestChecked), FUZZ_PARAMS)
  })

  it('arbitrary reply bytes decode canonically or throw PrekeysFrameError / PrekeysRefusedError', () => {
    fc.assert(fc.property(opName, replyBytes, decodeReplyChecked), FUZZ_PARAMS)
  })

  it('the bundle parser: arbitrary and mutated bundles decode canonically or throw PrekeysFrameError', () => {
    fc.assert(fc.property(bundleBytes, decodeBundleChecked), FUZZ_PARAMS)
  })

  it('valid requests, replies and error replies round-trip', () => {
    fc.assert(fc.property(validRequest, validReply, errorName, fc.string({ maxLength: 40 }), (request, reply, code, reason) => {
      expectSame(hex(decodeRequest(encodeRequest(request))), hex(request))
      expectSame(hex(decodeReply(reply.op, encodeReply(reply))), hex(reply))
      const refused = typed(() => decodeReply(reply.op, encodeError(code, reason)), REPLY_ERRORS)
      expect(refused.ok ? undefined : refused.error).toBeInstanceOf(PrekeysRefusedError)
      expectSame(refused.ok ? undefined : (refused.error as PrekeysRefusedError).code, code)
    }), FUZZ_PARAMS)
  })

  it('mutated valid requests and replies decode canonically or throw the prekeys errors, in bounded memory', () => {
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(validRequest, validReply, opName, mutationArb, (request, reply, op, mutations) => {
        decodeRequestChecked(mutate(encodeRequest(request), mutations))
        // the reply read as the answer to its own operation, and to another one
        decodeReplyChecked(reply.op, mutate(encodeReply(reply), mutations))
        decodeReplyChecked(op, mutate(encodeReply(reply), mutations))
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(256 * 1024 * 1024)
  })

  it('huge declared counts and lengths are refused against the bytes present, not allocated', () => {
    const ec = encodeRecord({ kind: PREKEY_SIGNED_EC, id: 1, createdAt: 0, publicKey: new Uint8Array(KEY_BYTES), signature: new Uint8Array(64) })
    const pq = encodeRecord({ kind: PREKEY_PQ_LAST_RESORT, id: 1, createdAt: 0, publicKey: new Uint8Array(KEM_PUBLIC_BYTES), signature: new Uint8Array(64) })
    const huge = fc.oneof(
      // PUBLISH: a u16 one-time count up to 65535 with few bytes behind it
      fc.tuple(fc.integer({ min: 1, max: 0xffff }), fc.uint8Array({ maxLength: 40 })).map(([count, rest]) => Uint8Array.from([Op.publish, ...ec, ...pq, count >> 8, count & 0xff, ...rest])),
      // FETCH: an owner length up to 255
      fc.tuple(fc.integer({ min: MAX_OWNER_BYTES + 1, max: 0xff }), fc.uint8Array({ maxLength: 40 })).map(([length, rest]) => Uint8Array.from([Op.fetch, length, ...rest]))
    )
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(huge, frame => {
        const result = typed(() => decodeRequest(frame), REQUEST_ERRORS)
        // ≤ 40 bytes cannot hold even one EC record (109 B)
        expect(result.ok ? 'decoded' : result.error.message).toMatch(/one-time record 1: |at most 200 one-time records|the owner is 1 to 64 bytes/)
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
