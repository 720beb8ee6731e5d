/**
 * ML-KEM-768 as the session uses it (@noble/post-quantum's ml_kem768), checked
 * against a subset of Wycheproof's vectors (vectors/mlkem768-wycheproof.json,
 * copied from C2SP/wycheproof testvectors_v1: keygen from a seed, encapsulation
 * with a fixed message, decapsulation including implicit rejection of altered
 * ciphertexts, and keys or ciphertexts of the wrong size refused).
 */
import { describe, expect, it } from 'vitest'
import { bytesToHex, hexToBytes as h } from '@noble/hashes/utils.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { KEM_CIPHERTEXT_BYTES, KEM_PUBLIC_BYTES, KEM_SEED_BYTES } from '../../src/session/constants.ts'
import { kemPublicKeyValid } from '../../src/session/kem-keys.ts'
import vectors from './vectors/mlkem768-wycheproof.json' with { type: 'json' }

describe('ML-KEM-768 (Wycheproof subset)', () => {
  it('has the sizes the box and records use', () => {
    expect(mlKem768.lengths.publicKey).toBe(KEM_PUBLIC_BYTES)
    expect(mlKem768.lengths.cipherText).toBe(KEM_CIPHERTEXT_BYTES)
    expect(mlKem768.lengths.seed).toBe(KEM_SEED_BYTES)
  })

  it('makes the expected keys from a seed', () => {
    expect(vectors.keygen.length).toBeGreaterThanOrEqual(3)
    for (const t of vectors.keygen) {
      const keys = mlKem768.keygen(h(t.seed))
      expect(bytesToHex(keys.publicKey), `tcId ${t.tcId}`).toBe(t.ek)
      expect(bytesToHex(keys.secretKey), `tcId ${t.tcId}`).toBe(t.dk)
    }
  })

  it('encapsulates as expected, and refuses public keys that are not reduced or of the wrong size', () => {
    const valid = vectors.encaps.filter(t => t.result === 'valid')
    const invalid = vectors.encaps.filter(t => t.result === 'invalid')
    expect(valid.length).toBeGreaterThanOrEqual(3)
    expect(invalid.length).toBeGreaterThanOrEqual(3)
    for (const t of valid) {
      const out = mlKem768.encapsulate(h(t.ek), h(t.m))
      expect(bytesToHex(out.cipherText), `tcId ${t.tcId}`).toBe(t.c)
      expect(bytesToHex(out.sharedSecret), `tcId ${t.tcId}`).toBe(t.K)
    }
    for (const t of invalid) {
      expect(() => mlKem768.encapsulate(h(t.ek), h(t.m)), `tcId ${t.tcId} ${t.comment ?? t.flags.join()}`).toThrow()
    }
  })

  it('decapsulates as expected (implicit rejection included), and refuses ciphertexts and seeds of the wrong size', () => {
    const valid = vectors.decaps.filter(t => t.result === 'valid')
    const invalid = vectors.decaps.filter(t => t.result === 'invalid')
    expect(valid.map(t => t.comment)).toContain('Bit flipped ciphertext')
    expect(invalid.length).toBeGreaterThanOrEqual(3)
    for (const t of valid) {
      const keys = mlKem768.keygen(h(t.seed))
      expect(bytesToHex(keys.publicKey), `tcId ${t.tcId}`).toBe(t.ek)
      expect(bytesToHex(mlKem768.decapsulate(h(t.c), keys.secretKey)), `tcId ${t.tcId}`).toBe(t.K)
    }
    for (const t of invalid) {
      expect(() => mlKem768.decapsulate(h(t.c), mlKem768.keygen(h(t.seed)).secretKey), `tcId ${t.tcId} ${t.comment ?? ''}`).toThrow()
    }
  })

  it('kemPublicKeyValid (the ratchet\'s check before it encapsulates) says what encapsulation takes: Wycheproof\'s keys, and keys with one coefficient raised', () => {
    for (const t of vectors.encaps) {
      const key = h(t.ek)
      const taken = (() => { try { mlKem768.encapsulate(key, new Uint8Array(32)); return true } catch { return false } })()
      expect(kemPublicKeyValid(key), `tcId ${t.tcId}`).toBe(taken)
    }
    const { publicKey } = mlKem768.keygen(new Uint8Array(64).fill(7))
    expect(kemPublicKeyValid(publicKey)).toBe(true)
    for (let coefficient = 0; coefficient < 768; coefficient += 37) {
      for (const value of [3328, 3329, 4095]) {
        const key = publicKey.slice()
        const at = Math.floor(coefficient / 2) * 3
        if (coefficient % 2 === 0) { key[at] = value & 0xff; key[at + 1] = ((key[at + 1] ?? 0) & 0xf0) | (value >> 8) } else { key[at + 1] = ((key[at + 1] ?? 0) & 0x0f) | ((value & 0x0f) << 4); key[at + 2] = value >> 4 }
        const taken = (() => { try { mlKem768.encapsulate(key, new Uint8Array(32)); return true } catch { return false } })()
        expect(taken).toBe(value < 3329)
        expect(kemPublicKeyValid(key), `coefficient ${coefficient} = ${value}`).toBe(taken)
      }
    }
    expect(kemPublicKeyValid(publicKey.subarray(1))).toBe(false)
  })
})
