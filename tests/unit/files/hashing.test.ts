import { createHash } from 'node:crypto'
import { bytesToHex } from '@noble/hashes/utils.js'
import { describe, expect, it, vi } from 'vitest'
import {
  chunkCountOf, chunkSizeFor, fromHex, hashBlob, hashFile, listHashOf, WHOLE_FILE_SLICE_BYTES
} from '../../../src/lib/files/hashing.ts'
import { DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES, TARGET_CHUNKS } from '@parley/protocol/file/constants'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
const ABC_SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'

/** Node's own SHA-256, as the reference. */
const sha = (bytes: Uint8Array): Buffer => createHash('sha256').update(bytes).digest()

/** Deterministic bytes that differ from chunk to chunk. */
function bytesOf (size: number): Uint8Array<ArrayBuffer> {
  return Uint8Array.from({ length: size }, (_, i) => (i * 31 + (i >> 8)) & 0xff)
}

/** What hashFile must return, computed independently with node:crypto. */
function reference (bytes: Uint8Array, chunkSize: number): { sha256: string, hashes: Uint8Array, listHash: string } {
  const parts: Buffer[] = []
  for (let start = 0; start < bytes.length; start += chunkSize) parts.push(sha(bytes.subarray(start, start + chunkSize)))
  const hashes = new Uint8Array(Buffer.concat(parts))
  return { sha256: sha(bytes).toString('hex'), hashes, listHash: sha(hashes).toString('hex') }
}

describe('chunkSizeFor', () => {
  it.each([
    [0, DEFAULT_CHUNK_BYTES],
    [1, 512 * KiB],
    [1 * GiB, 512 * KiB],
    [2 * GiB, 512 * KiB],
    [2 * GiB + 1, 1 * MiB],
    [4 * GiB, 1 * MiB],
    [4 * GiB + 1, MAX_CHUNK_BYTES],
    [64 * GiB, MAX_CHUNK_BYTES]
  ])('%i bytes → %i-byte chunks', (size, expected) => {
    expect(chunkSizeFor(size)).toBe(expected)
  })

  it('keeps files up to the target within TARGET_CHUNKS chunks, and only past the cap beyond', () => {
    for (const size of [1 * GiB, 3 * GiB + 7, 4 * GiB]) expect(chunkCountOf(size, chunkSizeFor(size))).toBeLessThanOrEqual(TARGET_CHUNKS)
    expect(chunkCountOf(64 * GiB, chunkSizeFor(64 * GiB))).toBe(64 * 1024)
  })

  it('refuses a size that is not a whole number ≥ 0', () => {
    expect(() => chunkSizeFor(-1)).toThrow(RangeError)
    expect(() => chunkSizeFor(1.5)).toThrow(RangeError)
    expect(() => chunkSizeFor(Number.NaN)).toThrow(RangeError)
  })
})

describe('hashFile', () => {
  it('hashes an empty file: no chunks, the SHA-256 of nothing', async () => {
    const result = await hashFile(new Blob([]), 4)
    expect(result).toEqual({ sha256: EMPTY_SHA256, hashes: new Uint8Array(0), listHash: EMPTY_SHA256 })
  })

  it('hashes "abc" to the known vector, one hash per chunk', async () => {
    const abc = new TextEncoder().encode('abc')
    const whole = await hashFile(new Blob([abc]), 4)
    expect(whole.sha256).toBe(ABC_SHA256)
    expect(bytesToHex(whole.hashes)).toBe(ABC_SHA256)
    expect(whole.listHash).toBe(sha(fromHex(ABC_SHA256)).toString('hex'))

    const perByte = await hashFile(new Blob([abc]), 1)
    expect(perByte.sha256).toBe(ABC_SHA256)
    expect(perByte).toEqual(reference(abc, 1))
    expect(perByte.hashes).toHaveLength(96)
  })

  it.each([
    ['one byte', 1],
    ['less than one chunk', 63],
    ['exactly one chunk', 64],
    ['an exact multiple of the chunk size', 64 * 5],
    ['a multiple plus one', 64 * 5 + 1]
  ])('matches node:crypto for %s', async (_what, size) => {
    const bytes = bytesOf(size)
    const result = await hashFile(new Blob([bytes]), 64)
    expect(result).toEqual(reference(bytes, 64))
    expect(result.hashes.byteLength).toBe(chunkCountOf(size, 64) * 32)
  })

  it('reads one chunk at a time and reports the bytes hashed so far', async () => {
    const blob = new Blob([bytesOf(250)])
    const slice = vi.spyOn(blob, 'slice')
    const progress: number[] = []
    await hashFile(blob, 100, { onProgress: (bytes) => { progress.push(bytes) } })
    expect(slice.mock.calls).toEqual([[0, 100], [100, 200], [200, 300]])
    expect(progress).toEqual([100, 200, 250])
  })

  it('stops when aborted, with the signal\'s reason', async () => {
    const controller = new AbortController()
    const reason = new Error('user cancelled')
    const seen: number[] = []
    const hashing = hashFile(new Blob([bytesOf(500)]), 100, {
      signal: controller.signal,
      onProgress: (bytes) => { seen.push(bytes); if (bytes === 200) controller.abort(reason) }
    })
    await expect(hashing).rejects.toBe(reason)
    expect(seen).toEqual([100, 200])
    await expect(hashFile(new Blob([]), 4, { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('refuses a chunk size below 1', async () => {
    await expect(hashFile(new Blob(['x']), 0)).rejects.toThrow(RangeError)
  })
})

describe('hashBlob', () => {
  it('hashes a whole blob in 1 MiB slices and matches node:crypto', async () => {
    const bytes = bytesOf(WHOLE_FILE_SLICE_BYTES * 2 + 5)
    const blob = new Blob([bytes])
    const slice = vi.spyOn(blob, 'slice')
    const progress: number[] = []
    expect(await hashBlob(blob, { onProgress: (n) => { progress.push(n) } })).toBe(sha(bytes).toString('hex'))
    expect(slice).toHaveBeenCalledTimes(3)
    expect(progress).toEqual([MiB, 2 * MiB, 2 * MiB + 5])
  })

  it('hashes an empty blob and a blob made of parts', async () => {
    expect(await hashBlob(new Blob([]))).toBe(EMPTY_SHA256)
    expect(await hashBlob(new Blob(['a', new Uint8Array([0x62]), new Blob(['c'])]))).toBe(ABC_SHA256)
  })

  it('stops when aborted', async () => {
    await expect(hashBlob(new Blob(['abc']), { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' })
  })
})

describe('listHashOf, fromHex', () => {
  it('hashes the concatenated list and refuses a partial hash', () => {
    const hashes = new Uint8Array(64).fill(1)
    expect(listHashOf(hashes)).toBe(sha(hashes).toString('hex'))
    expect(listHashOf(new Uint8Array(0))).toBe(EMPTY_SHA256)
    expect(() => listHashOf(new Uint8Array(31))).toThrow(RangeError)
  })

  it('reads back the lowercase hex of any bytes', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    const hex = Buffer.from(bytes).toString('hex')
    expect(fromHex(hex)).toEqual(bytes)
    expect(fromHex('')).toEqual(new Uint8Array(0))
  })

  it.each(['abc', 'AB', '0x00', 'zz', ' 00', '00 ', 'g0'])('fromHex refuses %j', (hex) => {
    expect(() => fromHex(hex)).toThrow(RangeError)
  })
})
