/**
 * What the message actions (docs/protocols.md, "Message actions") leave on
 * backed-up rows, and the checks of it (backup-rows.ts calls these for each
 * contact and message, on export and on import alike):
 * - a message's `replyTo`, `reactions`, `edit` and `deleted`, a contact's
 *   chat `timer`, and a file offer's `voice` note are backed up;
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
import { isReactionEmoji } from '@parley/protocol/chat/actions'
import { MAX_VOICE_MS, MAX_WAVEFORM_BYTES, MESSAGE_TTLS } from '@parley/protocol/chat/constants'
import type { Fields, FieldMap } from './backup-fields.ts'
import type { ChatTimer, ContactRow, EventStamp, FileOffer, MessageId, MessageRow, Reaction } from './types.ts'

type VoiceNote = NonNullable<FileOffer['voice']>

export const STAMP_FIELDS = { id: false, sentAt: false } as const satisfies Record<keyof EventStamp, boolean>
export const REACTION_FIELDS = { from: false, emoji: false, id: false, sentAt: false } as const satisfies Record<keyof Reaction, boolean>
export const TIMER_FIELDS = { ttl: false, by: false, id: false, sentAt: false } as const satisfies Record<keyof ChatTimer, boolean>
export const VOICE_FIELDS = { durationMs: false, waveform: false } as const satisfies Record<keyof VoiceNote, boolean>

/** Fields of backed-up rows that hold a nested row (a list of them for `reactions`), with that row's field map. */
export const ACTION_NESTED_FIELDS: Readonly<Record<string, FieldMap>> = {
  reactions: REACTION_FIELDS, edit: STAMP_FIELDS, deleted: STAMP_FIELDS, timer: TIMER_FIELDS, voice: VOICE_FIELDS
}

/** One reaction per person, and a chat has two: you and the contact. */
export const MAX_BACKUP_REACTIONS = 2

/** A disappearing message, which no backup carries. */
export function isDisappearing (row: MessageRow): boolean {
  return row.ttl !== undefined || row.expiresAt !== undefined
}

/** A message no backup carries: a disappearing one or a group's. */
export function leftOutOfBackups (row: MessageRow): boolean {
  return isDisappearing(row) || row.groupId !== undefined
}

/** The people of one chat: who may react, or set its timer. */
export interface ChatPeople { me: string, contact: string }

function stamp (row: Fields): EventStamp {
  return { id: row.ulid('id'), sentAt: row.time('sentAt') }
}

/** A contact's disappearing-messages timer: 0 (off) or one of MESSAGE_TTLS seconds, set by either of you. */
export function readTimer (row: Fields, people: ChatPeople): ChatTimer {
  const timer = row.nested('timer', TIMER_FIELDS)
  const ttl = timer.int('ttl', 0, Number.MAX_SAFE_INTEGER)
  if (ttl !== 0 && !MESSAGE_TTLS.includes(ttl)) timer.fail(`"ttl" is ${ttl}, not 0 or one of ${MESSAGE_TTLS.join(', ')} seconds`)
  const by = timer.peerId('by')
  if (by !== people.me && by !== people.contact) timer.fail('"by" is neither your PeerID nor the contact\'s')
  return { ttl, by, ...stamp(timer) }
}

/** A file offer's voice note: 1..MAX_VOICE_MS ms, 1..MAX_WAVEFORM_BYTES waveform samples. */
export function readVoice (file: Fields): VoiceNote {
  const voice = file.nested('voice', VOICE_FIELDS)
  return { durationMs: voice.int('durationMs', 1, MAX_VOICE_MS), waveform: voice.bytes('waveform', 1, MAX_WAVEFORM_BYTES) }
}

/**
 * Reads a message's action fields into `message` (whose own fields are read):
 * refuses a disappearing message, reads replyTo, reactions, edit and deleted,
 * and checks that they fit the message.
 */
export function readMessageActions (row: Fields, message: MessageRow, people: ChatPeople): void {
  if (row.has('ttl') || row.has('expiresAt')) row.fail('it is a disappearing message ("ttl", "expiresAt"), which a backup never holds')
  if (row.has('groupId') || row.has('lamport') || row.has('groupSigned')) row.fail('it is a group message ("groupId"), which a backup does not hold')
  if (row.has('replyTo')) {
    message.replyTo = row.ulid('replyTo') as MessageId
    if (message.replyTo === message.id) row.fail('it replies to itself')
  }
  if (row.has('reactions')) {
    const seen = new Set<string>()
    message.reactions = row.nestedList('reactions', MAX_BACKUP_REACTIONS, REACTION_FIELDS).map((entry): Reaction => {
      const from = entry.peerId('from')
      if (from !== people.me && from !== people.contact) entry.fail('"from" is neither your PeerID nor the contact\'s')
      if (seen.has(from)) entry.fail('a second reaction from the same person')
      seen.add(from)
      const emoji = entry.text('emoji', 0, 64)
      if (emoji !== '' && !isReactionEmoji(emoji)) entry.fail(`"emoji" is ${JSON.stringify(emoji)}, not one emoji or ""`)
      return { from, emoji, ...stamp(entry) }
    })
  }
  if (row.has('edit')) {
    message.edit = stamp(row.nested('edit', STAMP_FIELDS))
    if (message.kind !== 'text') row.fail('a file message has "edit" (only a text is edited)')
  }
  if (row.has('deleted')) {
    message.deleted = stamp(row.nested('deleted', STAMP_FIELDS))
    // what "deleted for everyone" keeps (events.ts tombstone): nothing of the content
    if (message.kind !== 'text' || message.body !== '') row.fail('a deleted message still has its text or file')
    for (const key of ['replyTo', 'reactions', 'edit'] as const) {
      if (message[key] !== undefined) row.fail(`a deleted message still has "${key}"`)
    }
  }
}

/** The contact's `timer`, when the row has one (CONTACT_FIELDS lists it). */
export function readContactActions (row: Fields, contact: Pick<ContactRow, 'peerId'> & { timer?: ChatTimer }, me: string): void {
  if (row.has('timer')) contact.timer = readTimer(row, { me, contact: contact.peerId })
}
