import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { describe, expect, it } from 'vitest'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { SEAL_INFO, SEAL_OVERHEAD_BYTES, SIGN_CONTEXT, SealError, open, seal } from '../../src/mailbox/seal.ts'
import type { Ed25519PrivateKey } from '@libp2p/interface'

interface Person { secret: Uint8Array, publicKey: Uint8Array, multihash: Uint8Array }

async function person (): Promise<Person> {
  const key = await generateKeyPair('Ed25519') as Ed25519PrivateKey
  return { secret: key.raw.subarray(0, 32), publicKey: key.publicKey.raw, multihash: peerIdFromPrivateKey(key).toMultihash().bytes }
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s)

describe('mailbox seal', () => {
  it('opens for the recipient only, with the sender\'s key and the payload intact', async () => {
    const [alice, bob, eve] = [await person(), await person(), await person()]
    const payload = text('{"type":"message","id":"01J0000000000000000000000A","text":"hi bob","sentAt":1}')
    const sealed = seal(payload, { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash })
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

  it('seals the same payload differently each time', async () => {
    const [alice, bob] = [await person(), await person()]
    const keys = { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash }
    expect(seal(text('same'), keys)).not.toEqual(seal(text('same'), keys))
  })

  it('refuses an altered item, an unknown version and a short one', async () => {
    const [alice, bob] = [await person(), await person()]
    const sealed = seal(text('payload'), { senderSecret: alice.secret, recipientPublic: bob.publicKey, recipientMultihash: bob.multihash })
    for (const at of [1, 40, 60, sealed.byteLength - 1]) {
      const altered = sealed.slice()
      altered[at] = (altered[at] ?? 0) ^ 1
      expect(() => open(altered, bob.secret, bob.multihash)).toThrow(SealError)
    }
    const v2 = sealed.slice()
    v2[0] = 2
    expect(() => open(v2, bob.secret, bob.multihash)).toThrow('unknown seal version 2')
    expect(() => open(sealed.subarray(0, SEAL_OVERHEAD_BYTES - 1), bob.secret, bob.multihash)).toThrow(/at least \d+ bytes/)
  })

  it('refuses a sender key that did not make the signature, even when the item is sealed correctly to the recipient', async () => {
    const [alice, bob, mallory] = [await person(), await person(), await person()]
    // Mallory builds a seal by hand: Alice's public key inside, her own signature
    const payload = text('trust me, I am Alice')
    const recipientX = ed25519.utils.toMontgomery(bob.publicKey)
    const ephemeralSecret = x25519.utils.randomSecretKey()
    const ephemeralPublic = x25519.getPublicKey(ephemeralSecret)
    const key = hkdf(sha256, x25519.getSharedSecret(ephemeralSecret, recipientX), Uint8Array.from([...ephemeralPublic, ...recipientX]), SEAL_INFO, 32)
    const signature = ed25519.sign(Uint8Array.from([...SIGN_CONTEXT, ...bob.multihash, ...ephemeralPublic, ...payload]), mallory.secret)
    const nonce = new Uint8Array(24).fill(7)
    const ciphertext = xchacha20poly1305(key, nonce, Uint8Array.from([...SEAL_INFO, ...bob.multihash]))
      .encrypt(Uint8Array.from([...alice.publicKey, ...signature, ...payload]))
    const forged = Uint8Array.from([1, ...ephemeralPublic, ...nonce, ...ciphertext])
    expect(() => open(forged, bob.secret, bob.multihash)).toThrow(new SealError('the sender\'s signature does not hold'))

    // the same by hand with Mallory's own key inside opens: the construction above is the real one
    const honest = xchacha20poly1305(key, nonce, Uint8Array.from([...SEAL_INFO, ...bob.multihash]))
      .encrypt(Uint8Array.from([...mallory.publicKey, ...signature, ...payload]))
    expect(open(Uint8Array.from([1, ...ephemeralPublic, ...nonce, ...honest]), bob.secret, bob.multihash).senderPublic).toEqual(mallory.publicKey)
  })
})
