/**
 * Fuzzing of the opening of sealed mailbox items, version 2 and 1
 * (src/mailbox/seal.ts `open`, and `seal`, seal-v1.ts `sealV1` for the valid
 * items).
 * Contract checked, for 10,000 generated inputs per property:
 * - arbitrary bytes (short, of the right version and length, or a valid
 *   header with random ciphertext), opened with any of our keys, throw
 *   `SealError` (never a TypeError or a noble error);
 * - a valid sealed item opens to its payload and sender for its recipient,
 *   and throws `SealError` for any other recipient (key or PeerID);
 * - any mutation of a valid sealed item (flip, truncate, extend, splice, set)
 *   that changes its bytes throws `SealError`;
 * - the properties run with bounded memory (nothing is sized from the input).
 *
 * The curve operations of noble (X25519, Ed25519) cost about 3 ms per open in
 * JS, 30 s and more for 10,000 cases, so the 10,000-case properties run with a
 * stand-in curve (`curve.fake`): a cheap, consistent Diffie-Hellman and
 * signature made of SHA-256/512 hashes, with the real HKDF, HMAC and
 * XChaCha20-Poly1305, so open()'s own parsing, slicing, key derivation, AEAD,
 * MAC and error mapping are what is fuzzed. What those properties cannot reach,
 * the real curve refusing a key or a signature, is a noble exception inside
 * open()'s try/catch; a real-curve check below replays a sample of the same
 * inputs against the real noble curves.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it, vi } from 'vitest'
import { sha256, sha512 } from '@noble/hashes/sha2.js'
import { concatBytes, randomBytes } from '@noble/hashes/utils.js'
import { ed25519 } from '@noble/curves/ed25519.js'
import { SEAL_OVERHEAD_BYTES, SEAL_VERSION, SealError, open, seal } from '../../src/mailbox/seal.ts'
import { SEAL_V1, SEAL_V1_OVERHEAD_BYTES, sealV1 } from '../../src/mailbox/seal-v1.ts'
import { expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typed } from './wire-helpers.ts'

const curve = vi.hoisted(() => ({ fake: true }))

vi.mock('@noble/curves/ed25519.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('@noble/curves/ed25519.js')>()
  const tag = (label: string, ...parts: Uint8Array[]): Uint8Array => sha256(concatBytes(new TextEncoder().encode(label), ...parts))
  /** The stand-in public key of a secret: the same for the Ed25519 key and its X25519 twin, so toMontgomery is the identity. */
  const pub = (secret: Uint8Array): Uint8Array => tag('pub', secret)
  const compare = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(Buffer.from(a), Buffer.from(b))
  const fake = {
    getPublicKey: pub,
    getSharedSecret: (secret: Uint8Array, publicKey: Uint8Array): Uint8Array => {
      if (publicKey.byteLength !== 32 || publicKey.every(b => b === 0)) throw new Error('invalid public key (stand-in)')
      const mine = pub(secret)
      return compare(mine, publicKey) < 0 ? tag('dh', mine, publicKey) : tag('dh', publicKey, mine)
    },
    sign: (message: Uint8Array, secret: Uint8Array): Uint8Array => sha512(concatBytes(pub(secret), message)),
    verify: (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean => {
      if (signature.byteLength !== 64 || publicKey.byteLength !== 32) throw new Error('bad lengths (stand-in)')
      return Buffer.from(sha512(concatBytes(publicKey, message))).equals(signature)
    }
  }
  const pick = <K extends keyof typeof fake>(key: K, realFn: (typeof fake)[K]): (typeof fake)[K] =>
    ((...args: never[]) => (curve.fake ? fake[key] : realFn)(...(args as [never, never, never]))) as (typeof fake)[K]
  return {
    ...real,
    ed25519: {
      ...real.ed25519,
      getPublicKey: pick('getPublicKey', real.ed25519.getPublicKey),
      sign: pick('sign', real.ed25519.sign),
      verify: pick('verify', real.ed25519.verify),
      utils: {
        ...real.ed25519.utils,
        toMontgomery: (publicKey: Uint8Array): Uint8Array => curve.fake ? publicKey : real.ed25519.utils.toMontgomery(publicKey),
        toMontgomerySecret: (secret: Uint8Array): Uint8Array => curve.fake ? secret : real.ed25519.utils.toMontgomerySecret(secret)
      }
    },
    x25519: {
      ...real.x25519,
      getPublicKey: pick('getPublicKey', real.x25519.getPublicKey),
      getSharedSecret: pick('getSharedSecret', real.x25519.getSharedSecret),
      utils: { ...real.x25519.utils, randomSecretKey: (): Uint8Array => curve.fake ? randomBytes(32) : real.x25519.utils.randomSecretKey() }
    }
  }
})

interface Person { secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array }

