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
  // safety numbers (lib/node/contacts/safety-number.ts)
  safetyBadPeerId: { id: 'text' },
  safetyRsa: {},
  safetyNotEd25519: { type: 'text' },
  /** adding someone Nearby who is not listed (any more) */
  notNearby: {}
} as const
