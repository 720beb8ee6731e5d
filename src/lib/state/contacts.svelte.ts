/**
 * The contacts and groups as screens show them, read live from the database
 * (the worker writes, liveQuery brings every change): one contact by id, the
 * whole list, one group by id. Create them during a component's
 * initialisation (they follow it, as `live()` does), with a getter for what
 * they follow:
 *
 * ```ts
 * const contact = new ContactView(() => contactId)
 * const contacts = new ContactList()
 * const group = new GroupView(() => groupId)
 * ```
 */
import { getContact, listContacts } from '../db/contacts.ts'
import type { ParleyDb } from '../db/db.ts'
import { addableContacts } from '../db/group-reads.ts'
import { getGroup } from '../db/groups.ts'
import type { ContactId, ContactRow, GroupRow } from '../db/types.ts'
import { displayName } from '../model/names.ts'
import { getDb, live, type Live } from './live.svelte.ts'

/** One contact, by id (none while the id is undefined). */
export class ContactView {
  readonly #row: Live<ContactRow | undefined>

  constructor (id: () => ContactId | undefined, db: ParleyDb = getDb()) {
    this.#row = live(async () => {
      const contactId = id()
      return contactId === undefined ? undefined : getContact(db, contactId)
    }, undefined, id)
  }

  /** The contact's row; undefined while loading, or when there is no such contact. */
  get row (): ContactRow | undefined { return this.#row.current }
  /** False until the row has been read once. */
  get loaded (): boolean { return this.#row.loaded }
  /** Why the row could not be read, if it could not. */
  get error (): unknown { return this.#row.error }
  /** How many devices their account's held device list names (1 without one: an account with its first device alone). */
  get deviceCount (): number { return deviceCountOf(this.#row.current) }
  /** The name shown for them (their nickname, else their own); '' while there is no row. */
  get name (): string {
    const row = this.#row.current
    return row === undefined ? '' : displayName(row)
  }
}

/** The devices a contact's held device list names (db/contact-devices.ts); 1 without one, 0 without a row. */
export function deviceCountOf (row: Pick<ContactRow, 'devicePeers'> | undefined): number {
  return row === undefined ? 0 : row.devicePeers?.length ?? 1
}

/** Whom a group or a share can go to: an accepted contact who is not blocked. */
export function isReachable (contact: ContactRow): boolean {
  return contact.state === 'accepted' && !contact.blocked
}

/** Every contact, by shown name (none while `wanted` says no: a screen that may not need them). */
export class ContactList {
  readonly #rows: Live<ContactRow[]>
  readonly #reachable: readonly ContactRow[] = $derived(this.rows.filter(isReachable))
  // a plain value handed out whole, never changed after
  // eslint-disable-next-line svelte/prefer-svelte-reactivity
  readonly #names: ReadonlyMap<string, string> = $derived(new Map(this.rows.map(c => [c.peerId, displayName(c)])))

  constructor (wanted: () => boolean = () => true, db: ParleyDb = getDb()) {
    this.#rows = live(async () => wanted() ? listContacts(db) : [], [], wanted)
  }

  /** Every contact row, by shown name (case-insensitive). */
  get rows (): readonly ContactRow[] { return this.#rows.current }
  /** False until the list has been read once. */
  get loaded (): boolean { return this.#rows.loaded }
  /** Why the list could not be read, if it could not. */
  get error (): unknown { return this.#rows.error }
  /** The accepted contacts who are not blocked: whom a group or a share can go to. */
  get reachable (): readonly ContactRow[] { return this.#reachable }
  /** A contact's shown name by PeerID; undefined for someone who is not a contact. */
  nameOf (peerId: string): string | undefined { return this.#names.get(peerId) }
  /** The contacts `group` can take: reachable ones not in it yet. */
  addableTo (group: Pick<GroupRow, 'members'> | undefined): ContactRow[] { return addableContacts(this.rows, group) }
}

/** One group, by id (none while the id is undefined). */
export class GroupView {
  readonly #row: Live<GroupRow | undefined>

  constructor (id: () => string | undefined, db: ParleyDb = getDb()) {
    this.#row = live(async () => {
      const groupId = id()
      return groupId === undefined ? undefined : getGroup(db, groupId)
    }, undefined, id)
  }

  /** The group's row; undefined while loading, or when there is no such group. */
  get row (): GroupRow | undefined { return this.#row.current }
  /** False until the row has been read once. */
  get loaded (): boolean { return this.#row.loaded }
  /** Why the row could not be read, if it could not. */
  get error (): unknown { return this.#row.error }
}
