/**
 * Fuzzing of the `/parley/push/1.0.0` codec shared by relay-node and the app
 * (`decodePushRequest`, `verifyPushRequest`, `decodePushReply`,
 * `decodePushPayload`). Contract checked, for 10,000 generated inputs per
 * property:
 * - arbitrary bytes (and bodies starting with each type / status byte)
 *   decode or throw `PushFrameError` (malformed) or, for replies,
 *   `PushRefusedError`; what decodes re-encodes to the same bytes and keeps
 *   every field within its limit (endpoint ≤ 1024 bytes, p256dh a P-256
 *   point, auth 16 bytes, an Ed25519 subject);
 * - valid requests (signed), replies and payloads round-trip;
 * - a signed request mutated anywhere either fails to decode or no longer
 *   verifies, unless the mutation left it as it was;
 * - arbitrary push plaintexts (versions 1 and 2) decode or throw
 *   `PushPayloadError`; version 2 payloads round-trip at one size with up to
 *   4 hints;
 * - a sealed hint opens to what was sealed with its key only; arbitrary or
 *   mutated hint bytes open as nothing, never throw.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { p256 } from '@noble/curves/nist.js'
import {
  PushFrameError, PushRefusedError, decodePushReply, decodePushRequest, encodePushError, encodePushReply, encodePushRequest,
  isP256Point, verifyPushRequest
} from '../../src/push/codec.ts'
import {
  MAX_PUSH_ENDPOINT_BYTES, MAX_PUSH_ITEMS, MAX_PUSH_REQUEST_BYTES, PUSH_AUTH_BYTES, PUSH_HINT_SLOTS, PUSH_NONCE_BYTES, PUSH_PAYLOAD_BYTES,
  PUSH_PAYLOAD_V2_BYTES, PushErrorCode
} from '../../src/push/constants.ts'
import { HINT_BYTES, makeNotifyKeyPair, openHint, sealHint } from '../../src/push/hint.ts'
import { PushPayloadError, decodePushPayload, encodePushPayload, encodePushPayloadV2 } from '../../src/push/payload.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { native, newKeyPair } from './native-ed25519.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { PushErrorName } from '../../src/push/constants.ts'
import type { PushReply, PushRequestFields } from '../../src/push/codec.ts'

// OpenSSL signs and verifies for the keys made here (native-ed25519.ts): the same bytes, 40 times faster
vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const { nativeEd25519 } = await import('./native-ed25519.ts')
  return { ...real, ed25519: nativeEd25519(real.ed25519) }
})

const REQUEST_ERRORS = [PushFrameError]
const REPLY_ERRORS = [PushFrameError, PushRefusedError]
const PREFIX = Uint8Array.of(0x00, 0x24, 0x08, 0x01, 0x12, 0x20)

/** A few identities and P-256 points made once: signing 10,000 requests with fresh keys would only cost time. */
const keys = Array.from({ length: 4 }, () => newKeyPair())
const seeds = keys.map(k => k.secret)
const subjects = keys.map(k => Uint8Array.from([...PREFIX, ...k.publicKey]))
const points = Array.from({ length: 4 }, (_, i) => p256.getPublicKey(new Uint8Array(32).fill(i + 7), false))
const RELAY_PEER = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'

const who = fc.integer({ min: 0, max: seeds.length - 1 })
const endpoint = fc.oneof(
  fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }),
  fc.string({ minLength: 1, maxLength: 300 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 400 })
).filter(s => { const n = new TextEncoder().encode(s).byteLength; return n >= 1 && n <= MAX_PUSH_ENDPOINT_BYTES })
const fieldsArb: fc.Arbitrary<{ fields: PushRequestFields, signer: number }> = fc.record({
  op: fc.constantFrom('register' as const, 'remove' as const),
  time: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  nonce: fc.uint8Array({ minLength: PUSH_NONCE_BYTES, maxLength: PUSH_NONCE_BYTES }),
  relay: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  subject: who,
  endpoint,
  p256dh: fc.integer({ min: 0, max: points.length - 1 }),
  auth: fc.uint8Array({ minLength: PUSH_AUTH_BYTES, maxLength: PUSH_AUTH_BYTES })
}).map(r => {
  const common = { time: r.time, nonce: r.nonce, relay: r.relay, subject: subjects[r.subject] ?? new Uint8Array(), endpoint: r.endpoint }
  const fields: PushRequestFields = r.op === 'register'
    ? { op: 'register', ...common, p256dh: points[r.p256dh] ?? new Uint8Array(), auth: r.auth }
    : { op: 'remove', ...common }
  return { fields, signer: r.subject }
})
const signer = (i: number) => (bytes: Uint8Array): Uint8Array => ed25519.sign(bytes, seeds[i] ?? new Uint8Array(32))
const fakeSignature = async (): Promise<Uint8Array> => new Uint8Array(64).fill(9)

