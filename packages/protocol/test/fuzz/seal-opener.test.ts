/**
 * Fuzzing of opening sealed mailbox items with WebCrypto
 * (src/mailbox/opener.ts `SealOpener`, the app's drain path), with the real
 * curves: WebCrypto's X25519 and Ed25519 are cheap enough here for 10,000
 * cases per property. Contract checked:
 * - arbitrary bytes (short, of the right version and length, low-order
 *   ephemeral keys) reject with `SealError`, never a DOMException or a
 *   TypeError;
 * - a valid sealed item opens to its payload and sender for its recipient and
 *   rejects with `SealError` for anyone else;
 * - any mutation of a valid item that changes its bytes rejects with
 *   `SealError`;
 * - a sample of the same inputs gives exactly what seal.ts `open` (noble)
 *   gives: the same payload and sender, or a SealError with the same words.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { SealOpener } from '../../src/mailbox/opener.ts'
import { SEAL_OVERHEAD_BYTES, SEAL_VERSION, SealError, open, seal } from '../../src/mailbox/seal.ts'
import { FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typedAsync } from './wire-helpers.ts'

interface Person { secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array, opener: SealOpener }

/** A deterministic person: Ed25519 seed `n`, PeerID multihash the identity multihash of its protobuf public key. */
function person (n: number): Person {
  const secret = new Uint8Array(32).fill(n)
  const publicKey = ed25519.getPublicKey(secret)
  const multihash = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...publicKey])
  return { secret, publicKey, multihash, opener: new SealOpener(secret, multihash) }
}

const payloads = [new Uint8Array(0), Uint8Array.of(0x7b), new TextEncoder().encode('{"type":"message","text":"hi"}'), new Uint8Array(300).fill(7)]
const people = [1, 2, 3].map(person)
const items = people.flatMap((from, i) => people.filter((_, j) => j !== i).map((to, j) => {
  const payload = payloads[(i + j) % payloads.length] as Uint8Array
  return { from, to, payload, sealed: seal(payload, { senderSecret: from.secret, recipientPublic: to.publicKey, recipientMultihash: to.multihash }) }
}))
const item = fc.constantFrom(...items)
const someone = fc.constantFrom(...people)
const arbitrary = fc.oneof(
  fc.uint8Array({ maxLength: SEAL_OVERHEAD_BYTES + 40 }),
  // the right version and at least the overhead: reaches the key agreement and the AEAD
  fc.uint8Array({ minLength: SEAL_OVERHEAD_BYTES - 1, maxLength: SEAL_OVERHEAD_BYTES + 40 }).map(b => Uint8Array.from([SEAL_VERSION, ...b])),
  // an all-zero or low-order ephemeral key (X25519 refuses the shared secret)
  fc.constantFrom(0, 1, 0xff).map(fill => Uint8Array.from([SEAL_VERSION, ...new Array<number>(SEAL_OVERHEAD_BYTES + 8).fill(fill)]))
)

async function outcome (run: () => Promise<{ payload: Uint8Array, senderPublic: Uint8Array }>): Promise<string> {
  const result = await typedAsync(run, [SealError])
  return result.ok
    ? `opened ${Buffer.from(result.value.senderPublic).toString('hex')} ${Buffer.from(result.value.payload).toString('hex')}`
    : `SealError: ${result.error.message}`
}

describe('fuzz: opening sealed items with WebCrypto', () => {
  it('uses WebCrypto here (else this fuzzes noble again)', async () => {
    expect(await people[0]?.opener.usesWebCrypto()).toBe(true)
  })

  it('arbitrary bytes reject with SealError', async () => {
    await fc.assert(fc.asyncProperty(arbitrary, someone, async (bytes, to) => {
      expect((await typedAsync(async () => to.opener.open(bytes), [SealError])).ok).toBe(false)
    }), FUZZ_PARAMS)
  })

  it('a valid item opens for its recipient only', async () => {
    await fc.assert(fc.asyncProperty(item, someone, async ({ from, to, payload, sealed }, key) => {
      const result = await typedAsync(async () => key.opener.open(sealed), [SealError])
      expect(result.ok).toBe(key === to)
      expect(result.ok && Buffer.from(result.value.payload).equals(payload) && Buffer.from(result.value.senderPublic).equals(from.publicKey)).toBe(key === to)
    }), FUZZ_PARAMS)
  })

  it('every mutation of a valid item rejects with SealError', async () => {
    await fc.assert(fc.asyncProperty(item, mutationArb, async ({ to, sealed }, mutations) => {
      const bytes = mutate(sealed, mutations)
      expect((await typedAsync(async () => to.opener.open(bytes), [SealError])).ok).toBe(Buffer.from(bytes).equals(sealed))
    }), FUZZ_PARAMS)
  })

  it('a sample of the same inputs gives what open() gives, word for word', async () => {
    const sample = fc.sample(fc.tuple(item, mutationArb, arbitrary, someone), { numRuns: 150, seed: 21 })
    for (const [{ sealed }, mutations, random, key] of sample) {
      for (const bytes of [mutate(sealed, mutations), random, sealed]) {
        expect(await outcome(async () => key.opener.open(bytes))).toBe(await outcome(async () => open(bytes, key.secret, key.multihash)))
      }
    }
  })
})
