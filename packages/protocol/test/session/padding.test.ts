import { describe, expect, it } from 'vitest'
import { decodeBox, encodeBox } from '../../src/session/box.ts'
import { FLAG_PADDED, MAX_BOX_BYTES, MAX_PLAINTEXT_BYTES } from '../../src/session/constants.ts'
import { SessionDecryptError } from '../../src/session/errors.ts'
import { MAILBOX_MIN_BOX_BYTES, pad, padme, paddedBoxBytes, unpad } from '../../src/session/padding.ts'

describe('padding', () => {
  it('rounds lengths up as Padmé does, costing at most 12 %', () => {
    // the paper's examples: 9 bits of a 2^9..2^10 length keep 3 significant bits
    expect([0, 1, 2, 3, 7, 8, 9, 17, 100, 200, 1000, 1025, 65_536, 100_000].map(padme)).toEqual([0, 1, 2, 3, 7, 8, 10, 18, 104, 208, 1024, 1088, 65_536, 100_352])
    for (let n = 2; n < 200_000; n += 97) {
      const p = padme(n)
      expect(p).toBeGreaterThanOrEqual(n)
      expect(padme(p)).toBe(p)
      expect((p - n) / n).toBeLessThanOrEqual(0.12)
    }
    expect(() => padme(-1)).toThrow(RangeError)
  })

  it('brings a box to its bucket, a mailbox box to at least the floor, never past the largest box', () => {
    expect(paddedBoxBytes(150, 'live')).toBe(padme(150))
    expect(paddedBoxBytes(150, 'mailbox')).toBe(MAILBOX_MIN_BOX_BYTES)
    expect(paddedBoxBytes(2500, 'mailbox')).toBe(MAILBOX_MIN_BOX_BYTES)
    expect(paddedBoxBytes(5000, 'mailbox')).toBe(padme(5000))
    expect(paddedBoxBytes(MAX_BOX_BYTES - 10, 'live')).toBe(MAX_BOX_BYTES)
    // a plaintext in a box of 100 other bytes: the box comes to the bucket exactly
    const padded = pad(new TextEncoder().encode('hi'), 100, 'live')
    expect(100 + (padded?.byteLength ?? 0)).toBe(padme(103))
    expect(pad(new Uint8Array(MAX_PLAINTEXT_BYTES), 100, 'live')).toBeUndefined()
    expect(pad(new Uint8Array(MAX_PLAINTEXT_BYTES - 1), 3503, 'mailbox')?.byteLength).toBe(MAX_PLAINTEXT_BYTES)
  })

  it('takes the padding off, and refuses a plaintext that does not end in 0x80 and zeros', () => {
    for (const content of [new Uint8Array(0), Uint8Array.of(0x80), Uint8Array.of(0, 0), new TextEncoder().encode('{"type":"typing"}')]) {
      const padded = pad(content, 98, 'mailbox')
      if (padded === undefined) throw new Error('not padded')
      expect(unpad(padded)).toEqual(content)
    }
    for (const bad of [new Uint8Array(0), new Uint8Array(8), Uint8Array.of(0x7d), Uint8Array.of(0x80, 1), Uint8Array.of(0x81, 0)]) {
      expect(() => unpad(bad)).toThrow(SessionDecryptError)
    }
  })

  it('a box says it is padded in its flags, and reads back so', () => {
    const box = { itemId: new Uint8Array(16).fill(1), header: { dh: new Uint8Array(32).fill(2), pn: 0, n: 3 }, nonce: new Uint8Array(24), ciphertext: new Uint8Array(40), padded: true }
    const bytes = encodeBox(box)
    expect(bytes[17]).toBe(FLAG_PADDED)
    expect(decodeBox(bytes)).toEqual(box)
    const { padded: _, ...plain } = box
    expect(decodeBox(encodeBox(plain))).toEqual(plain)
  })
})
