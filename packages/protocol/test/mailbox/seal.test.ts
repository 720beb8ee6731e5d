import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { concatBytes as concat } from '@noble/hashes/utils.js'
import { BAD_AUTH, BAD_SIGNATURE, SEAL_INFO, SEAL_OVERHEAD_BYTES, SEAL_VERSION, SealError, open, seal } from '../../src/mailbox/seal.ts'
import { SEAL_V1_OVERHEAD_BYTES, sealV1 } from '../../src/mailbox/seal-v1.ts'
import { identityAgreement, sealV1WithSignature, sealV2ByHand } from './seal-hand.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

interface Person { secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519') as Ed25519PrivateKey
  return { secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw, multihash: peerIdFromPrivateKey(key).toMultihash().bytes }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)
const keysOf = (from: Person, to: Person): { senderSecret: Uint8Array, recipientPublic: Uint8Array, recipientMultihash: Uint8Array } =>
  ({ senderSecret: from.secret, recipientPublic: to.publicKey, recipientMultihash: to.multihash })

/** The inner bytes of a v2 item, decrypted with the recipient's key. */
function innerOf (sealed: Uint8Array, to: Person): Uint8Array {
  const recipientXSecret = ed25519.utils.toMontgomerySecret(to.secret)
  const recipientX = x25519.getPublicKey(recipientXSecret)
  const ephemeralPublic = sealed.subarray(1, 33)
  const es = x25519.getSharedSecret(recipientXSecret, ephemeralPublic)
  const key = hkdf(sha256, es, concat(ephemeralPublic, recipientX), SEAL_INFO, 32)
  return xchacha20poly1305(key, sealed.subarray(33, 57), concat(SEAL_INFO, to.multihash)).decrypt(sealed.subarray(57))
}

