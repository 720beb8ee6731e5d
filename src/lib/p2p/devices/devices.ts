/**
 * The account this device belongs to and its signed device list (issue 58;
 * docs/protocols.md, "Linked devices: the device list"; db/account.ts).
 *
 * At start it loads the account row; on the device that holds the account
 * key it signs the list when there is none (a new identity, one from before
 * accounts, a restore) or when the held one is stale: it does not open, its
 * version is not the row's, or it names this device otherwise than the row
 * does. The new list's version is max(last + 1, now), so a holder restored
 * from an older backup still signs a newer one. Renaming this device stores
 * the name and, on the holder, signs the list again. The row is read,
 * signed and written in one transaction: the signature is noble's,
 * synchronous, so nothing foreign is awaited inside it.
 */
import { compareDeviceLists, nextDeviceListVersion, openDeviceList, signDeviceList, DeviceListError } from '@parley/protocol/devices/list'
import { MAX_DEVICE_NAME_CHARS, MAX_DEVICES } from '@parley/protocol/devices/constants'
import { deviceNameProblem } from '@parley/protocol/devices/name'
import { errorClass } from '../../contract/errors.ts'
import { accountOfProfile, devicesView } from '../../db/account.ts'
import type { DevicesView } from '../../contract/index.ts'
import type { AccountRow } from '../../db/account.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ProfileRow } from '../../db/types.ts'
import type { DevicesPort, OwnListOutcome } from '../kernel/ports/devices.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { Kernel } from '../kernel/components.ts'
import type { DeviceEntry, DeviceList } from '@parley/protocol/devices/list'
import type { ComponentLogger, Logger, Startable } from '@libp2p/interface'

/** A device name the list cannot carry: `deviceNameTooLong` ({ max }), `deviceNameControl`. */
export const InvalidDeviceNameError = errorClass('InvalidDeviceNameError')
/** A removal the list cannot make: `notAccountHolder`, `removeThisDevice`, `deviceNotListed`. */
export const DeviceRemovalError = errorClass('DeviceRemovalError')

export interface DevicesComponents {
  db: ParleyDb
  identity: Pick<IdentityPort, 'require' | 'privateKey'>
  logger: ComponentLogger
  /** erasing this device (the root stops the node and empties the database) */
  kernel?: Pick<Kernel, 'eraseDevice'>
  /** told `devices:changed` when the list's version grows, `devices:removed` when a newer list no longer names this device */
  events?: Pick<ParleyEventTarget, 'safeDispatchEvent'>
}

export interface DevicesInit {
  /** the clock lists are signed by (tests give their own) */
  now?: () => number
}

/** The name as this device stores it: trimmed, then checked as a device list takes it. */
export function checkDeviceName (name: string): string {
  const trimmed = name.trim()
  if (trimmed.length > MAX_DEVICE_NAME_CHARS) throw new InvalidDeviceNameError('deviceNameTooLong', { max: MAX_DEVICE_NAME_CHARS })
  if (deviceNameProblem(trimmed) !== undefined) throw new InvalidDeviceNameError('deviceNameControl')
  return trimmed
}

export class Devices implements DevicesPort, Startable {
  readonly #components: DevicesComponents
  readonly #now: () => number
  readonly #log: Logger
  #row: AccountRow | undefined
  #list: DeviceList | undefined

  constructor (components: DevicesComponents, init: DevicesInit = {}) {
    this.#components = components
    this.#now = init.now ?? Date.now
    this.#log = components.logger.forComponent('parley:devices')
  }

  get account (): string | undefined {
    return this.#row?.account
  }

  get holder (): boolean {
    return this.#row?.holder === true
  }

  /** Whether a newer list of the account no longer names this (linked) device. */
  get removed (): boolean {
    return this.#row?.removed !== undefined
  }

  ownList (): DeviceList | undefined {
    return this.#list
  }

  async start (): Promise<void> {
    await this.#update()
  }

  stop (): void {
    this.#row = undefined
    this.#list = undefined
  }

  /** The account and its devices, as the tab shows them (read from the database: also before the node started). */
  async view (): Promise<DevicesView> {
    const profile = this.#components.identity.require()
    const row = await this.#components.db.account.get(1) ?? accountOfProfile(profile)
    return devicesView(row, profile)
  }

