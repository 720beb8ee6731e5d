/**
 * Contacts' devices' notification keys, and which of their devices took ours
 * (docs/protocols.md, "Web Push", "How a sender learns the key"). Both are
 * non-indexed fields of the contact row, this device's own, never in a
 * backup:
 * - `notifyKeys`: device PeerID → the key that device gave us (base64url),
 *   for the contact's own PeerID and the devices its held list names only,
 *   so at most MAX_DEVICES + 1 entries; a device the list no longer names is
 *   dropped at the next write;
 * - `notifySent`: our key, and the devices that acknowledged it (or that run
 *   an app from before and refused it): they are not offered it again until
 *   it changes.
 */
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import { isNotifyKey } from '@parley/protocol/devices/notify'
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow } from './types.ts'

/** Entries a contact's maps hold at most: its own PeerID and every device of a full list. */
export const MAX_NOTIFY_DEVICES = MAX_DEVICES + 1

/** The devices that speak for `contact`: its own PeerID and those of its held list. */
function devicesOf (contact: Pick<ContactRow, 'peerId' | 'devicePeers'>): Set<string> {
  return new Set([contact.peerId, ...(contact.devicePeers ?? [])])
}

/** What storing a key did: 'stored' (new or changed), 'same', 'invalid' (not a key, or not a device of the contact: nothing written), 'no-contact'. */
export type NotifyKeyOutcome = 'stored' | 'same' | 'invalid' | 'no-contact'

/**
 * Keeps `key` as `device`'s notification key on contact `id`, replacing an
 * older one, when `device` is the contact's own PeerID or one its held list
 * names and `key` is in its form. Call inside a transaction over `contacts`
 * when it must go with something else (the box's commit).
 */
export async function storeNotifyKey (db: ParleyDb, id: ContactId, device: string, key: string): Promise<NotifyKeyOutcome> {
  const contact = await db.contacts.get(id)
  if (contact === undefined) return 'no-contact'
  const devices = devicesOf(contact)
  if (!isNotifyKey(key) || !devices.has(device)) return 'invalid'
  if (contact.notifyKeys?.[device] === key) return 'same'
  const kept = Object.entries(contact.notifyKeys ?? {}).filter(([peer]) => devices.has(peer) && peer !== device)
  const notifyKeys = Object.fromEntries([...kept, [device, key]].slice(-MAX_NOTIFY_DEVICES))
  await db.contacts.update(id, { notifyKeys })
  return 'stored'
}

/** The notification key `device` (a device of `contact`) gave us, if it still speaks for the contact. */
export function notifyKeyOf (contact: Pick<ContactRow, 'peerId' | 'devicePeers' | 'notifyKeys'>, device: string): string | undefined {
  const key = contact.notifyKeys?.[device]
  return key !== undefined && devicesOf(contact).has(device) && isNotifyKey(key) ? key : undefined
}

/** True when `device` has taken (or refused for good) our key `key`. */
export function notifySentTo (contact: Pick<ContactRow, 'notifySent'>, device: string, key: string): boolean {
  return contact.notifySent?.key === key && contact.notifySent.devices.includes(device)
}

/** Notes that `device` of contact `id` took (or refused for good) our key `key`; a mark for another key is replaced. */
export async function markNotifySent (db: ParleyDb, id: ContactId, device: string, key: string): Promise<void> {
  await db.transaction('rw', db.contacts, async () => {
    const contact = await db.contacts.get(id)
    if (contact === undefined || notifySentTo(contact, device, key)) return
    const devices = devicesOf(contact)
    const held = contact.notifySent?.key === key ? contact.notifySent.devices.filter(d => devices.has(d)) : []
    await db.contacts.update(id, { notifySent: { key, devices: [...held, device].slice(-MAX_NOTIFY_DEVICES) } })
  })
}
