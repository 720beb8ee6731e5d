/** A ULID as the 16 bytes a mailbox item's id and a session box's item id carry (src/ulid.ts). */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { ulidBytes, ulidOf } from '../src/ulid.ts'
import { LOCAL_FUZZ_PARAMS } from '../../../tests/unit/fuzz/runs.ts'

describe('ULIDs as 16 bytes', () => {
  it('turns a ULID into its 16 bytes (so that the same message is the same mailbox id)', () => {
    expect([...ulidBytes('00000000000000000000000000')]).toEqual(Array(16).fill(0))
    expect([...ulidBytes('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')]).toEqual(Array(16).fill(255))
    expect(Buffer.from(ulidBytes('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toString('hex')).toBe('01563e3ab5d3d6764c61efb99302bd5b')
    expect(() => ulidBytes('01ARZ3NDEKTSV4RRFFQ69G5FAU')).toThrow(/not a ULID/)
    // 26 characters of 5 bits are 130: a first character over 7 would not fit in 16 bytes
    expect(() => ulidBytes('80000000000000000000000000')).toThrow(/not a ULID/)
    expect(() => ulidBytes('01ARZ3NDEKTSV4RRFFQ69G5FA')).toThrow(/not a ULID/)
  })

  it('item ids: 16 bytes and back', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 25, maxLength: 25 }), fc.constantFrom(...'01234567'), (rest, first) => {
      const ulid = first + rest
      expect(ulidOf(ulidBytes(ulid))).toBe(ulid)
    }), LOCAL_FUZZ_PARAMS)
  })
})