  /** Names this device; on the holder, the list is signed again with the name. */
  async rename (name: string): Promise<DevicesView> {
    const checked = checkDeviceName(name)
    await this.#update(checked)
    return this.view()
  }

  /**
   * Signs and stores a list with `peer` added (a device being linked,
   * link/), on the holder only: the held list's devices and it, the version
   * past the last. The list already naming `peer` is kept as it is.
   *
   * @throws DeviceListError('too-many-devices') when the account has MAX_DEVICES; Error when this device does not hold the key
   */
  async addDevice (peer: string, name: string): Promise<DeviceList> {
    const { db, identity } = this.#components
    const profile = identity.require()
    const { row, list } = await db.transaction('rw', db.account, async () => {
      const row = await db.account.get(1)
      if (row?.holder !== true || row.account !== profile.peerId) throw new Error('only the device holding the account key adds a device')
      const held = this.#held(row)
      if (held?.devices.some(d => d.peer === peer) === true) return { row, list: held }
      if ((held?.devices.length ?? 1) >= MAX_DEVICES) throw new DeviceListError('too-many-devices', `an account has at most ${MAX_DEVICES} devices`)
      const list = this.#sign(row, held, profile, [{ peer, name: checkDeviceName(name), added: Math.floor(this.#now()) }])
      const next = { ...row, list: list.signed, version: list.version }
      await db.account.put(next)
      return { row: next, list }
    })
    const before = this.#list?.version
    this.#row = row
    this.#list = list
    this.#log('signed the device list with %s, version %d', peer, list.version)
    // contacts (sessions/device-lists.ts) and the DHT get the list with the new device
    if (before === undefined || list.version > before) this.#components.events?.safeDispatchEvent('devices:changed', { detail: { version: list.version } })
    return list
  }

  /**
   * Signs and stores a list without the device `peer` (Settings → Linked
   * devices → Remove), on the holder only: the held list's other devices,
   * the version past the last. Contacts and the DHT get it as any new list
   * (`devices:changed`); `peer` learns it by looking its account up
   * ({@link takeOwnList}).
   *
   * @throws DeviceRemovalError('notAccountHolder') on a linked device, ('removeThisDevice') for the holder itself, ('deviceNotListed') for a device the list does not name
   */
  async removeDevice (peer: string): Promise<DeviceList> {
    const { db, identity } = this.#components
    const profile = identity.require()
    const { row, list } = await db.transaction('rw', db.account, async () => {
      const row = await db.account.get(1)
      if (row?.holder !== true || row.account !== profile.peerId) throw new DeviceRemovalError('notAccountHolder')
      if (peer === profile.peerId) throw new DeviceRemovalError('removeThisDevice')
      const held = this.#held(row)
      if (held === undefined || !held.devices.some(d => d.peer === peer)) throw new DeviceRemovalError('deviceNotListed')
      const kept = { ...held, devices: held.devices.filter(d => d.peer !== peer) }
      const list = this.#sign(row, kept, profile)
      const next = { ...row, list: list.signed, version: list.version }
      await db.account.put(next)
      return { row: next, list }
    })
    this.#row = row
    this.#list = list
    this.#log('signed the device list without %s, version %d', peer, list.version)
    this.#components.events?.safeDispatchEvent('devices:changed', { detail: { version: list.version } })
    return list
  }

  /**
   * Erases this device's copy of Parley (a linked device, removed or
   * unlinking itself): the node stops, the database and files are emptied,
   * and the app waits for onboarding again. The holder is never erased here:
   * it is the account.
   *
   * @throws DeviceRemovalError('holderCannotErase') on the device holding the account key
   */
  async erase (): Promise<void> {
    const row = await this.#components.db.account.get(1)
    if (row?.holder === true) throw new DeviceRemovalError('holderCannotErase')
    const kernel = this.#components.kernel
    if (kernel === undefined) throw new Error('no kernel to erase this device with')
    this.#log('erasing this device')
    await kernel.eraseDevice()
  }

