/**
 * Fuzzing of the framed reader of `/parley/file/1.0.0` and `1.1.0` streams
 * (packages/protocol/src/file/frames.ts `FileFrames.read`: the one FrameStream (framing.ts) with the
 * file limits and `decodeFrameLength`, then `decodeFileFrame`). Contract
 * checked, for 10,000 generated inputs per property: a stream carrying
 * arbitrary bytes, mutated length-prefixed valid frames, or prefixes that
 * declare huge lengths (up to 2^53), delivered in arbitrary pieces, yields
 * frames, then null at a clean end, or rejects with `InvalidMessageError`
 * only (never a RangeError, UnexpectedEOFError or TypeError), and never
 * buffers what a prefix declares. Valid frames read back equal. In 1.1.0,
 * HASHES and CHUNK replies sealed with the file's cipher read back opened, and
 * sealed bytes that were changed, or sealed for another place in the file,
 * are InvalidMessageError too.
 *
 * The stream is a minimal in-memory stand-in with what `lpStream` uses
 * (message / remoteCloseWrite events, remoteWriteStatus, closeRead), so 10,000 runs take
 * seconds; one case also runs over a real `streamPair` to keep it honest.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { streamPair } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
import { encodeFileFrame } from '../../src/file/codec.ts'
import { FILE_PROTOCOL, MAX_FRAME_BYTES, MAX_FRAME_BYTES_OF, MAX_REQUEST_FRAME_BYTES } from '../../src/file/constants.ts'
import { FileFrames, Watchdog } from '../../src/file/frames.ts'
import { FileCipher } from '../../src/file/keyed.ts'
import { validFileFrame } from './file-arbs.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { mutate, mutationArb, typedAsync, varint } from './wire-helpers.ts'
import type { FileFrame, FileFrameSender } from '../../src/file/codec.ts'
import type { Stream } from '@libp2p/interface'

const INVALID = ['InvalidMessageError']
const BUFFER_BYTES = 4 * MAX_FRAME_BYTES

/** The part of a Stream that lpStream reads through: bytes arrive as 'message' events, the end as 'remoteCloseWrite'. */
class FakeStream extends EventTarget {
  remoteWriteStatus: 'writable' | 'closed' = 'writable'
  readonly readBufferLength = 0
  writeStatus = 'writable'
  aborted?: Error
  readonly log = Object.assign(() => {}, { error: () => {}, trace: () => {}, newScope: () => this.log })
  send (): boolean { return true }
  closeRead (): void {}
  push (): void {}
  unshift (): void {}
  abort (err: Error): void { this.aborted = err }
  deliver (data: Uint8Array): void { this.dispatchEvent(Object.assign(new Event('message'), { data: new Uint8ArrayList(data) })) }
  end (): void {
    this.remoteWriteStatus = 'closed'
    this.dispatchEvent(new Event('remoteCloseWrite'))
  }
}

/** Reads frames from `frames` until null or an error; returns what was read. */
async function readAll (frames: FileFrames, from: FileFrameSender, limit: number): Promise<{ frames: FileFrame[], error?: Error }> {
  const read: FileFrame[] = []
  for (let i = 0; i <= limit; i++) {
    const result = await typedAsync(async () => from === 'dialer' ? await frames.read('dialer') : await frames.read('listener'), INVALID)
    if (!result.ok) return { frames: read, error: result.error }
    if (result.value === null) return { frames: read }
    read.push(result.value)
  }
  throw new Error('more frames than bytes')
}

