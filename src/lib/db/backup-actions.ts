/**
 * What the message actions (docs/protocols.md, "Message actions") leave on
 * backed-up rows, and the checks of it (backup-rows.ts calls these for each
 * contact and message, on export and on import alike):
 * - a message's `replyTo`, what each kind of event left on it (`reactions`,
 *   `edit`, `deleted`, …: event-kinds.ts EVENT_KINDS says how each is read
 *   and checked) and on its contact (the chat's `timer`), and a file offer's
 *   `voice` note are backed up;
 * - disappearing messages (`ttl` / `expiresAt`) are not: export leaves them
 *   out (they are meant to be gone from every copy once due, and a file kept
 *   for years would defeat that), and import refuses a row that has them;
 * - the `events` table is not backed up: an action still on its way to the
 *   contact (queued, or waiting for its message) is lost on restore, while
 *   what it already did to a message here is on the message row.
 * - groups (schema v8) are not backed up yet: neither their operations nor
 *   their messages (`groupId`); export leaves group messages out and import
 *   refuses them. A restored identity is added to a group again by a member.
 */
import { MAX_VOICE_MS, MAX_WAVEFORM_BYTES } from '@parley/protocol/chat/constants'
import { EVENT_KINDS, wipedByDelete, type ChatPeople, type Leaves, type LeftOn } from './event-kinds.ts'
import type { Fields, FieldMap } from './backup-fields.ts'
import type { ContactRow, FileOffer, MessageId, MessageRow } from './types.ts'

export type { ChatPeople } from './event-kinds.ts'

type VoiceNote = NonNullable<FileOffer['voice']>

export const VOICE_FIELDS = { durationMs: false, waveform: false } as const satisfies Record<keyof VoiceNote, boolean>

/** What each kind of event leaves on a row, and how a backup carries it (event-kinds.ts). */
const LEAVES = Object.values(EVENT_KINDS).flatMap(kind => kind.leaves ?? [])
const ON_MESSAGES = LEAVES.filter((l): l is Extract<Leaves, { on: 'message' }> => l.on === 'message')
const ON_CONTACTS = LEAVES.filter((l): l is Extract<Leaves, { on: 'contact' }> => l.on === 'contact')

/** The message fields the kinds leave (reactions, edit, deleted, …), as backup-rows.ts MESSAGE_FIELDS lists them: all optional. */
export const EVENT_MESSAGE_FIELDS = Object.fromEntries(ON_MESSAGES.map(l => [l.field, true])) as Readonly<Record<LeftOn<'message'>, true>>
/** The contact fields they leave (the chat's timer), the same way for CONTACT_FIELDS. */
export const EVENT_CONTACT_FIELDS = Object.fromEntries(ON_CONTACTS.map(l => [l.field, true])) as Readonly<Record<LeftOn<'contact'>, true>>

/** Fields of backed-up rows that hold a nested row (a list of them for `reactions`), with that row's field map. */
export const ACTION_NESTED_FIELDS: Readonly<Record<string, FieldMap>> = {
  ...Object.fromEntries(LEAVES.map(l => [l.field, l.fields])), voice: VOICE_FIELDS
}

/** A disappearing message, which no backup carries. */
export function isDisappearing (row: MessageRow): boolean {
  return row.ttl !== undefined || row.expiresAt !== undefined
}

/** A message no backup carries: a disappearing one or a group's. */
export function leftOutOfBackups (row: MessageRow): boolean {
  return isDisappearing(row) || row.groupId !== undefined
}

/** A file offer's voice note: 1..MAX_VOICE_MS ms, 1..MAX_WAVEFORM_BYTES waveform samples. */
export function readVoice (file: Fields): VoiceNote {
  const voice = file.nested('voice', VOICE_FIELDS)
  return { durationMs: voice.int('durationMs', 1, MAX_VOICE_MS), waveform: voice.bytes('waveform', 1, MAX_WAVEFORM_BYTES) }
}

/**
 * Reads a message's action fields into `message` (whose own fields are read):
 * refuses a disappearing message, reads replyTo and what each kind of event
 * leaves (reactions, edit, deleted, …), and checks that they fit the message:
 * a deleted one keeps nothing a delete for everyone wipes.
 */
export function readMessageActions (row: Fields, message: MessageRow, people: ChatPeople): void {
  if (row.has('ttl') || row.has('expiresAt')) row.fail('it is a disappearing message ("ttl", "expiresAt"), which a backup never holds')
  if (row.has('groupId') || row.has('lamport') || row.has('groupSigned')) row.fail('it is a group message ("groupId"), which a backup does not hold')
  if (row.has('replyTo')) {
    message.replyTo = row.ulid('replyTo') as MessageId
    if (message.replyTo === message.id) row.fail('it replies to itself')
  }
  const fields = message as unknown as Record<string, unknown>
  for (const left of ON_MESSAGES) {
    if (row.has(left.field)) fields[left.field] = left.read(row, people, message)
  }
  if (message.deleted !== undefined) {
    // what "deleted for everyone" keeps (event-kinds.ts, tombstone): nothing of the content
    if (message.kind !== 'text' || message.body !== '') row.fail('a deleted message still has its text or file')
    for (const key of wipedByDelete()) {
      if (message[key] !== undefined) row.fail(`a deleted message still has "${key}"`)
    }
  }
}

/** What the kinds of event leave on a contact (the chat's `timer`), when the row has it (CONTACT_FIELDS lists them). */
export function readContactActions (row: Fields, contact: Pick<ContactRow, 'peerId' | 'timer'>, me: string): void {
  const fields = contact as unknown as Record<string, unknown>
  for (const left of ON_CONTACTS) {
    if (row.has(left.field)) fields[left.field] = left.read(row, { me, contact: contact.peerId })
  }
}
