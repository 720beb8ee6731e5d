/**
 * Members are accounts, and an account has devices (issue 58, increment 6;
 * docs/protocols.md, "Groups", "Made on a linked device"): which member a
 * device that hands us a group item speaks for, and which devices a group
 * item of ours goes to. Pure: the caller gives the group's device sets (its
 * fold: each member's newest `devices` operation applied), the member
 * contacts' rows (their held lists) and our own account's list.
 */
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import { MAX_MEMBERS } from '@parley/protocol/group/constants'
import type { GroupLog } from '@parley/protocol/group/log'

/** A member's devices as the group's fold holds them (its newest `devices` operation applied). */
export interface DeviceSet {
  version: number
  peers: readonly string[]
}

/** The fold's device sets: account PeerID → its set (a member with none: only its own key speaks). */
export type DeviceSets = ReadonlyMap<string, DeviceSet>

/** What a contact's row says of its devices (its held, account-signed list). */
export interface ContactDevices {
  peerId: string
  devicesVersion?: number
  devicePeers?: readonly string[]
}

/** Who we are: the account (a member), this device, and our account's devices by its newest list we hold (this one among them). */
export interface OwnDevices {
  account: string
  device: string
  /** the PeerIDs our account's newest list names; empty before we hold one */
  listed: readonly string[]
}

/** Devices a group item of ours goes to at most: every member's account and each of its devices. */
export const MAX_DELIVERY_TARGETS = MAX_MEMBERS * (MAX_DEVICES + 1)

/**
 * The devices of member `account`: the newer of the group's set for it and
 * its contact row's list (a list in the group's log is one the account
 * signed, so is the contact's: the greater version is the newer), and the
 * account's own PeerID always (its first device, or an app from before).
 */
export function devicesOfMember (account: string, sets: DeviceSets, contact?: ContactDevices): string[] {
  const set = sets.get(account)
  const contactNewer = contact?.peerId === account && contact.devicePeers !== undefined && contact.devicesVersion !== undefined &&
    (set === undefined || contact.devicesVersion > set.version)
  const peers = contactNewer ? contact.devicePeers ?? [] : set?.peers ?? []
  return [...new Set([account, ...peers.slice(0, MAX_DEVICES)])]
}

/**
 * Every device a group item of ours goes to: each other member's devices
 * ({@link devicesOfMember}), and our own account's other devices (by its
 * newest list we hold, and the group's set for us), never this one. At most
 * {@link MAX_DELIVERY_TARGETS}.
 */
export function deliveryTargets (members: readonly string[], sets: DeviceSets, contacts: ReadonlyMap<string, ContactDevices>, own: OwnDevices): string[] {
  const targets = new Set<string>()
  for (const member of members.slice(0, MAX_MEMBERS)) {
    const devices = member === own.account
      ? [own.account, ...own.listed.length > 0 ? own.listed : sets.get(own.account)?.peers ?? []]
      : devicesOfMember(member, sets, contacts.get(member))
    for (const device of devices) targets.add(device)
  }
  targets.delete(own.device)
  return [...targets].slice(0, MAX_DELIVERY_TARGETS)
}

/**
 * The member `peer` (who handed us a group item: the PeerID on the
 * connection or the mailbox seal) speaks for: itself when it is a member;
 * our own account for a device our own list names; the member contact
 * whose devices ({@link devicesOfMember}: the newer of the group's set and
 * its row's list) name it (`contact`: the row that device maps to); the
 * member whose device it is by the group's sets. Undefined for anyone else
 * (a device a newer list removed among them).
 */
export function memberOfDevice (peer: string, members: readonly string[], sets: DeviceSets, own: OwnDevices, contact?: ContactDevices): string | undefined {
  if (members.includes(peer)) return peer
  if (own.listed.includes(peer)) return members.includes(own.account) ? own.account : undefined
  if (contact !== undefined && members.includes(contact.peerId)) return devicesOfMember(contact.peerId, sets, contact).includes(peer) ? contact.peerId : undefined
  for (const [account, set] of sets) if (account !== own.account && set.peers.includes(peer) && members.includes(account)) return account
  return undefined
}

/** The fold's device sets of the group (each member's newest `devices` operation applied). */
export function deviceSetsOf (log: Pick<GroupLog, 'state'>): DeviceSets {
  return log.state().devices
}
