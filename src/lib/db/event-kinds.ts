/**
 * The kinds of message event (docs/protocols.md, "Message actions"), each
 * described once in EVENT_KINDS: how its chat frame becomes an event row and
 * back (the same for a chat and a group), whether a group carries it, what it
 * refuses, how it merges into the message (or the chat) it is about, what it
 * leaves on that row, whether a delete for everyone wipes that, and how a
 * backup carries it. events.ts (refusal, mergeEvent, storeEvent),
 * backup-actions.ts and the worker's outbox, intake and groups read this
 * table; the wire's own is @parley/protocol chat/actions.ts ACTIONS, the
 * menu's src/lib/model/message-rules.ts MENU_ITEMS.
 */
import { isReactionEmoji } from '@parley/protocol/chat/actions'
import { DELETE_WINDOW_MS, EDIT_WINDOW_MS, MESSAGE_TTLS } from '@parley/protocol/chat/constants'
import type { ChatEventFrame, ChatEventType } from '@parley/protocol/chat/codec'
import type { Fields, FieldMap } from './backup-fields.ts'
import type { ChatTimer, ContactRow, EventFields, EventKind, EventRow, EventStamp, MessageId, MessageRow, Reaction } from './types.ts'

/**
 * Why an event cannot apply to its message: it is not the author's, or it came after the window;
 * 'local': the message is a call or notice kept in the chat (local-entries.ts), which only "delete for me" touches.
 */
export type EventRefusal = 'not-yours' | 'not-text' | 'too-late' | 'deleted' | 'local'

/** What a stored event needs to become its frame. */
export type SentEvent = Pick<EventRow, 'id' | 'kind' | 'targets' | 'sentAt'> & EventFields

/** How a kind goes over the wire: its frame from our stored row, and the row's own fields from a frame that came. */
export interface EventWire<K extends ChatEventType> {
  toFrame (row: SentEvent, head: EventStamp): Extract<ChatEventFrame, { type: K }>
  fromFrame (frame: Extract<ChatEventFrame, { type: K }>): Pick<EventRow, 'targets'> & EventFields
}

/** Any kind's wire, as the readers below call it (each kind's frame is one of ChatEventFrame). */
interface AnyWire {
  toFrame (row: SentEvent, head: EventStamp): ChatEventFrame
  fromFrame (frame: ChatEventFrame): Pick<EventRow, 'targets'> & EventFields
}

/** An event about messages (its `targets`): what it refuses and what it does to each. */
export interface MessageEffect {
  about: 'messages'
  /** Why `event` may not change `row` (undefined: it may), beyond the calls and notices only 'hide' touches. */
  refusal?: (row: MessageRow, event: EventRow) => EventRefusal | undefined
  /** Allowed only this long after the message's `sentAt` (both the author's clock); later is 'too-late', said with `tooLate`. */
  window?: { ms: number, tooLate: 'editTooLate' | 'deleteTooLate' }
  /**
   * A refused event: 'not-allowed' is answered so and stored nowhere (its
   * author may not make it); 'stored' is kept and changes nothing (it may
   * have crossed a delete, or be about a message it need not change).
   */
  refused: 'not-allowed' | 'stored'
  /** The message after the event (pure; `row` itself when it does not change it; 'hide': gone from here). */
  merge: (row: MessageRow, event: EventRow, stamp: EventStamp) => MessageRow | 'hide'
}

/** An event about the chat itself (no `targets`): what it changes on the contact, undefined when nothing. */
export interface ChatEffect {
  about: 'chat'
  merge: (contact: ContactRow, event: EventRow, stamp: EventStamp) => Partial<ContactRow> | undefined
}

/** The people of one chat: who may react, or set its timer. */
export interface ChatPeople { me: string, contact: string }

/**
 * A field a kind leaves on a message or contact row, and how a backup
 * carries it: `fields`, the nested row's field map, and `read`, which reads
 * and checks it from a backed-up row that has it.
 */
export type Leaves =
  | { on: 'message', field: keyof MessageRow, wipedByDelete: boolean, fields: FieldMap, read: (row: Fields, people: ChatPeople, message: MessageRow) => unknown }
  | { on: 'contact', field: keyof ContactRow, fields: FieldMap, read: (row: Fields, people: ChatPeople) => unknown }

export interface EventKindSpec<K extends EventKind> {
  /** Its frame both ways; none for a kind that is never sent. */
  wire: K extends ChatEventType ? EventWire<K> : undefined
  /**
   * In a group: 'event', sent to every other member signed as a group
   * message, and applied as in a chat when one comes (groups/groups.ts
   * sendEvent, groups/book.ts); 'receipt', sent to each message's author
   * only, marking that member's delivery read; 'none', no group carries it.
   */
  group: 'event' | 'receipt' | 'none'
  /** Whether it applies to the calls and notices kept in a chat, which are this device's own (only "delete for me" does). */
  onLocalEntries?: true
  effect: MessageEffect | ChatEffect
  leaves?: Leaves
}

