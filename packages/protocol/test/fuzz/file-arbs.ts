/**
 * Generators of valid `/parley/file/1.0.0` frames for the file fuzzers
 * (file-codec.test.ts, file-frames.test.ts).
 */
import fc from 'fast-check'
import { ERROR_CODES, chunkCountOf, truncateReason } from '../../src/file/codec.ts'
import { MAX_CHUNK_BYTES, MAX_HASHES_PER_FRAME, MIN_CHUNK_BYTES } from '../../src/file/constants.ts'
import type { FileFrame } from '../../src/file/codec.ts'
import type { FileWireErrorCode } from '../../src/file/errors.ts'

const U32 = 0xffff_ffff
const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 })
const u32 = fc.nat({ max: U32 })
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 })
const chunkSize = fc.integer({ min: Math.log2(MIN_CHUNK_BYTES), max: Math.log2(MAX_CHUNK_BYTES) }).map(e => 2 ** e)

/** Every kind of valid file frame, with small payloads. */
export const validFileFrame: fc.Arbitrary<FileFrame> = fc.oneof(
  fc.record({ type: fc.constantFrom('open' as const, 'cancel' as const), id: ulid, sha256: hash }),
  fc.record({ type: fc.constant('hashes-request' as const), from: u32, count: fc.integer({ min: 1, max: MAX_HASHES_PER_FRAME }) }),
  fc.record({ type: fc.constant('chunk-request' as const), index: u32 }),
  fc.record({ type: fc.constantFrom('done' as const, 'ok' as const) }),
  fc.tuple(chunkSize, fc.double({ min: 0, max: 1, noNaN: true })).map(([cs, f]) => {
    const size = Math.floor(f * Math.min(Number.MAX_SAFE_INTEGER, cs * U32))
    return { type: 'ready' as const, size, chunkSize: cs, chunkCount: chunkCountOf(size, cs) }
  }),
  fc.record({ type: fc.constant('hashes' as const), from: u32, hashes: fc.integer({ min: 1, max: 8 }).chain(n => fc.uint8Array({ minLength: 32 * n, maxLength: 32 * n })) }),
  fc.record({ type: fc.constant('chunk' as const), index: u32, data: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({
    type: fc.constant('error' as const),
    code: fc.constantFrom(...Object.keys(ERROR_CODES) as FileWireErrorCode[]),
    reason: fc.string({ unit: 'binary', maxLength: 80 }).map(s => truncateReason(s.replace(/[\uD800-\uDFFF]/g, '')))
  })
)

/**
 * Every kind of valid frame as 1.1.0 carries it on the wire: the payload of
 * a HASHES or CHUNK reply followed by 16 bytes standing for its seal's tag.
 */
export const validSealedFileFrame: fc.Arbitrary<FileFrame> = fc.tuple(validFileFrame, fc.uint8Array({ minLength: 16, maxLength: 16 })).map(([frame, tag]) => {
  if (frame.type === 'hashes') return { ...frame, hashes: Uint8Array.from([...frame.hashes, ...tag]) }
  if (frame.type === 'chunk') return { ...frame, data: Uint8Array.from([...frame.data, ...tag]) }
  return frame
})
