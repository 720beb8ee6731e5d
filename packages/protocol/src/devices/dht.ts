/**
 * An account's device list in Parley's DHT (docs/protocols.md, "The device
 * list in the DHT"): the holder publishes its signed list under the key
 * `/parley-devices/` + the account PeerID's multihash (bytes), as the value
 * of a kad-dht PUT_VALUE / GET_VALUE record; the value is the list's JSON
 * bytes, `{"body","sig"}`, exactly as "Linked devices: the device list" has
 * it. A holder (a relay) checks it opens as the list of the account the key
 * names (signed by that account's key, at most MAX_DEVICE_LIST_BYTES), and
 * keeps the highest version. Pure, shared by the app and relay-node.
 */
import { peerIdFromMultihash } from '@libp2p/peer-id'
import * as Digest from 'multiformats/hashes/digest'
import { DeviceListError, openDeviceList } from './list.ts'
import type { DeviceList, SignedDeviceList } from './list.ts'
import type { PeerId } from '@libp2p/interface'

/** The DHT namespace of device lists (kad-dht picks validators and selectors by it). */
export const DEVICE_LIST_NAMESPACE = 'parley-devices'
const KEY_PREFIX = new TextEncoder().encode(`/${DEVICE_LIST_NAMESPACE}/`)
const encoder = new TextEncoder()
/** A relay keeps a list this long after it last received it: the holder publishes again well within it. */
export const DEVICE_LIST_TTL_MS = 24 * 60 * 60 * 1000
/** The holder publishes its list again this often while online (and at once when it changes). */
export const DEVICE_LIST_REPUBLISH_MS = 6 * 60 * 60 * 1000

/** The DHT key of `account`'s list: `/parley-devices/` + its multihash. */
export function deviceListKey (account: PeerId): Uint8Array {
  const multihash = account.toMultihash().bytes
  const key = new Uint8Array(KEY_PREFIX.byteLength + multihash.byteLength)
  key.set(KEY_PREFIX)
  key.set(multihash, KEY_PREFIX.byteLength)
  return key
}

/** Whether `key` is under `/parley-devices/` (what it names is checked by {@link openDeviceListRecord}). */
export function isDeviceListKey (key: Uint8Array | undefined): key is Uint8Array {
  return key != null && key.byteLength > KEY_PREFIX.byteLength && KEY_PREFIX.every((b, i) => key[i] === b)
}

/** The value a list is published as: its JSON bytes. */
export function deviceListValue (list: SignedDeviceList): Uint8Array {
  return encoder.encode(JSON.stringify({ body: list.body, sig: list.sig }))
}

/**
 * Opens a record's value under `key`: the key is `/parley-devices/` and an
 * Ed25519 PeerID's multihash ('malformed' otherwise), and the value opens as
 * that account's list (openDeviceList's checks and codes: 'too-large',
 * 'bad-signature', 'wrong-account', …).
 *
 * @throws DeviceListError
 */
export function openDeviceListRecord (key: Uint8Array, value: Uint8Array): DeviceList {
  if (!isDeviceListKey(key)) throw new DeviceListError('malformed', `a device list's key starts with /${DEVICE_LIST_NAMESPACE}/`)
  let account: string
  try {
    const peer = peerIdFromMultihash(Digest.decode(key.subarray(KEY_PREFIX.byteLength)))
    if (peer.type !== 'Ed25519') throw new Error('not Ed25519')
    account = peer.toString()
  } catch {
    throw new DeviceListError('malformed', 'the key does not name an Ed25519 PeerID')
  }
  return openDeviceList(value, { account })
}

/**
 * Which of `records` (values under one key) to use: the highest version of
 * those that open (the first of equals). Kad-dht's selector for the namespace.
 *
 * @throws DeviceListError('malformed') when none opens
 */
export function selectDeviceListRecord (key: Uint8Array, records: Uint8Array[]): number {
  let best = -1
  let bestVersion = 0
  for (const [i, bytes] of records.entries()) {
    try {
      const { version } = openDeviceListRecord(key, bytes)
      if (version > bestVersion) {
        best = i
        bestVersion = version
      }
    } catch (err) {
      if (!(err instanceof DeviceListError)) throw err
    }
  }
  if (best < 0) throw new DeviceListError('malformed', 'none of the device lists opens')
  return best
}

/** What a kad-dht node is configured with to put and get device lists (its `validators` and `selectors` options). */
export const DEVICE_LIST_DHT_OPTIONS = {
  validators: { [DEVICE_LIST_NAMESPACE]: async (key: Uint8Array, value: Uint8Array): Promise<void> => { openDeviceListRecord(key, value) } },
  selectors: { [DEVICE_LIST_NAMESPACE]: (key: Uint8Array, records: Uint8Array[]): number => selectDeviceListRecord(key, records) }
}
