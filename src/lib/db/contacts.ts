import Dexie from 'dexie'
import { errorClass } from '../contract/errors.ts'
import { displayName } from '../model/names.ts'
import { blockRecordAfter } from './blocks.ts'
import { clearNotFound } from './not-found.ts'
import { addPeerTombstone, addTombstones } from './tombstones.ts'
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow, ContactState, PeerTombstoneRow, PresenceStatus } from './types.ts'

export interface ContactInput {
  peerId: string
  username: string
  addresses: string[]
  /** libp2p protobuf encoding; when omitted an existing key is kept. */
  publicKey?: Uint8Array
  /** Clock for addedAt / updatedAt; defaults to `Date.now()`. */
  now?: number
  /** State of a new contact (an existing one keeps its own); defaults to 'accepted'. */
  state?: ContactState
  /** Sets `helloPending` on a new contact. */
  helloPending?: boolean
}

/**
 * Adds a contact, or refreshes what its invite says about it.
 *
 * A new contact starts in `input.state` (accepted unless given), offline,
 * unblocked and unverified. For an
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
      state: input.state ?? 'accepted',
      verified: false,
      addedAt: now,
      updatedAt: now
    }
    if (input.publicKey !== undefined) row.publicKey = input.publicKey
    if (input.helloPending === true) row.helloPending = true
    return db.contacts.add(row)
  })
}

export async function getContact (db: ParleyDb, id: ContactId): Promise<ContactRow | undefined> {
  return db.contacts.get(id)
}

export async function getContactByPeerId (db: ParleyDb, peerId: string): Promise<ContactRow | undefined> {
  return db.contacts.where('peerId').equals(peerId).first()
}

/** A PeerID cut short, for someone who gave no name. */
export function shortPeerId (peerId: string): string {
  return `${peerId.slice(0, 6)}…${peerId.slice(-4)}`
}

/** How a contact is named (model/names.ts), here too for the worker's features. */
export { displayName }

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

/**
 * At most this many addresses are kept for a contact, each at most this
 * long: the limits of a contact frame and an invite (MAX_CONTACT_ADDRESSES,
 * MAX_CONTACT_ADDRESS_CHARS in p2p/protocols/contact/codec.ts; a unit test
 * keeps them equal).
 */
export const MAX_STORED_CONTACT_ADDRESSES = 8
export const MAX_STORED_CONTACT_ADDRESS_CHARS = 512

/** Addresses given to setContactAddresses break a rule; the code says which. */
export const InvalidContactAddressesError = errorClass('InvalidContactAddressesError')

/**
 * Replaces the addresses of the contact with this PeerID by where the
 * network found it now (a DHT lookup, docs/protocols.md): duplicates are
 * dropped, the order kept. Like presence this is network data, not an edit
 * of the contact, so updatedAt is left alone; nothing else changes.
 * Throws InvalidContactAddressesError (and changes nothing) for an empty
 * list, more than MAX_STORED_CONTACT_ADDRESSES addresses, or an address
 * that is empty or longer than MAX_STORED_CONTACT_ADDRESS_CHARS.
 *
 * @returns false when no contact has this PeerID.
 */
export async function setContactAddresses (db: ParleyDb, peerId: string, addresses: readonly string[]): Promise<boolean> {
  const unique = [...new Set(addresses)]
  if (unique.length === 0) throw new InvalidContactAddressesError('contactNoAddresses')
  if (unique.length > MAX_STORED_CONTACT_ADDRESSES) {
    throw new InvalidContactAddressesError('contactTooManyAddresses', { max: MAX_STORED_CONTACT_ADDRESSES, count: unique.length })
  }
  for (const address of unique) {
    if (typeof address !== 'string' || address.length === 0 || address.length > MAX_STORED_CONTACT_ADDRESS_CHARS) {
      throw new InvalidContactAddressesError('contactAddressInvalid', { max: MAX_STORED_CONTACT_ADDRESS_CHARS })
    }
  }
  const count = await db.contacts.where('peerId').equals(peerId).modify({ addresses: unique })
  return count > 0
}