/** Feeds `bytes` in pieces cut at `cuts` to a FileFrames reader, then ends the stream, reading all the while. */
async function feed (bytes: Uint8Array, cuts: number[], from: FileFrameSender, maxDataLength: number, cipher?: FileCipher): Promise<{ frames: FileFrame[], error?: Error }> {
  const stream = new FakeStream()
  const watchdog = new Watchdog(5_000, 'fuzz read timed out', [])
  try {
    const frames = new FileFrames(stream as unknown as Stream, maxDataLength, BUFFER_BYTES, watchdog, cipher === undefined ? '1.0.0' : '1.1.0', cipher)
    const reading = readAll(frames, from, bytes.byteLength)
    const points = [...new Set(cuts.map(c => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)
    let at = 0
    for (const point of [...points, bytes.byteLength]) {
      if (point > at) stream.deliver(bytes.subarray(at, point))
      at = Math.max(at, point)
      await Promise.resolve()
    }
    stream.end()
    return await reading
  } finally {
    watchdog.dispose()
  }
}


const lengthPrefixed = (frames: FileFrame[]): Uint8Array => Uint8Array.from(frames.flatMap(f => {
  const body = encodeFileFrame(f)
  return [...varint(body.byteLength), ...body]
}))
const ownSender = (frame: FileFrame): FileFrameSender => (encodeFileFrame(frame)[0] ?? 0) < 0x80 ? 'dialer' : 'listener'
const cuts = fc.array(fc.nat(), { maxLength: 3 })
const sender = fc.constantFrom<FileFrameSender>('dialer', 'listener')
const maxData = fc.constantFrom(MAX_REQUEST_FRAME_BYTES, MAX_FRAME_BYTES)
const plain = (frames: FileFrame[]): string => JSON.stringify(frames, (_, v: unknown) => v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)

describe('fuzz: FileFrames.read', () => {
  it('valid frames of one sender read back equal, then null', async () => {
    // the frames of the first one's sender (a stream carries one end's frames)
    const frames = fc.array(validFileFrame, { minLength: 1, maxLength: 4 }).map(all => {
      const from = ownSender(all[0] as FileFrame)
      return { from, list: all.filter(f => ownSender(f) === from) }
    })
    await fc.assert(fc.asyncProperty(frames, cuts, async ({ from, list }, at) => {
      const result = await feed(lengthPrefixed(list), at, from, MAX_FRAME_BYTES)
      expect(result.error).toBeUndefined()
      expectSame(plain(result.frames), plain(list))
    }), FUZZ_PARAMS)
  })

  it('arbitrary and mutated framed bytes yield frames, null or InvalidMessageError', async () => {
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc.tuple(fc.array(validFileFrame, { minLength: 1, maxLength: 3 }), mutationArb).map(([list, mutations]) => mutate(lengthPrefixed(list), mutations))
    )
    await fc.assert(fc.asyncProperty(input, cuts, sender, maxData, async (bytes, at, from, max) => {
      await feed(bytes, at, from, max)
    }), FUZZ_PARAMS)
  })

  it('huge declared lengths are refused with InvalidMessageError without buffering them', async () => {
    const input = fc.oneof(
      // a prefix declaring 2^21 .. 2^53 bytes (longer than the 3-byte limit), then a little data
      fc.tuple(fc.integer({ min: 2 ** 21, max: Number.MAX_SAFE_INTEGER }), fc.uint8Array({ maxLength: 16 })).map(([n, rest]) => Uint8Array.from([...varint(n), ...rest])),
      // a prefix just over the stream's limit
      fc.tuple(fc.integer({ min: MAX_FRAME_BYTES + 1, max: 2 ** 21 - 1 }), fc.uint8Array({ maxLength: 16 })).map(([n, rest]) => Uint8Array.from([...varint(n), ...rest]))
    )
    let refused = 0
    const before = process.memoryUsage().arrayBuffers
    await fc.assert(fc.asyncProperty(input, cuts, sender, async (bytes, at, from) => {
      const result = await feed(bytes, at, from, MAX_FRAME_BYTES)
      expectEqual(result.frames, [])
      expectSame(result.error?.name, 'InvalidMessageError')
      refused++
    }), FUZZ_PARAMS)
    expect(refused).toBeGreaterThanOrEqual(FUZZ_PARAMS.numRuns)
    // one 2^31-byte buffer would be 2 GiB; the whole run stays far below
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024)
  })

  it('over a real stream pair too: a huge prefix is InvalidMessageError, a valid frame reads back', async () => {
    const [out, inb] = await streamPair({ protocol: FILE_PROTOCOL })
    const watchdog = new Watchdog(5_000, 'timed out', [])
    const frames = new FileFrames(inb, MAX_FRAME_BYTES, BUFFER_BYTES, watchdog)
    const frame: FileFrame = { type: 'chunk-request', index: 7 }
    out.send(lengthPrefixed([frame]))
    out.send(Uint8Array.from(varint(2 ** 31)))
    await expect(frames.read('dialer')).resolves.toEqual(frame)
    await expect(frames.read('dialer')).rejects.toMatchObject({ name: 'InvalidMessageError' })
    watchdog.dispose()
    inb.abort(new Error('done'))
    out.abort(new Error('done'))
  })
})

