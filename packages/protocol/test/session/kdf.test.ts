/**
 * Known answers for the session's key derivation (session/kdf.ts):
 * RFC 5869's HKDF-SHA256 vectors (through Wycheproof), and libsignal's
 * X3DH and chain-key known answers, which Parley's KDF reproduces when given
 * libsignal's info. The libsignal values are test data from
 * signalapp/libsignal `rust/protocol/tests/ratchet.rs` at 2879220e9^
 * (`test_ratcheting_session_as_bob`/`_as_alice`) and
 * `rust/protocol/src/ratchet/keys.rs` (`test_chain_key_derivation`); public
 * keys there carry a 0x05 type byte, dropped here.
 */
import { describe, expect, it } from 'vitest'
import { x25519 } from '@noble/curves/ed25519.js'
import { bytesToHex, concatBytes, hexToBytes } from '@noble/hashes/utils.js'
import { MAX_HKDF_BYTES, hkdf, kdf, kdfCk, kdfRk } from '../../src/session/kdf.ts'
import vectors from './vectors/hkdf-sha256-wycheproof.json' with { type: 'json' }
import { text } from './helpers.ts'

const h = hexToBytes
const ff = new Uint8Array(32).fill(0xff)

describe('HKDF-SHA256', () => {
  it('gives the RFC 5869 (A.1–A.3) and Wycheproof answers', () => {
    const valid = vectors.tests.filter(t => t.result === 'valid')
    expect(valid.map(t => t.comment).filter(c => c === 'RFC 5869')).toHaveLength(3)
    for (const t of valid) {
      expect(bytesToHex(hkdf(h(t.ikm), h(t.salt), h(t.info), t.size)), `tcId ${t.tcId}`).toBe(t.okm)
    }
  })

  it('refuses an output over 255 hash lengths, as Wycheproof expects', () => {
    const tooLarge = vectors.tests.filter(t => t.result === 'invalid')
    expect(tooLarge.length).toBeGreaterThan(0)
    for (const t of tooLarge) {
      expect(() => hkdf(h(t.ikm), h(t.salt), h(t.info), t.size)).toThrow(new RangeError(`HKDF-SHA256 gives 1 to ${MAX_HKDF_BYTES} bytes, not ${t.size}`))
    }
    expect(() => hkdf(h('00'), undefined, h(''), 0)).toThrow(RangeError)
  })
})

describe('libsignal X3DH known answer', () => {
  const expected = 'ab9be50e5cb22a925446ab90ee5670545f4fd32902459ec274b6ad0ae5d6031a'
  const pub = (s: string): Uint8Array => h(s).slice(1)

  it('Bob derives libsignal\'s chain key from Alice\'s public keys', () => {
    const bobSpk = h('583900131fb727998b7803fe6ac22cc591f342e4e42a8c8d5d78194209b8d253')
    const bobIk = h('4875cc69ddf8ea0719ec947d61081135868d5fd801f02c0225e516df2156605e')
    const aliceIk = pub('05b4a8455660ada65b401007f615e654041746432e3339c6875149bceefcb42b4a')
    const aliceEk = pub('05e2c05860f2ac6b2b57ba564b421ffe71e4b128c591e46e0491cc9b33dbf22a27')
    const ikm = concatBytes(ff, x25519.getSharedSecret(bobSpk, aliceIk), x25519.getSharedSecret(bobIk, aliceEk), x25519.getSharedSecret(bobSpk, aliceEk))
    expect(bytesToHex(kdf(ikm, text('WhisperText'), 64).slice(32))).toBe(expected)
  })

  it('Alice derives the same from Bob\'s public keys', () => {
    const aliceIk = h('9040f0d4e09cf38f6dc7c13779c908c015a1da4fa78737a080eb0a6f4f5f8f58')
    const aliceEk = h('10ae7c64d1e61cd596b76a0db5012673391cae66edbfcf073b4da80516a47449')
    const bobSpk = pub('05ac248a8f263be6863576eb0362e28c828f0107a3379d34bab1586bf8c770cd67')
    const bobIk = pub('05f1f43874f6966956c2dd473f8fa15adeb71d1cb991b2341692324cefb1c5e626')
    const ikm = concatBytes(ff, x25519.getSharedSecret(aliceIk, bobSpk), x25519.getSharedSecret(aliceEk, bobIk), x25519.getSharedSecret(aliceEk, bobSpk))
    expect(bytesToHex(kdf(ikm, text('WhisperText'), 64).slice(32))).toBe(expected)
  })
})

describe('KDF_CK', () => {
  it('gives libsignal\'s chain-key answers', () => {
    const step = kdfCk(h('8ab72d6f4cc5ac0d387eaf463378ddb28edd07385b1cb01250c715982e7ad48f'))
    expect(bytesToHex(step.chainKey)).toBe('28e8f8fee54b801eef7c5cfb2f17f32c7b334485bbb70fac6ec10342a246d15d')
    const keys = hkdf(step.messageKey, undefined, text('WhisperMessageKeys'), 80)
    expect(bytesToHex(keys.slice(0, 32))).toBe('bf51e9d75e0e31031051f82a2491ffc084fa298b7793bd9db620056febf45217')
    expect(bytesToHex(keys.slice(32, 64))).toBe('c6c77d6a73a354337a56435e34607dfe48e3ace14e77314dc6abc172e7a7030b')
  })
})

describe('KDF_RK (hybrid)', () => {
  it('depends on the DH output and on the KEM secret, and splits 64 bytes into root and chain keys', () => {
    const rk = new Uint8Array(32).fill(1)
    const dh = new Uint8Array(32).fill(2)
    const ss = new Uint8Array(32).fill(3)
    const both = kdfRk(rk, dh, ss)
    expect(both.rootKey).toHaveLength(32)
    expect(both.chainKey).toHaveLength(32)
    expect(concatBytes(both.rootKey, both.chainKey)).toEqual(hkdf(concatBytes(dh, ss), rk, text('Parley_Ratchet_v1'), 64))
    expect(kdfRk(rk, dh, new Uint8Array(32).fill(4)).rootKey).not.toEqual(both.rootKey)
    expect(kdfRk(rk, new Uint8Array(32).fill(5), ss).chainKey).not.toEqual(both.chainKey)
    expect(kdfRk(rk, dh, new Uint8Array(0)).rootKey).not.toEqual(both.rootKey)
  })
})
