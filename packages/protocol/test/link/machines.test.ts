/**
 * The link state machines (src/link/device.ts, existing.ts) played against
 * each other on an injected clock: a whole run, and every refusal: a wrong
 * or replayed proof, a second hello, an expired QR code, timeouts, cancels
 * from either side, frames out of turn, a stream that ends.
 */
import { describe, expect, it } from 'vitest'
import { LINK_CONFIRM_TIMEOUT_MS, LINK_FRAME_TIMEOUT_MS, LINK_QR_TTL_MS, LINK_STATE_TIMEOUT_MS, MAX_LINK_BAD_HELLOS } from '../../src/link/constants.ts'
import { DeviceLink } from '../../src/link/device.ts'
import { ExistingLink } from '../../src/link/existing.ts'
import { decodeFrameFromDevice, decodeFrameFromExisting, encodeFrameFromExisting } from '../../src/link/frames.ts'
import { proofOfExisting } from '../../src/link/transcript.ts'
import type { LinkErrorCode } from '../../src/link/errors.ts'
import type { StateOffer } from '../../src/link/frames.ts'
import type { LinkStep } from '../../src/link/step.ts'
import { ACCOUNT, countingRandom, DEVICE, EXISTING, fakeClock, json, qrOf, STRANGER } from './helpers.ts'

const LIST = { body: '{"v":1}', sig: 'c2ln' }
const STATE: StateOffer = { id: '01JDZQ3W7T8N6V5X4B2C1K0M9P', size: 1000, chunkSize: 524_288, sha256: 'a'.repeat(64), listHash: 'b'.repeat(64) }

function setup (options: { deviceSecret?: number, existingSecret?: number } = {}): { clock: ReturnType<typeof fakeClock>, device: DeviceLink, existing: ExistingLink } {
  const clock = fakeClock()
  const random = countingRandom()
  return {
    clock,
    device: new DeviceLink({ qr: qrOf(options.deviceSecret), now: clock.now, random }),
    existing: new ExistingLink({ qr: qrOf(options.existingSecret), account: ACCOUNT, name: 'Alice', self: EXISTING, now: clock.now, random })
  }
}

function sent (step: LinkStep): Uint8Array {
  if (step.send === undefined) throw new Error('nothing sent')
  return step.send
}

/** The reason of the cancel a step writes. */
function cancelOf (step: LinkStep, from: 'device' | 'existing'): string {
  const frame = from === 'device' ? decodeFrameFromDevice(sent(step)) : decodeFrameFromExisting(sent(step))
  return frame.type === 'cancel' ? frame.reason : `not a cancel: ${frame.type}`
}

function endedWith (state: { phase: string, error?: { code: LinkErrorCode, byPeer: boolean } }): { code: LinkErrorCode, byPeer: boolean } | string {
  return state.phase === 'ended' && state.error !== undefined ? { code: state.error.code, byPeer: state.error.byPeer } : state.phase
}

/** Plays up to both hellos; returns A's hello too. */
function hellos (run: ReturnType<typeof setup>): Uint8Array {
  const helloA = sent(run.existing.start(DEVICE))
  const reply = run.device.hello(EXISTING, helloA)
  expect(reply.end).toBeUndefined()
  expect(run.existing.receive(sent(reply))).toEqual({})
  return helloA
}

