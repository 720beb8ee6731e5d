/**
 * The length-prefix fast path (src/length-prefix.ts): @libp2p/utils'
 * LengthPrefixedDecoder, with the 2-byte big-endian prefix @libp2p/noise
 * uses, decodes the same frames from any split of the bytes, and no longer
 * makes a RangeError for each chunk it is given.
 */
import { LengthPrefixedDecoder } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { installLengthPrefixFastPath } from '../src/length-prefix.ts'
import type { Uint8ArrayList } from 'uint8arraylist'

/** @libp2p/noise's uint16BEDecode: a RangeError when fewer than 2 bytes are there. */
function uint16BE (data: Uint8ArrayList | Uint8Array): number {
  if (data.length < 2) throw RangeError('Could not decode int16BE')
  return data instanceof Uint8Array ? (data[0] ?? 0) * 256 + (data[1] ?? 0) : data.getUint16(0)
}

const decoder = (): LengthPrefixedDecoder => new LengthPrefixedDecoder({ lengthDecoder: uint16BE, encodingLength: () => 2 })

function framed (payloads: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(payloads.reduce((n, p) => n + 2 + p.byteLength, 0))
  let at = 0
  for (const p of payloads) {
    out[at] = p.byteLength >> 8
    out[at + 1] = p.byteLength & 0xff
    out.set(p, at + 2)
    at += 2 + p.byteLength
  }
  return out
}

/** Feeds `bytes` to a decoder in pieces cut at `cuts`; the frames it gave. */
function decodeIn (bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const d = decoder()
  const frames: Uint8Array[] = []
  let from = 0
  for (const to of [...cuts, bytes.byteLength]) {
    for (const frame of d.decode(bytes.subarray(from, to))) frames.push(frame.subarray())
    from = to
  }
  return frames
}

/** How many RangeErrors `fn` makes (called or constructed: noise calls `RangeError(…)`). */
function rangeErrorsMadeBy (fn: () => void): number {
  const original = globalThis.RangeError
  let made = 0
  globalThis.RangeError = new Proxy(original, {
    apply (target, _this, args: [string?]) { made++; return new target(...args) },
    construct (target, args: [string?]) { made++; return new target(...args) }
  })
  try {
    fn()
  } finally {
    globalThis.RangeError = original
  }
  return made
}

describe('installLengthPrefixFastPath', () => {
  const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(300).fill(7), new Uint8Array([9]), new Uint8Array(4_000).fill(5)]
  const bytes = framed(payloads)

  it('before it is installed, each chunk ends in a new RangeError (the cost it removes)', () => {
    const d = decoder()
    expect(rangeErrorsMadeBy(() => { for (let i = 0; i < 100; i++) expect([...d.decode(framed([new Uint8Array([i])]))]).toHaveLength(1) })).toBe(100)
  })

  it('installed: the same frames from every split of the bytes, whole frames make no RangeError, and installing again changes nothing', () => {
    installLengthPrefixFastPath()
    installLengthPrefixFastPath()
    // whole, cut at every byte, and cut inside and right after each length prefix
    const starts = payloads.map((_, i) => payloads.slice(0, i).reduce((n, p) => n + 2 + p.byteLength, 0))
    for (const cuts of [[], Array.from({ length: bytes.byteLength - 1 }, (_, i) => i + 1), starts.flatMap(s => [s + 1, s + 2])]) {
      expect(decodeIn(bytes, cuts)).toEqual(payloads)
    }
    const d = decoder()
    expect(rangeErrorsMadeBy(() => { for (let i = 0; i < 100; i++) expect([...d.decode(framed([new Uint8Array([i])]))]).toHaveLength(1) })).toBe(0)
    // a prefix cut short still waits for its second byte
    expect([...d.decode(new Uint8Array([0]))]).toEqual([])
    expect([...d.decode(new Uint8Array([1, 42]))].map(f => f.subarray())).toEqual([new Uint8Array([42])])
  })
})
