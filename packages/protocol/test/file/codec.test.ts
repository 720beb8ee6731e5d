import { describe, expect, it } from 'vitest'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  chunkCountOf, decodeFileFrame, encodeFileFrame, encodeFileFrameParts, truncateReason
} from '../../src/file/codec.ts'
import { MAX_CHUNK_BYTES, MAX_FRAME_BYTES, MAX_HASHES_PER_FRAME, MAX_LENGTH_PREFIX_BYTES, MAX_REASON_BYTES, MIN_CHUNK_BYTES } from '../../src/file/constants.ts'
import { decodeFrameLength as decodeLength } from '../../src/framing.ts'
import type { FileFrame } from '../../src/file/codec.ts'

/** The file protocol's length prefixes (at most MAX_LENGTH_PREFIX_BYTES). */
const decodeFrameLength = (prefix: Uint8Array | Uint8ArrayList): number => decodeLength(prefix, MAX_LENGTH_PREFIX_BYTES, 'file')

const ID = '01HZX3J5Q8W2N6R4T7V9B1C3D5'
const SHA = Uint8Array.from({ length: 32 }, (_, i) => i + 1)
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)
const concat = (...parts: Array<Uint8Array | number[]>): Uint8Array => Uint8Array.from(parts.flatMap(p => [...p]))
const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]
const ascii = (s: string): number[] => [...s].map(c => c.charCodeAt(0))

/** Matches the InvalidMessageError a malformed frame must raise, its message containing `detail`. */
function invalidFrame (detail: RegExp): unknown {
  return expect.objectContaining({
    name: 'InvalidMessageError',
    message: expect.stringMatching(new RegExp(`^Invalid file frame: .*${detail.source}`))
  })
}

function decodeError (body: Uint8Array, sender?: 'dialer' | 'listener'): unknown {
  try {
    decodeFileFrame(body, sender)
  } catch (err) {
    return err
  }
  throw new Error('the frame decoded')
}

