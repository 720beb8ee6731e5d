/**
 * Schemas of the ids and bounded texts the contract's params use. The bounds
 * here only keep absurd input out of the worker; each feature still checks
 * its own rules and says what is wrong with a coded error (a name longer
 * than 64 characters is `inviteNameTooLong`, not `invalidParams`), so every
 * bound is well above the feature's own limit.
 */
import { v } from './schema.ts'
import type { Schema } from './schema.ts'
import type { ContactId, MessageId } from './rows.ts'

/** Crockford base32, 26 characters: every message (and transfer) id is a ULID. */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/

/** Longest short text of a param (names, passphrases, addresses, codes). */
export const MAX_SHORT_PARAM_CHARS = 64 * 1024
/** Longest long text of a param (message text, captions, notes). */
export const MAX_LONG_PARAM_CHARS = 1024 * 1024
/** Longest PeerID accepted in params. */
export const MAX_PEER_ID_PARAM_CHARS = 128
/** Longest relay address accepted in params; the relays feature then says in words what is wrong with one. */
export const MAX_RELAY_PARAM_CHARS = 2048
/** Largest byte array in params (a backup file). */
export const MAX_BYTES_PARAM = 512 * 1024 * 1024

/** A contact row's id: a positive whole number (Dexie's auto-increment starts at 1). */
export function contactId (): Schema<ContactId> {
  return v.number({ integer: true, min: 1 })
}

/** A message's (and its transfer's) id. */
export function messageId (): Schema<MessageId> {
  const ulid = v.string({ max: 26, pattern: ULID, patternName: 'a message id (a ULID)' })
  return { expected: ulid.expected, parse: (value, path) => ulid.parse(value, path) as MessageId }
}

/** A PeerID as text (checked for what it is by the feature that uses it). */
export function peerIdText (): Schema<string> {
  return v.string({ min: 1, max: MAX_PEER_ID_PARAM_CHARS })
}

export function shortText (): Schema<string> {
  return v.string({ max: MAX_SHORT_PARAM_CHARS })
}

export function longText (): Schema<string> {
  return v.string({ max: MAX_LONG_PARAM_CHARS })
}

export function relayAddress (): Schema<string> {
  return v.string({ max: MAX_RELAY_PARAM_CHARS })
}
