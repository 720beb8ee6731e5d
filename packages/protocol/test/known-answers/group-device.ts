/**
 * group-device.json: a group made by Alice's account key (keys.json alice,
 * with Bob); her second device (device-list.json's) puts her list, which
 * names it, in the group's log with a `devices` operation it signs, then
 * renames the group and sends a message; Alice's key then removes the
 * device with a newer list (a `devices` operation following the rename),
 * and the device renames once more after seeing it (docs/protocols.md,
 * "Groups", "Made on a linked device"). Each item's body, the bytes signed
 * (context · body as UTF-8), the Ed25519 signature, `sig`, the operation id
 * and the item as the wire carries it; and the fold's verdicts: the device
 * sets, which operations are void and why, the message taken before the
 * removal and refused after.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { openDeviceList, signDeviceList } from '../../src/devices/list.ts'
import { MESSAGE_SIGN_CONTEXT, OP_SIGN_CONTEXT } from '../../src/group/constants.ts'
import { checkMessageDevice, GroupDeviceError, makeDevicesOp } from '../../src/group/device.ts'
import { GroupLog } from '../../src/group/log.ts'
import { signGroupMessage } from '../../src/group/message.ts'
import { signGroupOp } from '../../src/group/op.ts'
import { hex, utf8 } from './inputs.ts'
import type { SignedDeviceList } from '../../src/devices/list.ts'
import type { GroupOp } from '../../src/group/op.ts'
import type { GroupState } from '../../src/group/state.ts'
import type { Keys } from './keys.ts'
import type { Json } from './inputs.ts'

/** 2026-11-29 13:00 UTC and later: the items' clocks. */
const MADE_AT = 1_764_421_200_000
/** 2026-11-29 15:00 UTC: when Alice's key signs the list without the phone. */
const REMOVED_AT = 1_764_428_400_000

function item (signed: { body: string, sig: string }, context: string, secret: Uint8Array): Record<string, Json> {
  const bytes = utf8(context + signed.body)
  return { body: signed.body, signedBytes: hex(bytes), signature: hex(ed25519.sign(bytes, secret)), sig: signed.sig, wire: JSON.stringify(signed) }
}

/** What the fold says of the device sets and of void operations, as plain JSON. */
function foldVerdict (state: GroupState): Json {
  return {
    devices: Object.fromEntries([...state.devices].map(([account, set]) => [account, { version: set.version, peers: [...set.peers] }])),
    void: Object.fromEntries([...state.void].sort(([a], [b]) => (a < b ? -1 : 1)))
  }
}

function messageVerdict (state: GroupState, message: { author: string, device?: string }): string {
  try {
    checkMessageDevice(state, message)
    return 'taken'
  } catch (err) {
    if (err instanceof GroupDeviceError) return err.code
    throw err
  }
}

export function makeGroupDevice (keys: Keys, deviceList: { secondDevice: { seed: Uint8Array, peer: string }, list: SignedDeviceList }): Json {
  const phone = deviceList.secondDevice
  const alice = keys.alice.peerId
  const create = signGroupOp({ kind: 'create', name: 'Trip', members: [{ peer: alice, name: 'Alice', sessions: true }, { peer: keys.bob.peerId, name: 'Bob', sessions: true }] },
    { author: alice, lamport: 1, deps: [], at: MADE_AT }, keys.alice.secret)
  const head = (lamport: number, deps: GroupOp[], at: number): { group: string, author: string, lamport: number, deps: string[], at: number } =>
    ({ group: create.group, author: alice, lamport, deps: deps.map((d) => d.id), at })
  const listed = makeDevicesOp(deviceList.list, { ...head(2, [create], MADE_AT + 30_000), device: phone.peer }, phone.seed)
  const rename = signGroupOp({ kind: 'rename', name: 'Поездка' }, { ...head(3, [listed], MADE_AT + 60_000), device: phone.peer }, phone.seed)
  const message = signGroupMessage({ group: create.group, author: alice, device: phone.peer, lamport: 1, ops: [rename.id] },
    { type: 'message', id: '01KB5ZJ0M0A10CE0PH0NE00001', text: 'Sent from my phone', sentAt: MADE_AT + 120_000 }, phone.seed)
  const held = openDeviceList(deviceList.list)
  const without = signDeviceList(keys.alice.secret, { ...held, version: held.version + 1, at: REMOVED_AT, devices: held.devices.slice(0, 1) })
  const removal = makeDevicesOp(without.signed, head(4, [rename], REMOVED_AT), keys.alice.secret)
  const late = signGroupOp({ kind: 'rename', name: 'After removal' }, { ...head(5, [removal], REMOVED_AT + 60_000), device: phone.peer }, phone.seed)
  const log = new GroupLog(create)
  for (const op of [listed, rename]) log.add(op)
  const before = log.state()
  for (const op of [removal, late]) log.add(op)
  const after = log.state()
  return {
    what: 'A group of Alice (keys.json alice) and Bob made by her account key. Her second device (device-list.json secondDevice) signs a devices operation carrying device-list.json\'s list (naming it), a rename and a message: author the account, device the device, signed by the device key. Alice\'s key then signs a devices operation with a newer list without the device (following the rename), and the device renames again after it. Each item\'s body, the bytes signed (context · body as UTF-8), the signature, sig (base64), the wire form and the operation ids; the fold\'s device sets and void operations before and after the removal, and the message\'s verdict in each state',
    account: alice,
    device: phone.peer,
    create: { ...item(create.signed, OP_SIGN_CONTEXT, keys.alice.secret), id: create.id, group: create.group },
    devices: { ...item(listed.signed, OP_SIGN_CONTEXT, phone.seed), id: listed.id },
    rename: { ...item(rename.signed, OP_SIGN_CONTEXT, phone.seed), id: rename.id },
    message: item(message.signed, MESSAGE_SIGN_CONTEXT, phone.seed),
    removal: { ...item(removal.signed, OP_SIGN_CONTEXT, keys.alice.secret), id: removal.id },
    late: { ...item(late.signed, OP_SIGN_CONTEXT, phone.seed), id: late.id },
    verdicts: {
      beforeRemoval: { name: before.name, ...foldVerdict(before) as Record<string, Json>, message: messageVerdict(before, message) },
      afterRemoval: { name: after.name, ...foldVerdict(after) as Record<string, Json>, message: messageVerdict(after, message) }
    }
  }
}