/** After the user declined a peer, it may ask again at most this many times; then it is refused. */
export const MAX_REREQUESTS = 3
/** At most this many requests wait for the user; strangers beyond it are refused. */
export const MAX_PENDING_REQUESTS = 100

export interface HelloInput {
  peerId: string
  type: 'request' | 'accept'
  /** the name the peer gave */
  name: string
  addresses: string[]
  /** the hello's `time` (the sender's clock), when it carried one */
  time?: number
  /** the hello said their app speaks sessions (kept once seen: a later hello without it changes nothing) */
  sessions?: true
  now?: number
}

/**
 * Whether a hello is stale (docs/protocols.md, "Freshness"): its `time` is
 * not after the newest hello taken from that peer, or, the peer being deleted
 * (`deletedAt`), it was made before the deletion. A hello without a time
 * (a live one from an app before 2026-11-29; mailboxes refuse those) is
 * never stale.
 */
export function staleHello (known: Pick<ContactRow, 'helloAt' | 'deletedAt' | 'state'> | PeerTombstoneRow | undefined, time: number | undefined): boolean {
  if (time === undefined || known === undefined) return false
  if (known.helloAt !== undefined && time <= known.helloAt) return true
  const deleted = !('state' in known) || known.state === 'deleted'
  return deleted && known.deletedAt !== undefined && time < known.deletedAt
}

/**
 * Applies a peer's `request` or `accept` (docs/protocols.md, "Contact
 * requests") in one transaction and returns how we now stand with it:
 * - request from a stranger → a new 'pending' contact (the user decides);
 * - request from a contact we asked ('requested'), or an accept from one →
 *   'accepted' (both want it);
 * - request after the user declined → 'pending' again, at most
 *   MAX_REREQUESTS times, then 'refused';
 * - anything from a blocked peer, an accept we did not ask for, or a
 *   stranger's request while MAX_PENDING_REQUESTS wait → 'refused';
 * - a stale hello (`staleHello`: a replay) → 'stale', and nothing changes.
 * Name and addresses of an existing contact are refreshed unless refused,
 * and the hello's time kept as the newest taken from them.
 */
export async function receiveHello (db: ParleyDb, input: HelloInput): Promise<'pending' | 'accepted' | 'refused' | 'stale'> {
  const now = input.now ?? Date.now()
  return db.transaction('rw', [db.contacts, db.messages, db.peerTombstones], async () => {
    const existing = await db.contacts.where('peerId').equals(input.peerId).first()
    if (existing === undefined) {
      // deleted with the history: a request made before that stays gone
      if (staleHello(await db.peerTombstones.get(input.peerId), input.time)) return 'stale'
      if (input.type === 'accept') return 'refused'
      if (await db.contacts.where('state').equals('pending').count() >= MAX_PENDING_REQUESTS) return 'refused'
      const id = await upsertContact(db, { peerId: input.peerId, username: input.name, addresses: input.addresses, now, state: 'pending' })
      if (input.time !== undefined) await db.contacts.update(id, { helloAt: input.time })
      if (input.sessions === true) await db.contacts.update(id, { sessions: true })
      return 'pending'
    }
    if (staleHello(existing, input.time)) return 'stale'
    if (existing.blocked) return 'refused'
    const refresh: Partial<ContactRow> = { username: input.name, addresses: [...input.addresses], updatedAt: now, ...(input.sessions === true ? { sessions: true } : {}) }
    if (input.time !== undefined) refresh.helloAt = input.time
    switch (existing.state) {
      case 'requested':
        await db.contacts.update(existing.id, { ...refresh, state: 'accepted', helloPending: false })
        // they answered: whoever they are, they exist
        await clearNotFound(db, input.peerId)
        return 'accepted'
      case 'accepted':
        await db.contacts.update(existing.id, refresh)
        return 'accepted'
      case 'pending':
        if (input.type === 'accept') return 'refused'
        await db.contacts.update(existing.id, refresh)
        return 'pending'
      case 'deleted':
        // deleted by the user: a new request is a stranger's (the kept history comes back with it)
        if (input.type === 'accept') return 'refused'
        await db.contacts.update(existing.id, { ...refresh, state: 'pending' })
        return 'pending'
      case 'declined': {
        const count = existing.rerequests ?? 0
        if (input.type === 'accept' || count >= MAX_REREQUESTS) return 'refused'
        await db.contacts.update(existing.id, { ...refresh, state: 'pending', rerequests: count + 1 })
        return 'pending'
      }
    }
  })
}

