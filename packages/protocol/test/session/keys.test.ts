import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { ml_kem768 as mlKem768 } from '@noble/post-quantum/ml-kem.js'
import { describe, expect, it } from 'vitest'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '../../src/session/constants.ts'
import { freshPrekeyId, makePrekey } from '../../src/session/keys.ts'
import { verifyPrekey } from '../../src/session/records.ts'

const secret = ed25519.utils.randomSecretKey()
const owner = { secret, publicKey: ed25519.getPublicKey(secret), multihash: Uint8Array.of(0, 36, 8, 1, 18, 32, ...new Uint8Array(32).fill(7)) }

describe('makePrekey', () => {
  it('makes EC prekeys whose secret is the record\'s X25519 key, signed by the owner', () => {
    for (const kind of [PREKEY_SIGNED_EC, PREKEY_EC_ONE_TIME] as const) {
      const made = makePrekey(owner, kind, 5, 1_000)
      expect(made.record).toMatchObject({ kind, id: 5, createdAt: 1_000 })
      expect(made.secret).toHaveLength(32)
      expect(made.record.publicKey).toEqual(x25519.getPublicKey(made.secret))
      verifyPrekey(made.record, owner.publicKey, owner.multihash)
    }
  })

  it('makes PQ prekeys whose secret is the ML-KEM-768 seed of the record\'s key', () => {
    for (const kind of [PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME] as const) {
      const made = makePrekey(owner, kind, 6, 2_000)
      expect(made.secret).toHaveLength(64)
      expect(made.record.publicKey).toEqual(mlKem768.keygen(made.secret).publicKey)
      verifyPrekey(made.record, owner.publicKey, owner.multihash)
    }
  })
})

describe('freshPrekeyId', () => {
  it('never gives 0 or a taken id', () => {
    const draws = [Uint8Array.of(0, 0, 0, 0), Uint8Array.of(0, 0, 0, 9), Uint8Array.of(0, 0, 0, 10)]
    const random = (): Uint8Array => draws.shift() ?? Uint8Array.of(0, 0, 0, 11)
    expect(freshPrekeyId(new Set([9]), random)).toBe(10)
  })
})