/** Whether `a` is newer than `b`: later `sentAt`, then greater id. */
export function newer (a: EventStamp, b: EventStamp | undefined): boolean {
  return b === undefined || a.sentAt > b.sentAt || (a.sentAt === b.sentAt && a.id > b.id)
}

function target (row: SentEvent): string {
  return row.targets[0] ?? ''
}

/** A row may be changed this way by its author only. */
function authorOnly (row: MessageRow, event: EventRow): EventRefusal | undefined {
  return row.fromPeerId !== event.fromPeerId ? 'not-yours' : undefined
}

function stampOf (row: Fields): EventStamp {
  return { id: row.ulid('id'), sentAt: row.time('sentAt') }
}

/** One of the chat's two people. */
function person (row: Fields, key: string, people: ChatPeople): string {
  const peer = row.peerId(key)
  if (peer !== people.me && peer !== people.contact) row.fail(`"${key}" is neither your PeerID nor the contact's`)
  return peer
}

const STAMP_FIELDS = { id: false, sentAt: false } as const satisfies Record<keyof EventStamp, boolean>
const REACTION_FIELDS = { from: false, emoji: false, id: false, sentAt: false } as const satisfies Record<keyof Reaction, boolean>
const TIMER_FIELDS = { ttl: false, by: false, id: false, sentAt: false } as const satisfies Record<keyof ChatTimer, boolean>

/** One reaction per person, and a chat has two: you and the contact. */
export const MAX_BACKUP_REACTIONS = 2

const KINDS = {
  reaction: {
    wire: {
      toFrame: (row, head) => ({ type: 'reaction', ...head, target: target(row), emoji: row.emoji ?? '' }),
      fromFrame: (frame) => ({ targets: [frame.target as MessageId], emoji: frame.emoji })
    },
    group: 'event',
    effect: {
      about: 'messages',
      refusal: (row) => row.deleted !== undefined ? 'deleted' : undefined,
      refused: 'stored',
      merge: (row, event, stamp) => {
        const mine = row.reactions?.find(r => r.from === event.fromPeerId)
        if (mine !== undefined && !newer(stamp, mine)) return row
        const others = (row.reactions ?? []).filter(r => r.from !== event.fromPeerId)
        // in PeerID order, so that the row is the same whatever order the reactions came in
        const reactions = [...others, { ...stamp, from: event.fromPeerId, emoji: event.emoji ?? '' }].sort((a, b) => a.from < b.from ? -1 : a.from > b.from ? 1 : 0)
        return { ...row, reactions }
      }
    },
    leaves: {
      on: 'message',
      field: 'reactions',
      wipedByDelete: true,
      fields: REACTION_FIELDS,
      read: (row, people) => {
        const seen = new Set<string>()
        return row.nestedList('reactions', MAX_BACKUP_REACTIONS, REACTION_FIELDS).map((entry): Reaction => {
          const from = person(entry, 'from', people)
          if (seen.has(from)) entry.fail('a second reaction from the same person')
          seen.add(from)
          const emoji = entry.text('emoji', 0, 64)
          if (emoji !== '' && !isReactionEmoji(emoji)) entry.fail(`"emoji" is ${JSON.stringify(emoji)}, not one emoji or ""`)
          return { from, emoji, ...stampOf(entry) }
        })
      }
    }
  },
  edit: {
    wire: {
      toFrame: (row, head) => ({ type: 'edit', ...head, target: target(row), text: row.text ?? '' }),
      fromFrame: (frame) => ({ targets: [frame.target as MessageId], text: frame.text })
    },
    group: 'event',
    effect: {
      about: 'messages',
      refusal: (row, event) => authorOnly(row, event) ?? (row.deleted !== undefined ? 'deleted' : row.kind !== 'text' ? 'not-text' : undefined),
      window: { ms: EDIT_WINDOW_MS, tooLate: 'editTooLate' },
      refused: 'not-allowed',
      merge: (row, event, stamp) => newer(stamp, row.edit) ? { ...row, body: event.text ?? row.body, edit: stamp } : row
    },
    leaves: {
      on: 'message',
      field: 'edit',
      wipedByDelete: true,
      fields: STAMP_FIELDS,
      read: (row, _people, message) => {
        const edit = stampOf(row.nested('edit', STAMP_FIELDS))
        if (message.kind !== 'text') row.fail('a file message has "edit" (only a text is edited)')
        return edit
      }
    }
  },
  delete: {
    wire: {
      toFrame: (row, head) => ({ type: 'delete', ...head, target: target(row) }),
      fromFrame: (frame) => ({ targets: [frame.target as MessageId] })
    },
    group: 'event',
    effect: {
      about: 'messages',
      refusal: authorOnly,
      window: { ms: DELETE_WINDOW_MS, tooLate: 'deleteTooLate' },
      refused: 'not-allowed',
      merge: (row, _event, stamp) => row.deleted === undefined ? tombstone(row, stamp) : row
    },
    // what a deleted message may still have is checked with the rest (backup-actions.ts)
    leaves: { on: 'message', field: 'deleted', wipedByDelete: false, fields: STAMP_FIELDS, read: (row) => stampOf(row.nested('deleted', STAMP_FIELDS)) }
  },
  read: {
    wire: {
      toFrame: (row, head) => ({ type: 'read', ...head, targets: row.targets }),
      fromFrame: (frame) => ({ targets: frame.targets as MessageId[] })
    },
    group: 'receipt',
    effect: {
      about: 'messages',
      // a read receipt is about messages its author received, never its own
      refusal: (row, event) => row.fromPeerId === event.fromPeerId ? 'not-yours' : undefined,
      refused: 'stored',
      merge: (row, event) => row.direction !== 'out' || row.state === 'read' ? row : { ...row, state: 'read', readAt: event.receivedAt ?? event.sentAt }
    }
  },
  timer: {
    wire: {
      toFrame: (row, head) => ({ type: 'timer', ...head, ttl: row.ttl ?? 0 }),
      fromFrame: (frame) => ({ targets: [], ttl: frame.ttl })
    },
    // a group's timer is an operation of its log (groups/groups.ts setTimer)
    group: 'none',
    effect: {
      about: 'chat',
      // the newest change wins
      merge: (contact, event, stamp) => newer(stamp, contact.timer) ? { timer: { ...stamp, ttl: event.ttl ?? 0, by: event.fromPeerId } } : undefined
    },
    leaves: {
      on: 'contact',
      field: 'timer',
      fields: TIMER_FIELDS,
      // 0 (off) or one of MESSAGE_TTLS seconds, set by either of you
      read: (row, people): ChatTimer => {
        const timer = row.nested('timer', TIMER_FIELDS)
        const ttl = timer.int('ttl', 0, Number.MAX_SAFE_INTEGER)
        if (ttl !== 0 && !MESSAGE_TTLS.includes(ttl)) timer.fail(`"ttl" is ${ttl}, not 0 or one of ${MESSAGE_TTLS.join(', ')} seconds`)
        return { ttl, by: person(timer, 'by', people), ...stampOf(timer) }
      }
    }
  },
  hide: {
    // "delete for me": local, never sent; the message goes, and a copy delivered again is not stored
    wire: undefined,
    group: 'none',
    onLocalEntries: true,
    effect: { about: 'messages', refused: 'not-allowed', merge: () => 'hide' }
  }
} satisfies { readonly [K in EventKind]: EventKindSpec<K> }