describe('a link run', () => {
  it('goes hello, hello, the same code on both, granted, done', () => {
    const run = setup()
    hellos(run)
    const [d, e] = [run.device.state, run.existing.state]
    if (d.phase !== 'confirming' || e.phase !== 'confirming') throw new Error(`phases ${d.phase}, ${e.phase}`)
    expect(d.agreement.code).toMatch(/^\d{6}$/)
    expect(d.agreement.code).toBe(e.agreement.code)
    expect(d.agreement.stateKey).toEqual(e.agreement.stateKey)
    expect(d.agreement.parties).toEqual({ account: ACCOUNT, existing: EXISTING, device: DEVICE })
    expect(d.agreement.name).toBe('Alice')
    expect(run.device.peer).toBe(EXISTING)

    expect(run.device.receive(sent(run.existing.grant(LIST, STATE)))).toEqual({})
    expect(run.device.state).toMatchObject({ phase: 'receiving', list: LIST, state: STATE })
    const done = run.device.finish()
    expect(done.end).toBe('close')
    expect(run.existing.receive(sent(done))).toEqual({ end: 'close' })
    expect([run.device.state.phase, run.existing.state.phase]).toEqual(['done', 'done'])
    expect([run.device.deadline, run.existing.deadline]).toEqual([undefined, undefined])
  })

  it('nothing moves until the person confirms on A: the new device waits LINK_CONFIRM_TIMEOUT_MS, then times out', () => {
    const run = setup()
    const reply = sent(run.device.hello(EXISTING, sent(run.existing.start(DEVICE))))
    const deadline = run.clock.now() + LINK_CONFIRM_TIMEOUT_MS
    expect(run.device.deadline).toBe(deadline)
    // the new device's hello reaches A a moment later, so A's wait ends after the new device's
    run.clock.advance(1)
    run.existing.receive(reply)
    run.clock.advance(LINK_CONFIRM_TIMEOUT_MS - 2)
    expect(run.device.tick()).toEqual({})
    run.clock.advance(1)
    const late = run.device.tick()
    expect(cancelOf(late, 'device')).toBe('timeout')
    expect(endedWith(run.device.state)).toEqual({ code: 'timeout', byPeer: false })
    expect(run.existing.receive(sent(late))).toEqual({ end: 'close' })
    expect(endedWith(run.existing.state)).toEqual({ code: 'timeout', byPeer: true })
  })

  it.each(['declined', 'mismatch', 'full'] as const)('A cancels with %s: the new device ends with it, told by its peer', (reason) => {
    const run = setup()
    hellos(run)
    const step = run.existing.cancel(reason)
    expect(cancelOf(step, 'existing')).toBe(reason)
    expect(run.device.receive(sent(step))).toEqual({ end: 'close' })
    expect(endedWith(run.device.state)).toEqual({ code: reason, byPeer: true })
    expect(endedWith(run.existing.state)).toEqual({ code: reason, byPeer: false })
    expect(() => run.existing.grant(LIST, STATE)).not.toThrow()
    expect(run.existing.grant(LIST, STATE)).toEqual({})
  })

  it('the new device cancels after granted (the list did not verify): A ends with bad-list', () => {
    const run = setup()
    hellos(run)
    run.device.receive(sent(run.existing.grant(LIST, STATE)))
    const step = run.device.cancel('bad-list')
    expect(run.existing.receive(sent(step))).toEqual({ end: 'close' })
    expect(endedWith(run.existing.state)).toEqual({ code: 'bad-list', byPeer: true })
  })

  it('A gives up after LINK_STATE_TIMEOUT_MS without done', () => {
    const run = setup()
    hellos(run)
    run.device.receive(sent(run.existing.grant(LIST, STATE)))
    run.clock.advance(LINK_STATE_TIMEOUT_MS)
    expect(cancelOf(run.existing.receive(sent(run.device.finish())), 'existing')).toBe('timeout')
    expect(endedWith(run.existing.state)).toEqual({ code: 'timeout', byPeer: false })
  })

  it('a stream that ends without a cancel before granted ends the run as closed', () => {
    const run = setup()
    hellos(run)
    run.device.closed()
    run.existing.closed()
    expect(endedWith(run.device.state)).toEqual({ code: 'closed', byPeer: false })
    expect(endedWith(run.existing.state)).toEqual({ code: 'closed', byPeer: false })
  })

  it('after granted, a stream that ends leaves the pull to go on: the new device finishes, A is done when the state file is delivered', () => {
    const run = setup()
    hellos(run)
    run.device.receive(sent(run.existing.grant(LIST, STATE)))
    run.device.closed()
    run.existing.closed()
    expect([run.device.state.phase, run.existing.state.phase]).toEqual(['receiving', 'granted'])
    expect(run.device.finish().end).toBe('close')
    run.existing.delivered()
    expect([run.device.state.phase, run.existing.state.phase]).toEqual(['done', 'done'])
  })
})

