/**
 * A call to an account with several devices (src/lib/p2p/calls/calls.ts;
 * docs/protocols.md, "Calls: an account with several devices"), the desks
 * wired in memory, the ring timeout on a fake clock: Bob's call rings each
 * of Alice's devices with his offer and candidates; the first to answer
 * takes it and the others are told `answered-elsewhere` (an app from before
 * them, `cancel`); a decline or a busy device ends it for all; a device that
 * refuses or cannot be reached drops out, and the call ends only when none
 * is left; each side keeps the call in its chat once.
 */
import { RING_TIMEOUT_MS } from '@parley/protocol/call/constants'
import { describe, expect, it, vi } from 'vitest'
import { ANSWER, candidate, friends, OFFER, person, phases } from './people.ts'
import type { ContactId, ContactRow } from '../../../../src/lib/db/types.ts'
import type { Person } from './people.ts'

/** Bob has Alice as a contact whose held list names `devices` (her first device the account); each device has Bob. Returns Bob's contact id for her. */
function account (bob: Person, devices: Person[]): ContactId {
  const [first, ...others] = devices
  if (first === undefined) throw new Error('no device')
  const toAlice = friends(bob, first)
  const row = bob.contacts.get(first.id.toString()) as ContactRow
  const listed: ContactRow = { ...row, devicePeers: devices.map(d => d.id.toString()) }
  for (const device of devices) bob.contacts.set(device.id.toString(), listed)
  for (const device of others) device.contacts.set(bob.id.toString(), { ...(first.contacts.get(bob.id.toString()) as ContactRow), id: (device.contacts.size + 1) as ContactId })
  return toAlice
}

const sent = (p: Person): string[] => p.frames.map(f => f.type === 'hangup' ? `hangup:${f.reason}` : f.type)

