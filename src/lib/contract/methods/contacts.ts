/** Contacts: invites, requests, details, blocking, safety numbers. */
import { method, returns } from '../define.ts'
import { contactId, longText, shortText } from '../ids.ts'
import { BACKUP_TIMEOUT_MS } from './identity.ts'
import { v } from '../schema.ts'
import type { ContactId } from '../rows.ts'
import type { InvitePreview } from '../types.ts'

export const contactsMethods = {
  /** parse and validate an invite and say who it names and how they stand with us; changes nothing (the "Add <name>?" card) */
  previewInvite: method({ params: v.object({ invite: shortText() }), result: returns<InvitePreview>() }),
  /** parse and validate an invite, then add (or update) that contact and send it a contact request */
  addContact: method({ params: v.object({ invite: shortText() }), result: returns<{ contactId: ContactId }>() }),
  /** accept a waiting contact request */
  acceptContact: method({ params: v.object({ contactId: contactId() }), result: returns<null>() }),
  /** decline a waiting contact request (the peer is not told) */
  declineContact: method({ params: v.object({ contactId: contactId() }), result: returns<null>() }),
  /** the user's nickname (null removes it) and notes for a contact */
  updateContact: method({
    params: v.object({ contactId: contactId(), nickname: v.nullable(shortText()), notes: longText() }),
    result: returns<null>()
  }),
  /** block (refused at the connection gater, nothing of theirs stored) or unblock a contact */
  setBlocked: method({ params: v.object({ contactId: contactId(), blocked: v.boolean() }), result: returns<null>() }),
  /** the safety number of us and a contact: 12 groups of 5 digits, and the QR payload to scan mutually */
  getSafetyNumber: method({
    params: v.object({ contactId: contactId() }),
    result: returns<{ groups: string[], qr: string }>(),
    timeoutMs: BACKUP_TIMEOUT_MS
  }),
  /** compare a scanned safety code with ours; a match marks the contact verified */
  checkSafetyCode: method({
    params: v.object({ contactId: contactId(), code: shortText() }),
    result: returns<{ result: 'match' | 'mismatch' | 'not-a-safety-code' }>(),
    timeoutMs: BACKUP_TIMEOUT_MS
  }),
  /** mark a contact verified (or not) after comparing safety numbers */
  setVerified: method({ params: v.object({ contactId: contactId(), verified: v.boolean() }), result: returns<null>() }),
  /** delete a contact, with its chat history or keeping it for when they are added again */
  deleteContact: method({ params: v.object({ contactId: contactId(), withHistory: v.boolean() }), result: returns<null>() })
} as const