describe('the new device refuses', () => {
  it('a proof made with another secret (bad-proof), and stays ready for the right one', () => {
    const run = setup({ existingSecret: 8 })
    const step = run.device.hello(EXISTING, sent(run.existing.start(DEVICE)))
    expect(cancelOf(step, 'device')).toBe('bad-proof')
    expect(step.end).toBe('close')
    expect(run.device.state.phase).toBe('waiting')
    const right = setup()
    const good = sent(right.existing.start(DEVICE))
    expect(run.device.hello(EXISTING, good).end).toBeUndefined()
    expect(run.device.state.phase).toBe('confirming')
  })

  it('a hello replayed from another connection: the proof names the PeerID that made it', () => {
    const run = setup()
    const helloA = sent(run.existing.start(DEVICE))
    expect(cancelOf(run.device.hello(STRANGER, helloA), 'device')).toBe('bad-proof')
    expect(run.device.state.phase).toBe('waiting')
  })

  it('a hello claiming another account than its proof covers', () => {
    const run = setup()
    const frame = decodeFrameFromExisting(sent(run.existing.start(DEVICE)))
    if (frame.type !== 'hello') throw new Error('not a hello')
    expect(cancelOf(run.device.hello(EXISTING, encodeFrameFromExisting({ ...frame, account: STRANGER })), 'device')).toBe('bad-proof')
  })

  it('a second hello, and the first one replayed, once a run is under way (used)', () => {
    const run = setup()
    const helloA = hellos(run)
    expect(cancelOf(run.device.hello(EXISTING, helloA), 'device')).toBe('used')
    const other = setup()
    expect(cancelOf(run.device.hello(STRANGER, sent(other.existing.start(DEVICE))), 'device')).toBe('used')
    // the run under way goes on
    expect(run.device.state.phase).toBe('confirming')
  })

  it('any hello after a finished run (the secret is single-use)', () => {
    const run = setup()
    const helloA = hellos(run)
    run.device.receive(sent(run.existing.grant(LIST, STATE)))
    run.device.finish()
    expect(cancelOf(run.device.hello(EXISTING, helloA), 'device')).toBe('used')
  })

  it('a hello after the QR code expired, on the clock (expired)', () => {
    const run = setup()
    expect(run.device.expiresAt).toBe(run.clock.now() + LINK_QR_TTL_MS)
    run.clock.advance(LINK_QR_TTL_MS)
    const step = run.device.hello(EXISTING, sent(run.existing.start(DEVICE)))
    expect(cancelOf(step, 'device')).toBe('expired')
    expect(endedWith(run.device.state)).toEqual({ code: 'expired', byPeer: false })
    expect(run.existing.receive(sent(step))).toEqual({ end: 'close' })
    expect(endedWith(run.existing.state)).toEqual({ code: 'expired', byPeer: true })
  })

  it('expires unused by tick(), sending nothing', () => {
    const run = setup()
    run.clock.advance(LINK_QR_TTL_MS - 1)
    expect(run.device.tick()).toEqual({})
    expect(run.device.state.phase).toBe('waiting')
    run.clock.advance(1)
    expect(run.device.tick()).toEqual({})
    expect(endedWith(run.device.state)).toEqual({ code: 'expired', byPeer: false })
  })

  it(`a malformed or truncated first frame (invalid, reset); ${MAX_LINK_BAD_HELLOS} bad hellos void the code`, () => {
    const run = setup()
    const helloA = sent(run.existing.start(DEVICE))
    const truncated = run.device.hello(EXISTING, helloA.subarray(0, helloA.byteLength - 2))
    expect([cancelOf(truncated, 'device'), truncated.end]).toEqual(['invalid', 'reset'])
    expect(cancelOf(run.device.hello(EXISTING, json({ type: 'granted', list: LIST, state: STATE })), 'device')).toBe('invalid')
    expect(run.device.state.phase).toBe('waiting')
    expect(cancelOf(run.device.hello(EXISTING, json({ type: 'hello' })), 'device')).toBe('invalid')
    expect(endedWith(run.device.state)).toEqual({ code: 'used', byPeer: false })
    expect(cancelOf(run.device.hello(EXISTING, helloA), 'device')).toBe('used')
  })

  it('a hello from itself, or naming itself as the account', () => {
    const run = setup()
    expect(cancelOf(run.device.hello(DEVICE, sent(run.existing.start(DEVICE))), 'device')).toBe('invalid')
  })

  it('a hello or done where granted is due, then anything more', () => {
    const run = setup()
    const helloA = hellos(run)
    const step = run.device.receive(helloA)
    expect([cancelOf(step, 'device'), step.end]).toEqual(['invalid', 'reset'])
    expect(endedWith(run.device.state)).toEqual({ code: 'invalid', byPeer: false })
    expect(run.device.receive(sent(run.existing.grant(LIST, STATE)))).toEqual({ end: 'close' })
  })

  it('cancelled before any hello: the code is withdrawn, nothing sent', () => {
    const run = setup()
    expect(run.device.cancel('declined')).toEqual({})
    expect(cancelOf(run.device.hello(EXISTING, sent(run.existing.start(DEVICE))), 'device')).toBe('used')
  })
})