  /**
   * On a linked device: a list of our own account, opened against the
   * account's PeerID by the caller (a lookup in the relays' DHT, or a box
   * from the holder: sessions/sibling-lists.ts). Kept when newer than the
   * held one (`devices:changed`); when it no longer names this device, the
   * row says so (`removed`) and `devices:removed` goes out: the node stops
   * (the root), and the tab offers to erase. A forged list never comes here (it
   * does not open); an older one, or one of the held version, changes nothing.
   */
  async takeOwnList (list: DeviceList): Promise<OwnListOutcome> {
    const { db, identity } = this.#components
    const profile = identity.require()
    const { row, outcome } = await db.transaction('rw', db.account, async (): Promise<{ row?: AccountRow, outcome: OwnListOutcome }> => {
      const row = await db.account.get(1)
      if (row === undefined || row.holder || row.removed !== undefined || list.account !== row.account) return { outcome: 'ignored' }
      let verdict
      try {
        verdict = compareDeviceLists(this.#held(row), list)
      } catch (err) {
        if (!(err instanceof DeviceListError)) throw err
        return { outcome: 'conflict' }
      }
      if (verdict !== 'newer') return { outcome: verdict }
      const named = list.devices.some(d => d.peer === profile.peerId)
      const next: AccountRow = { ...row, list: list.signed, version: list.version, ...(named ? {} : { removed: { version: list.version, at: Math.floor(this.#now()) } }) }
      await db.account.put(next)
      return { row: next, outcome: named ? 'newer' : 'removed' }
    })
    if (row === undefined) return outcome
    this.#row = row
    this.#list = list
    this.#log('took our account\'s list of version %d: %s', list.version, outcome)
    if (outcome === 'removed') this.#components.events?.safeDispatchEvent('devices:removed', { detail: { version: list.version } })
    // sync/ drops what it queued for a sibling the list no longer names, and greets one it names anew
    if (outcome === 'newer') this.#components.events?.safeDispatchEvent('devices:changed', { detail: { version: list.version } })
    return outcome
  }

  /** Loads the row (made anew if it went missing), renames this device when asked, and signs the list on the holder when it is stale. */
  async #update (rename?: string): Promise<void> {
    const { db, identity } = this.#components
    const profile = identity.require()
    const { row, list } = await db.transaction('rw', db.account, async () => {
      let row = await db.account.get(1)
      if (row === undefined) {
        this.#log.error('no account row beside the profile: it is made again, this device its first')
        row = accountOfProfile(profile)
      }
      if (rename !== undefined) row = { ...row, deviceName: rename }
      let list = this.#held(row)
      if (row.holder && row.account === profile.peerId && stale(list, row, profile)) {
        list = this.#sign(row, list, profile)
        row = { ...row, list: list.signed, version: list.version }
        this.#log('signed the device list, version %d', list.version)
      }
      await db.account.put(row)
      return { row, list }
    })
    const before = this.#list?.version
    this.#row = row
    this.#list = list
    if (list !== undefined && before !== undefined && list.version > before) this.#components.events?.safeDispatchEvent('devices:changed', { detail: { version: list.version } })
  }

  /** The row's list, opened; undefined when there is none, or it does not open (then the holder signs a new one). */
  #held (row: AccountRow): DeviceList | undefined {
    if (row.list === undefined) return undefined
    try {
      return openDeviceList(row.list, { account: row.account })
    } catch (err) {
      if (!(err instanceof DeviceListError)) throw err
      this.#log.error('the stored device list does not open (%s): %e', err.code, err)
      return undefined
    }
  }

  /** A new list: this device first, under the row's name, and the held list's other devices. */
  #sign (row: AccountRow, held: DeviceList | undefined, profile: ProfileRow, added: DeviceEntry[] = []): DeviceList {
    const now = this.#now()
    const first = { peer: profile.peerId, name: row.deviceName, added: held?.devices[0]?.added ?? profile.createdAt }
    return signDeviceList(this.#components.identity.privateKey().raw.subarray(0, 32), {
      account: row.account,
      version: nextDeviceListVersion(Math.max(row.version, held?.version ?? 0), now),
      at: Math.floor(now),
      devices: [first, ...(held?.devices.slice(1) ?? []), ...added]
    })
  }
}

/** Whether the holder must sign again: no list, or one that says other than the row. */
function stale (list: DeviceList | undefined, row: AccountRow, profile: Pick<ProfileRow, 'peerId'>): boolean {
  const first = list?.devices[0]
  return list === undefined || list.version !== row.version || first?.peer !== profile.peerId || first.name !== row.deviceName
}
