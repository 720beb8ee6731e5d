import { describe, expect, it } from 'vitest'
import { fromBase64, fromBase64Url, toBase64, toBase64Url } from '../src/base64.ts'

const samples = [new Uint8Array(0), Uint8Array.of(0xfb), Uint8Array.of(0xfb, 0xff), Uint8Array.from({ length: 20_000 }, (_, i) => (i * 31) & 0xff)]

describe('base64', () => {
  it('writes what Buffer writes, and reads it back', () => {
    for (const bytes of samples) {
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString('base64'))
      expect(fromBase64(toBase64(bytes))).toEqual(bytes)
      expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
      expect(fromBase64Url(toBase64Url(bytes))).toEqual(bytes)
    }
  })

  it('refuses anything but padded standard base64', () => {
    for (const text of ['+w', '-w==', ' +w==', '+w==\n', 'A===']) expect(fromBase64(text)).toBeUndefined()
  })
})
