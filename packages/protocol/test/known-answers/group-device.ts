/**
 * group-device.json: a group made by Alice's account key (keys.json alice,
 * with Bob), then a rename and a message made on her second device
 * (device-list.json's, whose list names it): `author` is the account,
 * `device` the device, and the device's key signs (docs/protocols.md,
 * "Groups", "Made on a linked device"). Each item's body, the bytes signed
 * (context · body as UTF-8), the Ed25519 signature, `sig`, the operation id
 * and the item as the wire carries it; and the receiver's verdicts with
 * device-list.json's list and without any.
 */
import { ed25519 } from '@noble/curves/ed25519.js'
import { MESSAGE_SIGN_CONTEXT, OP_SIGN_CONTEXT } from '../../src/group/constants.ts'
import { deviceAuthorship } from '../../src/group/device.ts'
import { signGroupMessage } from '../../src/group/message.ts'
import { signGroupOp } from '../../src/group/op.ts'
import { hex, utf8 } from './inputs.ts'
import type { SignedDeviceList } from '../../src/devices/list.ts'
import type { Keys } from './keys.ts'
import type { Json } from './inputs.ts'

/** 2026-11-29 13:00 UTC and later: the items' clocks. */
const MADE_AT = 1_764_421_200_000

function item (signed: { body: string, sig: string }, context: string, secret: Uint8Array): Record<string, Json> {
  const bytes = utf8(context + signed.body)
  return { body: signed.body, signedBytes: hex(bytes), signature: hex(ed25519.sign(bytes, secret)), sig: signed.sig, wire: JSON.stringify(signed) }
}

export function makeGroupDevice (keys: Keys, deviceList: { secondDevice: { seed: Uint8Array, peer: string }, list: SignedDeviceList }): Json {
  const phone = deviceList.secondDevice
  const create = signGroupOp({ kind: 'create', name: 'Trip', members: [{ peer: keys.alice.peerId, name: 'Alice', sessions: true }, { peer: keys.bob.peerId, name: 'Bob', sessions: true }] },
    { author: keys.alice.peerId, lamport: 1, deps: [], at: MADE_AT }, keys.alice.secret)
  const rename = signGroupOp({ kind: 'rename', name: 'Поездка' }, { group: create.group, author: keys.alice.peerId, device: phone.peer, lamport: 2, deps: [create.id], at: MADE_AT + 60_000 }, phone.seed)
  const message = signGroupMessage({ group: create.group, author: keys.alice.peerId, device: phone.peer, lamport: 1, ops: [rename.id] },
    { type: 'message', id: '01KB5ZJ0M0A10CE0PH0NE00001', text: 'Sent from my phone', sentAt: MADE_AT + 120_000 }, phone.seed)
  return {
    what: 'A group of Alice (keys.json alice) and Bob made by her account key; a rename and a message made on her second device (device-list.json secondDevice): author the account, device the device, signed by the device key. Each item\'s body, the bytes signed (context · body as UTF-8), the signature, sig (base64) and the wire form; the verdicts of a receiver holding device-list.json\'s list, and none',
    account: keys.alice.peerId,
    device: phone.peer,
    create: { ...item(create.signed, OP_SIGN_CONTEXT, keys.alice.secret), id: create.id, group: create.group },
    rename: { ...item(rename.signed, OP_SIGN_CONTEXT, phone.seed), id: rename.id },
    message: item(message.signed, MESSAGE_SIGN_CONTEXT, phone.seed),
    verdicts: {
      withDeviceList: deviceAuthorship(rename, [deviceList.list]),
      withoutList: deviceAuthorship(rename, []),
      createWithoutList: deviceAuthorship(create, [])
    }
  }
}
