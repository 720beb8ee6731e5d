/**
 * Fuzzing of the `/parley/link/1.0.0` frames (src/link/frames.ts) and of the
 * state machines that read them (device.ts, existing.ts). Contract checked,
 * for 10,000 generated inputs per property:
 * - arbitrary bytes, arbitrary JSON values and near-valid frames of every
 *   type (hello either way, granted, done, cancel: their keys with right or
 *   wrong values, some left out, a stray one) decode or throw
 *   InvalidMessageError, with both sides' readers; a decoded frame
 *   re-encodes to an equal one;
 * - flipped, truncated, extended or spliced encodings of valid frames of
 *   each type decode or throw InvalidMessageError;
 * - frames over MAX_LINK_FRAME_BYTES are refused by their size;
 * - any sequence of frames and clock moves fed to either state machine
 *   returns a step (never throws), never leaves a finished run, and answers
 *   a frame it refuses with a `cancel`.
 */
/* eslint vitest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expect*", "fc.assert"] }] -- fc.assert fails the test on any failing case */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { toBase64Url } from '../../src/base64.ts'
import { LINK_CONFIRM_TIMEOUT_MS, MAX_LINK_FRAME_BYTES } from '../../src/link/constants.ts'
import { DeviceLink } from '../../src/link/device.ts'
import { LINK_CANCEL_REASONS } from '../../src/link/errors.ts'
import { ExistingLink } from '../../src/link/existing.ts'
import { decodeFrameFromDevice, decodeFrameFromExisting, encodeFrameFromDevice, encodeFrameFromExisting } from '../../src/link/frames.ts'
import { ACCOUNT, DEVICE, EXISTING, STRANGER, countingRandom, fakeClock, qrOf } from '../link/helpers.ts'
import { expectEqual, expectSame, FUZZ_PARAMS } from '../../../../tests/unit/fuzz/runs.ts'
import { memoryGrowth, mutate, mutationArb, nearFrames, typed } from './wire-helpers.ts'
import type { FrameFromDevice, FrameFromExisting } from '../../src/link/frames.ts'
import type { LinkStep } from '../../src/link/step.ts'

const INVALID = ['InvalidMessageError']
const encoder = new TextEncoder()

/** Decodes `bytes` with both readers: each gives a frame that re-encodes to an equal one, or throws InvalidMessageError. Returns how many decoded. */
function decodeChecked (bytes: Uint8Array): number {
  let decoded = 0
  const fromA = typed(() => decodeFrameFromExisting(bytes), INVALID)
  if (fromA.ok) {
    decoded++
    expectEqual(decodeFrameFromExisting(encodeFrameFromExisting(fromA.value)), fromA.value)
  }
  const fromN = typed(() => decodeFrameFromDevice(bytes), INVALID)
  if (fromN.ok) {
    decoded++
    expectEqual(decodeFrameFromDevice(encodeFrameFromDevice(fromN.value)), fromN.value)
  }
  return decoded
}

const bytesText = (n: number): fc.Arbitrary<string> => fc.uint8Array({ minLength: n, maxLength: n }).map(toBase64Url)
const hex64 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 })
const ulid = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZ'), minLength: 26, maxLength: 26 }).map(s => `0${s.slice(1)}`)
const name = fc.oneof(fc.string({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 70 }), fc.constantFrom('', 'Alice', 'a\u0000b', '\uD800'))
const list = fc.record({ body: fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), fc.integer({ min: 4000, max: 4100 }).map(n => 'b'.repeat(n))), sig: fc.string({ minLength: 1, maxLength: 100 }) })
const state = fc.record({
  id: ulid,
  size: fc.oneof(fc.integer({ min: 1, max: 2 ** 32 }), fc.constantFrom(0, -1, 1.5, 4 * 1024 ** 3, 4 * 1024 ** 3 + 1, 2 ** 53)),
  chunkSize: fc.constantFrom(16_384, 524_288, 1_048_576, 8_192, 2_097_152, 600_000),
  sha256: hex64,
  listHash: hex64
})
const junk = fc.oneof(fc.jsonValue({ maxDepth: 1, depthSize: 'xsmall' }), fc.constantFrom<unknown>('hello', 'granted', 'done', 'cancel', ACCOUNT, STRANGER, 1, 2, [], {}, null, true, ''))
const GOOD: Record<string, fc.Arbitrary<unknown>> = {
  v: fc.constant(1),
  account: fc.constantFrom(ACCOUNT, STRANGER),
  name,
  nonce: bytesText(16),
  proof: bytesText(32),
  list,
  state,
  reason: fc.constantFrom(...LINK_CANCEL_REASONS)
}
const WRONG: Record<string, fc.Arbitrary<unknown>> = {
  nonce: fc.oneof(junk, fc.integer({ min: 0, max: 40 }).chain(bytesText), bytesText(16).map(t => `${t}==`)),
  proof: fc.oneof(junk, fc.integer({ min: 0, max: 40 }).chain(bytesText)),
  account: fc.oneof(junk, fc.constantFrom(ACCOUNT.slice(1), ACCOUNT.toLowerCase(), `${ACCOUNT}1`)),
  state: fc.oneof(junk, state.map(s => ({ ...s, key: 'x' }))),
  list: fc.oneof(junk, list.map(l => ({ ...l, v: 1 })))
}
const KEYS: Record<string, string[]> = {
  hello: ['v', 'account', 'name', 'nonce', 'proof'], granted: ['list', 'state'], done: [], cancel: ['reason']
}
const nearFrame = nearFrames(KEYS, GOOD, junk, (k) => WRONG[k] ?? junk)

