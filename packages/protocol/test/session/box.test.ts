/**
 * The box codec (session/box.ts): round trips with and without an init and
 * KEM fields, the size limits against the chat frame and the mailbox item,
 * and the words of each refusal. The fuzzers (test/fuzz/session-box.test.ts)
 * cover arbitrary and mutated bytes.
 */
import { describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../src/chat/constants.ts'
import { MAX_ITEM_BYTES } from '../../src/mailbox/codec.ts'
import { SEAL_OVERHEAD_BYTES } from '../../src/mailbox/seal.ts'
import {
  BOX_VERSION, FLAG_KEM_CIPHERTEXT, FLAG_KEM_PUBLIC, HEADER_BASE_BYTES, INIT_BYTES, MAX_BOX_BYTES, MAX_BOX_OVERHEAD_BYTES, MAX_HEADER_BYTES,
  MAX_PLAINTEXT_BYTES, MIN_BOX_BYTES
} from '../../src/session/constants.ts'
import { SessionFrameError } from '../../src/session/errors.ts'
import { boxItemId, decodeBox, decodeHeader, decodeInit, encodeBox, encodeHeader, encodeInit } from '../../src/session/box.ts'
import type { Box, Header, Init } from '../../src/session/box.ts'

const fill = (length: number, value: number): Uint8Array => new Uint8Array(length).fill(value)
const header: Header = { dh: fill(32, 1), pn: 3, n: 0xffff_ffff, kemPublic: fill(1184, 2), kemCiphertext: fill(1088, 3) }
const init: Init = { ephemeral: fill(32, 4), signedPrekeyId: 7, pqKind: 3, pqPrekeyId: 11, oneTimePrekeyId: 0, kemCiphertext: fill(1088, 5) }

function box (over: Partial<Box> = {}): Box {
  return { itemId: fill(16, 6), header, nonce: fill(24, 7), ciphertext: fill(40, 8), ...over }
}

describe('the box codec', () => {
  it('round-trips boxes with and without an init and each KEM field', () => {
    const headers: Header[] = [
      header,
      { dh: header.dh, pn: 0, n: 1 },
      { dh: header.dh, pn: 0, n: 1, kemPublic: header.kemPublic },
      { dh: header.dh, pn: 0, n: 1, kemCiphertext: header.kemCiphertext }
    ]
    for (const h of headers) {
      for (const i of [init, undefined]) {
        const b = i === undefined ? box({ header: h }) : box({ header: h, init: i })
        const bytes = encodeBox(b)
        expect(bytes[0]).toBe(BOX_VERSION)
        expect(decodeBox(bytes)).toEqual(b)
        expect(encodeBox(decodeBox(bytes))).toEqual(bytes)
      }
    }
    expect(decodeInit(encodeInit(init))).toEqual(init)
    expect(encodeInit(init)).toHaveLength(INIT_BYTES)
    expect(decodeHeader(encodeHeader(header), FLAG_KEM_PUBLIC | FLAG_KEM_CIPHERTEXT)).toEqual(header)
    expect(boxItemId(encodeBox(box()))).toEqual(fill(16, 6))
  })

  it('fits a whole chat frame, and sealed stays under the mailbox item limit', () => {
    expect(MAX_PLAINTEXT_BYTES).toBe(MAX_FRAME_BYTES)
    expect(MAX_BOX_OVERHEAD_BYTES).toBe(3503)
    // the bound is what the largest box adds up to (it was 4 KiB over the plaintext: 593 bytes no box could fill)
    expect(MAX_BOX_BYTES).toBe(MAX_PLAINTEXT_BYTES + MAX_BOX_OVERHEAD_BYTES)
    expect(MAX_BOX_BYTES).toBe(150_959)
    expect(MAX_BOX_BYTES + SEAL_OVERHEAD_BYTES).toBeLessThanOrEqual(MAX_ITEM_BYTES)
    expect(MAX_HEADER_BYTES).toBe(HEADER_BASE_BYTES + 1184 + 1088)
    const largest = encodeBox(box({ init, ciphertext: fill(MAX_PLAINTEXT_BYTES + 16, 9) }))
    expect(largest).toHaveLength(MAX_PLAINTEXT_BYTES + MAX_BOX_OVERHEAD_BYTES)
    expect(decodeBox(largest).ciphertext).toHaveLength(MAX_PLAINTEXT_BYTES + 16)
    // one byte more is refused by the box's length, before any field is read
    const over = new Uint8Array(largest.byteLength + 1)
    over.set(largest)
    expect(() => decodeBox(over)).toThrow(new SessionFrameError('a box is at most 150959 bytes; this one is 150960'))
    expect(encodeBox(box({ header: { dh: header.dh, pn: 0, n: 0 }, ciphertext: fill(16, 0) }))).toHaveLength(MIN_BOX_BYTES)
  })

  it('refuses bad bytes with a SessionFrameError saying what is wrong', () => {
    const good = encodeBox(box())
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(MAX_BOX_BYTES + 1), `a box is at most ${MAX_BOX_BYTES} bytes; this one is ${MAX_BOX_BYTES + 1}`],
      [good.subarray(0, MIN_BOX_BYTES - 1), `a box is at least ${MIN_BOX_BYTES} bytes; this one is ${MIN_BOX_BYTES - 1}`],
      [Uint8Array.of(0x7b, ...good.subarray(1)), 'unknown box version 123'],
      [Uint8Array.of(...good.subarray(0, 17), 0x10, ...good.subarray(18)), 'a box: unknown flags 0x10'],
      [encodeBox(box({ init, header: { dh: header.dh, pn: 0, n: 0 } })).subarray(0, 18 + INIT_BYTES - 10), 'a box: it ends inside the PQXDH ciphertext'],
      [encodeBox(box({ init })).map((b, i) => i === 18 + 36 ? 1 : b), 'a box: the PQ prekey kind is 2 or 3, not 1'],
      [encodeBox(box({ header: { dh: header.dh, pn: 0, n: 0 }, ciphertext: fill(16, 0) })).subarray(0, MIN_BOX_BYTES - 0).map((b, i) => i === 17 ? FLAG_KEM_PUBLIC : b), 'a box: it ends inside the KEM public key']
    ]
    for (const [bytes, words] of cases) expect(() => decodeBox(bytes)).toThrow(new SessionFrameError(words))
    const initBytes = encodeInit(init)
    initBytes[36] = 9
    expect(() => decodeInit(initBytes)).toThrow(new SessionFrameError('an init: the PQ prekey kind is 2 or 3, not 9'))
    expect(() => decodeInit(new Uint8Array(INIT_BYTES + 1))).toThrow(SessionFrameError)
    expect(() => decodeHeader(new Uint8Array(HEADER_BASE_BYTES + 1), 0)).toThrow(new SessionFrameError('a header: 1 bytes after the last field'))
    expect(() => decodeHeader(new Uint8Array(HEADER_BASE_BYTES), 0x01)).not.toThrow()
    expect(() => decodeHeader(new Uint8Array(HEADER_BASE_BYTES), 0x10)).toThrow('a header: unknown flags 0x10')
  })

  it('refuses to encode fields of the wrong size or out of range', () => {
    expect(() => encodeBox(box({ itemId: fill(15, 0) }))).toThrow(new SessionFrameError('the item id is 16 bytes, not 15'))
    expect(() => encodeBox(box({ ciphertext: fill(15, 0) }))).toThrow(SessionFrameError)
    expect(() => encodeBox(box({ ciphertext: fill(MAX_PLAINTEXT_BYTES + 17, 0) }))).toThrow(SessionFrameError)
    expect(() => encodeHeader({ ...header, n: 2 ** 32 })).toThrow(new SessionFrameError('n is an integer from 0 to 4294967295, not 4294967296'))
    expect(() => encodeHeader({ ...header, pn: -1 })).toThrow(SessionFrameError)
    expect(() => encodeHeader({ ...header, kemPublic: fill(1183, 0) })).toThrow('the header\'s KEM public key is 1184 bytes, not 1183')
  })
})
