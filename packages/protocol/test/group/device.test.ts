/**
 * Group operations and messages made on a linked device (src/group/op.ts,
 * message.ts `device`; src/group/device.ts; docs/protocols.md, "Groups",
 * "Made on a linked device"): the device's key signs, the account is the
 * author, and a receiver takes the item only when the newest of the
 * author's signed device lists it holds names the device. Noble signs and
 * verifies here (no stand-in).
 */
import { InvalidMessageError } from '@libp2p/interface'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { signDeviceList } from '../../src/devices/list.ts'
import { OP_SIGN_CONTEXT } from '../../src/group/constants.ts'
import { checkDeviceAuthor, deviceAuthorship, GroupDeviceError, MAX_DEVICE_LISTS_CHECKED, newestDeviceList } from '../../src/group/device.ts'
import { GroupLog } from '../../src/group/log.ts'
import { decodeGroupMessage, signGroupMessage } from '../../src/group/message.ts'
import { decodeGroupOp, signGroupOp } from '../../src/group/op.ts'
import { bodyOf, fieldsOf, makeAccounts, NOW, signBody } from '../devices/helpers.ts'
import type { Account } from '../devices/helpers.ts'
import type { ChatDialerFrame } from '../../src/chat/codec.ts'

const [alice, bob, phone, tablet, mallory] = makeAccounts(5) as [Account, Account, Account, Account, Account]
const utf8 = new TextEncoder()

const create = signGroupOp({ kind: 'create', name: 'Trip', members: [{ peer: alice.peer, name: 'Alice' }, { peer: bob.peer, name: 'Bob' }] },
  { author: alice.peer, lamport: 1, deps: [], at: NOW }, alice.secret)
/** A rename of the trip group by Alice's account, signed on `device` with its key. */
const renameOn = (device: Account, name = 'Trip 2'): ReturnType<typeof signGroupOp> =>
  signGroupOp({ kind: 'rename', name }, { group: create.group, author: alice.peer, device: device.peer, lamport: 2, deps: [create.id], at: NOW + 1 }, device.secret)
const frame: ChatDialerFrame = { type: 'message', id: '01JDQ3ZK5X8M7WQ4F0T9V2B6NC', text: 'hi from the phone', sentAt: NOW }

/** Alice's lists: v1 names the phone, v2 the phone and the tablet, v3 the tablet alone (the phone removed). */
const v1 = signDeviceList(alice.secret, fieldsOf(alice, [phone], 1))
const v2 = signDeviceList(alice.secret, fieldsOf(alice, [phone, tablet], 2))
const v3 = signDeviceList(alice.secret, fieldsOf(alice, [tablet], 3))

function codeOf (fn: () => void): string {
  try {
    fn()
    return 'taken'
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError)
    return err instanceof GroupDeviceError ? err.code : 'invalid'
  }
}