const fromExisting: fc.Arbitrary<FrameFromExisting> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), v: fc.constant(1 as const), account: fc.constant(ACCOUNT), name: fc.string({ maxLength: 20 }).filter(s => !/[\u0000-\u001f\u007f-\u009f]/.test(s)), nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }), proof: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.record({ type: fc.constant('granted' as const), list: fc.record({ body: fc.string({ minLength: 1, maxLength: 300 }), sig: fc.string({ minLength: 1, maxLength: 100 }) }), state: state.filter(s => Number.isSafeInteger(s.size) && s.size >= 1 && s.size <= 4 * 1024 ** 3 && [16_384, 524_288, 1_048_576].includes(s.chunkSize)) }),
  fc.record({ type: fc.constant('cancel' as const), reason: fc.constantFrom(...LINK_CANCEL_REASONS) })
)
const fromDevice: fc.Arbitrary<FrameFromDevice> = fc.oneof(
  fc.record({ type: fc.constant('hello' as const), nonce: fc.uint8Array({ minLength: 16, maxLength: 16 }), proof: fc.uint8Array({ minLength: 32, maxLength: 32 }) }),
  fc.constant({ type: 'done' as const }),
  fc.record({ type: fc.constant('cancel' as const), reason: fc.constantFrom(...LINK_CANCEL_REASONS) })
)

describe('fuzz: link frames', () => {
  it('arbitrary bytes decode or throw InvalidMessageError, with both readers', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => { decodeChecked(bytes) }), FUZZ_PARAMS)
  })

  it('arbitrary JSON values decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => { decodeChecked(encoder.encode(JSON.stringify(value))) }), FUZZ_PARAMS)
  })

  it('near-valid frames of every type (their keys, right or wrong values) decode or throw InvalidMessageError', () => {
    let decoded = 0
    fc.assert(fc.property(nearFrame, (value) => { decoded += decodeChecked(encoder.encode(JSON.stringify(value))) }), FUZZ_PARAMS)
    // the generator reaches past the first checks
    expect(decoded).toBeGreaterThan(FUZZ_PARAMS.numRuns / 20)
  })

  it('valid frames round-trip, each side\'s, and mutated encodings of them decode or throw InvalidMessageError', () => {
    fc.assert(fc.property(fc.oneof(fromExisting.map(f => ({ side: 'existing' as const, bytes: encodeFrameFromExisting(f), frame: f as FrameFromExisting | FrameFromDevice })),
      fromDevice.map(f => ({ side: 'device' as const, bytes: encodeFrameFromDevice(f), frame: f as FrameFromExisting | FrameFromDevice }))), mutationArb, ({ side, bytes, frame }, mutations) => {
      expectEqual(side === 'existing' ? decodeFrameFromExisting(bytes) : decodeFrameFromDevice(bytes), frame)
      decodeChecked(mutate(bytes, mutations))
    }), FUZZ_PARAMS)
  })

  it('frames over MAX_LINK_FRAME_BYTES are refused by their size; a frame at the limit decodes', () => {
    const big = encoder.encode(`${' '.repeat(MAX_LINK_FRAME_BYTES + 4096)}{"type":"done"}`)
    let runs = 0
    const growth = memoryGrowth(() => {
      fc.assert(fc.property(fc.integer({ min: -64, max: 4096 }), (over) => {
        const result = typed(() => decodeFrameFromDevice(big.subarray(big.byteLength - MAX_LINK_FRAME_BYTES - over)), INVALID)
        const outcome = result.ok ? 'decoded' : result.error.message.includes(`over the limit of ${MAX_LINK_FRAME_BYTES}`) ? 'size' : 'content'
        expectSame(outcome, over > 0 ? 'size' : 'decoded')
        runs++
      }), FUZZ_PARAMS)
    })
    expectSame(runs, FUZZ_PARAMS.numRuns)
    expect(growth).toBeLessThan(64 * 1024 * 1024)
  })
})

