/**
 * device-list.json: Alice's account (keys.json's Alice: her identity key is
 * the account key) with two devices, her own first and a second one whose
 * PeerID comes from a seed, signed as docs/protocols.md "Linked devices: the
 * device list" says: the body's one text, the signed bytes, the signature and
 * the list as the wire carries it. The second name has a quote, a backslash
 * and Cyrillic, so the body shows JSON's escapes and UTF-8.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { ed25519 } from '@noble/curves/ed25519.js'
import { DEVICE_LIST_SIGN_CONTEXT } from '../../src/devices/constants.ts'
import { signDeviceList } from '../../src/devices/list.ts'
import { hex, utf8 } from './inputs.ts'
import type { DeviceListFields, SignedDeviceList } from '../../src/devices/list.ts'
import type { Keys } from './keys.ts'
import type { Inputs, Json } from './inputs.ts'

/** 2026-11-29 12:00:00 UTC and a little later: the times the vector's list carries. */
const ACCOUNT_MADE = 1_764_417_600_000
const PHONE_ADDED = 1_764_421_200_000
const SIGNED_AT = 1_764_424_800_000

/** The file, and the second device's seed and list for group-device.json (an input is read once). */
export function makeDeviceList (inputs: Inputs, keys: Keys): { file: Json, secondDevice: { seed: Uint8Array, peer: string }, list: SignedDeviceList } {
  const phoneSeed = inputs.bytes('device-list.json/inputs/secondDeviceSeed', 32)
  const phone = peerIdFromPublicKey(publicKeyFromRaw(ed25519.getPublicKey(phoneSeed))).toString()
  const fields: DeviceListFields = {
    account: keys.alice.peerId,
    // a holder signs max(previous + 1, now): its first list, at SIGNED_AT
    version: SIGNED_AT,
    at: SIGNED_AT,
    devices: [
      { peer: keys.alice.peerId, name: 'Laptop', added: ACCOUNT_MADE },
      { peer: phone, name: 'Телефон "Алисы" \\ 2', added: PHONE_ADDED }
    ]
  }
  const list = signDeviceList(keys.alice.secret, fields)
  const signed = utf8(DEVICE_LIST_SIGN_CONTEXT + list.signed.body)
  const file = {
    what: 'Alice\'s device list: her account key (keys.json alice) signs two devices, hers first; the body, the bytes signed (context · body as UTF-8), the Ed25519 signature, and the list as the wire carries it',
    inputs: { secondDeviceSeed: hex(phoneSeed) },
    account: keys.alice.peerId,
    secondDevice: phone,
    body: list.signed.body,
    bodyBytes: utf8(list.signed.body).byteLength,
    signedBytes: hex(signed),
    signature: hex(ed25519.sign(signed, keys.alice.secret)),
    sig: list.signed.sig,
    wire: JSON.stringify(list.signed)
  }
  return { file, secondDevice: { seed: phoneSeed, peer: phone }, list: list.signed }
}
