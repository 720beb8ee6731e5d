import Dexie, { type ObservabilitySet } from 'dexie'
import { getContactOfPeer } from './contact-devices.ts'
import { getContact } from './contacts.ts'
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow } from './types.ts'

/** At most this many contacts are kept; past it the cache starts over. */
export const MAX_CACHED_CONTACTS = 1024

/**
 * Contact rows by id and by PeerID (a contact's own, or a device's its held
 * list names: db/contact-devices.ts getContactOfPeer), read from the database once and kept
 * until any write to the contacts table commits (in this context or another:
 * Dexie's global `storagemutated` event). The worker looks a contact up for
 * every message it sends and receives; this keeps those reads off the
 * message's path. Only rows that exist are kept.
 *
 * Call `close()` when done: the cache listens to a global event.
 */
export class ContactCache {
  readonly #db: ParleyDb
  readonly #byId = new Map<ContactId, ContactRow>()
  readonly #byPeerId = new Map<string, ContactRow>()
  readonly #prefix: string
  /** bumped on every invalidation: a read that overlapped a write is not kept */
  #generation = 0

  constructor (db: ParleyDb) {
    this.#db = db
    this.#prefix = `idb://${db.name}/${db.contacts.name}/`
    Dexie.on('storagemutated', this.#onMutated)
  }

  close (): void {
    Dexie.on.storagemutated.unsubscribe(this.#onMutated)
    this.clear()
  }

  clear (): void {
    this.#generation++
    this.#byId.clear()
    this.#byPeerId.clear()
  }

  async byId (id: ContactId): Promise<ContactRow | undefined> {
    const cached = this.#byId.get(id)
    if (cached !== undefined) return cached
    const generation = this.#generation
    const row = await getContact(this.#db, id)
    this.#keep(row, generation)
    return row
  }

  async byPeerId (peerId: string): Promise<ContactRow | undefined> {
    const cached = this.#byPeerId.get(peerId)
    if (cached !== undefined) return cached
    const generation = this.#generation
    const row = await getContactOfPeer(this.#db, peerId)
    this.#keep(row, generation, peerId)
    return row
  }

  #keep (row: ContactRow | undefined, generation: number, asked?: string): void {
    if (row === undefined || generation !== this.#generation) return
    if (this.#byId.size >= MAX_CACHED_CONTACTS || this.#byPeerId.size >= 2 * MAX_CACHED_CONTACTS) this.clear()
    this.#byId.set(row.id, row)
    this.#byPeerId.set(row.peerId, row)
    // a device of the contact's list, under its own PeerID
    if (asked !== undefined) this.#byPeerId.set(asked, row)
  }

  readonly #onMutated = (parts: ObservabilitySet): void => {
    for (const part of Object.keys(parts)) {
      if (part.startsWith(this.#prefix)) {
        this.clear()
        return
      }
    }
  }
}