/** One event fed to a state machine: a frame (valid, near-valid or bytes), a clock move, or an app call. */
type Call = 'finish' | 'grant' | 'delivered' | 'cancel' | 'closed' | 'tick'
type Event = { kind: 'frame', bytes: Uint8Array } | { kind: 'genuine' } | { kind: 'wait', ms: number } | { kind: 'call', call: Call }
const frameBytes = fc.oneof(
  fromExisting.map(encodeFrameFromExisting), fromDevice.map(encodeFrameFromDevice),
  nearFrame.map(v => encoder.encode(JSON.stringify(v))), fc.uint8Array({ maxLength: 40 })
)
const event: fc.Arbitrary<Event> = fc.oneof(
  { weight: 4, arbitrary: frameBytes.map(bytes => ({ kind: 'frame' as const, bytes })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'genuine' as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 * LINK_CONFIRM_TIMEOUT_MS }).map(ms => ({ kind: 'wait' as const, ms })) },
  { weight: 1, arbitrary: fc.constantFrom<Call>('finish', 'grant', 'delivered', 'cancel', 'closed', 'tick').map(call => ({ kind: 'call' as const, call })) }
)

/** A step that writes a frame writes a `cancel` of its side unless it is one of the few frames the run itself makes. */
function checkStep (step: LinkStep, side: 'device' | 'existing'): void {
  if (step.send === undefined) return
  const frame = side === 'device' ? decodeFrameFromDevice(step.send) : decodeFrameFromExisting(step.send)
  if (step.end === 'reset') expectEqual(frame, { type: 'cancel', reason: 'invalid' })
}

describe('fuzz: link state machines', () => {
  it('either side, fed any frames, clock moves and calls, returns steps, refuses with a cancel, and never leaves an ended run', () => {
    let reachedConfirming = 0
    fc.assert(fc.property(fc.constantFrom('device', 'existing'), fc.array(event, { maxLength: 12 }), (side, events) => {
      const clock = fakeClock()
      const random = countingRandom()
      const device = new DeviceLink({ qr: qrOf(), now: clock.now, random })
      const existing = new ExistingLink({ qr: qrOf(), account: ACCOUNT, name: 'Alice', self: EXISTING, now: clock.now, random })
      // the other side's hello, made with the QR code's secret, so a run can get past the proofs
      let genuine: Uint8Array
      if (side === 'existing') {
        const helloA = existing.start(DEVICE)
        checkStep(helloA, 'existing')
        genuine = new DeviceLink({ qr: qrOf(), now: clock.now, random }).hello(EXISTING, helloA.send ?? new Uint8Array(0)).send ?? new Uint8Array(0)
      } else {
        genuine = new ExistingLink({ qr: qrOf(), account: ACCOUNT, name: 'Alice', self: EXISTING, now: clock.now, random }).start(DEVICE).send ?? new Uint8Array(0)
      }
      let over = false
      let confirmed = false
      for (const e of events) {
        const machine = side === 'device' ? device : existing
        if (e.kind === 'wait') clock.advance(e.ms)
        let step: LinkStep = {}
        if (e.kind === 'frame' || e.kind === 'genuine') {
          const bytes = e.kind === 'frame' ? e.bytes : genuine
          step = side === 'device' ? (device.state.phase === 'waiting' ? device.hello(EXISTING, bytes) : device.receive(bytes)) : existing.receive(bytes)
        }
        if (e.kind === 'call') {
          const phase = machine.state.phase
          if (e.call === 'finish' && side === 'device' && (phase === 'receiving' || phase === 'done' || phase === 'ended')) step = device.finish()
          if (e.call === 'grant' && side === 'existing' && (phase === 'confirming' || phase === 'done' || phase === 'ended')) step = existing.grant({ body: 'b', sig: 's' }, { id: '01JDZQ3W7T8N6V5X4B2C1K0M9P', size: 1, chunkSize: 16_384, sha256: '0'.repeat(64), listHash: '0'.repeat(64) })
          if (e.call === 'delivered' && side === 'existing') existing.delivered()
          if (e.call === 'cancel') step = machine.cancel('declined')
          if (e.call === 'closed') machine.closed()
          if (e.call === 'tick') step = machine.tick()
        }
        checkStep(step, side)
        const phase = machine.state.phase
        const finished = phase === 'done' || phase === 'ended'
        expectSame(over && !finished, false)
        over = finished
        confirmed ||= phase === 'confirming'
      }
      if (confirmed) reachedConfirming++
    }), FUZZ_PARAMS)
    // the runs get past the proofs often enough to try what follows
    expect(reachedConfirming).toBeGreaterThan(FUZZ_PARAMS.numRuns / 20)
  })
})
