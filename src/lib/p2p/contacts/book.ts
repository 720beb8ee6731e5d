import { getContactOfPeer } from '../../db/contact-devices.ts'
import { getContact, listContacts } from '../../db/contacts.ts'
import { ContactCache } from '../../db/contact-cache.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId, ContactRow } from '../../db/types.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { PeerId, Startable } from '@libp2p/interface'

/**
 * Who may exchange messages with us, in one place (the inbox, the outbox and
 * the mailbox all ask): contacts we accepted or asked, never blocked,
 * declined or deleted ones. 'requested': we asked them, and they write to us
 * only once they have us as a contact.
 */
export function mayExchange (contact: ContactRow | undefined): contact is ContactRow {
  return contact != null && !contact.blocked && (contact.state === 'accepted' || contact.state === 'requested')
}

export interface ContactBookComponents {
  db: ParleyDb
}

/**
 * The contacts as the message paths read them: rows by id and by PeerID
 * (cached until the table changes, db/contact-cache.ts), and the blocked
 * PeerIDs, which the connection gater asks synchronously.
 */
export class ContactBook implements ContactBookPort, Startable {
  readonly #components: ContactBookComponents
  #cache?: ContactCache
  /** PeerIDs of blocked contacts, for the connection gater */
  readonly #blocked = new Set<string>()

  constructor (components: ContactBookComponents) {
    this.#components = components
  }

  async start (): Promise<void> {
    this.#cache = new ContactCache(this.#components.db)
    for (const contact of await listContacts(this.#components.db)) {
      if (contact.blocked) this.#blocked.add(contact.peerId)
    }
  }

  stop (): void {
    this.#cache?.close()
    this.#cache = undefined
    this.#blocked.clear()
  }

  /** The contact with this id (read from the database while the node is not running). */
  async byId (id: ContactId): Promise<ContactRow | undefined> {
    return this.#cache != null ? this.#cache.byId(id) : getContact(this.#components.db, id)
  }

  /**
   * The contact this peer is: its own PeerID, or a device its held device list
   * names (one chat, one safety number: the account's; db/contact-devices.ts).
   */
  async byPeerId (peerId: string): Promise<ContactRow | undefined> {
    return this.#cache != null ? this.#cache.byPeerId(peerId) : getContactOfPeer(this.#components.db, peerId)
  }

  /** The gater's question: is this peer a blocked contact? Synchronous. */
  isBlocked (peerId: PeerId): boolean {
    return this.#blocked.has(peerId.toString())
  }

  /** Notes that the user blocked or unblocked this PeerID (after the row is written). */
  setBlocked (peerId: string, blocked: boolean): void {
    if (blocked) this.#blocked.add(peerId)
    else this.#blocked.delete(peerId)
  }

  /** An accepted, unblocked contact (who may run a speed test, whose relayed connection is upgraded). */
  async isAccepted (peerId: PeerId): Promise<boolean> {
    const contact = await this.byPeerId(peerId.toString())
    return contact != null && !contact.blocked && contact.state === 'accepted'
  }
}
