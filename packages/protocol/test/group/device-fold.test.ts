/**
 * The account's devices in a group's fold (src/group/state.ts, device.ts;
 * docs/protocols.md, "Made on a linked device"): `devices` operations carry
 * the account's signed list, the fold keeps each account's device set, and
 * an operation made on a device counts only while the set names the device
 * and the operation saw every removal of it (removal wins). Members holding
 * the same operations hold the same state, whatever order they came in.
 * Noble signs and verifies here (no stand-in).
 */
import { describe, expect, it } from 'vitest'
import { signDeviceList } from '../../src/devices/list.ts'
import { checkMessageDevice, deviceSpeaksFor, devicesOf, GroupDeviceError, makeDevicesOp } from '../../src/group/device.ts'
import { GroupLog } from '../../src/group/log.ts'
import { signGroupMessage } from '../../src/group/message.ts'
import { compareOps, signGroupOp } from '../../src/group/op.ts'
import { bodyOf, fieldsOf, makeAccounts, NOW, signBody } from '../devices/helpers.ts'
import { permutations, stateOf } from './device-support.ts'
import type { Account } from '../devices/helpers.ts'
import type { GroupOp, GroupOpChange } from '../../src/group/op.ts'

const [alice, bob, phone, tablet, mallory] = makeAccounts(5) as [Account, Account, Account, Account, Account]

/** Alice's lists: v1 names the phone, v2 the phone and the tablet, v3 the tablet alone (the phone removed). */
const v1 = signDeviceList(alice.secret, fieldsOf(alice, [phone], 1)).signed
const v2 = signDeviceList(alice.secret, fieldsOf(alice, [phone, tablet], 2)).signed
const v3 = signDeviceList(alice.secret, fieldsOf(alice, [tablet], 3)).signed

const create = signGroupOp({ kind: 'create', name: 'Trip', members: [{ peer: alice.peer, name: 'Alice' }, { peer: bob.peer, name: 'Bob' }] },
  { author: alice.peer, lamport: 1, deps: [], at: NOW }, alice.secret)

/** An operation of Alice's account (made on `on`, or by her key) or Bob's, following `deps`. */
function make (by: Account, change: GroupOpChange, deps: GroupOp[], on?: Account): GroupOp {
  const lamport = 1 + Math.max(...deps.map((d) => d.lamport))
  const head = { group: create.group, author: by.peer, ...(on === undefined ? {} : { device: on.peer }), lamport, deps: deps.map((d) => d.id), at: NOW + lamport }
  const op = change.kind === 'devices' ? makeDevicesOp(change.list, head, (on ?? by).secret) : signGroupOp(change, head, (on ?? by).secret)
  return op
}

/** Folds `ops` (with the create) as a member that got them in this order would. */
function logOf (ops: readonly GroupOp[]): GroupLog {
  const log = new GroupLog(create)
  for (const op of ops) log.add(op)
  expect(log.size).toBe(ops.length + 1)
  return log
}

/** The state of every order `ops` may arrive in: all the same; returns it. */
function agreed (ops: readonly GroupOp[]): ReturnType<GroupLog['state']> {
  const orders = permutations(ops)
  const first = logOf(orders[0] ?? []).state()
  for (const order of orders.slice(1)) expect(stateOf(logOf(order).state())).toEqual(stateOf(first))
  return first
}

