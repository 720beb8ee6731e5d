/**
 * The link run over a real in-memory stream pair, each side a FrameStream
 * with LINK_FRAME_LIMITS driving its state machine: the frames go through
 * libp2p's length-prefixed framing as a client would send them, and a
 * frame over the limit is refused from its length prefix.
 */
import { streamPair } from '@libp2p/utils'
import { describe, expect, it } from 'vitest'
import { FrameStream } from '../../src/framing.ts'
import { DeviceLink, ExistingLink, LINK_FRAME_LIMITS, LINK_PROTOCOL, MAX_LINK_FRAME_BYTES } from '../../src/link/index.ts'
import type { LinkStep } from '../../src/link/index.ts'
import { ACCOUNT, DEVICE, EXISTING, fakeClock, qrOf } from './helpers.ts'

const STATE = { id: '01JDZQ3W7T8N6V5X4B2C1K0M9P', size: 1000, chunkSize: 524_288, sha256: 'a'.repeat(64), listHash: 'b'.repeat(64) }

async function write (frames: FrameStream, step: LinkStep, signal: AbortSignal): Promise<void> {
  if (step.send !== undefined) await frames.write(step.send, { signal })
}

async function read (frames: FrameStream, signal: AbortSignal): Promise<Uint8Array> {
  const bytes = await frames.read({ signal })
  if (bytes === null) throw new Error('the stream ended')
  return bytes
}

describe('a link run over a stream', () => {
  it('plays hello, hello, granted, done through the framing, and both sides reach the same code', async () => {
    const [toDevice, atDevice] = await streamPair({ protocol: LINK_PROTOCOL })
    const signal = AbortSignal.timeout(5_000)
    const clock = fakeClock()
    const existing = new ExistingLink({ qr: qrOf(), account: ACCOUNT, name: 'Alice', self: EXISTING, now: clock.now })
    const device = new DeviceLink({ qr: qrOf(), now: clock.now })
    const a = new FrameStream(toDevice, LINK_FRAME_LIMITS)
    const n = new FrameStream(atDevice, LINK_FRAME_LIMITS)

    await write(a, existing.start(DEVICE), signal)
    await write(n, device.hello(EXISTING, await read(n, signal)), signal)
    expect(existing.receive(await read(a, signal))).toEqual({})
    const codes = [device.state, existing.state].map(s => s.phase === 'confirming' ? s.agreement.code : s.phase)
    expect(codes[0]).toMatch(/^\d{6}$/)
    expect(codes[1]).toBe(codes[0])

    await write(a, existing.grant({ body: 'b', sig: 's' }, STATE), signal)
    expect(device.receive(await read(n, signal))).toEqual({})
    await write(n, device.finish(), signal)
    expect(existing.receive(await read(a, signal))).toEqual({ end: 'close' })
    expect([existing.state.phase, device.state.phase]).toEqual(['done', 'done'])
    toDevice.abort(new Error('done'))
    atDevice.abort(new Error('done'))
  })

  it('refuses a frame announcing more than MAX_LINK_FRAME_BYTES from its length prefix, and a prefix over 2 bytes', async () => {
    for (const prefix of [Uint8Array.of(0x81, 0x40), Uint8Array.of(0x80, 0x80, 0x01)]) {
      const [out, inb] = await streamPair({ protocol: LINK_PROTOCOL })
      const frames = new FrameStream(inb, LINK_FRAME_LIMITS)
      out.send(prefix)
      await expect(frames.read({ signal: AbortSignal.timeout(5_000) })).rejects.toMatchObject({ name: 'InvalidMessageError' })
      out.abort(new Error('done'))
      inb.abort(new Error('done'))
    }
    // 0x81 0x40 announces 8,193 bytes: one over
    expect(0x01 + 0x40 * 128).toBe(MAX_LINK_FRAME_BYTES + 1)
  })
})
