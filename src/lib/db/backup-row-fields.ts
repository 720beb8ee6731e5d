/**
 * An identity backup's rows as JSON (docs/protocols.md, "Identity backup
 * file"): the row limits, the fields each backed-up row carries (and which
 * are optional), and a row's conversion to JSON. Shared by the writer
 * (backup.ts) and the checks (backup-checker.ts), which read each row
 * against these maps.
 */
import { isRecord } from '@parley/protocol/is-record'
import { toBase64, type Json } from './backup-envelope.ts'
import { ACTION_NESTED_FIELDS, EVENT_CONTACT_FIELDS, EVENT_MESSAGE_FIELDS } from './backup-actions.ts'
import { MAX_BACKUP_PEER_ID_CHARS, type FieldMap } from './backup-fields.ts'
import type { CallRecord, ContactRow, FileOffer, MessageRow, ProfileRow, RelayRow, RelaySource } from './types.ts'

export const MAX_BACKUP_CONTACTS = 10_000
export const MAX_BACKUP_RELAYS = 1_000
export const MAX_BACKUP_MESSAGES = 1_000_000
/** Field bounds, in UTF-16 code units; generous, since they only keep a row from being absurd. */
export const MAX_BACKUP_NAME_CHARS = 256
export const MAX_BACKUP_NOTES_CHARS = 10_000
export const MAX_BACKUP_ADDRESSES = 64
export const MAX_BACKUP_ADDRESS_CHARS = 1024
export { MAX_BACKUP_PEER_ID_CHARS }
export const MAX_BACKUP_PUBLIC_KEY_BYTES = 1024
/** A chat text is at most 16 384 UTF-8 bytes, which is never more UTF-16 code units. */
export const MAX_BACKUP_BODY_CHARS = 16_384
/** A file name is at most 255 UTF-8 bytes (files/names.ts), which is never more UTF-16 code units. */
export const MAX_BACKUP_FILE_NAME_CHARS = 255
/** Media types are `type/subtype` of at most 127 characters each. */
export const MAX_BACKUP_MIME_CHARS = 255
/** Thumbnails are much smaller (files/media.ts THUMB_MAX_BYTES); this bound only keeps a row from being absurd. */
export const MAX_BACKUP_THUMB_BYTES = 64 * 1024

/** Shipped defaults come from the importing app's own `/config.json`, so they are not carried. */
export const EXPORTED_RELAY_SOURCES = ['user', 'discovered'] as const satisfies readonly RelaySource[]

/** A contact as backed up: presence is not carried, a restored contact starts offline. */
/** A contact as a backup holds it: its presence, the record of its blocks, whether our items wait for its keys and its hello times (db/tombstones.ts) are this device's own. */
/**
 * Its device list goes as received (`devices`, checked again on import), and
 * what the database derives from it (`devicesVersion`, `devicePeers`) is
 * derived again on restore; `devicesSent` (which of our lists they took) is
 * this device's own, and so are the notification keys their devices gave
 * this device (`notifyKeys`) and which took ours (`notifySent`).
 */
export type BackupContact = Omit<ContactRow, 'status' | 'block' | 'waitingKeys' | 'helloAt' | 'deletedAt' | 'devicesVersion' | 'devicePeers' | 'devicesSent' | 'notifyKeys' | 'notifySent'>

/** A message as a backup holds it: what waits for which device of the contact is this device's own (derived again on restore). */
export type BackupMessage = Omit<MessageRow, 'pendingDevices' | 'storedDevices'>

/*
 * Every field of each backed-up row, true when optional, and every value of
 * each enum. `satisfies Record<…>` makes a field or value added to a row type
 * a type error here, so the backup learns of it instead of dropping or
 * refusing it. The fields message events leave come from their table
 * (event-kinds.ts, through backup-actions.ts EVENT_MESSAGE_FIELDS and
 * EVENT_CONTACT_FIELDS).
 */
export const PROFILE_FIELDS = {
  peerId: false, privateKey: false, username: false, createdAt: false
} as const satisfies Record<Exclude<keyof ProfileRow, 'id'>, boolean>
export const CONTACT_FIELDS = {
  id: false, peerId: false, username: false, nickname: true, publicKey: true, addresses: false, lastSeen: true,
  notes: false, blocked: false, state: false, helloPending: true, helloSince: true, helloStored: true, rerequests: true, unchecked: true, problem: true, verified: false, sessions: true, devices: true, ...EVENT_CONTACT_FIELDS, addedAt: false, updatedAt: false
} as const satisfies Record<keyof BackupContact, boolean>
export const RELAY_FIELDS = {
  multiaddr: false, peerId: false, source: false, active: false, lastConnected: true, lastRtt: true, failures: false
} as const satisfies Record<keyof RelayRow, boolean>
export const MESSAGE_FIELDS = {
  id: false, contactId: false, direction: false, fromPeerId: false, kind: false, body: false, sentAt: false,
  receivedAt: true, state: false, readAt: true, failure: true, file: true, call: true, notice: true,
  replyTo: true, ...EVENT_MESSAGE_FIELDS, ttl: true, expiresAt: true, deliveredAt: true,
  groupId: true, lamport: true, groupSigned: true
} as const satisfies Record<keyof BackupMessage, boolean>
/**
 * A file message's offer (transfers are not backed up: a restored file
 * message shows the offer, its bytes stay behind, and so does its `key`).
 */
export const FILE_FIELDS = {
  sha256: false, size: false, name: false, mime: false, chunkSize: false, listHash: false,
  thumb: true, thumbMime: true, width: true, height: true, voice: true
} as const satisfies Record<Exclude<keyof FileOffer, 'key'>, boolean>
/** A call kept in the chat (kind 'call'); a group call's id and participants are named for the type only: group messages are not backed up. */
export const CALL_FIELDS = { video: false, outcome: false, durationMs: true, callId: true, participants: true } as const satisfies Record<keyof CallRecord, boolean>
/** Fields that hold a nested row, by name, with that row's field map (for `rowToJson`). */
const NESTED_FIELDS: Readonly<Record<string, FieldMap>> = { file: FILE_FIELDS, call: CALL_FIELDS, ...ACTION_NESTED_FIELDS }

/**
 * A row as JSON: the fields its field map lists (others, and presence, are not
 * backed up), bytes as base64. A field with a nested row (a message's `file`)
 * or a list of them (`reactions`) goes through the same conversion with that
 * row's field map.
 */
export function rowToJson (row: object, fields: FieldMap): Json {
  const source = row as Json
  const out: Json = {}
  for (const key of Object.keys(fields)) {
    const value = source[key]
    const nested = NESTED_FIELDS[key]
    if (value instanceof Uint8Array) out[key] = toBase64(value)
    else if (nested !== undefined && isRecord(value)) out[key] = rowToJson(value, nested)
    else if (nested !== undefined && Array.isArray(value)) out[key] = value.map((item: unknown) => isRecord(item) ? rowToJson(item, nested) : item)
    else out[key] = value
  }
  return out
}

export function isTime (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
