/** The contacts feature: the contact book, contact requests both ways, details, blocking, safety numbers. */
import { ContactBook } from './book.ts'
import { Contacts } from './contacts.ts'
import { ContactHellos } from './hellos.ts'
import type { ContactBookComponents } from './book.ts'
import type { ContactsComponents } from './contacts.ts'
import type { ContactHellosComponents } from './hellos.ts'

/** What the feature's services read of the node's components. */
export type ContactsFeatureComponents = ContactBookComponents & ContactsComponents & ContactHellosComponents

export function contactsFeature (components: ContactsFeatureComponents) {
  return {
    contactBook: new ContactBook(components),
    contacts: new Contacts(components),
    hellos: new ContactHellos(components)
  }
}

export { contactHandlers } from './handlers.ts'
export { mayExchange } from './book.ts'
export { helloType } from './hellos.ts'