function decodeRequestChecked (frame: Uint8Array): void {
  expectSame(frame.byteLength <= MAX_PUSH_REQUEST_BYTES || !typed(() => decodePushRequest(frame), REQUEST_ERRORS).ok, true)
  const result = typed(() => decodePushRequest(frame), REQUEST_ERRORS)
  if (!result.ok) return
  const request = result.value
  expect(new TextEncoder().encode(request.endpoint).byteLength).toBeLessThanOrEqual(MAX_PUSH_ENDPOINT_BYTES)
  expectEqual(request.subject.subarray(0, 6), PREFIX)
  if (request.op === 'register') {
    expectSame(isP256Point(request.p256dh), true)
    expectSame(request.auth.byteLength, PUSH_AUTH_BYTES)
  }
  // the signed bytes are the frame up to the signature, after the context
  expectSame(Buffer.from(request.signed).toString('hex').endsWith(Buffer.from(frame.subarray(0, frame.byteLength - 64)).toString('hex')), true)
}

function decodeReplyChecked (op: 'register' | 'remove', frame: Uint8Array): void {
  const result = typed(() => decodePushReply(op, frame), REPLY_ERRORS)
  if (result.ok) expectSame(Buffer.from(encodePushReply(result.value)).equals(frame), true)
  else if (result.error instanceof PushRefusedError) expect(Object.keys(PushErrorCode)).toContain(result.error.code)
}

function decodePayloadChecked (plaintext: Uint8Array): void {
  const result = typed(() => decodePushPayload(plaintext), [PushPayloadError])
  if (!result.ok) return
  const { hints, ...rest } = result.value
  const again = hints === undefined ? encodePushPayload(rest) : encodePushPayloadV2({ ...rest, hints })
  expectSame(Buffer.from(again).equals(plaintext), true)
  if (hints !== undefined) expectEqual(hints.map(h => h.byteLength), Array<number>(PUSH_HINT_SLOTS).fill(HINT_BYTES))
}

/** A few notification keys made once. */
const notifyKeys = Array.from({ length: 3 }, () => makeNotifyKeyPair())
const hintChat = fc.oneof(
  fc.constant({ kind: 'contact' as const, chat: RELAY_PEER }),
  fc.stringMatching(/^[1-9A-HJ-NP-Za-km-z]{1,62}$/).map(chat => ({ kind: 'contact' as const, chat })),
  fc.stringMatching(/^[0-9a-f]{32}$/).map(chat => ({ kind: 'group' as const, chat }))
)

const leading = (firsts: number[], max: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: max })).map(([b, rest]) => Uint8Array.from([b, ...rest]))
const replyArb: fc.Arbitrary<PushReply> = fc.oneof(
  fc.record({
    op: fc.constant('register' as const),
    vapidKey: fc.constantFrom(...points),
    expiresAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    maxSubscriptions: fc.integer({ min: 0, max: 0xff }),
    pushesPerMinute: fc.integer({ min: 0, max: 0xffff }),
    coalesceMs: fc.integer({ min: 0, max: 0xffff_ffff }),
    payloadBytes: fc.integer({ min: 0, max: 0xffff })
  }),
  fc.record({ op: fc.constant('remove' as const), removed: fc.boolean() })
)

