/**
 * Group operations and messages made on a linked device (src/group/op.ts,
 * message.ts `device`; src/group/device.ts; docs/protocols.md, "Groups",
 * "Made on a linked device"): the device's key signs, the account is the
 * author; a `devices` operation carries the account's signed list in its
 * wire form, and a create made on a device the list naming it. Whether a
 * device speaks is the fold's (device-fold.test.ts). Noble signs and
 * verifies here (no stand-in).
 */
import { InvalidMessageError } from '@libp2p/interface'
import { ed25519 } from '@noble/curves/ed25519.js'
import { describe, expect, it } from 'vitest'
import { signDeviceList } from '../../src/devices/list.ts'
import { OP_SIGN_CONTEXT } from '../../src/group/constants.ts'
import { makeDevicesOp } from '../../src/group/device.ts'
import { GroupLog } from '../../src/group/log.ts'
import { decodeGroupMessage, signGroupMessage } from '../../src/group/message.ts'
import { decodeGroupOp, signGroupOp } from '../../src/group/op.ts'
import { bodyOf, fieldsOf, makeAccounts, NOW, signBody } from '../devices/helpers.ts'
import type { Account } from '../devices/helpers.ts'
import type { ChatDialerFrame } from '../../src/chat/codec.ts'
import type { GroupOpChange } from '../../src/group/op.ts'

const [alice, bob, phone, tablet, mallory] = makeAccounts(5) as [Account, Account, Account, Account, Account]
const utf8 = new TextEncoder()

const create = signGroupOp({ kind: 'create', name: 'Trip', members: [{ peer: alice.peer, name: 'Alice' }, { peer: bob.peer, name: 'Bob' }] },
  { author: alice.peer, lamport: 1, deps: [], at: NOW }, alice.secret)
/** A rename of the trip group by Alice's account, signed on `device` with its key. */
const renameOn = (device: Account, name = 'Trip 2'): ReturnType<typeof signGroupOp> =>
  signGroupOp({ kind: 'rename', name }, { group: create.group, author: alice.peer, device: device.peer, lamport: 2, deps: [create.id], at: NOW + 1 }, device.secret)
const frame: ChatDialerFrame = { type: 'message', id: '01JDQ3ZK5X8M7WQ4F0T9V2B6NC', text: 'hi from the phone', sentAt: NOW }

/** Alice's lists: v1 names the phone, v2 the phone and the tablet. */
const v1 = signDeviceList(alice.secret, fieldsOf(alice, [phone], 1))
const v2 = signDeviceList(alice.secret, fieldsOf(alice, [phone, tablet], 2))

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

  it('is held by the log whatever its device: whether the device speaks is the fold\'s to say (device-fold.test.ts)', () => {
    const log = new GroupLog(create)
    const op = renameOn(phone)
    expect(log.add(op).status).toBe('added')
    expect(log.state().void.get(op.id)).toBe('not-a-device')
  })
})

describe('a `devices` operation', () => {
  const head = { group: create.group, author: alice.peer, lamport: 2, deps: [create.id], at: NOW }

  it('carries the list as its wire form (only `body` and `sig`), and decodes again', () => {
    const op = makeDevicesOp(v1.signed, { ...head, device: phone.peer }, phone.secret)
    expect(op).toMatchObject({ kind: 'devices', list: v1.signed, author: alice.peer, device: phone.peer })
    expect(JSON.parse(op.signed.body).list).toEqual(v1.signed)
    expect(decodeGroupOp(JSON.parse(JSON.stringify(op.signed)))).toEqual(op)
    // the maker writes the wire form alone; signGroupOp writes what it is given, and more than `body` and `sig` is refused
    const extra = { ...v2.signed, version: 2 }
    expect(makeDevicesOp(extra, head, alice.secret).list).toEqual(v2.signed)
    expect(() => signGroupOp({ kind: 'devices', list: extra }, head, alice.secret)).toThrow(/unknown field\(s\) in the device list/)
  })

  it('is refused when `list` is not a signed list\'s shape or is over its size; a list that does not open still decodes (the fold voids it)', () => {
    const bodyWith = (list: unknown): string => JSON.stringify({ v: 1, kind: 'devices', author: alice.peer, lamport: 2, deps: [create.id], at: NOW, group: create.group, list })
    for (const list of [undefined, null, 'list', [], { body: v1.signed.body }, { body: v1.signed.body, sig: 5 }, { ...v1.signed, version: 1 }, { body: 'x'.repeat(4096), sig: v1.signed.sig }]) {
      expect(() => decodeGroupOp(signBodyOp(bodyWith(list), alice))).toThrow(InvalidMessageError)
    }
    const forged = signBody(bodyOf(fieldsOf(alice, [tablet], 9)), mallory)
    expect(decodeGroupOp(signBodyOp(bodyWith(forged), alice)).kind).toBe('devices')
    expect(decodeGroupOp(signBodyOp(bodyWith({ body: 'not a list', sig: 'nor a signature' }), alice)).kind).toBe('devices')
  })

  it('is refused on any other kind, and a create\'s `list` must open as the creator\'s', () => {
    expect(() => signGroupOp({ kind: 'rename', name: 'x', list: v1.signed } as unknown as GroupOpChange, head, alice.secret)).toThrow(/unknown field/)
    const members = [{ peer: alice.peer, name: 'Alice' }]
    const made = signGroupOp({ kind: 'create', name: 'Own', members, list: v2.signed }, { author: alice.peer, lamport: 1, deps: [], at: NOW }, alice.secret)
    expect(made.kind === 'create' ? made.list : undefined).toEqual(v2.signed)
    expect(() => signGroupOp({ kind: 'create', name: 'Forged', members, list: signBody(bodyOf(fieldsOf(alice, [tablet], 9)), mallory) },
      { author: alice.peer, lamport: 1, deps: [], at: NOW }, alice.secret)).toThrow(/bad-signature/)
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

})

/** `body` signed as an operation by `by` (a body the code would not write). */
function signBodyOp (body: string, by: Account): { body: string, sig: string } {
  return { body, sig: Buffer.from(ed25519.sign(utf8.encode(OP_SIGN_CONTEXT + body), by.secret)).toString('base64') }
}