describe('a call to an account with several devices', () => {
  it('rings every device with the offer and candidates; the first answer takes it, the others stop with answered-elsewhere; each keeps it once', async () => {
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop'), person('Phone')])
    const toAlice = account(bob, [laptop, phone])
    const callId = await bob.calls.place(toAlice, true, OFFER)
    bob.calls.sendIce(callId, [candidate(1)])
    await vi.waitFor(() => {
      for (const device of [laptop, phone]) expect(device.calls.current()).toMatchObject({ callId, phase: 'ringing', offer: OFFER, candidates: [candidate(1)], peerId: bob.id.toString() })
    })
    expect(phases(bob)).toEqual(['calling', 'ringing'])
    expect(bob.calls.current()?.peerId).toBe(laptop.id.toString())

    phone.calls.answer(callId, ANSWER)
    await vi.waitFor(() => { expect(phases(laptop)).toEqual(['ringing', 'ended:answered-elsewhere:them']) })
    expect(phases(bob)).toEqual(['calling', 'ringing', 'active'])
    expect(bob.calls.current()).toMatchObject({ phase: 'active', peerId: phone.id.toString() })
    expect(laptop.calls.current()).toBeNull()
    // the laptop can no longer answer; what Bob sends now goes to the phone alone
    expect(() => { laptop.calls.answer(callId, ANSWER) }).toThrow(expect.objectContaining({ code: 'callNotFound' }))
    bob.calls.sendIce(callId, [candidate(2)])
    await vi.waitFor(() => { expect(phone.signals).toEqual([{ callId, type: 'ice', candidates: [candidate(1)] }, { callId, type: 'ice', candidates: [candidate(2)] }]) })
    phone.calls.sendIce(callId, [candidate(3)])
    await vi.waitFor(() => { expect(bob.signals).toEqual([{ callId, type: 'answer', sdp: ANSWER }, { callId, type: 'ice', candidates: [candidate(3)] }]) })
    expect(laptop.signals).toEqual([{ callId, type: 'ice', candidates: [candidate(1)] }])

    bob.calls.hangUp(callId)
    await vi.waitFor(() => { expect(phases(phone).at(-1)).toBe('ended:hangup:them') })
    // Bob's frames: an invite to each, ice to both while they rang, answered-elsewhere to the laptop, ice and hang-up to the phone
    expect(sent(bob).filter(f => f === 'invite')).toHaveLength(2)
    expect(sent(bob).filter(f => f === 'hangup:answered-elsewhere')).toHaveLength(1)
    expect(sent(bob).filter(f => f === 'hangup:hangup')).toHaveLength(1)
    expect([bob.records, phone.records, laptop.records]).toEqual([['answered'], ['answered'], ['answered-elsewhere']])
  })

  it('two devices answer at once: the first accept wins, the later one is refused and its device ends with answered-elsewhere', async () => {
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop'), person('Phone')])
    const toAlice = account(bob, [laptop, phone])
    const callId = await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { for (const device of [laptop, phone]) expect(device.calls.current()?.phase).toBe('ringing') })
    laptop.calls.answer(callId, ANSWER)
    phone.calls.answer(callId, ANSWER)
    await vi.waitFor(() => { expect(phases(phone).at(-1)).toBe('ended:answered-elsewhere:them') })
    expect(phases(laptop)).toEqual(['ringing', 'active'])
    expect(bob.calls.current()).toMatchObject({ phase: 'active', peerId: laptop.id.toString() })
    expect(await bob.calls.receive(phone.id, { type: 'accept', call: callId, sdp: ANSWER }, {})).toEqual({ type: 'reject', reason: 'unknown-call' })
    expect(bob.signals.filter(s => s.type === 'answer')).toHaveLength(1)
    // the phone answered for a moment: answered elsewhere, no missed call
    expect(phone.records).toEqual(['answered-elsewhere'])
  })

  it('a decline on one device ends the call everywhere (as Signal does): the others hear declined-elsewhere', async () => {
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop'), person('Phone')])
    const toAlice = account(bob, [laptop, phone])
    const callId = await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { for (const device of [laptop, phone]) expect(device.calls.current()?.phase).toBe('ringing') })
    laptop.calls.decline(callId)
    await vi.waitFor(() => { expect(phases(phone).at(-1)).toBe('ended:declined-elsewhere:them') })
    expect(phases(bob).at(-1)).toBe('ended:declined:them')
    expect(phases(laptop).at(-1)).toBe('ended:declined:us')
    expect([bob.records, laptop.records, phone.records]).toEqual([['declined'], ['declined'], ['declined']])
  })

  it('a device in another call answers busy: the call is busy for all, and the devices that rang have a missed call', async () => {
    const [bob, laptop, phone, carol] = await Promise.all([person('Bob'), person('Laptop'), person('Phone'), person('Carol')])
    const toAlice = account(bob, [laptop, phone])
    const carolToPhone = friends(carol, phone)
    const carolsCall = await carol.calls.place(carolToPhone, false, OFFER)
    await vi.waitFor(() => { expect(phone.calls.current()?.phase).toBe('ringing') })
    phone.calls.answer(carolsCall, ANSWER)
    await vi.waitFor(() => { expect(carol.calls.current()?.phase).toBe('active') })

    await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { expect(phases(bob).at(-1)).toBe('ended:busy:them') })
    await vi.waitFor(() => { expect(phases(laptop).at(-1)).toBe('ended:cancelled:them') })
    expect(phone.calls.current()).toMatchObject({ callId: carolsCall, phase: 'active' })
    expect([bob.records, laptop.records]).toEqual([['busy'], ['missed']])
  })

  it('a device that cannot be reached or refuses drops out: the others ring on; with none left the call ends with the most telling reason', async () => {
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop'), person('Phone')])
    const toAlice = account(bob, [laptop, phone])
    phone.reachable = false
    const callId = await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { expect(laptop.calls.current()?.phase).toBe('ringing') })
    // the phone's invite never left: no connection to it
    expect(sent(bob)).toEqual(['invite'])
    laptop.calls.answer(callId, ANSWER)
    await vi.waitFor(() => { expect(bob.calls.current()).toMatchObject({ phase: 'active', peerId: laptop.id.toString() }) })
    // nothing went to the phone (no answered-elsewhere): it had dropped out
    expect(sent(bob)).toEqual(['invite'])
    bob.calls.hangUp(callId)
    await vi.waitFor(() => { expect(phases(laptop).at(-1)).toBe('ended:hangup:them') })

    // the phone does not have Bob as a contact (not-a-contact), the laptop is gone: refused
    phone.reachable = true
    phone.contacts.clear()
    laptop.reachable = false
    await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { expect(phases(bob).at(-1)).toBe('ended:refused:them') })
    laptop.reachable = true
    expect(phases(phone)).toEqual([])
    expect(bob.records).toEqual(['answered', 'failed'])
  })

  it('a device still being dialled when another answers: once its dial fails, no ending frame is tried there', async () => {
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop'), person('Phone')])
    const toAlice = account(bob, [laptop, phone])
    let dialFails = (): void => {}
    phone.dialing = new Promise<void>(resolve => { dialFails = resolve })
    const callId = await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { expect(laptop.calls.current()?.phase).toBe('ringing') })
    laptop.calls.answer(callId, ANSWER)
    await vi.waitFor(() => { expect(bob.calls.current()?.phase).toBe('active') })
    phone.reachable = false
    dialFails()
    bob.calls.sendIce(callId, [candidate(5)])
    await vi.waitFor(() => { expect(laptop.signals.at(-1)).toEqual({ callId, type: 'ice', candidates: [candidate(5)] }) })
    // the phone's queue has run (the ice went after the answer, the phone's queue beside it): one dial, the invite's
    await new Promise(resolve => setImmediate(resolve))
    expect(phone.dials).toBe(1)
    expect(sent(bob)).not.toContain('hangup:answered-elsewhere')
  })

  it('unanswered on the fake clock: after the ring timeout every device hears timeout and has a missed call; Bob keeps one', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop', 3_600_000), person('Phone', 3_600_000)])
    const toAlice = account(bob, [laptop, phone])
    const placed = Date.now()
    await bob.calls.place(toAlice, true, OFFER)
    // (vi.waitFor moves the fake clock as it polls: the wait is counted)
    await vi.waitFor(() => { for (const device of [laptop, phone]) expect(device.calls.current()?.phase).toBe('ringing') })
    await vi.advanceTimersByTimeAsync(RING_TIMEOUT_MS - 1 - (Date.now() - placed))
    expect(phases(bob)).toEqual(['calling', 'ringing'])
    await vi.advanceTimersByTimeAsync(1)
    await vi.waitFor(() => { for (const device of [laptop, phone]) expect(phases(device)).toEqual(['ringing', 'ended:no-answer:them']) })
    expect(phases(bob)).toEqual(['calling', 'ringing', 'ended:no-answer:us'])
    expect([bob.records, laptop.records, phone.records]).toEqual([['unanswered'], ['missed'], ['missed']])
  })

  it('a test\'s ring time from the served config (read after the desk was made, as the node reads its config) ends an unanswered call that much sooner', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] })
    const [bob, laptop] = await Promise.all([person('Bob'), person('Laptop', 3_600_000)])
    const toAlice = account(bob, [laptop])
    const ring = 2_000
    bob.served.testRingTimeoutMs = ring
    const placed = Date.now()
    await bob.calls.place(toAlice, true, OFFER)
    await vi.waitFor(() => { expect(laptop.calls.current()?.phase).toBe('ringing') })
    await vi.advanceTimersByTimeAsync(ring - 1 - (Date.now() - placed))
    expect(phases(bob)).toEqual(['calling', 'ringing'])
    await vi.advanceTimersByTimeAsync(1)
    expect(phases(bob)).toEqual(['calling', 'ringing', 'ended:no-answer:us'])
    await vi.waitFor(() => { expect(phases(laptop)).toEqual(['ringing', 'ended:no-answer:them']) })
  })

  it('a device whose app predates answered-elsewhere refuses it as invalid, and hears cancel instead', async () => {
    const [bob, laptop, phone] = await Promise.all([person('Bob'), person('Laptop'), person('Phone')])
    const toAlice = account(bob, [laptop, phone])
    const receive = laptop.calls.receive.bind(laptop.calls)
    vi.spyOn(laptop.calls, 'receive').mockImplementation(async (from, request, options) =>
      request.type === 'hangup' && request.reason.endsWith('-elsewhere') ? { type: 'reject', reason: 'invalid' } : receive(from, request, options))
    const callId = await bob.calls.place(toAlice, false, OFFER)
    await vi.waitFor(() => { for (const device of [laptop, phone]) expect(device.calls.current()?.phase).toBe('ringing') })
    phone.calls.answer(callId, ANSWER)
    await vi.waitFor(() => { expect(phases(laptop).at(-1)).toBe('ended:cancelled:them') })
    expect(sent(bob).filter(f => f.startsWith('hangup'))).toEqual(['hangup:answered-elsewhere', 'hangup:cancel'])
  })
})
