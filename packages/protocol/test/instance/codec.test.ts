import { describe, expect, it } from 'vitest'
import {
  INSTANCE_HELLO_BYTES, INSTANCE_ID_BYTES, MAX_INSTANCE_REASON_BYTES, MAX_INSTANCE_RELAY_FRAME_BYTES, MAX_OTHER_INSTANCES, InstanceFrameError,
  InstanceRefusedError, decodeInstanceFrame, decodeInstanceHello, encodeInstanceError, encodeInstanceHello, encodeInstanceOthers, instanceHex
} from '../../src/instance/codec.ts'

/** `/parley/instance/1.0.0` frames (docs/protocols.md, "One identity, one place"): exact bytes, round trips, and every malformed shape refused in words. */

const id = (fill: number): Uint8Array => new Uint8Array(INSTANCE_ID_BYTES).fill(fill)

/** What `fn` throws. */
function thrown (fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('it did not throw')
}

describe('instance codec', () => {
  it('encodes a hello to the documented bytes and decodes it back', () => {
    const hello = encodeInstanceHello(id(0xab))
    expect(hello).toEqual(Uint8Array.of(0x01, ...id(0xab)))
    expect(hello.byteLength).toBe(INSTANCE_HELLO_BYTES)
    expect(decodeInstanceHello(hello)).toEqual(id(0xab))
    expect(() => encodeInstanceHello(new Uint8Array(15))).toThrow(new InstanceFrameError('an instance hello: an instance id is 16 bytes, not 15'))
  })

  it('refuses malformed hellos with a sentence', () => {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'an instance hello: the frame is empty'],
      [Uint8Array.of(0x00, ...id(1)), 'an instance hello: unknown frame type 0'],
      [Uint8Array.of(0x01, ...new Uint8Array(15)), 'an instance hello: 17 bytes, not 16'],
      [Uint8Array.of(0x01, ...id(1), 0x00), 'an instance hello: 17 bytes, not 18']
    ]
    for (const [frame, message] of cases) expect(() => decodeInstanceHello(frame)).toThrow(new InstanceFrameError(message))
  })

  it('encodes the other instances to the documented bytes, big-endian ages, and decodes them back', () => {
    expect(encodeInstanceOthers([])).toEqual(Uint8Array.of(0x00, 0x00))
    const frame = encodeInstanceOthers([{ id: id(0x11), ageS: 0x01020304 }, { id: id(0x22), ageS: 0 }])
    expect(frame).toEqual(Uint8Array.of(0x00, 0x02, ...id(0x11), 0x01, 0x02, 0x03, 0x04, ...id(0x22), 0, 0, 0, 0))
    expect(decodeInstanceFrame(frame)).toEqual([{ id: id(0x11), ageS: 0x01020304 }, { id: id(0x22), ageS: 0 }])
    const full = encodeInstanceOthers(Array.from({ length: MAX_OTHER_INSTANCES }, (_, i) => ({ id: id(i), ageS: 0xffff_ffff })))
    expect(full.byteLength).toBeLessThanOrEqual(MAX_INSTANCE_RELAY_FRAME_BYTES)
    expect(decodeInstanceFrame(full)).toHaveLength(MAX_OTHER_INSTANCES)
    expect(instanceHex(Uint8Array.of(0x00, 0x0f, 0xff))).toBe('000fff')
  })

  it('refuses to encode what a relay may not send', () => {
    expect(() => encodeInstanceOthers(Array.from({ length: MAX_OTHER_INSTANCES + 1 }, (_, i) => ({ id: id(i), ageS: 0 }))))
      .toThrow(new InstanceFrameError(`an instance list: at most ${MAX_OTHER_INSTANCES} instances, not ${MAX_OTHER_INSTANCES + 1}`))
    expect(() => encodeInstanceOthers([{ id: id(1), ageS: 1 }, { id: id(1), ageS: 2 }])).toThrow(new InstanceFrameError(`an instance list: instance ${'01'.repeat(16)} is listed twice`))
    expect(() => encodeInstanceOthers([{ id: id(1), ageS: -1 }])).toThrow(/an age is a whole number of seconds/)
    expect(() => encodeInstanceOthers([{ id: id(1), ageS: 2 ** 32 }])).toThrow(/an age is a whole number of seconds/)
  })

  it('refuses malformed frames from the relay with a sentence', () => {
    const cases: Array<[Uint8Array, string]> = [
      [new Uint8Array(0), 'a frame from the relay is empty'],
      [Uint8Array.of(0x00), 'an instance list: the frame ends inside the count'],
      [Uint8Array.of(0x00, MAX_OTHER_INSTANCES + 1), `an instance list: at most ${MAX_OTHER_INSTANCES} instances, not ${MAX_OTHER_INSTANCES + 1}`],
      [Uint8Array.of(0x00, 0x01, ...id(1)), 'an instance list: 1 instances take 22 bytes, not 18'],
      [Uint8Array.of(0x00, 0x00, 0x00), 'an instance list: 0 instances take 2 bytes, not 3'],
      [Uint8Array.of(0x00, 0x02, ...id(1), 0, 0, 0, 1, ...id(1), 0, 0, 0, 2), `an instance list: instance ${'01'.repeat(16)} is listed twice`],
      [Uint8Array.of(0x09, 0x41), 'a frame from the relay: unknown status 9'],
      [Uint8Array.of(0x01, ...new Uint8Array(MAX_INSTANCE_REASON_BYTES + 1)), 'an instance error: the reason is too long']
    ]
    for (const [frame, message] of cases) expect(() => decodeInstanceFrame(frame)).toThrow(new InstanceFrameError(message))
  })

  it('turns an error frame into InstanceRefusedError with its code and reason, the reason cut to 200 bytes', () => {
    expect(encodeInstanceError('too-many', 'no')).toEqual(Uint8Array.of(0x02, 0x6e, 0x6f))
    const err = thrown(() => decodeInstanceFrame(encodeInstanceError('rate-limited', 'slow down')))
    expect(err).toBeInstanceOf(InstanceRefusedError)
    expect(err).toMatchObject({ code: 'rate-limited', reason: 'slow down', message: 'the relay refused the instance stream: rate-limited (slow down)' })
    const long = encodeInstanceError('unavailable', 'x'.repeat(500))
    expect(long.byteLength).toBe(1 + MAX_INSTANCE_REASON_BYTES)
    expect(thrown(() => decodeInstanceFrame(long))).toMatchObject({ code: 'unavailable', reason: 'x'.repeat(MAX_INSTANCE_REASON_BYTES) })
    for (const [code, name] of [[1, 'bad-request'], [2, 'too-many'], [3, 'full'], [4, 'rate-limited'], [5, 'unavailable']] as const) {
      expect(thrown(() => decodeInstanceFrame(Uint8Array.of(code)))).toMatchObject({ code: name, reason: '' })
    }
  })
})
