/**
 * Group operations and messages made on an account's linked device
 * (docs/protocols.md, "Groups", "Made on a linked device"; issue 58): a
 * member is an account; what one of its linked devices makes names the
 * account as `author` and the device as `device`, and is signed by the
 * device's key (op.ts, message.ts check that signature).
 *
 * Whether the device speaks for the account is said by the group's own log:
 * the account's signed device lists travel in it as `devices` operations
 * (and in a create's `list`), and the fold (state.ts) keeps each account's
 * device set as they say, so members holding the same operations agree on
 * which devices speak, whatever lists each holds elsewhere. This file opens
 * a carried list (once per operation), and is the check of a message (not
 * folded) against the receiver's current state.
 */
import { InvalidMessageError } from '@libp2p/interface'
import { DeviceListError, openDeviceList } from '../devices/list.ts'
import { signGroupOp } from './op.ts'
import type { DeviceList, DeviceListProblem, SignedDeviceList } from '../devices/list.ts'
import type { GroupOp } from './op.ts'
import type { GroupState } from './state.ts'

/** What the fold holds of one account's devices in a group: the list it last took. */
export interface GroupDevices {
  /** the version of the account's list the set comes from */
  readonly version: number
  /** the list's devices' PeerIDs, the account's own first */
  readonly peers: readonly string[]
}

/** Lists opened, by the list object an operation carries, then its author: a fold runs again on each change, a signature is checked once. */
const opened = new WeakMap<SignedDeviceList, Map<string, DeviceList | DeviceListProblem>>()

/**
 * The list a `devices` operation (or a create) carries, opened as its
 * author's (openDeviceList with the author as account), or why it does not
 * open: forged, another account's, malformed.
 */
export function carriedList (op: GroupOp): DeviceList | DeviceListProblem | undefined {
  if (op.kind !== 'devices' && op.kind !== 'create') return undefined
  if (op.list === undefined) return undefined
  const byAuthor = opened.get(op.list) ?? new Map<string, DeviceList | DeviceListProblem>()
  opened.set(op.list, byAuthor)
  const held = byAuthor.get(op.author)
  if (held !== undefined) return held
  let result: DeviceList | DeviceListProblem
  try {
    result = openDeviceList({ body: op.list.body, sig: op.list.sig }, { account: op.author })
  } catch (err) {
    if (!(err instanceof DeviceListError)) throw err
    result = err.code
  }
  byAuthor.set(op.author, result)
  return result
}

/**
 * Whether `device` speaks for `account` in the group as `state` has it: the
 * account's own PeerID always does (its key is the account's); another
 * device does when the account's device set in the state names it.
 */
export function deviceSpeaksFor (state: Pick<GroupState, 'devices'>, account: string, device: string): boolean {
  if (device === account) return true
  return state.devices.get(account)?.peers.includes(device) ?? false
}

/**
 * Every device of `account` in the group as `state` has it: the account's
 * own PeerID first (always), then the other devices of its set.
 */
export function devicesOf (state: Pick<GroupState, 'devices'>, account: string): string[] {
  return [account, ...(state.devices.get(account)?.peers ?? []).filter((peer) => peer !== account)]
}

/**
 * A `devices` operation carrying `list` (the account's signed list, its wire
 * form), made by the account's key (`secret` its seed, no `head.device`) or
 * on a linked device (`head.device` its PeerID, `secret` its key's seed; the
 * list must name it, or the fold voids the operation). As signGroupOp.
 */
export function makeDevicesOp (
  list: SignedDeviceList,
  head: { group: string, author: string, device?: string, lamport: number, deps: readonly string[], at: number },
  secret: Uint8Array
): GroupOp & { kind: 'devices' } {
  const op = signGroupOp({ kind: 'devices', list: { body: list.body, sig: list.sig } }, head, secret)
  if (op.kind !== 'devices') throw new Error('signGroupOp made another kind')
  return op
}

/** A group message from a device that does not speak for its author in the receiver's state (`not-a-device`). */
export class GroupDeviceError extends InvalidMessageError {
  readonly code = 'not-a-device'
}

/**
 * The receiver's check of a group message (messages are not folded): one
 * without `device` is its author's own; one with `device` is taken only when
 * the device speaks for the author in the receiver's current state (after
 * the message's `ops` heads are held). A message from a device removed by
 * a `devices` operation the receiver holds is refused.
 *
 * @throws GroupDeviceError (an InvalidMessageError) with `code` 'not-a-device'
 */
export function checkMessageDevice (state: Pick<GroupState, 'devices'>, message: { author: string, device?: string }): void {
  if (message.device === undefined || deviceSpeaksFor(state, message.author, message.device)) return
  throw new GroupDeviceError(`Invalid group message: ${message.device} does not speak for ${message.author} in this group (not-a-device)`)
}
