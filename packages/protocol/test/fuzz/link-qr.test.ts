/**
 * Fuzzing of the link QR code's text (src/link/qr.ts: `parseLinkQr`,
 * `encodeLinkQr`). Contract checked, for 10,000 generated inputs per
 * property:
 * - arbitrary text, `parley-link:` with arbitrary base64url, and the prefix
 *   with arbitrary JSON parse or throw LinkError `bad-qr`; what parses
 *   re-encodes to the same text and obeys every limit;
 * - near-valid codes (the four keys with right or wrong values, some left
 *   out, a stray one) parse exactly when each field is right;
 * - flipped, truncated, extended or spliced texts of valid codes parse or
 *   throw `bad-qr`;
 * - text over MAX_LINK_QR_CHARS is refused by its length.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toBase64Url } from '../../src/base64.ts'
import { LINK_QR_PREFIX, MAX_LINK_ADDRESSES, MAX_LINK_QR_CHARS } from '../../src/link/constants.ts'
import { LinkError } from '../../src/link/errors.ts'
import { encodeLinkQr, parseLinkQr } from '../../src/link/qr.ts'
import { circuitOf, DEVICE, STRANGER } from '../link/helpers.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'
import type { LinkQr } from '../../src/link/qr.ts'

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const ALLOWED = [LinkError]
const tally = { parsed: 0, refused: 0 }

/**
 * Parses `text`: a code obeys every limit and re-encodes to text that parses
 * to the same code (the JSON may have been written otherwise: spaces,
 * escapes, key order); a refusal is a `bad-qr` LinkError.
 */
function parsesOrRefuses (text: string): LinkQr | undefined {
  const result = typed(() => parseLinkQr(text), ALLOWED)
  if (!result.ok) {
    expectSame((result.error as LinkError).code, 'bad-qr')
    tally.refused++
    return undefined
  }
  const qr = result.value
  expect(qr.secret).toHaveLength(16)
  expect(qr.addresses.length).toBeLessThanOrEqual(MAX_LINK_ADDRESSES)
  for (const a of qr.addresses) expectSame(a.endsWith(`/p2p/${qr.peerId}`), true)
  expectEqual(parseLinkQr(encodeLinkQr(qr)), qr)
  tally.parsed++
  return qr
}

const textOf = (value: unknown): string => `${LINK_QR_PREFIX}${toBase64Url(encoder.encode(JSON.stringify(value)))}`
const secretText = fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toBase64Url)
const address = fc.constantFrom('a', 'b', 'c', 'relay-1', 'x.y').map(h => circuitOf(DEVICE, `${h}.example`))
const goodQr = fc.record({ v: fc.constant(1), id: fc.constant(DEVICE), k: secretText, a: fc.uniqueArray(address, { maxLength: MAX_LINK_ADDRESSES }) })
const junk = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom<unknown>(DEVICE, STRANGER, 2, '', [], {}, null, circuitOf(STRANGER), [circuitOf(STRANGER)]))
const wrong: Record<string, fc.Arbitrary<unknown>> = {
  v: fc.oneof(junk, fc.constantFrom(0, 2, '1', 1.5)),
  id: fc.oneof(junk, fc.constantFrom(STRANGER.slice(1), `${DEVICE}x`, DEVICE.toLowerCase())),
  k: fc.oneof(junk, fc.uint8Array({ maxLength: 20 }).map(toBase64Url), secretText.map(k => `${k}==`)),
  a: fc.oneof(junk, fc.array(fc.oneof(address, junk), { maxLength: MAX_LINK_ADDRESSES + 2 }))
}
/** The four keys, each right 3 times in 4; some left out 1 time in 4; a stray key 1 time in 6. */
const nearQr = goodQr.chain(good => fc.record({
  fields: fc.record(Object.fromEntries(Object.entries(good).map(([k, v]) => [k, fc.oneof({ weight: 3, arbitrary: fc.constant<unknown>(v) }, { weight: 1, arbitrary: wrong[k] ?? junk })]))),
  drop: fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.subarray(['v', 'id', 'k', 'a']) }),
  stray: fc.oneof({ weight: 5, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ t: junk }) })
}).map(({ fields, drop, stray }) => {
  const out: Record<string, unknown> = { ...fields, ...stray }
  for (const k of drop) Reflect.deleteProperty(out, k)
  return out
}))

/** Whether a near-valid object is a code the parser must take. */
function isGood (value: Record<string, unknown>): boolean {
  const { a, id, k } = value
  // the junk holds one other PeerID, a stranger's, and circuit addresses of it
  return Object.keys(value).length === 4 && value['v'] === 1 && (id === DEVICE || id === STRANGER) &&
    typeof k === 'string' && /^[A-Za-z0-9_-]{22}$/.test(k) && toBase64Url(Buffer.from(k, 'base64url')) === k &&
    Array.isArray(a) && a.length <= MAX_LINK_ADDRESSES && new Set(a).size === a.length && a.every(x => typeof x === 'string' && x === circuitOf(id, x.split('/')[2]))
}

describe('fuzz: link QR code', () => {
  it('arbitrary text, arbitrary base64url after the prefix, and arbitrary JSON parse or throw bad-qr', () => {
    fc.assert(fc.property(fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.constantFrom(...'AZaz09-_=+/ '.split('')), maxLength: 200 }).map(s => LINK_QR_PREFIX + s),
      fc.jsonValue().map(textOf),
      fc.uint8Array({ maxLength: 300 }).map(b => LINK_QR_PREFIX + toBase64Url(b))
    ), (text) => { parsesOrRefuses(text) }), FUZZ_PARAMS)
  })

  it('near-valid codes parse exactly when every field is right', () => {
    let parsed = 0
    fc.assert(fc.property(nearQr, (value) => {
      const qr = parsesOrRefuses(textOf(value))
      expectSame(qr !== undefined, isGood(value))
      if (qr !== undefined) parsed++
    }), FUZZ_PARAMS)
    // the generator reaches past the first checks
    expect(parsed).toBeGreaterThan(FUZZ_PARAMS.numRuns / 20)
  })

  it('mutated texts of valid codes parse or throw bad-qr', () => {
    fc.assert(fc.property(goodQr, mutationArb, fc.boolean(), (good, mutations, inPayload) => {
      const text = textOf(good)
      const bytes = inPayload ? encoder.encode(JSON.stringify(good)) : encoder.encode(text)
      const mutated = mutate(bytes, mutations)
      parsesOrRefuses(inPayload ? LINK_QR_PREFIX + toBase64Url(mutated) : decoder.decode(mutated))
    }), FUZZ_PARAMS)
    expect(tally.parsed + tally.refused).toBeGreaterThan(0)
  })

  it('text over MAX_LINK_QR_CHARS is refused by its length', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 4096 }), goodQr, (over, good) => {
      const text = textOf(good)
      const long = text + 'A'.repeat(MAX_LINK_QR_CHARS - text.length + over)
      const result = typed(() => parseLinkQr(long), ALLOWED)
      expectSame(result.ok ? 'parsed' : (result.error as LinkError).detail, `over ${MAX_LINK_QR_CHARS} characters`)
    }), FUZZ_PARAMS)
  })
})