/**
 * `peerId`'s app speaks sessions (its identify listed chat 2.0.0 over an
 * authenticated connection): its contact, if any, keeps `sessions: true` for
 * good. @returns whether a contact was marked now
 */
export async function markSpeaksSessions (db: ParleyDb, peerId: string): Promise<boolean> {
  return db.transaction('rw', db.contacts, async () => {
    const contact = await db.contacts.where('peerId').equals(peerId).first()
    if (contact === undefined || contact.sessions === true) return false
    await db.contacts.update(contact.id, { sessions: true })
    return true
  })
}

/** The hello owed to a contact was answered; its state stays as it is now. */
export async function clearHelloPending (db: ParleyDb, id: ContactId): Promise<void> {
  await db.contacts.update(id, { helloPending: false, helloStored: false })
}

/** The hello we owe them waits on a mailbox relay (it was deposited there); it stays owed until they answer. */
export async function setHelloStored (db: ParleyDb, id: ContactId): Promise<void> {
  await db.contacts.update(id, { helloStored: true })
}

/** Changes a contact's state (and whether a hello to it is still owed: a new one, not yet on a relay). @returns false for an unknown id. */
export async function setContactState (db: ParleyDb, id: ContactId, state: ContactState, helloPending: boolean, now: number = Date.now()): Promise<boolean> {
  return (await db.contacts.update(id, { state, helloPending, helloStored: false, updatedAt: now })) > 0
}

/** Longest note about a contact, in characters. */
export const MAX_NOTES_CHARS = 2000

/** The user's own details of a contact: a nickname (null removes it) and notes. @returns false for an unknown id. */
export async function updateContactDetails (db: ParleyDb, id: ContactId, details: { nickname: string | null, notes: string }, now: number = Date.now()): Promise<boolean> {
  return db.transaction('rw', db.contacts, async () => {
    const row = await db.contacts.get(id)
    if (row === undefined) return false
    const next: ContactRow = { ...row, notes: details.notes, updatedAt: now }
    if (details.nickname === null) delete next.nickname
    else next.nickname = details.nickname
    await db.contacts.put(next)
    return true
  })
}

/**
 * Blocks or unblocks a contact, and notes when in its block record (db/blocks.ts:
 * what they send during a block is never stored). @returns false for an unknown id.
 */
export async function setBlocked (db: ParleyDb, id: ContactId, blocked: boolean, now: number = Date.now()): Promise<boolean> {
  return db.transaction('rw', db.contacts, async () => {
    const row = await db.contacts.get(id)
    if (row === undefined) return false
    if (row.blocked === blocked) await db.contacts.update(id, { updatedAt: now })
    else await db.contacts.update(id, { blocked, block: blockRecordAfter(row.block, blocked, now), updatedAt: now })
    return true
  })
}

/**
 * Deletes a contact. With the history, the contact and every message with
 * them go (leaving tombstones of the messages and of the contact: a replay
 * brings back neither); without it, the contact is hidden ('deleted', noting
 * when) and the history kept for when they are added again. @returns false
 * for an unknown id.
 */
