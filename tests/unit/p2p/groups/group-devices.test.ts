/**
 * Members are accounts with devices (issue 58, increment 6;
 * src/lib/p2p/groups/group-devices.ts): which member a device that hands us
 * a group item speaks for, and which devices a group item of ours goes to.
 */
import { describe, expect, it } from 'vitest'
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import { MAX_MEMBERS } from '@parley/protocol/group/constants'
import { deliveryTargets, devicesOfMember, MAX_DELIVERY_TARGETS, memberOfDevice } from '../../../../src/lib/p2p/groups/group-devices.ts'
import type { ContactDevices, DeviceSets, OwnDevices } from '../../../../src/lib/p2p/groups/group-devices.ts'

// PeerIDs are opaque strings to these functions
const ALICE = 'alice'
const ALICE_PHONE = 'alice-phone'
const ALICE_TABLET = 'alice-tablet'
const CAROL = 'carol'
const CAROL_PHONE = 'carol-phone'
const DAVE = 'dave'

const laptop: OwnDevices = { account: ALICE, device: ALICE, listed: [ALICE, ALICE_PHONE] }
const phone: OwnDevices = { account: ALICE, device: ALICE_PHONE, listed: [ALICE, ALICE_PHONE] }
const none: DeviceSets = new Map()

describe('devicesOfMember', () => {
  it('is the account alone while neither the group nor a contact row names its devices', () => {
    expect(devicesOfMember(CAROL, none)).toEqual([CAROL])
    expect(devicesOfMember(CAROL, none, { peerId: CAROL })).toEqual([CAROL])
  })

  it('is the group\'s set (with the account) when it is the newer', () => {
    const sets: DeviceSets = new Map([[CAROL, { version: 5, peers: [CAROL, CAROL_PHONE] }]])
    expect(devicesOfMember(CAROL, sets, { peerId: CAROL, devicesVersion: 4, devicePeers: [CAROL] })).toEqual([CAROL, CAROL_PHONE])
  })

  it('is the contact row\'s list when it is newer than the group\'s (a removal the group has not heard of)', () => {
    const sets: DeviceSets = new Map([[CAROL, { version: 5, peers: [CAROL, CAROL_PHONE] }]])
    expect(devicesOfMember(CAROL, sets, { peerId: CAROL, devicesVersion: 6, devicePeers: [CAROL] })).toEqual([CAROL])
    // a row of another account changes nothing
    expect(devicesOfMember(CAROL, sets, { peerId: DAVE, devicesVersion: 9, devicePeers: [DAVE] })).toEqual([CAROL, CAROL_PHONE])
  })

  it('keeps the account even when its set does not name it, and at most MAX_DEVICES others', () => {
    const many = Array.from({ length: MAX_DEVICES + 3 }, (_, i) => `d${i}`)
    const devices = devicesOfMember(CAROL, new Map([[CAROL, { version: 1, peers: many }]]))
    expect(devices[0]).toBe(CAROL)
    expect(devices).toHaveLength(MAX_DEVICES + 1)
  })
})

describe('deliveryTargets', () => {
  it('is every device of every other member and our own other devices, never this one', () => {
    const sets: DeviceSets = new Map([[CAROL, { version: 2, peers: [CAROL, CAROL_PHONE] }]])
    expect(deliveryTargets([ALICE, CAROL, DAVE], sets, new Map(), laptop).sort()).toEqual([ALICE_PHONE, CAROL, CAROL_PHONE, DAVE].sort())
    // from the phone: the laptop (the account's own PeerID) gets it too
    expect(deliveryTargets([ALICE, CAROL, DAVE], sets, new Map(), phone).sort()).toEqual([ALICE, CAROL, CAROL_PHONE, DAVE].sort())
  })

  it('takes a member contact\'s newer list: a device it added, one it removed', () => {
    const sets: DeviceSets = new Map([[CAROL, { version: 2, peers: [CAROL, CAROL_PHONE] }]])
    const contacts = new Map<string, ContactDevices>([[CAROL, { peerId: CAROL, devicesVersion: 3, devicePeers: [CAROL] }]])
    expect(deliveryTargets([ALICE, CAROL], sets, contacts, laptop).sort()).toEqual([ALICE_PHONE, CAROL].sort())
  })

  it('follows our own newest list rather than the group\'s set for us (a sibling removed here first)', () => {
    const sets: DeviceSets = new Map([[ALICE, { version: 2, peers: [ALICE, ALICE_PHONE, ALICE_TABLET] }]])
    expect(deliveryTargets([ALICE, CAROL], sets, new Map(), laptop).sort()).toEqual([ALICE_PHONE, CAROL].sort())
    // before we hold a list of our own: the group's set
    expect(deliveryTargets([ALICE, CAROL], sets, new Map(), { ...phone, listed: [] }).sort()).toEqual([ALICE, ALICE_TABLET, CAROL].sort())
  })

  it('is bounded: a full group whose members each have the most devices', () => {
    const members = Array.from({ length: MAX_MEMBERS + 5 }, (_, i) => `m${i}`)
    const sets: DeviceSets = new Map(members.map((m) => [m, { version: 1, peers: Array.from({ length: MAX_DEVICES + 2 }, (_, i) => `${m}-d${i}`) }]))
    const targets = deliveryTargets(members, sets, new Map(), { account: 'm0', device: 'm0', listed: [] })
    expect(targets.length).toBeLessThanOrEqual(MAX_DELIVERY_TARGETS)
    expect(new Set(targets).size).toBe(targets.length)
    expect(targets).not.toContain('m0')
  })
})

describe('memberOfDevice', () => {
  const members = [ALICE, CAROL]
  const sets: DeviceSets = new Map([[CAROL, { version: 2, peers: [CAROL, CAROL_PHONE] }], [DAVE, { version: 1, peers: [DAVE, 'dave-phone'] }]])

  it('maps a member to itself, and a device in the group\'s set to its account', () => {
    expect(memberOfDevice(CAROL, members, sets, laptop)).toBe(CAROL)
    expect(memberOfDevice(CAROL_PHONE, members, sets, laptop)).toBe(CAROL)
  })

  it('maps a device a member contact\'s list names to that contact, unless the group holds a newer list without it', () => {
    expect(memberOfDevice('carol-laptop', members, none, laptop, { peerId: CAROL, devicesVersion: 1, devicePeers: [CAROL, 'carol-laptop'] })).toBe(CAROL)
    expect(memberOfDevice('carol-laptop', members, sets, laptop, { peerId: CAROL, devicesVersion: 1, devicePeers: [CAROL, 'carol-laptop'] })).toBeUndefined()
  })

  it('maps a device of our own list to our account (what we made on another device)', () => {
    expect(memberOfDevice(ALICE_PHONE, members, none, laptop)).toBe(ALICE)
    expect(memberOfDevice(ALICE, members, none, phone)).toBe(ALICE)
  })

  it('maps nobody else: a stranger, a non-member\'s device, a contact who is not a member, our devices when we are not in the group', () => {
    expect(memberOfDevice('stranger', members, sets, laptop)).toBeUndefined()
    expect(memberOfDevice('dave-phone', members, sets, laptop)).toBeUndefined()
    expect(memberOfDevice('dave-laptop', members, sets, laptop, { peerId: DAVE, devicesVersion: 3, devicePeers: [DAVE, 'dave-laptop'] })).toBeUndefined()
    expect(memberOfDevice(ALICE_PHONE, [CAROL], none, laptop)).toBeUndefined()
    // a device our list no longer names
    expect(memberOfDevice(ALICE_TABLET, members, none, laptop)).toBeUndefined()
  })
})
