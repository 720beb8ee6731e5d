/** Codes of contacts: the list, requests, details, blocking (lib/db/contacts.ts, the contacts feature). */
export const CONTACT_ERRORS = {
  /** no contact has this id (any more) */
  unknownContact: {},
  /** the invite is our own */
  ownInvite: {},
  /** adding a contact the user blocked */
  contactBlocked: {},
  noRequestToAccept: {},
  noRequestToDecline: {},
  notesTooLong: { max: 'number' },
  notesControl: {},
  /** no known address reached the contact, and the DHT knows none (lib/p2p/presence/contact-finder.ts) */
  contactUnreachable: {},
  /** the contact's node answered and refused a message (it does not have us as a contact) */
  contactRefusedMessage: { id: 'text', reason: 'text' },
  /** addresses found for a contact break the row's rules (lib/db/contacts.ts) */
  contactNoAddresses: {},
  contactTooManyAddresses: { max: 'number', count: 'number' },
  contactAddressInvalid: { max: 'number' },
  // safety numbers (lib/p2p/contacts/safety-number.ts)
  safetyBadPeerId: { id: 'text' },
  safetyRsa: {},
  safetyNotEd25519: { type: 'text' },
  /** adding someone Nearby who is not listed (any more) */
  notNearby: {}
} as const