describe('mailbox seal', () => {
  it('opens for the recipient only, with the sender\'s key and the payload intact', async () => {
    const [alice, bob, eve] = [await person(), await person(), await person()]
    const payload = text('{"type":"message","id":"01J0000000000000000000000A","text":"hi bob","sentAt":1}')
    const sealed = seal(payload, keysOf(alice, bob))
    expect(sealed[0]).toBe(SEAL_VERSION)
    expect(sealed.byteLength).toBe(payload.byteLength + SEAL_OVERHEAD_BYTES)
    // nothing of the payload is visible
    expect(Buffer.from(sealed).includes(Buffer.from('hi bob'))).toBe(false)

    const opened = open(sealed, bob.secret, bob.multihash)
    expect(opened.payload).toEqual(payload)
    expect(opened.senderPublic).toEqual(alice.publicKey)

    expect(() => open(sealed, eve.secret, eve.multihash)).toThrow(new SealError('the item is not sealed to this key, or it was altered'))
    // Bob's key but the address of someone else (the AEAD binds the recipient)
    expect(() => open(sealed, bob.secret, eve.multihash)).toThrow(SealError)
  })

  it('seals the same payload differently each time, and the same given the same randomness', async () => {
    const [alice, bob] = [await person(), await person()]
    expect(seal(text('same'), keysOf(alice, bob))).not.toEqual(seal(text('same'), keysOf(alice, bob)))
    const random = (length: number): Uint8Array => new Uint8Array(length).fill(length)
    const fixed = seal(text('same'), keysOf(alice, bob), random)
    expect(seal(text('same'), keysOf(alice, bob), random)).toEqual(fixed)
    expect(fixed.subarray(33, 57)).toEqual(new Uint8Array(24).fill(24))
    expect(open(fixed, bob.secret, bob.multihash).payload).toEqual(text('same'))
    expect(() => seal(text('same'), keysOf(alice, bob), (length) => new Uint8Array(length - 1))).toThrow(SealError)
  })

  it('keeps what the identities give per sender array, and not past a change of its bytes', async () => {
    const [alice, bob, carol] = [await person(), await person(), await person()]
    const secret = alice.secret.slice()
    const keys = { senderSecret: secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash }
    expect(open(seal(text('one'), keys), bob.secret, bob.multihash).senderPublic).toEqual(alice.publicKey)
    // to another recipient with the same array, then the same array holding Carol's secret
    expect(open(seal(text('two'), { ...keys, recipientPublic: carol.publicKey, recipientMultihash: carol.multihash }), carol.secret, carol.multihash).senderPublic).toEqual(alice.publicKey)
    secret.set(carol.secret)
    expect(open(seal(text('three'), keys), bob.secret, bob.multihash)).toEqual({ senderPublic: carol.publicKey, payload: text('three') })
  })

  it('refuses an altered item, an unknown version and a short one', async () => {
    const [alice, bob] = [await person(), await person()]
    const sealed = seal(text('payload'), keysOf(alice, bob))
    for (const at of [1, 40, 60, 100, sealed.byteLength - 1]) {
      const altered = sealed.slice()
      altered[at] = (altered[at] ?? 0) ^ 1
      expect(() => open(altered, bob.secret, bob.multihash)).toThrow(SealError)
    }
    const v3 = sealed.slice()
    v3[0] = 3
    expect(() => open(v3, bob.secret, bob.multihash)).toThrow('unknown seal version 3')
    expect(() => open(sealed.subarray(0, SEAL_OVERHEAD_BYTES - 1), bob.secret, bob.multihash)).toThrow(/at least \d+ bytes/)
  })

  it('refuses an item whose MAC was not made with the named sender\'s key or the recipient\'s', async () => {
    const [alice, bob, mallory] = [await person(), await person(), await person()]
    const payload = text('trust me, I am Alice')
    const to = { recipientPublic: bob.publicKey, recipientMultihash: bob.multihash, payload }
    // Mallory names Alice, but can only key the MAC with what she shares with Bob
    const forged = sealV2ByHand({ ...to, senderPublic: alice.publicKey, ss: identityAgreement(mallory.secret, bob.publicKey) })
    expect(() => open(forged, bob.secret, bob.multihash)).toThrow(new SealError(BAD_AUTH))
    expect(() => open(sealV2ByHand({ ...to, senderPublic: alice.publicKey }), bob.secret, bob.multihash)).toThrow(new SealError(BAD_AUTH))
    // a sender key of low order (the identity point) or off the curve
    const identity = Uint8Array.from([1, ...new Array<number>(31).fill(0)])
    expect(() => open(sealV2ByHand({ ...to, senderPublic: identity }), bob.secret, bob.multihash)).toThrow(new SealError(BAD_AUTH))
    expect(() => open(sealV2ByHand({ ...to, senderPublic: new Uint8Array(32).fill(0xff) }), bob.secret, bob.multihash)).toThrow(new SealError(BAD_AUTH))
    // the same by hand with Mallory's own key named opens: the construction above is the real one
    const honest = sealV2ByHand({ ...to, senderPublic: mallory.publicKey, ss: identityAgreement(mallory.secret, bob.publicKey) })
    expect(open(honest, bob.secret, bob.multihash).senderPublic).toEqual(mallory.publicKey)
  })

  it('is deniable: the item carries no signature, and its recipient can make one that opens exactly alike (issue 57, item 8)', async () => {
    const [alice, bob] = [await person(), await person()]
    const payload = text('{"type":"message","id":"01J0000000000000000000000A","text":"meet at nine","sentAt":1}')
    const real = seal(payload, keysOf(alice, bob))
    // inside: Alice's key, a 32-byte MAC and the payload; nothing a third party could check against Alice's key
    const inner = innerOf(real, bob)
    expect(inner.byteLength).toBe(32 + 32 + payload.byteLength)
    expect(inner.subarray(0, 32)).toEqual(alice.publicKey)
    expect(inner.subarray(64)).toEqual(payload)

    // Bob, with his own secret and Alice's public key only, makes an item "from Alice" saying what he likes
    const words = text('{"type":"message","id":"01J0000000000000000000000B","text":"I owe Bob 1000","sentAt":2}')
    const bobsOwn = sealV2ByHand({ senderPublic: alice.publicKey, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash, payload: words, ss: identityAgreement(bob.secret, alice.publicKey) })
    // it opens exactly as Alice's did: her key as the sender, the payload intact, the same length for its payload
    expect(open(bobsOwn, bob.secret, bob.multihash)).toEqual({ senderPublic: alice.publicKey, payload: words })
    expect(bobsOwn.byteLength - words.byteLength).toBe(real.byteLength - payload.byteLength)
    // and a copy of Alice's real one is no more than that: both verify the same way, with Bob's secret
    expect(open(real, bob.secret, bob.multihash)).toEqual({ senderPublic: alice.publicKey, payload })

    // a v1 item, by contrast, holds a signature anyone can check with Alice's public key
    const old = sealV1(payload, keysOf(alice, bob))
    expect(old.byteLength).toBe(payload.byteLength + SEAL_V1_OVERHEAD_BYTES)
  })

  it('still opens version 1 items (waiting in mailboxes from before seal v2), signature and all', async () => {
    const [alice, bob, mallory] = [await person(), await person(), await person()]
    const payload = text('{"type":"message","text":"sealed by an older app"}')
    expect(open(sealV1(payload, keysOf(alice, bob)), bob.secret, bob.multihash)).toEqual({ senderPublic: alice.publicKey, payload })
    const forged = sealV1WithSignature(alice.publicKey, bob.publicKey, bob.multihash, payload, signed => ed25519.sign(signed, mallory.secret))
    expect(() => open(forged, bob.secret, bob.multihash)).toThrow(new SealError(BAD_SIGNATURE))
    expect(() => open(sealV1(payload, keysOf(alice, bob)).subarray(0, SEAL_V1_OVERHEAD_BYTES - 1), bob.secret, bob.multihash)).toThrow(/version 1 is at least/)
  })
})
