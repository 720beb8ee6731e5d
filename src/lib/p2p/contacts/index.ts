/** The contacts feature: the contact book, contact requests both ways, details, blocking, safety numbers. */
import { ContactBook } from './book.ts'
import { Contacts } from './contacts.ts'
import { ContactHellos } from './hellos.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function contactsFeature (components: NodeComponents): Pick<NodeComponents, 'contactBook' | 'contacts' | 'hellos'> {
  return {
    contactBook: new ContactBook(components),
    contacts: new Contacts(components),
    hellos: new ContactHellos(components)
  }
}

export { contactHandlers } from './handlers.ts'
