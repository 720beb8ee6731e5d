import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { bytesToHex } from '@noble/hashes/utils.js'
import { MAX_SENDER_KEYS, SealOpener } from '../../src/mailbox/opener.ts'
import { BAD_AUTH, BAD_SIGNATURE, NOT_FOR_US, SEAL_OVERHEAD_BYTES, SealError, open, seal } from '../../src/mailbox/seal.ts'
import { sealV1 } from '../../src/mailbox/seal-v1.ts'
import { identityAgreement, sealV1WithSignature, sealV2ByHand } from './seal-hand.ts'
import type { SubtleCurves } from '../../src/mailbox/opener.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

interface Person { secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519') as Ed25519PrivateKey
  return { secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw, multihash: peerIdFromPrivateKey(key).toMultihash().bytes }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const keysOf = (from: Person, to: Person): { senderSecret: Uint8Array, recipientPublic: Uint8Array, recipientMultihash: Uint8Array } =>
  ({ senderSecret: from.secret, recipientPublic: to.publicKey, recipientMultihash: to.multihash })
const sealFor = (from: Person, to: Person, payload: Uint8Array): Uint8Array => seal(payload, keysOf(from, to))

/** The outcome of opening, comparable across the two ways: the payload and sender, or the SealError's message. */
async function outcome (run: () => Promise<{ payload: Uint8Array, senderPublic: Uint8Array }>): Promise<string> {
  try {
    const opened = await run()
    return `opened ${Buffer.from(opened.senderPublic).toString('hex')} ${Buffer.from(opened.payload).toString('hex')}`
  } catch (err) {
    if (!(err instanceof SealError)) throw err
    return `SealError: ${err.message}`
  }
}

/** WebCrypto's SubtleCrypto, counting the imports of the keys `counted` holds (their hex). */
function countingSubtle (counted: Set<string>): { subtle: SubtleCurves, imports: () => number } {
  const real = globalThis.crypto.subtle as unknown as SubtleCurves
  let imports = 0
  return {
    subtle: {
      importKey: async (format, data, algorithm, extractable, usages) => {
        if (counted.has(bytesToHex(data))) imports++
        return real.importKey(format, data, algorithm, extractable, usages)
      },
      deriveBits: async (algorithm, key, length) => real.deriveBits(algorithm, key, length),
      verify: async (algorithm, key, signature, data) => real.verify(algorithm, key, signature, data)
    },
    imports: () => imports
  }
}

describe('SealOpener', () => {
  it('opens with WebCrypto here, as open() does: the recipient only, with the sender and the payload', async () => {
    const [alice, bob, eve] = [await person(), await person(), await person()]
    const payload = text('{"type":"message","id":"01J0000000000000000000000A","text":"hi bob","sentAt":1}')
    const sealed = sealFor(alice, bob, payload)
    const opener = new SealOpener(bob.secret, bob.multihash)
    expect(await opener.usesWebCrypto()).toBe(true)
    const opened = await opener.open(sealed)
    expect(opened.payload).toEqual(payload)
    expect(opened.senderPublic).toEqual(alice.publicKey)
    await expect(new SealOpener(eve.secret, eve.multihash).open(sealed)).rejects.toThrow(new SealError(NOT_FOR_US))
    // Bob's key but someone else's address: the AEAD binds the recipient
    await expect(new SealOpener(bob.secret, eve.multihash).open(sealed)).rejects.toThrow(new SealError(NOT_FOR_US))
  })

  it('refuses what open() refuses, with the same SealError, by WebCrypto and by noble alike', async () => {
    const [alice, bob] = [await person(), await person()]
    const payload = text('a payload')
    const sealed = sealFor(alice, bob, payload)
    const [mallory] = [await person()]
    const byHand = { recipientPublic: bob.publicKey, recipientMultihash: bob.multihash, payload }
    const v1 = (sign: (signed: Uint8Array) => Uint8Array): Uint8Array => sealV1WithSignature(alice.publicKey, bob.publicKey, bob.multihash, payload, sign)
    const cases: Record<string, Uint8Array> = {
      'too short': sealed.subarray(0, SEAL_OVERHEAD_BYTES - 1),
      'an unknown version': Uint8Array.from([3, ...sealed.subarray(1)]),
      'a flipped ciphertext byte': Uint8Array.from(sealed, (b, i) => i === sealed.byteLength - 20 ? b ^ 1 : b),
      'an all-zero ephemeral key (a small-order point)': Uint8Array.from([2, ...new Array<number>(SEAL_OVERHEAD_BYTES + 8).fill(0)]),
      'a MAC keyed by someone else': sealV2ByHand({ ...byHand, senderPublic: alice.publicKey, ss: identityAgreement(mallory.secret, bob.publicKey) }),
      'a MAC of zeros': sealV2ByHand({ ...byHand, senderPublic: alice.publicKey }),
      'a sender key of low order': sealV2ByHand({ ...byHand, senderPublic: Uint8Array.from([1, ...new Array<number>(31).fill(0)]) }),
      'a valid item': sealed,
      'a valid item, made by hand by its recipient': sealV2ByHand({ ...byHand, senderPublic: alice.publicKey, ss: identityAgreement(bob.secret, alice.publicKey) }),
      'a v1 signature by someone else': v1(signed => ed25519.sign(signed, bob.secret)),
      'a v1 signature of other bytes': v1(() => ed25519.sign(text('something else'), alice.secret)),
      'a v1 signature of zeros': v1(() => new Uint8Array(64)),
      'a valid v1 item': sealV1(payload, keysOf(alice, bob)),
      'a valid v1 item, signed by hand': v1(signed => ed25519.sign(signed, alice.secret))
    }
    const web = new SealOpener(bob.secret, bob.multihash)
    const noble = new SealOpener(bob.secret, bob.multihash, { subtle: null })
    expect(await noble.usesWebCrypto()).toBe(false)
    const results: Record<string, string> = {}
    for (const [name, bytes] of Object.entries(cases)) {
      const expected = await outcome(async () => open(bytes, bob.secret, bob.multihash))
      // the case's name first, so that a failure says which
      expect(`${name}: ${await outcome(async () => web.open(bytes))}`).toBe(`${name}: ${expected}`)
      expect(`${name}: ${await outcome(async () => noble.open(bytes))}`).toBe(`${name}: ${expected}`)
      results[name] = expected.startsWith('opened') ? 'opened' : expected
    }
    expect(results).toEqual({
      'too short': `SealError: a sealed item of version 2 is at least ${SEAL_OVERHEAD_BYTES} bytes; this one is ${SEAL_OVERHEAD_BYTES - 1}`,
      'an unknown version': 'SealError: unknown seal version 3',
      'a flipped ciphertext byte': `SealError: ${NOT_FOR_US}`,
      'an all-zero ephemeral key (a small-order point)': `SealError: ${NOT_FOR_US}`,
      'a MAC keyed by someone else': `SealError: ${BAD_AUTH}`,
      'a MAC of zeros': `SealError: ${BAD_AUTH}`,
      'a sender key of low order': `SealError: ${BAD_AUTH}`,
      'a valid item': 'opened',
      'a valid item, made by hand by its recipient': 'opened',
      'a v1 signature by someone else': `SealError: ${BAD_SIGNATURE}`,
      'a v1 signature of other bytes': `SealError: ${BAD_SIGNATURE}`,
      'a v1 signature of zeros': `SealError: ${BAD_SIGNATURE}`,
      'a valid v1 item': 'opened',
      'a valid v1 item, signed by hand': 'opened'
    })
  })

  it('falls back to noble where WebCrypto lacks X25519 or Ed25519', async () => {
    const [alice, bob] = [await person(), await person()]
    const refusing: SubtleCurves = {
      importKey: async () => { throw new DOMException('Unrecognized name', 'NotSupportedError') },
      deriveBits: async () => { throw new DOMException('Unrecognized name', 'NotSupportedError') },
      verify: async () => { throw new DOMException('Unrecognized name', 'NotSupportedError') }
    }
    const opener = new SealOpener(bob.secret, bob.multihash, { subtle: refusing })
    expect(await opener.usesWebCrypto()).toBe(false)
    expect((await opener.open(sealFor(alice, bob, text('still opens')))).payload).toEqual(text('still opens'))
    expect((await opener.open(sealV1(text('v1 too'), keysOf(alice, bob)))).payload).toEqual(text('v1 too'))
  })

  it('with X25519 but no Ed25519 in WebCrypto, opens v2 items there and v1 items with noble', async () => {
    const [alice, bob] = [await person(), await person()]
    const real = globalThis.crypto.subtle as unknown as SubtleCurves
    let x25519Calls = 0
    const noEd25519: SubtleCurves = {
      importKey: async (format, data, algorithm, extractable, usages) => {
        if (algorithm.name === 'Ed25519') throw new DOMException('Unrecognized name', 'NotSupportedError')
        return real.importKey(format, data, algorithm, extractable, usages)
      },
      deriveBits: async (algorithm, key, length) => { x25519Calls++; return real.deriveBits(algorithm, key, length) },
      verify: async () => { throw new DOMException('Unrecognized name', 'NotSupportedError') }
    }
    const opener = new SealOpener(bob.secret, bob.multihash, { subtle: noEd25519 })
    expect(await opener.usesWebCrypto()).toBe(true)
    const before = x25519Calls
    expect(await opener.open(sealFor(alice, bob, text('v2')))).toEqual({ senderPublic: alice.publicKey, payload: text('v2') })
    // the ephemeral agreement and the identities' one, both in WebCrypto
    expect(x25519Calls - before).toBe(2)
    expect(await opener.open(sealV1(text('v1'), keysOf(alice, bob)))).toEqual({ senderPublic: alice.publicKey, payload: text('v1') })
    expect(x25519Calls - before).toBe(2)
    await expect(opener.open(sealV1WithSignature(alice.publicKey, bob.publicKey, bob.multihash, text('v1'), () => new Uint8Array(64)))).rejects.toThrow(new SealError(BAD_SIGNATURE))
  })

  it('imports each sender\'s key once, and keeps at most MAX_SENDER_KEYS of them', async () => {
    const bob = await person()
    const senders = await Promise.all(Array.from({ length: MAX_SENDER_KEYS + 1 }, async () => person()))
    // each sender's X25519 form (what a v2 item's MAC needs imported)
    const { subtle, imports } = countingSubtle(new Set(senders.map(s => bytesToHex(ed25519.utils.toMontgomery(s.publicKey)))))
    const opener = new SealOpener(bob.secret, bob.multihash, { subtle })
    await opener.usesWebCrypto()
    const probe = imports()
    const first = senders[0] as Person
    // many items of one sender, opened at once: one import
    await Promise.all(Array.from({ length: 10 }, async (_, i) => opener.open(sealFor(first, bob, text(`item ${i}`)))))
    expect(imports() - probe).toBe(1)
    for (const sender of senders.slice(1, MAX_SENDER_KEYS)) await opener.open(sealFor(sender, bob, text('x')))
    expect(imports() - probe).toBe(MAX_SENDER_KEYS)
    await opener.open(sealFor(first, bob, text('again')))
    expect(imports() - probe).toBe(MAX_SENDER_KEYS)
    // one more sender: the cache starts again, so the first one is imported anew
    await opener.open(sealFor(senders[MAX_SENDER_KEYS] as Person, bob, text('x')))
    await opener.open(sealFor(first, bob, text('and again')))
    expect(imports() - probe).toBe(MAX_SENDER_KEYS + 2)
  })
})
