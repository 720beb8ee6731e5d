/**
 * Fuzzing of the `/parley/contact/1.0.0` frame codec
 * (src/contact/codec.ts: `decodeContactFrame`,
 * `encodeContactFrame`). Contract checked, for 10,000 generated inputs per
 * property:
 * - arbitrary bytes, arbitrary JSON values and near-valid frames (the right
 *   keys with arbitrary values, addresses that are almost multiaddrs), from
 *   either sender, decode or throw `InvalidMessageError`; a decoded frame
 *   re-encodes to an equal frame;
 * - valid requests, accepts and replies (each with or without `sessions`)
 *   round-trip; mutated encodings of them decode or throw
 *   `InvalidMessageError`;
 * - `sessions`, in a hello or a reply, is `true` or absent (anything else
 *   is refused); `contactReply` answers `sessions` only to a hello that
 *   carried it;
 * - bodies over MAX_CONTACT_FRAME_BYTES are refused by size;
 * - a hello's `time`, when present, is an integer 1..2^53 - 1 (anything else
 *   is refused), and survives the round trip.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MAX_CONTACT_ADDRESSES, MAX_CONTACT_FRAME_BYTES, MAX_HELLO_TIME, MAX_CONTACT_NAME_CHARS, contactReply, decodeContactFrame, encodeContactFrame } from '../../src/contact/codec.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, typed } from './wire-helpers.ts'
import type { ContactFrame } from '../../src/contact/codec.ts'

type Sender = 'dialer' | 'listener'
const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()
const PEER_ID = '12D3KooWJZmEPFMtgh8VyFCPuPd5MWY46koDR2VcnbwaZfLdvZzj'
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

const address = fc.oneof(
  fc.tuple(fc.nat({ max: 255 }), fc.nat({ max: 255 }), fc.integer({ min: 1, max: 65535 }))
    .map(([a, b, port]) => `/ip4/10.${a}.${b}.1/tcp/${port}/ws/p2p/${PEER_ID}/p2p-circuit/p2p/${PEER_ID}`),
  fc.integer({ min: 1, max: 65535 }).map(port => `/dns4/relay.example.com/tcp/${port}/wss`),
  fc.integer({ min: 1, max: 65535 }).map(port => `/ip6/::1/udp/${port}/webrtc-direct`)
)
const name = fc.string({ unit: 'grapheme', minLength: 1, maxLength: MAX_CONTACT_NAME_CHARS })
  .filter(s => s.trim() === s && s.length > 0 && [...s].length <= MAX_CONTACT_NAME_CHARS && !CONTROL.test(s) && !LONE_SURROGATE.test(s))
const validFrame: fc.Arbitrary<ContactFrame> = fc.oneof(
  fc.record({ type: fc.constantFrom('request' as const, 'accept' as const), name, addresses: fc.array(address, { maxLength: MAX_CONTACT_ADDRESSES }), time: fc.integer({ min: 1, max: MAX_HELLO_TIME }), sessions: fc.constant(true as const) }, { requiredKeys: ['type', 'name', 'addresses'] }),
  fc.record({ type: fc.constant('reply' as const), status: fc.constantFrom('pending' as const, 'accepted' as const, 'refused' as const), sessions: fc.constant(true as const) }, { requiredKeys: ['type', 'status'] })
)
const sender = fc.constantFrom<Sender>('dialer', 'listener')

function decodeChecked (bytes: Uint8Array, from: Sender): void {
  const result = typed(() => decodeContactFrame(bytes, from), INVALID)
  if (result.ok) {
    expectEqual(decodeContactFrame(encodeContactFrame(result.value), from), result.value)
  }
}

/** Almost multiaddrs: real ones cut, spliced with junk, or junk with slashes. */
const nearAddress = fc.oneof(address, fc.tuple(address, fc.nat(), fc.string({ maxLength: 6 })).map(([a, at, junk]) => a.slice(0, at % (a.length + 1)) + junk),
  fc.array(fc.constantFrom('/', 'ip4', 'tcp', '1', 'p2p', PEER_ID, 'p2p-circuit', 'x', '::', 'ws', '%'), { maxLength: 8 }).map(parts => parts.join('')))
const nearTime = fc.oneof(fc.integer({ min: -2, max: 3 }), fc.constantFrom(MAX_HELLO_TIME, MAX_HELLO_TIME + 1, 1.5, -0, 1e300), fc.double(), fc.string({ maxLength: 4 }))
const nearValue = fc.oneof(fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), nearTime, fc.constantFrom('request', 'accept', 'reply', 'pending', 'accepted', 'refused', ' Bob', 'Bob\u0000', ''),
  fc.array(nearAddress, { maxLength: MAX_CONTACT_ADDRESSES + 1 }), name)
