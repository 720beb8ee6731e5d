/**
 * How a contact is named on screen: by the user's nickname, else by the name
 * they chose. A pure function of the row, shared by the worker
 * (db/contacts.ts re-exports it), the state managers and the widgets.
 */
import type { ContactRow } from '../db/types.ts'

/** The name shown for a contact: the user's nickname, else the contact's own username. */
export function displayName (contact: Pick<ContactRow, 'nickname' | 'username'>): string {
  return contact.nickname ?? contact.username
}
