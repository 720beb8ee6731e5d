/**
 * Generators of session boxes, headers and inits for the fuzzers (the box's
 * and group 2.0.0's). The KEM fields' content does not matter to a decoder,
 * so they are filled from a two-byte pattern (fast).
 */
import fc from 'fast-check'
import { KEM_CIPHERTEXT_BYTES, KEM_PUBLIC_BYTES } from '../../src/session/constants.ts'
import type { Box, Header, Init } from '../../src/session/box.ts'

/** `length` bytes from a two-byte pattern. */
export const patterned = (length: number): fc.Arbitrary<Uint8Array> =>
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => Uint8Array.from({ length }, (_, i) => (a + i * b) & 0xff))
const u32 = fc.oneof(fc.constantFrom(0, 1, 0x7fff_ffff, 0xffff_ffff), fc.nat({ max: 0xffff_ffff }))

export const headerArb: fc.Arbitrary<Header> = fc.record({
  dh: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  pn: u32,
  n: u32,
  kemPublic: fc.option(patterned(KEM_PUBLIC_BYTES), { nil: undefined }),
  kemCiphertext: fc.option(patterned(KEM_CIPHERTEXT_BYTES), { nil: undefined })
}).map(h => {
  const out: Header = { dh: h.dh, pn: h.pn, n: h.n }
  if (h.kemPublic !== undefined) out.kemPublic = h.kemPublic
  if (h.kemCiphertext !== undefined) out.kemCiphertext = h.kemCiphertext
  return out
})

export const initArb: fc.Arbitrary<Init> = fc.record({
  ephemeral: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  signedPrekeyId: u32,
  pqKind: fc.constantFrom(2 as const, 3 as const),
  pqPrekeyId: u32,
  oneTimePrekeyId: u32,
  kemCiphertext: patterned(KEM_CIPHERTEXT_BYTES)
})

export const boxArb: fc.Arbitrary<Box> = fc.record({
  itemId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
  init: fc.option(initArb, { nil: undefined }),
  header: headerArb,
  nonce: fc.uint8Array({ minLength: 24, maxLength: 24 }),
  ciphertext: fc.uint8Array({ minLength: 16, maxLength: 300 }),
  padded: fc.boolean()
}).map(b => {
  const { init, padded, ...rest } = b
  const box = padded ? { ...rest, padded } : rest
  return init === undefined ? box : { ...box, init }
})