describe('an account\'s devices in a group', () => {
  it('start with none but the account\'s own key; a `devices` operation made on the phone, carrying a list naming it, lets the phone speak', () => {
    const listed = make(alice, { kind: 'devices', list: v1 }, [create], phone)
    const rename = make(alice, { kind: 'rename', name: 'Trip 2' }, [listed], phone)
    expect(deviceSpeaksFor(logOf([]).state(), alice.peer, phone.peer)).toBe(false)
    expect(deviceSpeaksFor(logOf([]).state(), alice.peer, alice.peer)).toBe(true)
    const state = agreed([listed, rename])
    expect(state.void.size).toBe(0)
    expect(state.name).toBe('Trip 2')
    expect(state.devices.get(alice.peer)).toEqual({ version: 1, peers: [alice.peer, phone.peer] })
    expect(devicesOf(state, alice.peer)).toEqual([alice.peer, phone.peer])
    expect(devicesOf(state, bob.peer)).toEqual([bob.peer])
    expect(deviceSpeaksFor(state, alice.peer, phone.peer)).toBe(true)
    expect(deviceSpeaksFor(state, bob.peer, phone.peer)).toBe(false)
  })

  it('an operation made on a device before any list names it is void (not-a-device)', () => {
    const early = make(alice, { kind: 'rename', name: 'Early' }, [create], phone)
    const state = agreed([early])
    expect(state.void.get(early.id)).toBe('not-a-device')
    expect(state.name).toBe('Trip')
  })

  it('keeps what a device made before its removal valid for everyone, in any order the operations arrive', () => {
    const listed = make(alice, { kind: 'devices', list: v1 }, [create], phone)
    const rename = make(alice, { kind: 'rename', name: 'From the phone' }, [listed], phone)
    // the holder removes the phone after seeing its rename: the removal follows it
    const removal = make(alice, { kind: 'devices', list: v3 }, [rename])
    const bobs = make(bob, { kind: 'profile', name: 'Bob', mailboxes: [] }, [removal])
    const state = agreed([listed, rename, removal, bobs])
    expect(state.void.size).toBe(0)
    expect(state.name).toBe('From the phone')
    expect(state.devices.get(alice.peer)).toEqual({ version: 3, peers: [alice.peer, tablet.peer] })
    expect(deviceSpeaksFor(state, alice.peer, phone.peer)).toBe(false)
    expect(deviceSpeaksFor(state, alice.peer, tablet.peer)).toBe(true)
  })

  it('voids on every member an operation the removed device made without seeing its removal (unseen-device-removal), and one made after seeing it (not-a-device)', () => {
    const listed = make(alice, { kind: 'devices', list: v1 }, [create], phone)
    const removal = make(alice, { kind: 'devices', list: v3 }, [listed])
    // Bob's profile, concurrent with the removal; the phone follows Bob's, not the removal, and comes after it in the order
    const bobs = make(bob, { kind: 'profile', name: 'Bob', mailboxes: [] }, [listed])
    const concurrent = make(alice, { kind: 'rename', name: 'Concurrent' }, [bobs], phone)
    expect(compareOps(removal, concurrent)).toBeLessThan(0)
    const after = make(alice, { kind: 'rename', name: 'After' }, [removal, concurrent], phone)
    const state = agreed([listed, removal, bobs, concurrent, after])
    expect(state.void.get(concurrent.id)).toBe('unseen-device-removal')
    expect(state.void.get(after.id)).toBe('not-a-device')
    expect(state.void.size).toBe(2)
    expect(state.name).toBe('Trip')
  })

  it('voids a concurrent operation of a removed device even once the device is listed again, until it has seen the removal', () => {
    const listed = make(alice, { kind: 'devices', list: v1 }, [create], phone)
    const removal = make(alice, { kind: 'devices', list: { ...signDeviceList(alice.secret, fieldsOf(alice, [], 2)).signed } }, [listed])
    const relisted = make(alice, { kind: 'devices', list: signDeviceList(alice.secret, fieldsOf(alice, [phone], 4)).signed }, [removal])
    const bobs = make(bob, { kind: 'profile', name: 'Bob', mailboxes: [] }, [listed])
    const bobs2 = make(bob, { kind: 'profile', name: 'Bobby', mailboxes: [] }, [bobs])
    // the phone followed only Bob: its rename is concurrent with the removal and comes after the relisting in the order
    const concurrent = make(alice, { kind: 'rename', name: 'Unseen' }, [bobs2], phone)
    expect(compareOps(relisted, concurrent)).toBeLessThan(0)
    const seen = make(alice, { kind: 'rename', name: 'Seen' }, [relisted, concurrent], phone)
    const state = agreed([listed, removal, relisted, bobs, bobs2, concurrent, seen])
    expect(state.void.get(concurrent.id)).toBe('unseen-device-removal')
    expect(state.void.has(seen.id)).toBe(false)
    expect(state.name).toBe('Seen')
  })

  it('voids a stale list: an older version, or the same one again (stale-devices)', () => {
    const newer = make(alice, { kind: 'devices', list: v2 }, [create])
    const older = make(alice, { kind: 'devices', list: v1 }, [newer], phone)
    const again = make(alice, { kind: 'devices', list: v2 }, [older], tablet)
    const state = agreed([newer, older, again])
    expect(state.void.get(older.id)).toBe('stale-devices')
    expect(state.void.get(again.id)).toBe('stale-devices')
    expect(state.devices.get(alice.peer)?.version).toBe(2)
  })

  it('voids a forged list, another account\'s list, or one altered after signing (bad-devices)', () => {
    const forged = make(alice, { kind: 'devices', list: signBody(bodyOf(fieldsOf(alice, [phone], 7)), mallory) }, [create])
    const bobsList = make(alice, { kind: 'devices', list: signDeviceList(bob.secret, fieldsOf(bob, [phone], 8)).signed }, [forged])
    const altered = make(alice, { kind: 'devices', list: { body: v2.body, sig: v1.sig } }, [bobsList])
    const malformed = make(alice, { kind: 'devices', list: { body: 'not a list', sig: v1.sig } }, [altered])
    const state = agreed([forged, bobsList, altered, malformed])
    for (const op of [forged, bobsList, altered, malformed]) expect(state.void.get(op.id)).toBe('bad-devices')
    expect(state.devices.size).toBe(0)
    const afterwards = make(alice, { kind: 'rename', name: 'Forged' }, [malformed], phone)
    expect(logOf([forged, bobsList, altered, malformed, afterwards]).state().void.get(afterwards.id)).toBe('not-a-device')
  })

  it('voids a list carried by a device it does not name (not-a-device), and one of a non-member (not-a-member)', () => {
    const notNamed = make(alice, { kind: 'devices', list: v3 }, [create], phone)
    const strangers = make(mallory, { kind: 'devices', list: signDeviceList(mallory.secret, fieldsOf(mallory, [phone], 1)).signed }, [create])
    const state = agreed([notNamed, strangers])
    expect(state.void.get(notNamed.id)).toBe('not-a-device')
    expect(state.void.get(strangers.id)).toBe('not-a-member')
    expect(state.devices.size).toBe(0)
  })

  it('lets a linked device create a group with the list naming it: its set starts there', () => {
    const made = signGroupOp({ kind: 'create', name: 'Phone group', members: [{ peer: alice.peer, name: 'Alice' }], list: v1 },
      { author: alice.peer, device: phone.peer, lamport: 1, deps: [], at: NOW }, phone.secret)
    const log = new GroupLog(made)
    expect(log.state().devices.get(alice.peer)).toEqual({ version: 1, peers: [alice.peer, phone.peer] })
    expect(() => signGroupOp({ kind: 'create', name: 'Tablet group', members: [{ peer: alice.peer, name: 'Alice' }], list: v1 },
      { author: alice.peer, device: tablet.peer, lamport: 1, deps: [], at: NOW }, tablet.secret)).toThrow(/does not name its device/)
    expect(() => signGroupOp({ kind: 'create', name: 'No list', members: [{ peer: alice.peer, name: 'Alice' }] },
      { author: alice.peer, device: phone.peer, lamport: 1, deps: [], at: NOW }, phone.secret)).toThrow(/carries the creator's device list/)
    expect(() => signGroupOp({ kind: 'create', name: 'Bob\'s list', members: [{ peer: alice.peer, name: 'Alice' }], list: signDeviceList(bob.secret, fieldsOf(bob, [phone], 1)).signed },
      { author: alice.peer, device: phone.peer, lamport: 1, deps: [], at: NOW }, phone.secret)).toThrow(/does not open as the creator's \(wrong-account\)/)
  })
})

describe('a group message from a device', () => {
  const frame = { type: 'message' as const, id: '01JDQ3ZK5X8M7WQ4F0T9V2B6NC', text: 'hi from the phone', sentAt: NOW }

  it('is taken while the receiver\'s state lists the device, and refused (not-a-device) once a removal it holds drops it', () => {
    const listed = make(alice, { kind: 'devices', list: v1 }, [create], phone)
    const message = signGroupMessage({ group: create.group, author: alice.peer, device: phone.peer, lamport: 1, ops: [listed.id] }, frame, phone.secret)
    const own = signGroupMessage({ group: create.group, author: alice.peer, lamport: 1, ops: [listed.id] }, frame, alice.secret)
    expect(() => { checkMessageDevice(logOf([]).state(), message) }).toThrow(GroupDeviceError)
    expect(() => { checkMessageDevice(logOf([listed]).state(), message) }).not.toThrow()
    const removed = logOf([listed, make(alice, { kind: 'devices', list: v3 }, [listed])]).state()
    let caught: unknown
    try {
      checkMessageDevice(removed, message)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(GroupDeviceError)
    expect((caught as GroupDeviceError).code).toBe('not-a-device')
    expect(() => { checkMessageDevice(removed, own) }).not.toThrow()
  })
})

describe('members holding the same operations', () => {
  it('hold the same state whatever order they got them in, devices ops and removals among them', () => {
    // a small history with concurrency: two removals racing a device's operations and Bob's
    const listed = make(alice, { kind: 'devices', list: v2 }, [create], tablet)
    const a = make(alice, { kind: 'rename', name: 'A' }, [listed], phone)
    const b = make(alice, { kind: 'devices', list: v3 }, [listed])
    const c = make(alice, { kind: 'rename', name: 'C' }, [a])
    const d = make(alice, { kind: 'picture', picture: '' }, [c], phone)
    const e = make(alice, { kind: 'timer', ttl: 0 }, [b, d], tablet)
    const state = agreed([listed, a, b, c, d, e])
    expect(state.void.has(e.id)).toBe(false)
    // d is concurrent with b (the phone's removal) and after it in the order
    expect(compareOps(b, d)).toBeLessThan(0)
    expect(state.void.get(d.id)).toBe('unseen-device-removal')
    expect(state.name).toBe('C')
  })
})