export async function deleteContact (db: ParleyDb, id: ContactId, withHistory: boolean, now: number = Date.now()): Promise<boolean> {
  return db.transaction('rw', [db.contacts, db.messages, db.events, db.tombstones, db.peerTombstones], async () => {
    const contact = await db.contacts.get(id)
    if (contact === undefined) return false
    if (withHistory) {
      const chat = db.messages.where('[contactId+sentAt+id]').between([id, Dexie.minKey, Dexie.minKey], [id, Dexie.maxKey, Dexie.maxKey], true, true)
      // their messages stay gone, and an old request of theirs does not bring them back (db/tombstones.ts)
      await addTombstones(db, await chat.primaryKeys(), now)
      await addPeerTombstone(db, contact.peerId, contact.helloAt, now)
      await chat.delete()
      await db.events.where('contactId').equals(id).delete()
      await db.contacts.delete(id)
    } else {
      await db.contacts.update(id, { state: 'deleted', helloPending: false, status: 'offline', deletedAt: now, updatedAt: now })
    }
    return true
  })
}

/** Marks a contact verified or not. @returns false for an unknown id. */
export async function setVerified (db: ParleyDb, id: ContactId, verified: boolean, now: number = Date.now()): Promise<boolean> {
  return (await db.contacts.update(id, { verified, updatedAt: now })) > 0
}

/**
 * What an invite says of someone: the text form has no name, a short link
 * (`#/c/<PeerID>`) no addresses.
 */
export interface InviteContact {
  peerId: string
  name?: string
  addresses: string[]
  /** the invite carried a check of the PeerID (identity/invite.ts `Invite.checked`) */
  checked?: true
  /** the invite says their app speaks sessions (`Invite.sessions`): the contact keeps `sessions: true` for good */
  sessions?: true
  /** Clock for addedAt / updatedAt; defaults to `Date.now()`. */
  now?: number
}

/**
 * The user adds someone from an invite, in one transaction (so a request from
 * them arriving at the same moment cannot slip in between): a new contact
 * starts 'requested' (named by the invite, else by its short PeerID); one
 * whose request waits (or was declined) becomes 'accepted'; a deleted or
 * still-requested one is asked again; an accepted one only gets the invite's
 * name and addresses. What the invite leaves out (no name, no addresses), an
 * existing contact keeps. Every case but 'accepted' owes them a hello. A
 * blocked contact is left as it is. A contact asked again is unchecked as
 * this invite is, and starts over as to being found (db/not-found.ts). An
 * invite that says they speak sessions marks the contact (the mark is
 * never removed).
 *
 * @returns the contact's id, and whether it is blocked (nothing was changed then)
 */
export async function addFromInvite (db: ParleyDb, input: InviteContact): Promise<{ id: ContactId, blocked: boolean }> {
  const now = input.now ?? Date.now()
  const unchecked = input.checked !== true
  const speaks: Partial<ContactRow> = input.sessions === true ? { sessions: true } : {}
  return db.transaction('rw', db.contacts, db.messages, async () => {
    const existing = await db.contacts.where('peerId').equals(input.peerId).first()
    if (existing === undefined) {
      const username = input.name ?? shortPeerId(input.peerId)
      const id = await upsertContact(db, { peerId: input.peerId, username, addresses: input.addresses, now, state: 'requested', helloPending: true })
      await db.contacts.update(id, { helloSince: now, helloStored: false, unchecked, ...speaks })
      return { id, blocked: false }
    }
    if (existing.blocked) return { id: existing.id, blocked: true }
    if (input.sessions === true && existing.sessions !== true) await db.contacts.update(existing.id, speaks)
    await upsertContact(db, {
      peerId: input.peerId,
      username: input.name ?? existing.username,
      addresses: input.addresses.length > 0 ? input.addresses : existing.addresses,
      now
    })
    if (existing.state !== 'accepted') {
      const state = existing.state === 'pending' || existing.state === 'declined' ? 'accepted' : 'requested'
      await db.contacts.update(existing.id, { state, helloPending: true, helloSince: now, helloStored: false, unchecked })
      await clearNotFound(db, input.peerId)
    }
    return { id: existing.id, blocked: false }
  })
}
