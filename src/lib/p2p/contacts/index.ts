/** The contacts feature: the contact book, contact requests both ways, details, blocking, safety numbers. */
import { ContactBook } from './book.ts'
import { contact } from './contact-service.ts'
import { Contacts } from './contacts.ts'
import { contactHandlers } from './handlers.ts'
import { ContactHellos } from './hellos.ts'
import type { Feature } from '../kernel/feature.ts'
import type { ContactBookPort, ContactHellosPort, ContactsPort } from '../kernel/ports/contacts.ts'
import type { ContactBookComponents } from './book.ts'
import type { ContactService } from './contact-service.ts'
import type { ContactsComponents } from './contacts.ts'
import type { ContactMethods } from './handlers.ts'
import type { ContactHellosComponents } from './hellos.ts'

/** What the feature reads of the node's components. */
export type ContactsFeatureComponents = ContactBookComponents & ContactsComponents & ContactHellosComponents

/** What it adds to them. */
export interface ContactsServices {
  /** with the blocked list the user's Contacts keep */
  contactBook: ContactBookPort & Pick<ContactBook, 'setBlocked'>
  contacts: ContactsPort
  hellos: ContactHellosPort
}

/** Its libp2p service: `/parley/contact/1.0.0`. */
export type ContactsProtocols = { contact: ContactService }

export const contactsFeature: Feature<ContactsFeatureComponents, ContactsServices, ContactMethods, ContactsProtocols> = {
  name: 'contacts',
  create (components) {
    const contacts = new Contacts(components)
    const hellos = new ContactHellos(components)
    return {
      services: { contactBook: new ContactBook(components), contacts, hellos },
      handlers: contactHandlers({ contacts }),
      // the desk exists before the node starts, so before any request can arrive
      protocols: () => ({ contact: contact({ desk: hellos }) })
    }
  }
}

export { mayExchange } from './book.ts'
export { helloType } from './hellos.ts'
