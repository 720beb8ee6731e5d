import { createHash } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createSha256, nobleSha256, resetSha256Fallback } from '../../../src/lib/files/sha256-stream.ts'
import type { Sha256Stream } from '../../../src/lib/files/sha256-stream.ts'

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

/** Deterministic bytes. */
function bytesOf (size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 131 + (i >> 9)) & 0xff)
}

/** Feeds `bytes` to `stream` in pieces of the given sizes (cycled), then digests. */
function feed (stream: Sha256Stream, bytes: Uint8Array, sizes: number[]): string {
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1
    stream.update(bytes.subarray(at, at + size))
    at += size
  }
  return hex(stream.digest())
}

afterEach(() => {
  resetSha256Fallback()
  vi.restoreAllMocks()
})

describe('createSha256', () => {
  it('gives the SHA-256 of nothing when nothing is added', async () => {
    expect(hex((await createSha256()).digest())).toBe(EMPTY_SHA256)
  })

  it('matches node:crypto whatever the pieces: block-straddling, tiny, empty and large ones', async () => {
    const bytes = bytesOf(3 * 1024 * 1024 + 77)
    const expected = createHash('sha256').update(bytes).digest('hex')
    for (const sizes of [[1], [63, 65, 0, 1], [16 * 1024], [512 * 1024 + 3], [bytes.length]]) {
      // one byte at a time over 3 MiB is slow: the single-byte case hashes a prefix only
      const input = sizes[0] === 1 ? bytes.subarray(0, 4099) : bytes
      const reference = sizes[0] === 1 ? createHash('sha256').update(input).digest('hex') : expected
      expect(feed(await createSha256(), input, sizes)).toBe(reference)
    }
  })

  it('hashes a view into a larger buffer by its own bytes only', async () => {
    const backing = bytesOf(4096)
    const view = backing.subarray(100, 1100)
    expect(feed(await createSha256(), view, [333])).toBe(createHash('sha256').update(view).digest('hex'))
  })

  it('keeps separate streams apart', async () => {
    const a = await createSha256()
    const b = await createSha256()
    a.update(bytesOf(1000))
    b.update(new Uint8Array([1, 2, 3]))
    expect(hex(b.digest())).toBe(createHash('sha256').update(new Uint8Array([1, 2, 3])).digest('hex'))
    expect(hex(a.digest())).toBe(createHash('sha256').update(bytesOf(1000)).digest('hex'))
  })

  it('falls back to the JavaScript hasher, with the same digest, where WebAssembly fails; and tries it only once', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const load = vi.fn(async (): Promise<Sha256Stream> => { throw new WebAssembly.CompileError('refused by CSP') })
    const bytes = bytesOf(200_000)
    const expected = createHash('sha256').update(bytes).digest('hex')
    expect(feed(await createSha256(load), bytes, [4096])).toBe(expected)
    expect(feed(await createSha256(load), bytes, [7])).toBe(expected)
    expect(load).toHaveBeenCalledTimes(1)
    expect(warn).toHaveBeenCalledTimes(1)
  })

  it('uses the loader it is given while it works', async () => {
    const made = nobleSha256()
    const load = vi.fn(async () => made)
    expect(await createSha256(load)).toBe(made)
    expect(await createSha256(load)).toBe(made)
    expect(load).toHaveBeenCalledTimes(2)
  })
})
