/**
 * The encoding of a row's secrets inside the vault's seal (vault.ts): UTF-8
 * JSON with every byte array as {"$bytes": base64}. A ratchet state is byte
 * arrays, numbers, null, arrays and plain objects; in Node some libraries
 * hand out Buffers, whose toJSON would otherwise turn them into
 * {"type":"Buffer","data":[…]} and come back as a plain object (a restarted
 * node then failed to open every box: "b.slice is not a function").
 */
import { describe, expect, it } from 'vitest'
import { decodeSecrets, encodeSecrets } from '../../../src/lib/db/vault.ts'

describe('the vault\'s encoding of secrets', () => {
  it('gives back byte arrays (Buffers included) as Uint8Arrays, and everything else as it was', () => {
    const state = {
      rootKey: Buffer.from([1, 2, 3]),
      sendChainKey: null,
      sendN: 7,
      ourKem: { publicKey: new Uint8Array([4, 5]), secretKey: new Uint8Array(0) },
      receiving: [{ publicKey: new Uint8Array([6]), n: 0 }],
      flag: true
    }
    const back = decodeSecrets(encodeSecrets({ state }))
    expect(back).toEqual({ state: { ...state, rootKey: new Uint8Array([1, 2, 3]) } })
    const rootKey = (back['state'] as { rootKey: unknown }).rootKey
    expect(rootKey).toBeInstanceOf(Uint8Array)
    expect(Buffer.isBuffer(rootKey)).toBe(false)
  })

  it('refuses what it did not write', () => {
    expect(() => decodeSecrets(new TextEncoder().encode('[1,2]'))).toThrow(/no object/)
    expect(() => decodeSecrets(new TextEncoder().encode('{"a":{"$bytes":"***"}}'))).toThrow(/not base64/)
    expect(() => decodeSecrets(new Uint8Array([0xff, 0xfe]))).toThrow()
  })
})