describe('a group operation made on a linked device', () => {
  it('names the account as author and the device, is signed by the device key, and decodes again from its wire form', () => {
    const op = renameOn(phone)
    expect(op).toMatchObject({ kind: 'rename', name: 'Trip 2', author: alice.peer, device: phone.peer, group: create.group })
    expect(JSON.parse(op.signed.body)).toMatchObject({ author: alice.peer, device: phone.peer })
    expect(decodeGroupOp(JSON.parse(JSON.stringify(op.signed)))).toEqual(op)
    expect(create.device).toBeUndefined()
    expect('device' in JSON.parse(create.signed.body)).toBe(false)
  })

  it('is refused when another key signed it: the account\'s own, or a stranger\'s', () => {
    const head = { group: create.group, author: alice.peer, device: phone.peer, lamport: 2, deps: [create.id], at: NOW }
    expect(() => signGroupOp({ kind: 'leave' }, head, alice.secret)).toThrow(/not the device's/)
    expect(() => signGroupOp({ kind: 'leave' }, head, mallory.secret)).toThrow(/not the device's/)
  })

  it('refuses a `device` that is the author, not an Ed25519 PeerID in its one text, or not a string', () => {
    const head = { group: create.group, author: alice.peer, lamport: 2, deps: [create.id], at: NOW }
    expect(() => signGroupOp({ kind: 'leave' }, { ...head, device: alice.peer }, alice.secret)).toThrow(/"device" is not the author/)
    for (const device of ['', 'phone', `${phone.peer}x`, phone.peer.toLowerCase()]) {
      expect(() => signGroupOp({ kind: 'leave' }, { ...head, device }, phone.secret)).toThrow(/"device" must be an Ed25519 PeerID/)
    }
    const body = JSON.stringify({ v: 1, kind: 'leave', author: alice.peer, device: null, lamport: 2, deps: [create.id], at: NOW, group: create.group })
    expect(() => decodeGroupOp(signBodyOp(body, phone))).toThrow(/"device" must be an Ed25519 PeerID/)
  })

  it('is taken with a list of the author that names the device, and the fold counts it as the account\'s', () => {
    const op = renameOn(phone)
    expect(deviceAuthorship(op, [v1])).toBe('listed')
    expect(() => { checkDeviceAuthor(op, [v1.signed]) }).not.toThrow()
    const log = new GroupLog(create)
    expect(log.add(op).status).toBe('added')
    expect(log.state().name).toBe('Trip 2')
  })

  it('is refused without a list, with a list not naming the device, a forged list, or another account\'s', () => {
    const op = renameOn(tablet)
    expect(codeOf(() => { checkDeviceAuthor(op, []) })).toBe('no-list')
    expect(codeOf(() => { checkDeviceAuthor(op, [v1]) })).toBe('not-listed')
    // Alice's list naming the tablet, signed by Mallory's key: it does not open as Alice's
    const forged = signBody(bodyOf(fieldsOf(alice, [tablet], 9)), mallory)
    expect(codeOf(() => { checkDeviceAuthor(op, [forged]) })).toBe('no-list')
    // a newer forged list does not outrank a genuine one
    expect(codeOf(() => { checkDeviceAuthor(op, [v1, forged]) })).toBe('not-listed')
    // Bob's genuine list naming the tablet speaks for Bob, not Alice
    const bobs = signDeviceList(bob.secret, fieldsOf(bob, [tablet], 5))
    expect(codeOf(() => { checkDeviceAuthor(op, [bobs]) })).toBe('no-list')
    // a list whose signature was altered
    expect(codeOf(() => { checkDeviceAuthor(op, [{ body: v2.signed.body, sig: v1.signed.sig }]) })).toBe('no-list')
    expect(codeOf(() => { checkDeviceAuthor(op, [v2]) })).toBe('taken')
  })

  it('is refused once a newer list has removed the device, in whatever order the lists are given', () => {
    const op = renameOn(phone)
    expect(deviceAuthorship(op, [v1, v2])).toBe('listed')
    expect(deviceAuthorship(op, [v1, v3])).toBe('not-listed')
    expect(deviceAuthorship(op, [v3, v1, v2])).toBe('not-listed')
    expect(codeOf(() => { checkDeviceAuthor(op, [v2, v3]) })).toBe('not-listed')
  })

  it('needs no list when the account\'s own key signed it', () => {
    const own = signGroupOp({ kind: 'rename', name: 'Own' }, { group: create.group, author: alice.peer, lamport: 2, deps: [create.id], at: NOW }, alice.secret)
    expect(deviceAuthorship(own, [])).toBe('own-key')
    expect(deviceAuthorship(own, [v3])).toBe('own-key')
  })
})

describe('a group message sent from a linked device', () => {
  const head = { group: create.group, author: alice.peer, lamport: 1, ops: [create.id] }

  it('names the account and the device, is signed by the device key and decodes again', () => {
    const message = signGroupMessage({ ...head, device: phone.peer }, frame, phone.secret)
    expect(message).toMatchObject({ author: alice.peer, device: phone.peer, frame })
    expect(decodeGroupMessage(JSON.parse(JSON.stringify(message.signed)))).toEqual(message)
    expect(signGroupMessage(head, frame, alice.secret).device).toBeUndefined()
  })

  it('is refused signed by another key or naming the author as its device', () => {
    expect(() => signGroupMessage({ ...head, device: phone.peer }, frame, alice.secret)).toThrow(/not the device's/)
    expect(() => signGroupMessage({ ...head, device: alice.peer }, frame, alice.secret)).toThrow(/"device" is not the author/)
  })

  it('is taken or refused by the same rule as an operation', () => {
    const message = signGroupMessage({ ...head, device: phone.peer }, frame, phone.secret)
    expect(deviceAuthorship(message, [v2])).toBe('listed')
    expect(deviceAuthorship(message, [])).toBe('no-list')
    expect(deviceAuthorship(message, [v3])).toBe('not-listed')
    expect(deviceAuthorship(message, [signBody(bodyOf(fieldsOf(alice, [phone], 4)), bob)])).toBe('no-list')
  })
})

describe('the newest of an author\'s lists', () => {
  it('keeps the list given first when two of one version differ (the held one stays)', () => {
    const other = signDeviceList(alice.secret, fieldsOf(alice, [tablet], 2))
    expect(newestDeviceList(alice.peer, [v2, other])?.signed).toEqual(v2.signed)
    expect(newestDeviceList(alice.peer, [other, v2])?.signed).toEqual(other.signed)
    expect(newestDeviceList(alice.peer, [v1, { body: 'not a list', sig: v1.signed.sig }])?.signed).toEqual(v1.signed)
  })

  it(`looks at no more than ${MAX_DEVICE_LISTS_CHECKED} lists at once`, () => {
    expect(newestDeviceList(alice.peer, Array.from({ length: MAX_DEVICE_LISTS_CHECKED }, () => v1))?.version).toBe(1)
    expect(() => newestDeviceList(alice.peer, Array.from({ length: MAX_DEVICE_LISTS_CHECKED + 1 }, () => v1))).toThrow(RangeError)
  })
})

/** `body` signed as an operation by `by` (a body the code would not write). */
function signBodyOp (body: string, by: Account): { body: string, sig: string } {
  return { body, sig: Buffer.from(ed25519.sign(utf8.encode(OP_SIGN_CONTEXT + body), by.secret)).toString('base64') }
}
