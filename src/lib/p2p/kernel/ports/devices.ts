/**
 * Ports of the devices feature: what other features use of the account this
 * device belongs to and its signed device list (docs/protocols.md, "Linked
 * devices: the device list"): sessions/ and presence/ publish it, link/ adds
 * a device, presence/own-list.ts hands a linked device its account's newer list.
 */
import type { DeviceList } from '@parley/protocol/devices/list'

/** The account and its list (devices/devices.ts). */
export interface DevicesPort {
  /** the account's PeerID (what contacts know), once the node started; undefined before */
  readonly account: string | undefined
  /** whether this device holds the account key (and signs the list), once started */
  readonly holder: boolean
  /** the account's newest signed list this device holds, opened and checked; undefined before the first */
  ownList(): DeviceList | undefined
  /**
   * on the holder: signs and stores the list with the device `peer` added
   * (a link, link/); throws DeviceListError('too-many-devices') past MAX_DEVICES
   */
  addDevice(peer: string, name: string): Promise<DeviceList>
  /** on a linked device: whether a newer list of the account no longer names it */
  readonly removed: boolean
  /**
   * on a linked device: keeps a list of our account found by a lookup or given
   * by the holder (opened against the account) when newer; 'removed' when it
   * no longer names this device
   */
  takeOwnList(list: DeviceList): Promise<OwnListOutcome>
}

/**
 * What {@link DevicesPort.takeOwnList} did with a list: 'newer' stored;
 * 'removed' stored, and it no longer names this device; 'same', 'older' or
 * 'conflict' kept the held one; 'ignored' on the holder (it signs its lists),
 * on a device removed already, or for another account's list.
 */
export type OwnListOutcome = 'newer' | 'removed' | 'same' | 'older' | 'conflict' | 'ignored'
