/**
 * Who we are in groups, and which devices are whose (issue 58, increment 6):
 * we are a member as our account, also on a linked device (whose own PeerID
 * signs what it makes); a member's devices are the group's set for it (its
 * `devices` operations folded) or its contact row's list, the newer
 * (group-devices.ts does the choosing).
 */
import { deliveryTargets, deviceSetsOf, devicesOfMember, memberOfDevice } from './group-devices.ts'
import { makeDevicesOp } from '@parley/protocol/group/device'
import type { GroupLog } from '@parley/protocol/group/log'
import type { GroupOp } from '@parley/protocol/group/op'
import type { PeerId } from '@libp2p/interface'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { ContactDevices, OwnDevices } from './group-devices.ts'

export interface GroupAccountsComponents {
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  /** this device's PeerID (on a linked device, not the account's) */
  libp2p: { peerId: PeerId }
  /** the account we are a member as, and its list (our own other devices) */
  devices: Pick<DevicesPort, 'account' | 'ownList'>
}

export class GroupAccounts {
  readonly #components: GroupAccountsComponents

  constructor (components: GroupAccountsComponents) {
    this.#components = components
  }

  /** The member we are: the account (this device's PeerID only before the devices feature loaded it). */
  me (): string {
    return this.#components.devices.account ?? this.device()
  }

  /** This device's PeerID: who signs what we make here when it is not the account. */
  device (): string {
    return this.#components.libp2p.peerId.toString()
  }

  /** Our account, this device, and the devices our account's newest list names. */
  own (): OwnDevices {
    return { account: this.me(), device: this.device(), listed: this.#components.devices.ownList()?.devices.map((d) => d.peer) ?? [] }
  }

  /** Every device a group item of ours goes to now: each member's, and our own other devices. */
  async targets (log: GroupLog): Promise<string[]> {
    const members = log.state().members.map((m) => m.peer)
    const contacts = new Map<string, ContactDevices>()
    for (const member of members) {
      const contact = member === this.me() ? undefined : await this.#components.contactBook.byPeerId(member)
      if (contact?.peerId === member) contacts.set(member, contact)
    }
    return deliveryTargets(members, deviceSetsOf(log), contacts, this.own())
  }

  /** The devices of member `account` (for our own account, the others of ours). */
  async devicesOf (log: GroupLog, account: string): Promise<string[]> {
    if (account === this.me()) return deliveryTargets([account], deviceSetsOf(log), new Map(), this.own())
    const contact = await this.#components.contactBook.byPeerId(account)
    return devicesOfMember(account, deviceSetsOf(log), contact?.peerId === account ? contact : undefined)
  }

  /**
   * The member (or, with `former`, former member) that `peer`, who handed us
   * an item of the group, speaks for: itself, or the account whose device it
   * is; undefined for anyone else.
   */
  async speakerOf (log: GroupLog, peer: string, former = false): Promise<string | undefined> {
    const state = log.state()
    const accounts = [...state.members.map((m) => m.peer), ...former ? state.former.keys() : []]
    const contact = accounts.includes(peer) ? undefined : await this.#components.contactBook.byPeerId(peer)
    return memberOfDevice(peer, accounts, deviceSetsOf(log), this.own(), contact)
  }

  /** Who signs what we make: the account's own key (no `device`), or on a linked device this device's key, naming it. */
  signer (): { author: string, device?: string } {
    const author = this.me()
    const device = this.device()
    return device === author ? { author } : { author, device }
  }

  /**
   * On a linked device whose account's set in the group does not name it: a
   * `devices` operation carrying the account's newest list we hold (which
   * names this device), following `log`'s heads, signed with this device's
   * `secret`; undefined when none is needed (the holder, a device named
   * already) or none can be made (no list yet, or one not newer than the
   * group's).
   */
  devicesOp (log: GroupLog, secret: Uint8Array): GroupOp | undefined {
    const { author, device } = this.signer()
    const list = this.#components.devices.ownList()
    const set = deviceSetsOf(log).get(author)
    if (device === undefined || set?.peers.includes(device) === true || list === undefined || !list.devices.some((d) => d.peer === device)) return undefined
    if (set !== undefined && set.version >= list.version) return undefined
    const deps = log.heads().slice(0, 16)
    const lamport = 1 + Math.max(...deps.map((d) => log.get(d)?.lamport ?? 0))
    return makeDevicesOp(list.signed, { group: log.id, author, device, lamport, deps, at: Date.now() }, secret)
  }
}