/** A deterministic person: Ed25519 seed `n`, PeerID multihash the identity multihash of its protobuf public key. */
function person (n: number): Person {
  const secret = new Uint8Array(32).fill(n)
  const publicKey = ed25519.getPublicKey(secret)
  return { secret, publicKey, multihash: Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...publicKey]) }
}

const payloads = [new Uint8Array(0), Uint8Array.of(0x7b), new TextEncoder().encode('{"type":"message","text":"hi"}'), new Uint8Array(300).fill(7)]

/** Four people and items sealed from each to each other one, in both versions, under the current curve. */
function world (): { people: Person[], items: Array<{ from: Person, to: Person, payload: Uint8Array, sealed: Uint8Array }> } {
  const people = [1, 2, 3, 4].map(person)
  const items = people.flatMap((from, i) => people.filter((_, j) => j !== i).flatMap((to, j) => {
    const payload = payloads[(i + j) % payloads.length] as Uint8Array
    const keys = { senderSecret: from.secret, recipientPublic: to.publicKey, recipientMultihash: to.multihash }
    return [{ from, to, payload, sealed: seal(payload, keys) }, { from, to, payload, sealed: sealV1(payload, keys) }]
  }))
  return { people, items }
}

const LONGEST = Math.max(SEAL_OVERHEAD_BYTES, SEAL_V1_OVERHEAD_BYTES)
const version = fc.constantFrom(SEAL_VERSION, SEAL_V1)

const { people, items } = world()
const item = fc.constantFrom(...items)
const someone = fc.constantFrom(...people)

describe('fuzz: mailbox seal', () => {
  it('arbitrary bytes throw SealError', () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: LONGEST + 40 }),
      // a known version and at least the overhead: reaches the key agreement and the AEAD
      fc.tuple(version, fc.uint8Array({ minLength: SEAL_OVERHEAD_BYTES - 1, maxLength: LONGEST + 40 })).map(([v, b]) => Uint8Array.from([v, ...b])),
      // an all-zero or low-order ephemeral key (X25519 refuses the shared secret)
      fc.tuple(version, fc.constantFrom(0, 1, 0xff)).map(([v, fill]) => Uint8Array.from([v, ...new Array<number>(LONGEST + 8).fill(fill)]))
    )
    fc.assert(fc.property(input, someone, (bytes, to) => {
      const result = typed(() => open(bytes, to.secret, to.multihash), [SealError])
      expectSame(result.ok, false)
    }), FUZZ_PARAMS)
  })

  it('a valid item opens for its recipient only', () => {
    fc.assert(fc.property(item, someone, someone, ({ from, to, payload, sealed }, key, address) => {
      const result = typed(() => open(sealed, key.secret, address.multihash), [SealError])
      const forThem = key === to && address === to
      expectSame(result.ok, forThem)
      expectSame(result.ok && Buffer.from(result.value.payload).equals(payload) && Buffer.from(result.value.senderPublic).equals(from.publicKey), forThem)
    }), FUZZ_PARAMS)
  })

  it('every mutation of a valid item throws SealError', () => {
    const before = process.memoryUsage().arrayBuffers
    fc.assert(fc.property(item, mutationArb, ({ to, sealed }, mutations) => {
      const bytes = mutate(sealed, mutations)
      const result = typed(() => open(bytes, to.secret, to.multihash), [SealError])
      expectSame(result.ok, Buffer.from(bytes).equals(sealed))
    }), FUZZ_PARAMS)
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('with the real curves: a sample of the same inputs opens or throws SealError alike', () => {
    curve.fake = false
    try {
      const real = world()
      const [first] = real.items
      if (first === undefined) throw new Error('no items')
      expectSame(Buffer.from(open(first.sealed, first.to.secret, first.to.multihash).payload).equals(first.payload), true)
      const sample = fc.sample(fc.tuple(fc.constantFrom(...real.items), mutationArb, fc.uint8Array({ minLength: LONGEST, maxLength: LONGEST + 40 }), version), { numRuns: 100, seed: 10 })
      for (const [{ to, sealed }, mutations, random, v] of sample) {
        const bytes = mutate(sealed, mutations)
        expectSame(typed(() => open(bytes, to.secret, to.multihash), [SealError]).ok, Buffer.from(bytes).equals(sealed))
        random[0] = v
        expectSame(typed(() => open(random, to.secret, to.multihash), [SealError]).ok, false)
      }
      for (const fill of [0, 1, 0xff]) {
        for (const v of [SEAL_VERSION, SEAL_V1]) {
          const lowOrder = Uint8Array.from([v, ...new Array<number>(LONGEST + 8).fill(fill)])
          expectSame(typed(() => open(lowOrder, first.to.secret, first.to.multihash), [SealError]).ok, false)
        }
      }
    } finally {
      curve.fake = true
    }
  })
})