describe('fuzz: push codec', () => {
  it('arbitrary request bytes decode or throw PushFrameError, and what decodes keeps its limits', () => {
    const bodies = fc.oneof(fc.uint8Array({ maxLength: 400 }), leading([0x01, 0x02, 0x00, 0x03], 400))
    fc.assert(fc.property(bodies, decodeRequestChecked), FUZZ_PARAMS)
  })

  it('valid requests round-trip, and a signed one verifies under its subject only', async () => {
    await fc.assert(fc.asyncProperty(fieldsArb, who, async ({ fields, signer: i }, other) => {
      const frame = await encodePushRequest(fields, signer(i))
      const request = decodePushRequest(frame)
      const { signed: _signed, signature, ...decoded } = request
      expectEqual(decoded, fields)
      expectSame(signature.byteLength, 64)
      expectSame(verifyPushRequest(request), true)
      // the same body signed by another key does not verify
      expectSame(verifyPushRequest({ ...request, subject: subjects[other] ?? new Uint8Array() }), other === i)
    }), FUZZ_PARAMS)
  })

  it('a signed request mutated anywhere fails to decode or to verify', async () => {
    await fc.assert(fc.asyncProperty(fieldsArb, mutationArb, async ({ fields, signer: i }, mutations) => {
      const frame = await encodePushRequest(fields, signer(i))
      const damaged = mutate(frame, mutations)
      const result = typed(() => decodePushRequest(damaged), REQUEST_ERRORS)
      expectSame(result.ok && !Buffer.from(damaged).equals(frame) && verifyPushRequest(result.value), false)
    }), FUZZ_PARAMS)
  })

  it('requests with fields out of their limits are refused by the encoder', async () => {
    await fc.assert(fc.asyncProperty(fieldsArb, fc.constantFrom('nonce', 'relay', 'subject', 'endpoint', 'p256dh', 'auth'), async ({ fields }, broken) => {
      const bad: PushRequestFields = { ...fields }
      if (broken === 'nonce') bad.nonce = new Uint8Array(15)
      if (broken === 'relay') bad.relay = new Uint8Array(65)
      if (broken === 'subject') bad.subject = new Uint8Array(38)
      if (broken === 'endpoint') bad.endpoint = 'x'.repeat(MAX_PUSH_ENDPOINT_BYTES + 1)
      if (bad.op === 'register' && broken === 'p256dh') bad.p256dh = Uint8Array.of(4, ...new Uint8Array(64))
      if (bad.op === 'register' && broken === 'auth') bad.auth = new Uint8Array(15)
      const changed = broken !== 'p256dh' && broken !== 'auth' ? true : bad.op === 'register'
      const result = await encodePushRequest(bad, fakeSignature).then(() => 'encoded', (err: unknown) => err instanceof PushFrameError ? 'refused' : err)
      expectSame(result, changed ? 'refused' : 'encoded')
    }), FUZZ_PARAMS)
  })

  it('the stand-in signed and verified (and noble agrees on a sample)', async () => {
    expect(native.calls).toBeGreaterThan(0)
    native.on = false
    try {
      const { fields, signer: i } = fc.sample(fieldsArb, { numRuns: 1, seed: FUZZ_PARAMS.seed })[0] ?? { fields: undefined, signer: 0 }
      if (fields === undefined) throw new Error('no sample')
      expectSame(verifyPushRequest(decodePushRequest(await encodePushRequest(fields, (b) => ed25519.sign(b, seeds[i] ?? new Uint8Array(32))))), true)
    } finally {
      native.on = true
    }
  })

  it('arbitrary reply bytes decode or throw PushFrameError / PushRefusedError; valid replies round-trip', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 120 }), leading([0, 0, ...Object.values(PushErrorCode), 0xff], 120))
    fc.assert(fc.property(bytes, fc.constantFrom('register' as const, 'remove' as const), (frame, op) => { decodeReplyChecked(op, frame) }), FUZZ_PARAMS)
    fc.assert(fc.property(replyArb, mutationArb, (reply, mutations) => {
      const frame = encodePushReply(reply)
      expectEqual(decodePushReply(reply.op, frame), reply)
      decodeReplyChecked(reply.op, mutate(frame, mutations))
    }), FUZZ_PARAMS)
  })

  it('error replies carry their code, and a reason cut to 200 bytes', () => {
    const name = fc.constantFrom(...Object.keys(PushErrorCode) as PushErrorName[])
    fc.assert(fc.property(name, fc.string({ maxLength: 300 }), fc.constantFrom('register' as const, 'remove' as const), (code, reason, op) => {
      const frame = encodePushError(code, reason)
      expect(frame.byteLength).toBeLessThanOrEqual(201)
      const result = typed(() => decodePushReply(op, frame), REPLY_ERRORS)
      expectSame(result.ok ? undefined : (result.error as PushRefusedError).code, code)
    }), FUZZ_PARAMS)
  })

  it('payloads round-trip at one size; arbitrary plaintexts decode or throw PushPayloadError', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), (items) => {
      const plaintext = encodePushPayload({ relay: RELAY_PEER, items })
      expectSame(plaintext.byteLength, PUSH_PAYLOAD_BYTES)
      expectEqual(decodePushPayload(plaintext), { relay: RELAY_PEER, items: Math.min(items, MAX_PUSH_ITEMS) })
    }), FUZZ_PARAMS)
    const text = fc.oneof(
      fc.uint8Array({ minLength: PUSH_PAYLOAD_BYTES, maxLength: PUSH_PAYLOAD_BYTES }),
      fc.uint8Array({ maxLength: 200 }),
      fc.tuple(fc.integer({ min: 1, max: 9999 }), mutationArb).map(([items, m]) => mutate(encodePushPayload({ relay: RELAY_PEER, items }), m)),
      fc.json().map(j => { const b = new Uint8Array(PUSH_PAYLOAD_BYTES).fill(0x20); b.set(new TextEncoder().encode(j).subarray(0, PUSH_PAYLOAD_BYTES)); return b })
    )
    fc.assert(fc.property(text, decodePayloadChecked), FUZZ_PARAMS)
  })

  it('version 2 payloads round-trip at one size; mutated or arbitrary ones decode or throw PushPayloadError', () => {
    // the relay treats hints as opaque bytes: a few random ones, in any order and number
    const someHints = Array.from({ length: 8 }, () => crypto.getRandomValues(new Uint8Array(HINT_BYTES)))
    const hintsArb = fc.array(fc.constantFrom(...someHints), { maxLength: PUSH_HINT_SLOTS })
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), hintsArb, mutationArb, (items, hints, mutations) => {
      const plaintext = encodePushPayloadV2({ relay: RELAY_PEER, items, hints })
      expectSame(plaintext.byteLength, PUSH_PAYLOAD_V2_BYTES)
      const decoded = decodePushPayload(plaintext)
      expectSame(decoded.items, Math.min(items, MAX_PUSH_ITEMS))
      expectEqual(decoded.hints?.slice(0, hints.length), hints)
      decodePayloadChecked(mutate(plaintext, mutations))
    }), FUZZ_PARAMS)
    const text = fc.oneof(
      fc.uint8Array({ minLength: PUSH_PAYLOAD_V2_BYTES, maxLength: PUSH_PAYLOAD_V2_BYTES }),
      fc.json().map(j => { const b = new Uint8Array(PUSH_PAYLOAD_V2_BYTES).fill(0x20); b.set(new TextEncoder().encode(j).subarray(0, PUSH_PAYLOAD_V2_BYTES)); return b })
    )
    fc.assert(fc.property(text, decodePayloadChecked), FUZZ_PARAMS)
  })

  it('a hint opens to what was sealed under its own key only; arbitrary or mutated hints open as nothing', () => {
    // sealing costs two X25519 agreements (noble, about 0.4 ms each): a pool sealed once, each case one opening
    const pool = fc.sample(fc.tuple(hintChat, fc.integer({ min: 0, max: notifyKeys.length - 1 })), { numRuns: 64, seed: FUZZ_PARAMS.seed })
      .map(([chat, to]) => ({ chat, to, sealed: sealHint(chat, notifyKeys[to]?.publicKey ?? new Uint8Array(32)) }))
    for (const { chat, to, sealed } of pool) {
      expectEqual(notifyKeys.map(k => openHint(sealed, k.secretKey, k.publicKey)), notifyKeys.map((_, i) => i === to ? chat : undefined))
    }
    const key = fc.integer({ min: 0, max: notifyKeys.length - 1 })
    fc.assert(fc.property(fc.integer({ min: 0, max: pool.length - 1 }), key, mutationArb, (at, by, mutations) => {
      const { chat, to, sealed } = pool[at] ?? { chat: undefined, to: -1, sealed: new Uint8Array() }
      const opener = notifyKeys[by] ?? makeNotifyKeyPair()
      const damaged = mutate(sealed, mutations)
      const opened = openHint(damaged, opener.secretKey, opener.publicKey)
      expectEqual(opened, to === by && Buffer.from(damaged).equals(sealed) ? chat : undefined)
    }), FUZZ_PARAMS)
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), key, (bytes, by) => {
      const opener = notifyKeys[by] ?? makeNotifyKeyPair()
      expect(openHint(bytes, opener.secretKey, opener.publicKey)).toBeUndefined()
    }), FUZZ_PARAMS)
  })
})
