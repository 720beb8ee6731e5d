/**
 * The native X25519 for noise (src/noise-x25519.ts): the same key pairs and
 * shared keys as @libp2p/noise's own Node crypto and as noble, from raw bytes
 * or a Uint8ArrayList, the same refusal of a key whose DH is all zero, and
 * the crypto given back as it is where there is no Node crypto.
 */
import { defaultCrypto } from '@libp2p/noise/crypto'
import { x25519 } from '@noble/curves/ed25519.js'
import { Uint8ArrayList } from 'uint8arraylist'
import { describe, expect, it } from 'vitest'
import { withNativeX25519 } from '../src/noise-x25519.ts'

const native = withNativeX25519(defaultCrypto)

describe('noise X25519 without DER', () => {
  it('is in use here (Node), and gives the other methods through', () => {
    expect(native).not.toBe(defaultCrypto)
    expect(native.generateX25519SharedKey).not.toBe(defaultCrypto.generateX25519SharedKey)
    expect(native.hashSHA256).toBe(defaultCrypto.hashSHA256)
    expect(native.chaCha20Poly1305Encrypt).toBe(defaultCrypto.chaCha20Poly1305Encrypt)
  })

  it('agrees with noise\'s own crypto and with noble on every DH, both ways', () => {
    for (let i = 0; i < 50; i++) {
      const ours = native.generateX25519KeyPair()
      const theirs = defaultCrypto.generateX25519KeyPair()
      expect(ours.publicKey).toEqual(x25519.getPublicKey(ours.privateKey))
      const expected = x25519.getSharedSecret(ours.privateKey, theirs.publicKey)
      expect(new Uint8Array(native.generateX25519SharedKey(ours.privateKey, theirs.publicKey))).toEqual(expected)
      // a second DH with the same private key (noise does two with each ephemeral key)
      const other = x25519.utils.randomSecretKey()
      expect(new Uint8Array(native.generateX25519SharedKey(ours.privateKey, x25519.getPublicKey(other)))).toEqual(x25519.getSharedSecret(other, ours.publicKey))
      expect(new Uint8Array(defaultCrypto.generateX25519SharedKey(theirs.privateKey, ours.publicKey))).toEqual(expected)
      // a private key it did not make (a copy of the bytes, so not known by identity)
      expect(new Uint8Array(native.generateX25519SharedKey(Uint8Array.from(theirs.privateKey), ours.publicKey))).toEqual(expected)
    }
  })

  it('makes the same static key from a seed, and takes keys as Uint8ArrayLists', () => {
    const seed = x25519.utils.randomSecretKey()
    const pair = native.generateX25519KeyPairFromSeed(seed)
    expect(pair.publicKey).toEqual(new Uint8Array(defaultCrypto.generateX25519KeyPairFromSeed(seed).publicKey))
    expect(pair.privateKey).toEqual(seed)
    const peer = x25519.utils.randomSecretKey()
    const peerPublic = x25519.getPublicKey(peer)
    const expected = x25519.getSharedSecret(seed, peerPublic)
    expect(new Uint8Array(native.generateX25519SharedKey(pair.privateKey, peerPublic))).toEqual(expected)
    const split = (bytes: Uint8Array): Uint8ArrayList => new Uint8ArrayList(bytes.subarray(0, 7), bytes.subarray(7))
    expect(new Uint8Array(native.generateX25519SharedKey(split(seed), split(peerPublic)))).toEqual(expected)
  })

  it('refuses a public key whose DH is all zero, as noise\'s own crypto does, and a key of the wrong length', () => {
    const pair = native.generateX25519KeyPair()
    const zero = new Uint8Array(32)
    expect(() => defaultCrypto.generateX25519SharedKey(pair.privateKey, zero)).toThrow()
    expect(() => native.generateX25519SharedKey(pair.privateKey, zero)).toThrow()
    expect(() => native.generateX25519SharedKey(pair.privateKey, new Uint8Array(31).fill(9))).toThrow()
  })

  it('gives the crypto back unchanged where there is no Node crypto (a browser)', () => {
    expect(withNativeX25519(defaultCrypto, null)).toBe(defaultCrypto)
  })
})
