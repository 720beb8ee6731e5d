/**
 * Fuzzing of the link's short code (packages/protocol/src/link-code):
 * `/parley/link-rendezvous/1.0.0` frames, the short code's reader and the
 * sealed offer. Contract checked, for 10,000 generated inputs per property:
 * - arbitrary request and reply bytes decode, or throw
 *   `LinkRendezvousFrameError` (or, for replies, `LinkRendezvousRefusedError`
 *   with a known code); what decodes re-encodes to the same bytes;
 * - valid frames round-trip; mutated ones decode or throw those errors only;
 * - arbitrary text given as a code reads as a canonical code or throws
 *   `ShortCodeError`; a generated code with one character changed or two
 *   neighbours swapped is always refused;
 * - a sealed offer opens to itself; a mutated box throws `LinkCodeBoxError`
 *   only (another code, another relay: the unit test).
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  LinkRendezvousErrorCode, LinkRendezvousFrameError, LinkRendezvousOp, LinkRendezvousRefusedError, decodeLinkRendezvousReply,
  decodeLinkRendezvousRequest, encodeLinkRendezvousError, encodeLinkRendezvousReply, encodeLinkRendezvousRequest
} from '../../src/link-code/codec.ts'
import { LinkCodeBoxError, MAX_LINK_CODE_BOX_BYTES, MIN_LINK_CODE_BOX_BYTES, openLinkOffer, sealLinkOffer } from '../../src/link-code/seal.ts'
import { SHORT_CODE_ALPHABET, ShortCodeError, newShortCode, parseShortCode } from '../../src/link-code/short-code.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { LinkRendezvousErrorName, LinkRendezvousOpName, LinkRendezvousReply, LinkRendezvousRequest } from '../../src/link-code/codec.ts'

const REQUEST_ERRORS = [LinkRendezvousFrameError]
const REPLY_ERRORS = [LinkRendezvousFrameError, LinkRendezvousRefusedError]
const OPS: LinkRendezvousOpName[] = ['put', 'get', 'delete']
const RELAY = '12D3KooWPVYzCuXmMbM6k2iLZqLGBGdWPTxCYbdT2mhf1CkkrDRZ'

const id = fc.uint8Array({ minLength: 16, maxLength: 16 })
// mostly the smallest box (the app's usual one); the sizes' edges now and then
const box = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ minLength: MIN_LINK_CODE_BOX_BYTES, maxLength: MIN_LINK_CODE_BOX_BYTES }) },
  { weight: 1, arbitrary: fc.constantFrom(MIN_LINK_CODE_BOX_BYTES - 1, MAX_LINK_CODE_BOX_BYTES, MAX_LINK_CODE_BOX_BYTES + 1).map(n => new Uint8Array(n).fill(n & 0xff)) }
).filter(b => b.byteLength >= MIN_LINK_CODE_BOX_BYTES && b.byteLength <= MAX_LINK_CODE_BOX_BYTES)
const validRequest: fc.Arbitrary<LinkRendezvousRequest> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), id, box }),
  fc.record({ op: fc.constantFrom('get' as const, 'delete' as const), id })
)
const validReply: fc.Arbitrary<LinkRendezvousReply> = fc.oneof(
  fc.record({ op: fc.constant('put' as const), ttlS: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ op: fc.constant('get' as const), box }),
  fc.record({ op: fc.constant('delete' as const), removed: fc.boolean() })
)
const errorName = fc.constantFrom(...Object.keys(LinkRendezvousErrorCode) as LinkRendezvousErrorName[])
const opName = fc.constantFrom(...OPS)
const leading = (firsts: number[], max = 700): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.constantFrom(...firsts), fc.uint8Array({ maxLength: max })).map(([b, rest]) => Uint8Array.from([b, ...rest]))

function decodeRequestChecked (frame: Uint8Array): void {
  const result = typed(() => decodeLinkRendezvousRequest(frame), REQUEST_ERRORS)
  if (result.ok) expectSame(Buffer.from(encodeLinkRendezvousRequest(result.value)).equals(frame), true)
}

function decodeReplyChecked (op: LinkRendezvousOpName, frame: Uint8Array): void {
  const result = typed(() => decodeLinkRendezvousReply(op, frame), REPLY_ERRORS)
  if (result.ok) {
    expectSame(result.value.op, op)
    expectSame(Buffer.from(encodeLinkRendezvousReply(result.value)).equals(frame), true)
  } else if (result.error instanceof LinkRendezvousRefusedError) {
    expect(Object.keys(LinkRendezvousErrorCode)).toContain(result.error.code)
  }
}

describe('fuzz: link rendezvous codec', () => {
  it('arbitrary request bytes decode (to exactly what was sent) or throw LinkRendezvousFrameError', () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), leading(Object.values(LinkRendezvousOp), 24), leading([LinkRendezvousOp.put])), (frame) => {
      decodeRequestChecked(frame)
    }), FUZZ_PARAMS)
  })

  it('arbitrary reply bytes decode (to exactly what was sent) or throw LinkRendezvousFrameError / LinkRendezvousRefusedError', () => {
    fc.assert(fc.property(opName, fc.oneof(fc.uint8Array({ maxLength: 64 }), leading([0], 8), leading([0]), leading(Object.values(LinkRendezvousErrorCode), 250)), (op, frame) => {
      decodeReplyChecked(op, frame)
    }), FUZZ_PARAMS)
  })

  it('valid requests and replies round-trip; mutated ones decode or throw the documented errors', () => {
    fc.assert(fc.property(validRequest, validReply, mutationArb, (request, reply, mutations) => {
      const frame = encodeLinkRendezvousRequest(request)
      expectSame(Buffer.from(encodeLinkRendezvousRequest(decodeLinkRendezvousRequest(frame))).equals(frame), true)
      expectSame(decodeLinkRendezvousRequest(frame).op, request.op)
      const answer = encodeLinkRendezvousReply(reply)
      expectSame(Buffer.from(encodeLinkRendezvousReply(decodeLinkRendezvousReply(reply.op, answer))).equals(answer), true)
      decodeRequestChecked(mutate(frame, mutations))
      decodeReplyChecked(reply.op, mutate(answer, mutations))
    }), FUZZ_PARAMS)
  })

  it('error replies carry their code and at most 200 bytes of reason', () => {
    fc.assert(fc.property(opName, errorName, fc.string({ maxLength: 300 }), (op, code, reason) => {
      const result = typed(() => decodeLinkRendezvousReply(op, encodeLinkRendezvousError(code, reason)), REPLY_ERRORS)
      expectSame(result.ok, false)
      expect(result.ok ? undefined : result.error).toMatchObject({ name: 'LinkRendezvousRefusedError', code })
    }), FUZZ_PARAMS)
  })
})

describe('fuzz: the short code', () => {
  it('arbitrary text reads as a canonical code or throws ShortCodeError', () => {
    const near = fc.array(fc.constantFrom(...`${SHORT_CODE_ALPHABET}abcilouILOU- \t`), { maxLength: 20 }).map(a => a.join(''))
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 80 }), near), (text) => {
      const result = typed(() => parseShortCode(text), [ShortCodeError])
      expectSame(!result.ok || parseShortCode(result.value) === result.value, true)
    }), FUZZ_PARAMS)
  })

  it('a code with one character changed, or two different neighbours swapped, is refused', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 11, maxLength: 11 }), fc.nat({ max: 11 }), fc.integer({ min: 1, max: 31 }), fc.boolean(), (random, at, shift, swap) => {
      const chars = newShortCode(() => random).replaceAll('-', '')
      let typo: string
      if (swap && at < 11 && chars[at] !== chars[at + 1]) {
        typo = chars.slice(0, at) + (chars[at + 1] ?? '') + (chars[at] ?? '') + chars.slice(at + 2)
      } else {
        const other = SHORT_CODE_ALPHABET[(SHORT_CODE_ALPHABET.indexOf(chars[at] ?? '') + shift) % 32] ?? ''
        typo = chars.slice(0, at) + other + chars.slice(at + 1)
      }
      expectSame(typed(() => parseShortCode(typo), [ShortCodeError]).ok, false)
    }), FUZZ_PARAMS)
  })
})

describe('fuzz: the sealed offer', () => {
  it('opens to itself; mutated it throws LinkCodeBoxError only', () => {
    const offer = fc.string({ unit: 'grapheme-ascii', maxLength: 200 }).map(s => `parley-link:${s}`)
    fc.assert(fc.property(offer, fc.uint8Array({ minLength: 11, maxLength: 11 }), mutationArb, (text, a, mutations) => {
      const code = newShortCode(() => a)
      const sealed = sealLinkOffer(code, RELAY, text)
      expectSame(openLinkOffer(code, RELAY, sealed), text)
      const mutated = mutate(sealed, mutations)
      const opened = typed(() => openLinkOffer(code, RELAY, mutated), [LinkCodeBoxError])
      // a box opens only as it was sealed (the tag covers every byte)
      expectSame(!opened.ok || Buffer.from(mutated).equals(sealed), true)
    }), FUZZ_PARAMS)
  })
})
