/**
 * PQXDH (session/pqxdh.ts) and prekey records (session/records.ts): both
 * sides agree on SK and AD with and without a one-time EC prekey and with a
 * last-resort PQ prekey; a bundle whose signatures do not hold, or whose
 * records are of the wrong kind or another owner's, is refused before any key
 * is used; an altered init gives a different SK, so the first box does not open.
 */
import { describe, expect, it } from 'vitest'
import { ed25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { PREKEY_PQ_LAST_RESORT, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { PrekeyError, SessionDecryptError, SessionFrameError } from '../../src/session/errors.ts'
import { initiate, respond, sessionAd } from '../../src/session/pqxdh.ts'
import { ratchetDecrypt, ratchetEncrypt } from '../../src/session/ratchet.ts'
import { EC_RECORD_BYTES, PQ_RECORD_BYTES, decodeRecord, encodeRecord, signPrekey, verifyPrekey } from '../../src/session/records.ts'
import { CREATED_AT, NOW, itemId, person, seededRandom, text } from './helpers.ts'

describe('PQXDH', () => {
  it('gives both sides the same SK and AD, with a one-time EC prekey (DH4) and without', () => {
    for (const oneTime of [true, false]) {
      const random = seededRandom(`agree ${String(oneTime)}`)
      const alice = person('alice', random)
      const bob = person('bob', random, oneTime)
      const started = initiate(alice, bob, bob.bundle, random)
      expect(started.init.oneTimePrekeyId).toBe(oneTime ? 13 : 0)
      const answered = respond(bob, alice, started.init, bob.prekeys)
      expect(answered.sharedKey).toEqual(started.sharedKey)
      expect(answered.ad).toEqual(started.ad)
      expect(started.ad).toEqual(sessionAd(ed25519.utils.toMontgomery(alice.publicKey), ed25519.utils.toMontgomery(bob.publicKey), alice.multihash, bob.multihash))
      expect(started.ad).toHaveLength(2 * 33 + alice.multihash.byteLength + bob.multihash.byteLength)
    }
  })

  it('works with a last-resort PQ prekey', () => {
    const random = seededRandom('last resort')
    const alice = person('alice', random)
    const bob = person('bob', random)
    const pqSeed = random(64)
    const bundle = { ...bob.bundle, pqPrekey: signPrekey(bob.secret, bob.multihash, PREKEY_PQ_LAST_RESORT, 3, CREATED_AT, mlKem768.keygen(pqSeed).publicKey) }
    const started = initiate(alice, bob, bundle, random)
    expect(started.init.pqKind).toBe(PREKEY_PQ_LAST_RESORT)
    expect(respond(bob, alice, started.init, { ...bob.prekeys, pqPrekeySeed: pqSeed }).sharedKey).toEqual(started.sharedKey)
  })

  it('lets the first box open on Bob\'s side, and not when the init was altered', () => {
    const random = seededRandom('first box')
    const alice = person('alice', random)
    const bob = person('bob', random)
    const started = initiate(alice, bob, bob.bundle, random)
    const first = ratchetEncrypt(started.state, text('hi Bob'), itemId(1), random)
    const answered = respond(bob, alice, started.init, bob.prekeys)
    expect(ratchetDecrypt(answered.state, first.message, itemId(1), { now: NOW, random }).plaintext).toEqual(text('hi Bob'))

    const ct = started.init.kemCiphertext.slice()
    ct[100] = (ct[100] ?? 0) ^ 1
    const altered = respond(bob, alice, { ...started.init, kemCiphertext: ct }, bob.prekeys)
    expect(altered.sharedKey).not.toEqual(started.sharedKey)
    expect(() => ratchetDecrypt(altered.state, first.message, itemId(1), { now: NOW, random })).toThrow(SessionDecryptError)

    const eve = person('eve', random)
    const spoofed = respond(bob, eve, started.init, bob.prekeys)
    expect(spoofed.sharedKey).not.toEqual(started.sharedKey)
    expect(() => ratchetDecrypt(spoofed.state, first.message, itemId(1), { now: NOW, random })).toThrow(SessionDecryptError)
  })

  it('refuses a bundle with a bad signature, another owner\'s records, or the wrong kinds', () => {
    const random = seededRandom('bad bundle')
    const alice = person('alice', random)
    const bob = person('bob', random)
    const eve = person('eve', random)
    const sig = bob.bundle.signedPrekey.signature.slice()
    sig[0] = (sig[0] ?? 0) ^ 1
    expect(() => initiate(alice, bob, { ...bob.bundle, signedPrekey: { ...bob.bundle.signedPrekey, signature: sig } }, random))
      .toThrow(new PrekeyError('the owner\'s signature on prekey 1/7 does not hold'))
    expect(() => initiate(alice, bob, { ...bob.bundle, pqPrekey: eve.bundle.pqPrekey }, random)).toThrow(PrekeyError)
    expect(() => initiate(alice, bob, { ...bob.bundle, oneTimePrekey: { ...bob.bundle.signedPrekey } }, random)).toThrow('the one-time prekey is of kind 4, not 1')
    expect(() => initiate(alice, bob, { ...bob.bundle, pqPrekey: { ...bob.bundle.signedPrekey } }, random)).toThrow('the PQ prekey is of kind 2 or 3, not 1')
    expect(() => initiate(alice, bob, { ...bob.bundle, signedPrekey: { ...bob.bundle.pqPrekey } }, random)).toThrow(PrekeyError)
    // bob's bundle presented as eve's: eve's identity does not sign it
    expect(() => initiate(alice, eve, bob.bundle, random)).toThrow(PrekeyError)
  })

  it('refuses a one-time prekey secret that the init does not name, or its absence', () => {
    const random = seededRandom('opk mismatch')
    const alice = person('alice', random)
    const bob = person('bob', random)
    const started = initiate(alice, bob, bob.bundle, random)
    const { oneTimePrekeySecret: _dropped, ...without } = bob.prekeys
    expect(() => respond(bob, alice, started.init, without)).toThrow('the init names one-time prekey 13, whose secret is missing')
    expect(() => respond(bob, alice, { ...started.init, oneTimePrekeyId: 0 }, bob.prekeys)).toThrow(PrekeyError)
  })
})

describe('prekey records', () => {
  it('round-trip, verify for their owner only, and have the documented sizes', () => {
    const random = seededRandom('records')
    const bob = person('bob', random)
    const eve = person('eve', random)
    for (const record of [bob.bundle.signedPrekey, bob.bundle.pqPrekey]) {
      const bytes = encodeRecord(record)
      expect(bytes).toHaveLength(record.kind === PREKEY_SIGNED_EC ? EC_RECORD_BYTES : PQ_RECORD_BYTES)
      const decoded = decodeRecord(new Uint8Array([...bytes, 9, 9]))
      expect(decoded.length).toBe(bytes.byteLength)
      expect(decoded.record).toEqual(record)
      expect(() => { verifyPrekey(decoded.record, bob.publicKey, bob.multihash) }).not.toThrow()
      expect(() => { verifyPrekey(decoded.record, bob.publicKey, eve.multihash) }).toThrow(PrekeyError)
      expect(() => { verifyPrekey({ ...decoded.record, createdAt: CREATED_AT + 1 }, bob.publicKey, bob.multihash) }).toThrow(PrekeyError)
    }
    expect(EC_RECORD_BYTES).toBe(109)
    expect(PQ_RECORD_BYTES).toBe(1261)
  })

  it('refuse malformed bytes with a SessionFrameError', () => {
    const random = seededRandom('records bad')
    const bytes = encodeRecord(person('bob', random).bundle.signedPrekey)
    expect(() => decodeRecord(bytes.subarray(0, 50))).toThrow(new SessionFrameError('a kind 1 prekey record is 109 bytes; only 50 are left'))
    expect(() => decodeRecord(Uint8Array.of(9, ...bytes.subarray(1)))).toThrow('unknown prekey kind 9')
    expect(() => decodeRecord(Uint8Array.of(1, 0, 0, 0, 0, ...bytes.subarray(5)))).toThrow('a prekey id is never 0')
    expect(() => decodeRecord(Uint8Array.of(1, 0, 0, 0, 1, 0xff, ...bytes.subarray(6)))).toThrow('over 2^53')
    expect(() => decodeRecord(bytes.subarray(0, 3))).toThrow(SessionFrameError)
  })
})