describe('A refuses', () => {
  it('a new device whose proof does not verify (bad-proof): no code is shown', () => {
    const run = setup({ deviceSecret: 8 })
    const helloA = sent(run.existing.start(DEVICE))
    // a device that made another QR code cannot answer: it refuses A's proof
    expect(cancelOf(run.device.hello(EXISTING, helloA), 'device')).toBe('bad-proof')
    // nor can a forged answer pass
    const forged = json({ type: 'hello', nonce: 'AAAAAAAAAAAAAAAAAAAAAA', proof: Buffer.from(proofOfExisting(new Uint8Array(16), { account: ACCOUNT, existing: EXISTING, device: DEVICE }, new Uint8Array(16))).toString('base64url') })
    const step = run.existing.receive(forged)
    expect(cancelOf(step, 'existing')).toBe('bad-proof')
    expect(endedWith(run.existing.state)).toEqual({ code: 'bad-proof', byPeer: false })
  })

  it('a connection to another peer than the QR code names (wrong-peer), unsent', () => {
    const run = setup()
    expect(run.existing.start(STRANGER)).toEqual({ end: 'reset' })
    expect(endedWith(run.existing.state)).toEqual({ code: 'wrong-peer', byPeer: false })
  })

  it('done before granted, granted from the device, a truncated frame (invalid, reset)', () => {
    for (const bytes of [json({ type: 'done' }), json({ type: 'granted', list: LIST, state: STATE }), json({ type: 'hello' }).subarray(0, 5)]) {
      const run = setup()
      run.existing.start(DEVICE)
      const step = run.existing.receive(bytes)
      expect([cancelOf(step, 'existing'), step.end]).toEqual(['invalid', 'reset'])
    }
  })

  it('no hello within LINK_FRAME_TIMEOUT_MS (timeout)', () => {
    const run = setup()
    run.existing.start(DEVICE)
    expect(run.existing.deadline).toBe(run.clock.now() + LINK_FRAME_TIMEOUT_MS)
    run.clock.advance(LINK_FRAME_TIMEOUT_MS)
    expect(cancelOf(run.existing.tick(), 'existing')).toBe('timeout')
  })

  it('a grant before the hellos, which is the app\'s mistake', () => {
    const run = setup()
    run.existing.start(DEVICE)
    expect(() => run.existing.grant(LIST, STATE)).toThrow(/only while confirming/)
  })
})
