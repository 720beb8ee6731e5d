/**
 * What the device-list tests share: accounts with Ed25519 keys (the native
 * stand-in of ../fuzz/native-ed25519.ts knows them), PeerID texts written
 * here, not by the code under test, and a signer of any body text, so that
 * lists the code would never sign (too many devices, a stranger first,
 * bodies not in their one form) can be made and offered.
 */
import { sign } from 'node:crypto'
import { base58btc } from 'multiformats/bases/base58'
import { DEVICE_LIST_SIGN_CONTEXT } from '../../src/devices/constants.ts'
import { newKeyPair } from '../fuzz/native-ed25519.ts'
import type { KeyObject } from 'node:crypto'
import type { DeviceEntry, DeviceListFields, SignedDeviceList } from '../../src/devices/list.ts'

export interface Account {
  peer: string
  /** the 32-byte seed signDeviceList takes */
  secret: Uint8Array
  key: KeyObject
}

/** `n` accounts (or devices: a device is an account's worth of key) with new keys. */
export function makeAccounts (n: number): Account[] {
  return Array.from({ length: n }, () => {
    const pair = newKeyPair()
    const multihash = Uint8Array.from([0x00, 0x24, 0x08, 0x01, 0x12, 0x20, ...pair.publicKey])
    return { peer: base58btc.encode(multihash).slice(1), secret: pair.secret, key: pair.privateKey }
  })
}

/** `body` signed by `by` under the device list's context, sig in base64url without padding. */
export function signBody (body: string, by: Account): SignedDeviceList {
  return { body, sig: sign(null, Buffer.from(DEVICE_LIST_SIGN_CONTEXT + body), by.key).toString('base64url') }
}

/** The body's one text, written by the test (keys in the documented order, no spaces). */
export function bodyOf (fields: DeviceListFields): string {
  const devices = fields.devices.map((d: DeviceEntry) => `{"peer":${JSON.stringify(d.peer)},"name":${JSON.stringify(d.name)},"added":${d.added}}`)
  return `{"v":1,"account":${JSON.stringify(fields.account)},"version":${fields.version},"at":${fields.at},"devices":[${devices.join(',')}]}`
}

export const NOW = 1_764_424_800_000

/** A valid list's fields: `account` first, then `others`. */
export function fieldsOf (account: Account, others: Account[] = [], version = NOW): DeviceListFields {
  return {
    account: account.peer,
    version,
    at: NOW,
    devices: [account, ...others].map((d, i) => ({ peer: d.peer, name: i === 0 ? 'Laptop' : `Phone ${i}`, added: NOW - 1000 + i }))
  }
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text)
export const bytesOfList = (signed: SignedDeviceList): Uint8Array => utf8(JSON.stringify(signed))
