/**
 * Contacts' device lists (schema v14; docs/protocols.md, "A contact's device
 * list"): each contact row may hold its account's signed list as received,
 * its version and the PeerIDs it names, so that a device's PeerID maps to its
 * contact. The caller opens a list against the contact's PeerID before it
 * comes here (`openDeviceList`, @parley/protocol/devices/list): nothing here
 * verifies a signature. A list is stored only when its version is greater
 * than the held one's, compared and written in one transaction, with the
 * chat's quiet notices of the devices it adds and removes.
 */
import { noticeRow } from './messages.ts'
import { dropDevices } from './pending-devices.ts'
import { devicePeersOf } from './pending-rows.ts'
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow } from './types.ts'
import type { DeviceList, SignedDeviceList } from '@parley/protocol/devices/list'

/** What storing an offered list did: see {@link storeContactDevices}. */
export type ContactDevicesOutcome =
  | { outcome: 'newer', contact: ContactRow, added: string[], removed: string[] }
  | { outcome: 'same' | 'older' | 'conflict' | 'no-contact' }

export { devicePeersOf } from './pending-rows.ts'

/** The fields a stored list sets on its contact's row. */
export function contactDeviceFields (list: Pick<DeviceList, 'signed' | 'version' | 'devices'>): Required<Pick<ContactRow, 'devices' | 'devicesVersion' | 'devicePeers'>> {
  return { devices: { ...list.signed }, devicesVersion: list.version, devicePeers: list.devices.map(d => d.peer) }
}

/**
 * The version and PeerIDs of a list that was opened before (a backup's,
 * checked by its reader), read from its body without checking it again;
 * undefined when the body does not read as a list.
 */
export function deviceIndexOf (signed: SignedDeviceList): Pick<ContactRow, 'devicesVersion' | 'devicePeers'> | undefined {
  let parsed: unknown
  try {
    parsed = JSON.parse(signed.body)
  } catch {
    return undefined
  }
  const { version, devices } = (parsed ?? {}) as { version?: unknown, devices?: unknown }
  if (typeof version !== 'number' || !Array.isArray(devices)) return undefined
  const peers = (devices as unknown[]).map(d => (d as { peer?: unknown } | null)?.peer)
  if (!peers.every((p): p is string => typeof p === 'string')) return undefined
  return { devicesVersion: version, devicePeers: peers }
}

/**
 * Stores `list`, opened against the contact's PeerID, on contact `id` when its
 * version is greater than the held one's ('newer', with the devices it adds
 * and removes against the held list, or against the contact alone when none
 * was held). A list of the held version is 'same' when its body is the held
 * one's, else 'conflict' (the account's key signed two lists of one version:
 * the held one stays); a lower one is 'older'. Only 'newer' writes: the row,
 * and in the contact's chat one notice per device added ('device-added') and
 * per device removed ('device-removed'), read, never sent (with the chat's
 * timer they disappear like a message); and each removed device is taken off
 * what waits for it (`dropDevices`).
 *
 * @throws Error when the list is not the contact's account's (a caller's bug: it opens lists against the contact's PeerID)
 */
export async function storeContactDevices (db: ParleyDb, id: ContactId, list: DeviceList, now = Date.now()): Promise<ContactDevicesOutcome> {
  return db.transaction('rw', db.contacts, db.messages, db.events, async () => {
    const contact = await db.contacts.get(id)
    if (contact === undefined) return { outcome: 'no-contact' }
    if (contact.peerId !== list.account) throw new Error(`a list of ${list.account} offered for contact ${contact.peerId}`)
    const held = contact.devicesVersion
    if (held !== undefined && list.version < held) return { outcome: 'older' }
    if (held !== undefined && list.version === held) return { outcome: contact.devices?.body === list.signed.body ? 'same' : 'conflict' }
    const before = new Set(devicePeersOf(contact))
    const fields = contactDeviceFields(list)
    const after = new Set(fields.devicePeers)
    const added = fields.devicePeers.filter(p => !before.has(p))
    const removed = [...before].filter(p => !after.has(p))
    const row: ContactRow = { ...contact, ...fields }
    await db.contacts.put(row)
    const notices = [...added.map(() => noticeRow(row, 'device-added', now)), ...removed.map(() => noticeRow(row, 'device-removed', now))]
    if (notices.length > 0) await db.messages.bulkAdd(notices)
    // nothing waits for a removed device any more (pending-devices.ts)
    await dropDevices(db, id, removed)
    return { outcome: 'newer', contact: row, added, removed }
  })
}

/**
 * The contact a peer is: the one whose PeerID it is, else the one whose held
 * list names it as a device. A device two contacts' lists name is nobody's
 * (a list proves only the account's word, not the device's, so an account
 * can list another's device: docs/security.md, "Linked devices").
 */
export async function getContactOfPeer (db: ParleyDb, peerId: string): Promise<ContactRow | undefined> {
  return db.transaction('r', db.contacts, async () => {
    const own = await db.contacts.where('peerId').equals(peerId).first()
    if (own !== undefined) return own
    const listing = await db.contacts.where('devicePeers').equals(peerId).limit(2).toArray()
    return listing.length === 1 ? listing[0] : undefined
  })
}

/** Notes that `id` acknowledged our list of `version` (kept only when greater than the mark held). */
export async function markDevicesSent (db: ParleyDb, id: ContactId, version: number): Promise<void> {
  await db.transaction('rw', db.contacts, async () => {
    const contact = await db.contacts.get(id)
    if (contact === undefined || (contact.devicesSent ?? 0) >= version) return
    await db.contacts.update(id, { devicesSent: version })
  })
}