describe('file codec', () => {
  describe('round trips, with the documented bytes', () => {
    it.each<[string, FileFrame, Uint8Array]>([
      ['OPEN', { type: 'open', id: ID, sha256: SHA }, concat([0x01], ascii(ID), SHA)],
      ['HASHES request', { type: 'hashes-request', from: 4096, count: 4096 }, concat([0x02], u32(4096), u32(4096))],
      ['CHUNK request', { type: 'chunk-request', index: 0xffff_ffff }, concat([0x03], u32(0xffff_ffff))],
      ['DONE', { type: 'done' }, bytes(0x04)],
      ['CANCEL', { type: 'cancel', id: ID, sha256: SHA }, concat([0x05], ascii(ID), SHA)],
      ['READY', { type: 'ready', size: 3 * 65536 + 1, chunkSize: 65536, chunkCount: 4 }, concat([0x81], u32(0), u32(196609), u32(65536), u32(4))],
      ['READY, 0 bytes', { type: 'ready', size: 0, chunkSize: MIN_CHUNK_BYTES, chunkCount: 0 }, concat([0x81], u32(0), u32(0), u32(MIN_CHUNK_BYTES), u32(0))],
      ['READY, the largest file', { type: 'ready', size: (2 ** 32 - 1) * MAX_CHUNK_BYTES, chunkSize: MAX_CHUNK_BYTES, chunkCount: 2 ** 32 - 1 },
        concat([0x81], u32(0xf_ffff), u32(0xfff0_0000), u32(MAX_CHUNK_BYTES), u32(2 ** 32 - 1))],
      ['HASHES', { type: 'hashes', from: 7, hashes: concat(SHA, SHA) }, concat([0x82], u32(7), SHA, SHA)],
      ['CHUNK', { type: 'chunk', index: 2, data: bytes(9, 8, 7) }, concat([0x83], u32(2), [9, 8, 7])],
      ['OK', { type: 'ok' }, bytes(0x84)],
      ['ERROR', { type: 'error', code: 'needs-direct', reason: 'zu groß' }, concat([0x8f, 4], [...new TextEncoder().encode('zu groß')])],
      ['ERROR without reason', { type: 'error', code: 'bad-request', reason: '' }, bytes(0x8f, 6)]
    ])('%s', (_name, frame, wire) => {
      expect(encodeFileFrame(frame)).toEqual(wire)
      expect(decodeFileFrame(wire)).toEqual(frame)
    })

    it('keeps payloads as given when encoding and as views when decoding', () => {
      const data = new Uint8Array(MAX_CHUNK_BYTES).fill(7)
      const parts = encodeFileFrameParts({ type: 'chunk', index: 1, data })
      expect(parts).toHaveLength(2)
      expect(parts[1]).toBe(data)
      const body = new Uint8ArrayList(...parts).subarray()
      expect(body.byteLength).toBe(MAX_FRAME_BYTES)
      const decoded = decodeFileFrame(body, 'listener')
      expect(decoded.type === 'chunk' && decoded.data.buffer).toBe(body.buffer)
    })

    it('computes chunk counts', () => {
      expect([chunkCountOf(0, 16384), chunkCountOf(1, 16384), chunkCountOf(16384, 16384), chunkCountOf(16385, 16384)]).toEqual([0, 1, 1, 2])
    })
  })

  describe('malformed frames → InvalidMessageError', () => {
    const open = concat([0x01], ascii(ID), SHA)
    it.each<[string, Uint8Array, RegExp, ('dialer' | 'listener')?]>([
      ['an empty body', new Uint8Array(0), /empty frame/],
      ['an unknown type', bytes(0x06), /unknown frame type 0x06/],
      ['an unknown reply type', bytes(0x85), /unknown frame type 0x85/],
      ['a body over the limit', new Uint8Array(MAX_FRAME_BYTES + 1).fill(0x83), /frame is 1048582 bytes, the limit is 1048581/],
      ['OPEN one byte short', open.subarray(0, 58), /a 0x01 frame is 59 bytes, got 58/],
      ['OPEN one byte long', concat(open, [0]), /a 0x01 frame is 59 bytes, got 60/],
      ['CANCEL with a lowercase id', concat([0x05], ascii(ID.toLowerCase()), SHA), /transfer id must be a ULID/],
      ['OPEN with an id holding a U', concat([0x01], ascii('01HZX3J5Q8W2N6R4T7V9B1C3DU'), SHA), /transfer id must be a ULID/],
      ['OPEN with a non-ASCII id', concat([0x01], [0xc3, 0x84], ascii(ID.slice(2)), SHA), /transfer id must be a ULID/],
      ['HASHES request of 8 bytes', concat([0x02], u32(0), [0, 0, 1]), /a 0x02 frame is 9 bytes, got 8/],
      ['HASHES request for 0 hashes', concat([0x02], u32(0), u32(0)), /HASHES count must be 1\.\.4096, got 0/],
      ['HASHES request over the limit', concat([0x02], u32(0), u32(MAX_HASHES_PER_FRAME + 1)), /HASHES count must be 1\.\.4096, got 4097/],
      ['CHUNK request of 6 bytes', concat([0x03], u32(0), [0]), /a 0x03 frame is 5 bytes, got 6/],
      ['DONE with a payload', bytes(0x04, 0), /a 0x04 frame is 1 bytes, got 2/],
      ['OK with a payload', bytes(0x84, 0), /a 0x84 frame is 1 bytes, got 2/],
      ['READY of 16 bytes', concat([0x81], u32(0), u32(1), u32(65536), [0, 0, 1]), /a 0x81 frame is 17 bytes, got 16/],
      ['READY with a size of 2^53', concat([0x81], u32(0x20_0000), u32(0), u32(MAX_CHUNK_BYTES), u32(0)), /size must be below 2\^53, got 9007199254740992/],
      ['READY with a chunk size not a power of two', concat([0x81], u32(0), u32(100), u32(3 * 16384), u32(1)), /chunkSize must be a power of two in 16384\.\.1048576, got 49152/],
      ['READY with a chunk size under the minimum', concat([0x81], u32(0), u32(100), u32(8192), u32(1)), /chunkSize .* got 8192/],
      ['READY with a chunk size over the maximum', concat([0x81], u32(0), u32(100), u32(2 * MAX_CHUNK_BYTES), u32(1)), /chunkSize .* got 2097152/],
      ['READY whose chunk count does not fit in 32 bits', concat([0x81], u32(0x1f_ffff), u32(0xffff_ffff), u32(MAX_CHUNK_BYTES), u32(0)),
        /chunkCount must be ceil\(size \/ chunkSize\) = 8589934592, got 0/],
      ['READY with a wrong chunk count', concat([0x81], u32(0), u32(16385), u32(16384), u32(1)), /chunkCount must be ceil\(size \/ chunkSize\) = 2, got 1/],
      ['READY of an empty file with a chunk', concat([0x81], u32(0), u32(0), u32(16384), u32(1)), /= 0, got 1/],
      ['HASHES without hashes', concat([0x82], u32(0)), /HASHES must carry 1\.\.4096 hashes of 32 bytes, got 0 bytes/],
      ['HASHES with a partial hash', concat([0x82], u32(0), SHA, [1]), /got 33 bytes/],
      ['HASHES of 4 bytes', bytes(0x82, 0, 0, 0), /a 0x82 frame is at least 5 bytes, got 4/],
      ['CHUNK without data', concat([0x83], u32(0)), /CHUNK data must be 1\.\.1048576 bytes, got 0/],
      ['ERROR without a code', bytes(0x8f), /a 0x8f frame is at least 2 bytes, got 1/],
      ['ERROR with code 0', bytes(0x8f, 0), /unknown ERROR code 0/],
      ['ERROR with code 7', bytes(0x8f, 7), /unknown ERROR code 7/],
      ['ERROR with invalid UTF-8', bytes(0x8f, 1, 0xff), /ERROR reason is not valid UTF-8/],
      ['ERROR with a reason over the limit', concat([0x8f, 1], new Uint8Array(MAX_REASON_BYTES + 1).fill(0x61)), /at most 256 bytes, got 257/],
      ['a reply from the dialer', bytes(0x84), /the dialer may only send .* got type 0x84/, 'dialer'],
      ['a request from the listener', bytes(0x04), /the listener may only send .* got type 0x04/, 'listener']
    ])('%s', (_name, body, detail, sender) => {
      expect(decodeError(body, sender)).toEqual(invalidFrame(detail))
    })

    it('refuses to encode what it would refuse to decode', () => {
      expect(() => encodeFileFrame({ type: 'open', id: 'not-a-ulid', sha256: SHA })).toThrow(/transfer id must be a ULID/)
      expect(() => encodeFileFrame({ type: 'cancel', id: ID, sha256: SHA.subarray(1) })).toThrow(/sha256 must be 32 bytes, got 31/)
      expect(() => encodeFileFrame({ type: 'chunk-request', index: -1 })).toThrow(/index must be an integer 0\.\.2\^32-1, got -1/)
      expect(() => encodeFileFrame({ type: 'ready', size: 1.5, chunkSize: 16384, chunkCount: 1 })).toThrow(/size must be an integer/)
      expect(() => encodeFileFrame({ type: 'ready', size: 2 ** 53 - 1, chunkSize: MAX_CHUNK_BYTES, chunkCount: 2 ** 33 })).toThrow(/chunkCount must be an integer 0\.\.2\^32-1/)
      expect(() => encodeFileFrame({ type: 'chunk', index: 0, data: new Uint8Array(MAX_CHUNK_BYTES + 1) })).toThrow(/CHUNK data must be/)
      expect(() => encodeFileFrame({ type: 'error', code: 'teapot' as 'busy', reason: '' })).toThrow(/unknown ERROR code "teapot"/)
      expect(() => encodeFileFrame({ type: 'error', code: 'busy', reason: 'é'.repeat(129) })).toThrow(/at most 256 bytes/)
    })

    it('truncates a reason to 256 UTF-8 bytes on a character boundary', () => {
      const reason = truncateReason('é'.repeat(200))
      expect(reason).toBe('é'.repeat(128))
      expect(truncateReason('a'.repeat(255) + 'é')).toBe('a'.repeat(255))
      expect(() => encodeFileFrame({ type: 'error', code: 'busy', reason })).not.toThrow()
    })
  })

  describe('length prefix', () => {
    it('decodes up to 3 bytes and refuses a 4th before decoding it', () => {
      expect(decodeFrameLength(bytes(0x05))).toBe(5)
      expect(decodeFrameLength(new Uint8ArrayList(bytes(0x85, 0x80, 0x40)))).toBe(5 + 0x40 * 2 ** 14)
      expect(() => decodeFrameLength(bytes(0x85))).toThrow(RangeError)
      expect(() => decodeFrameLength(bytes(0x80, 0x80, 0x80, 0x01))).toThrow(expect.objectContaining({
        name: 'InvalidMessageError', message: 'Invalid file frame: length prefix is longer than 3 bytes'
      }))
    })
  })
})
