/**
 * "Waiting for <name>'s keys" (docs/protocols.md, "Sessions are mandatory"):
 * a contact that speaks sessions and whose prekeys no source holds gets
 * nothing outside a box, so our items for it wait, queued, and the chat says
 * why. The courier marks the contact when a seal for it finds no bundle
 * anywhere and clears the mark once a box for it is made (or a delivery to it
 * went through); each call writes only when the mark changes.
 */
import type { ParleyDb } from './db.ts'
import type { ContactId, ContactRow } from './types.ts'

/** Marks (`waiting` true) or clears the contact's wait for its keys. */
export async function setWaitingKeys (db: ParleyDb, id: ContactId, waiting: boolean): Promise<void> {
  await db.transaction('rw', db.contacts, async () => {
    const row = await db.contacts.get(id)
    if (row === undefined || (row.waitingKeys === true) === waiting) return
    await db.contacts.where('id').equals(id).modify((contact: ContactRow) => {
      if (waiting) contact.waitingKeys = true
      else delete contact.waitingKeys
    })
  })
}
