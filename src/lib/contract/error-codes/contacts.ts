/** Codes of contacts: the list, requests, details, blocking (lib/db/contacts.ts, the contacts feature). */
export const CONTACT_ERRORS = {
  /** no contact has this id (any more) */
  unknownContact: {}
} as const