describe('fuzz: FileFrames.read, 1.1.0', () => {
  const cipherOf = async (key: Uint8Array): Promise<FileCipher> => FileCipher.create(key)
  const key = fc.uint8Array({ minLength: 32, maxLength: 32 })
  /** The frame as 1.1.0 carries it: a HASHES or CHUNK payload sealed for its place (`shift` moves that place). */
  const sealed = async (cipher: FileCipher, frame: FileFrame, shift = 0): Promise<FileFrame> => {
    if (frame.type === 'hashes') return { ...frame, hashes: await cipher.seal('hashes', frame.from + shift, frame.hashes.byteLength / 32, frame.hashes) }
    if (frame.type === 'chunk') return { ...frame, data: await cipher.seal('chunk', frame.index + shift, 0, frame.data) }
    return frame
  }
  const wire = (frames: FileFrame[]): Uint8Array => Uint8Array.from(frames.flatMap(f => {
    const body = encodeFileFrame(f, '1.1.0')
    return [...varint(body.byteLength), ...body]
  }))
  const replies = fc.array(validFileFrame.filter(f => ownSender(f) === 'listener'), { minLength: 1, maxLength: 3 })

  it('replies sealed with the file\'s cipher read back opened, then null', async () => {
    await fc.assert(fc.asyncProperty(key, replies, cuts, async (k, list, at) => {
      const cipher = await cipherOf(k)
      const bytes = wire(await Promise.all(list.map(async f => sealed(cipher, f))))
      const result = await feed(bytes, at, 'listener', MAX_FRAME_BYTES_OF['1.1.0'], cipher)
      expect(result.error).toBeUndefined()
      expectSame(plain(result.frames), plain(list))
    }), FUZZ_PARAMS)
  })

  it('changed sealed bytes, another key or another place yield frames, null or InvalidMessageError, never a wrong payload', async () => {
    const change = fc.oneof(
      fc.record({ kind: fc.constant('mutate' as const), mutations: mutationArb }),
      fc.record({ kind: fc.constant('other-key' as const), other: key }),
      fc.record({ kind: fc.constant('other-place' as const), shift: fc.integer({ min: 1, max: 1000 }) })
    )
    await fc.assert(fc.asyncProperty(key, replies, change, cuts, async (k, list, how, at) => {
      const cipher = await cipherOf(k)
      const sealer = how.kind === 'other-key' ? await cipherOf(how.other) : cipher
      const sent = await Promise.all(list.map(async f => sealed(sealer, f, how.kind === 'other-place' ? how.shift : 0)))
      const bytes = how.kind === 'mutate' ? mutate(wire(sent), how.mutations) : wire(sent)
      const result = await feed(bytes, at, 'listener', MAX_FRAME_BYTES_OF['1.1.0'], cipher)
      // whatever opened is what was sealed: a payload never opens to other bytes
      const payloads = new Set(list.flatMap(f => f.type === 'hashes' ? [Buffer.from(f.hashes).toString('hex')] : f.type === 'chunk' ? [Buffer.from(f.data).toString('hex')] : []))
      const opened = result.frames.flatMap(f => f.type === 'hashes' ? [f.hashes] : f.type === 'chunk' ? [f.data] : [])
      expectEqual(opened.filter(p => !payloads.has(Buffer.from(p).toString('hex'))), [])
      // unchanged bytes sealed with another key or for another place: the first sealed reply is refused
      const sealedReplies = list.some(f => f.type === 'hashes' || f.type === 'chunk')
      const mustRefuse = how.kind !== 'mutate' && sealedReplies && !(how.kind === 'other-key' && Buffer.from(how.other).equals(Buffer.from(k)))
      const refused = /does not open with the file's key/.test(result.error?.message ?? '')
      expectEqual({ mustRefuse, refused: mustRefuse && refused }, { mustRefuse, refused: mustRefuse })
    }), FUZZ_PARAMS)
  })
})