/** Every kind of message event, described once. */
export const EVENT_KINDS: { readonly [K in EventKind]: EventKindSpec<K> } = KINDS

/** The fields the kinds leave on a message or a contact row (reactions, edit, deleted, …; the chat's timer). */
export type LeftOn<R extends Leaves['on']> = { [K in EventKind]: (typeof KINDS)[K] extends { leaves: { on: R, field: infer F } } ? F : never }[EventKind]

/**
 * What a delete for everyone removes from a message, so what a deleted
 * message (a tombstone, also in a backup) never has: its file and quote, and
 * what the kinds that say so left on it. Its text goes too (body ''). A
 * function, not a list made when the module loads, so that a bundle that
 * never merges an event leaves the table out.
 */
export function wipedByDelete (): Array<keyof MessageRow> {
  return ['file', 'replyTo', ...Object.values(EVENT_KINDS).flatMap(({ leaves }) => leaves?.on === 'message' && leaves.wipedByDelete ? [leaves.field] : [])]
}

/** `row` with nothing left of its content: what "deleted for everyone" keeps. */
function tombstone (row: MessageRow, stamp: EventStamp): MessageRow {
  const rest: Partial<MessageRow> = { ...row }
  for (const key of wipedByDelete()) delete rest[key]
  return { ...rest as MessageRow, kind: 'text', body: '', deleted: stamp }
}

/** The chat frame of our stored event, as a chat's outbox sends it and a group signs it ('hide' is local and never sent). */
export function eventFrame (row: SentEvent): ChatEventFrame {
  const wire: AnyWire | undefined = EVENT_KINDS[row.kind].wire
  if (wire === undefined) throw new Error(`event ${row.id} is local and never sent`)
  return wire.toFrame(row, { id: row.id, sentAt: row.sentAt })
}

/** The event row an action frame that came is stored as; `from` says whose it is (a contact's, or a group member's with its group). */
export function eventFromFrame (frame: ChatEventFrame, from: Pick<EventRow, 'contactId' | 'fromPeerId' | 'receivedAt' | 'groupId'>): EventRow {
  const wire: AnyWire = EVENT_KINDS[frame.type].wire
  return { id: frame.id, ...from, direction: 'in', kind: frame.type, sentAt: frame.sentAt, state: 'delivered', ...wire.fromFrame(frame) }
}
