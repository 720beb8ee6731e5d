import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow, PresenceStatus } from './types.ts'

export interface ContactInput {
  peerId: string
  username: string
  addresses: string[]
  /** libp2p protobuf encoding; when omitted an existing key is kept. */
  publicKey?: Uint8Array
  /** Clock for addedAt / updatedAt; defaults to `Date.now()`. */
  now?: number
}

/**
 * Adds a contact, or refreshes what its invite says about it.
 *
 * A new contact starts accepted, offline, unblocked and unverified. For an
 * existing one only username, addresses, publicKey (when given) and updatedAt
 * change: nickname, notes, state, blocked, verified and presence are the
 * user's or the network's and are kept.
 */
export async function upsertContact (db: ParleyDb, input: ContactInput): Promise<ContactId> {
  const now = input.now ?? Date.now()
  return db.transaction('rw', db.contacts, async () => {
    const existing = await db.contacts.where('peerId').equals(input.peerId).first()
    if (existing !== undefined) {
      const changes: Partial<ContactRow> = {
        username: input.username,
        addresses: [...input.addresses],
        updatedAt: now
      }
      if (input.publicKey !== undefined) changes.publicKey = input.publicKey
      await db.contacts.update(existing.id, changes)
      return existing.id
    }
    const row: Omit<ContactRow, 'id'> = {
      peerId: input.peerId,
      username: input.username,
      addresses: [...input.addresses],
      status: 'offline',
      notes: '',
      blocked: false,
      state: 'accepted',
      verified: false,
      addedAt: now,
      updatedAt: now
    }
    if (input.publicKey !== undefined) row.publicKey = input.publicKey
    return db.contacts.add(row)
  })
}

export async function getContact (db: ParleyDb, id: ContactId): Promise<ContactRow | undefined> {
  return db.contacts.get(id)
}

export async function getContactByPeerId (db: ParleyDb, peerId: string): Promise<ContactRow | undefined> {
  return db.contacts.where('peerId').equals(peerId).first()
}

/** The name shown for a contact: the user's nickname, else the contact's own username. */
export function displayName (contact: Pick<ContactRow, 'nickname' | 'username'>): string {
  return contact.nickname ?? contact.username
}

const nameCollator = new Intl.Collator(undefined, { sensitivity: 'accent', numeric: true })

/** Case-insensitive order by display name; ties by id so the order is stable. */
export function compareByDisplayName (a: ContactRow, b: ContactRow): number {
  return nameCollator.compare(displayName(a), displayName(b)) || a.id - b.id
}

/** Every contact, sorted by display name (case-insensitive). */
export async function listContacts (db: ParleyDb): Promise<ContactRow[]> {
  const rows = await db.contacts.toArray()
  return rows.sort(compareByDisplayName)
}

/**
 * Records that a libp2p connection to the contact opened (online) or the last
 * one closed (offline, which also stamps lastSeen). Presence is not an edit of
 * the contact, so updatedAt is left alone.
 *
 * @returns false when no contact has this PeerID.
 */
export async function setPresence (
  db: ParleyDb,
  peerId: string,
  status: PresenceStatus,
  now: number
): Promise<boolean> {
  const changes: Partial<ContactRow> = status === 'offline'
    ? { status, lastSeen: now }
    : { status }
  const count = await db.contacts.where('peerId').equals(peerId).modify(changes)
  return count > 0
}