const nearFrame = fc.record(Object.fromEntries(['type', 'name', 'addresses', 'status', 'time', 'sessions', 'extra'].map(k => [k, nearValue])), { requiredKeys: [] })

describe('fuzz: contact codec', () => {
  it('arbitrary bytes decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), sender, decodeChecked), FUZZ_PARAMS)
  })

  it('arbitrary JSON values decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.jsonValue({ depthSize: 'small' }), sender, (value, from) => {
      decodeChecked(encoder.encode(JSON.stringify(value)), from)
    }), FUZZ_PARAMS)
  })

  it('near-valid frames decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(nearFrame, sender, (value, from) => {
      decodeChecked(encoder.encode(JSON.stringify(value)), from)
    }), FUZZ_PARAMS)
  })

  it('valid frames round-trip from their own sender and are refused from the other', () => {
    fc.assert(fc.property(validFrame, (frame) => {
      const bytes = encodeContactFrame(frame)
      const own: Sender = frame.type === 'reply' ? 'listener' : 'dialer'
      expectEqual(decodeContactFrame(bytes, own), frame)
      expectSame(typed(() => decodeContactFrame(bytes, own === 'dialer' ? 'listener' : 'dialer'), INVALID).ok, false)
    }), FUZZ_PARAMS)
  })

  it('mutated valid encodings decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(validFrame, mutationArb, sender, (frame, mutations, from) => {
      decodeChecked(mutate(encodeContactFrame(frame), mutations), from)
    }), FUZZ_PARAMS)
  })

  it('a hello\'s time is an integer from 1 to 2^53 - 1, or absent; anything else is refused', () => {
    fc.assert(fc.property(fc.constantFrom('request', 'accept'), name, nearTime, (type, n, time) => {
      const result = typed(() => decodeContactFrame(encoder.encode(JSON.stringify({ type, name: n, addresses: [], time })), 'dialer'), INVALID)
      const valid = typeof time === 'number' && Number.isSafeInteger(time) && time >= 1
      expectEqual(result.ok ? result.value : undefined, valid ? { type, name: n, addresses: [], time } : undefined)
    }), FUZZ_PARAMS)
  })

  it('`sessions` is true or absent, in a hello and in a reply; anything else is refused; a reply says it only to a hello that did', () => {
    const statuses = fc.constantFrom('pending' as const, 'accepted' as const, 'refused' as const)
    fc.assert(fc.property(fc.constantFrom('request' as const, 'accept' as const), name, statuses, fc.option(nearValue, { nil: undefined }), (type, n, status, sessions) => {
      const valid = sessions === undefined || sessions === true
      const hello = typed(() => decodeContactFrame(encoder.encode(JSON.stringify({ type, name: n, addresses: [], sessions })), 'dialer'), INVALID)
      expectEqual(hello.ok ? hello.value : undefined, valid ? { type, name: n, addresses: [], ...(sessions === true ? { sessions } : {}) } : undefined)
      const reply = typed(() => decodeContactFrame(encoder.encode(JSON.stringify({ type: 'reply', status, sessions })), 'listener'), INVALID)
      expectEqual(reply.ok ? reply.value : undefined, valid ? { type: 'reply', status, ...(sessions === true ? { sessions } : {}) } : undefined)
      // the reply to a hello says sessions exactly when the hello did, and decodes as sent
      const answer = contactReply({ ...(sessions === true ? { sessions } : {}) }, status)
      expectSame(answer.sessions, sessions === true ? true : undefined)
      expectEqual(decodeContactFrame(encodeContactFrame(answer), 'listener'), answer)
    }), FUZZ_PARAMS)
  })

  it('bodies over the limit are refused by size', () => {
    const big = new Uint8Array(MAX_CONTACT_FRAME_BYTES + 1 + 4096).fill(0x20)
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.nat({ max: 4096 }), sender, (over, from) => {
        const result = typed(() => decodeContactFrame(big.subarray(0, MAX_CONTACT_FRAME_BYTES + 1 + over), from), INVALID)
        expectSame(result.ok, false)
        expect(result.ok ? '' : result.error.message).toMatch(/the limit is/)
      }), FUZZ_PARAMS)
    })
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})
