/**
 * Group operations and messages made on an account's linked device
 * (docs/protocols.md, "Groups", "Made on a linked device"; issue 58): a
 * member is an account; what one of its linked devices makes names the
 * account as `author` and the device as `device`, and is signed by the
 * device's key (op.ts, message.ts check that signature). Whether the device
 * speaks for the account is the account's signed device list's to say: this
 * file is the receiver's check, a pure function of the item and the lists
 * the receiver holds of the author (devices/list.ts opens each against the
 * author's key; the newest wins).
 *
 * The group fold (state.ts) needs nothing of this: it reads `author`, the
 * account, and an item refused here never reaches it.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { compareDeviceLists, DeviceListError, openDeviceList } from '../devices/list.ts'
import type { DeviceList, SignedDeviceList } from '../devices/list.ts'

/** At most this many lists of one author are looked at per check (a receiver holds one, maybe a newer one offered). */
export const MAX_DEVICE_LISTS_CHECKED = 4

/**
 * What the receiver may do with an item, given the author's lists it holds:
 * - `own-key`: no `device`; the author's own key signed it (as before linked devices);
 * - `listed`: the newest of the author's lists names the device;
 * - `no-list`: `device` is set and no list of the author opened (none given,
 *   or each forged, another account's or malformed): refuse it now; it may be
 *   taken again once the author's list is known;
 * - `not-listed`: the newest list of the author does not name the device
 *   (never linked, or removed by that list): refuse it.
 */
export type DeviceAuthorship = 'own-key' | 'listed' | 'no-list' | 'not-listed'

/** A list as a receiver may hold it: its wire form, or an opened list (its `signed` form is opened again). */
export type HeldDeviceList = SignedDeviceList | Pick<DeviceList, 'signed'>

/**
 * The newest of `lists` that opens as `account`'s list (signed by the
 * account's key: openDeviceList with `account`), or undefined when none
 * does. Lists that do not open are passed over. Of two lists with one
 * version and different bodies (the key signed both: compareDeviceLists'
 * `conflict`), the one given first stays, as a receiver keeps the one it
 * held: give the held list first.
 *
 * @throws RangeError when given more than MAX_DEVICE_LISTS_CHECKED lists
 */
export function newestDeviceList (account: string, lists: readonly HeldDeviceList[]): DeviceList | undefined {
  if (lists.length > MAX_DEVICE_LISTS_CHECKED) throw new RangeError(`at most ${MAX_DEVICE_LISTS_CHECKED} device lists are checked at once, not ${lists.length}`)
  let newest: DeviceList | undefined
  for (const held of lists) {
    const signed = 'signed' in held ? held.signed : held
    let list: DeviceList
    try {
      list = openDeviceList({ body: signed.body, sig: signed.sig }, { account })
    } catch (err) {
      if (err instanceof DeviceListError) continue
      throw err
    }
    try {
      if (compareDeviceLists(newest, list) === 'newer') newest = list
    } catch (err) {
      if (!(err instanceof DeviceListError)) throw err
    }
  }
  return newest
}

/** Whether `item` (a decoded operation or message) is its author's own or made on a device its newest list names ({@link DeviceAuthorship}). */
export function deviceAuthorship (item: { author: string, device?: string }, lists: readonly HeldDeviceList[]): DeviceAuthorship {
  if (item.device === undefined) return 'own-key'
  const newest = newestDeviceList(item.author, lists)
  if (newest === undefined) return 'no-list'
  return newest.devices.some((d) => d.peer === item.device) ? 'listed' : 'not-listed'
}

/** A device item whose device the author's lists do not vouch for: its {@link DeviceAuthorship} says why. */
export class GroupDeviceError extends InvalidMessageError {
  constructor (readonly code: Exclude<DeviceAuthorship, 'own-key' | 'listed'>, message: string) {
    super(message)
  }
}

/**
 * Throws unless `item` may be taken: its author's own (no `device`), or made
 * on a device that the newest of the author's `lists` names.
 *
 * @throws GroupDeviceError (an InvalidMessageError) with `code` 'no-list' or 'not-listed'
 */
export function checkDeviceAuthor (item: { author: string, device?: string }, lists: readonly HeldDeviceList[]): void {
  const verdict = deviceAuthorship(item, lists)
  if (verdict === 'no-list') throw new GroupDeviceError(verdict, `Invalid group item: no device list of ${item.author} is held to vouch for its device ${item.device ?? ''}`)
  if (verdict === 'not-listed') throw new GroupDeviceError(verdict, `Invalid group item: ${item.author}'s newest device list does not name its device ${item.device ?? ''}`)
}
