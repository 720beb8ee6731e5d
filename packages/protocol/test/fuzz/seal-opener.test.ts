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
 * - a v2 item whose encryption holds but whose sender key (any 32 bytes:
 *   off the curve, of low order, anyone's) or MAC is not the real one's
 *   rejects with `SealError`;
 * - a sample of the same inputs gives exactly what seal.ts `open` (noble)
 *   gives: the same payload and sender, or a SealError with the same words.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { SealOpener } from '../../src/mailbox/opener.ts'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes as concat } from '@noble/hashes/utils.js'
import { SEAL_INFO, SEAL_OVERHEAD_BYTES, SEAL_VERSION, SealError, open, seal } from '../../src/mailbox/seal.ts'
import { SEAL_V1, SEAL_V1_OVERHEAD_BYTES, sealV1 } from '../../src/mailbox/seal-v1.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
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
const items = people.flatMap((from, i) => people.filter((_, j) => j !== i).flatMap((to, j) => {
  const payload = payloads[(i + j) % payloads.length] as Uint8Array
  const keys = { senderSecret: from.secret, recipientPublic: to.publicKey, recipientMultihash: to.multihash }
  return [{ from, to, payload, sealed: seal(payload, keys) }, { from, to, payload, sealed: sealV1(payload, keys) }]
}))
const item = fc.constantFrom(...items)
const someone = fc.constantFrom(...people)
const LONGEST = Math.max(SEAL_OVERHEAD_BYTES, SEAL_V1_OVERHEAD_BYTES)
const version = fc.constantFrom(SEAL_VERSION, SEAL_V1)
const arbitrary = fc.oneof(
  fc.uint8Array({ maxLength: LONGEST + 40 }),
  // a known version and at least the overhead: reaches the key agreement and the AEAD
  fc.tuple(version, fc.uint8Array({ minLength: SEAL_OVERHEAD_BYTES - 1, maxLength: LONGEST + 40 })).map(([v, b]) => Uint8Array.from([v, ...b])),
  // an all-zero or low-order ephemeral key (X25519 refuses the shared secret)
  fc.tuple(version, fc.constantFrom(0, 1, 0xff)).map(([v, fill]) => Uint8Array.from([v, ...new Array<number>(LONGEST + 8).fill(fill)]))
)

/** One ephemeral key to the first person, computed once: each case below only encrypts (the AEAD holds, what is inside is the fuzz's). */
const target = people[0] as Person
const ephemeralSecret = new Uint8Array(32).fill(9)
const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
const targetX = x25519.getPublicKey(ed25519.utils.toMontgomerySecret(target.secret))
const innerKey = hkdf(sha256, x25519.getSharedSecret(ephemeralSecret, targetX), concat(ephemeralPublic, targetX), SEAL_INFO, 32)
/** A v2 item to `target` whose inner bytes are `sender (32) · mac (32) · payload` as given. */
function withInner (sender: Uint8Array, mac: Uint8Array, payload: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(24)
  return concat(Uint8Array.of(SEAL_VERSION), ephemeralPublic, nonce, xchacha20poly1305(innerKey, nonce, concat(SEAL_INFO, target.multihash)).encrypt(concat(sender, mac, payload)))
}
const senderKey = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  // the identity point and other small-order encodings, and real people's keys
  fc.constantFrom(Uint8Array.from([1, ...new Array<number>(31).fill(0)]), new Uint8Array(32), new Uint8Array(32).fill(0xff), ...people.map(p => p.publicKey))
)

async function outcome (run: () => Promise<{ payload: Uint8Array, senderPublic: Uint8Array }>): Promise<string> {
  const result = await typedAsync(run, [SealError])
  return result.ok
    ? `opened ${Buffer.from(result.value.senderPublic).toString('hex')} ${Buffer.from(result.value.payload).toString('hex')}`
    : `SealError: ${result.error.message}`
}

describe('fuzz: opening sealed items with WebCrypto', () => {
  it('uses WebCrypto here (else this fuzzes noble again)', async () => {
    expectSame(await people[0]?.opener.usesWebCrypto(), true)
  })

  it('arbitrary bytes reject with SealError', async () => {
    await fc.assert(fc.asyncProperty(arbitrary, someone, async (bytes, to) => {
      expectSame((await typedAsync(async () => to.opener.open(bytes), [SealError])).ok, false)
    }), FUZZ_PARAMS)
  })

  it('a valid item opens for its recipient only', async () => {
    await fc.assert(fc.asyncProperty(item, someone, async ({ from, to, payload, sealed }, key) => {
      const result = await typedAsync(async () => key.opener.open(sealed), [SealError])
      expectSame(result.ok, key === to)
      expectSame(result.ok && Buffer.from(result.value.payload).equals(payload) && Buffer.from(result.value.senderPublic).equals(from.publicKey), key === to)
    }), FUZZ_PARAMS)
  })

  it('every mutation of a valid item rejects with SealError', async () => {
    await fc.assert(fc.asyncProperty(item, mutationArb, async ({ to, sealed }, mutations) => {
      const bytes = mutate(sealed, mutations)
      expectSame((await typedAsync(async () => to.opener.open(bytes), [SealError])).ok, Buffer.from(bytes).equals(sealed))
    }), FUZZ_PARAMS)
  })

  it('a v2 item whose encryption holds but whose sender key or MAC is not the real one\'s rejects with SealError', async () => {
    await fc.assert(fc.asyncProperty(senderKey, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 64 }), async (sender, mac, payload) => {
      expectSame((await typedAsync(async () => target.opener.open(withInner(sender, mac, payload)), [SealError])).ok, false)
    }), FUZZ_PARAMS)
  })

  it('a sample of the same inputs gives what open() gives, word for word', async () => {
    const sample = fc.sample(fc.tuple(item, mutationArb, arbitrary, someone), { numRuns: 150, seed: 21 })
    for (const [{ sealed }, mutations, random, key] of sample) {
      for (const bytes of [mutate(sealed, mutations), random, sealed]) {
        expectSame(await outcome(async () => key.opener.open(bytes)), await outcome(async () => open(bytes, key.secret, key.multihash)))
      }
    }
  })
})
