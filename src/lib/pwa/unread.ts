/**
 * Unread messages, per chat: incoming messages after the last one the user
 * saw in that chat, and not read since. "Seen" is a mark per chat kept in
 * this browser's localStorage (shared by its tabs): the chat's last message
 * when the user last had it open on screen. A chat seen for the first time is
 * marked at its last message (nothing before this feature counts as unread),
 * or at NOTHING_SEEN while it has none. A message after the mark whose row
 * says 'read' was seen elsewhere: on screen in a chat this browser's mark
 * did not follow, or on another device of the account, whose read comes as
 * a sync item (p2p/sync/apply.ts); it no longer counts.
 *
 * The counts feed the title "(3) Parley", the app badge and the chat list
 * (lib/state/notifications.svelte.ts).
 */
import Dexie from 'dexie'
import type { ParleyDb } from '../db/db.ts'
import type { ContactId, MessageRow } from '../db/types.ts'

/** Where a chat was last seen: its last message then, in display order ([sentAt, id]). */
export type SeenMark = readonly [sentAt: number, id: string]
/** Seen marks by contact id. */
export type SeenMarks = ReadonlyMap<ContactId, SeenMark>

/** The mark of a chat seen while it had no messages: every message counts. */
export const NOTHING_SEEN: SeenMark = [0, '']

const SEEN_KEY = 'parley.seen'
/** Most unread messages counted per chat; more shows as this many (the title says "99+"). */
export const MAX_UNREAD_COUNTED = 99

function isMark (value: unknown): value is SeenMark {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === 'number' && typeof value[1] === 'string'
}

/** Reads the marks (bad or missing storage gives none). */
export function readSeenMarks (storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Map<ContactId, SeenMark> {
  const marks = new Map<ContactId, SeenMark>()
  let parsed: unknown
  try {
    parsed = JSON.parse(storage?.getItem(SEEN_KEY) ?? '{}')
  } catch {
    return marks
  }
  if (typeof parsed !== 'object' || parsed === null) return marks
  for (const [key, mark] of Object.entries(parsed)) {
    const id = Number(key)
    if (Number.isSafeInteger(id) && id > 0 && isMark(mark)) marks.set(id, mark)
  }
  return marks
}

/**
 * Writes the marks, keeping only contacts in `keep` (so the map never
 * outgrows the contact list).
 */
export function writeSeenMarks (marks: SeenMarks, keep: ReadonlySet<ContactId>, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  const out: Record<string, SeenMark> = {}
  for (const [id, mark] of marks) if (keep.has(id)) out[String(id)] = mark
  try {
    storage?.setItem(SEEN_KEY, JSON.stringify(out))
  } catch {
    // storage disabled or full: the marks hold for this page only
  }
}

/** The mark for a chat whose last message is `last`. */
export function markOf (last: Pick<MessageRow, 'sentAt' | 'id'>): SeenMark {
  return [last.sentAt, last.id]
}

/**
 * A message after the seen mark that is unread: theirs and not read (here,
 * or on another of our devices), which also leaves out a call or notice kept
 * in the chat that was never unread (one answered or declined here is
 * written read: p2p/calls/call-log.ts; a missed one counts; a notice is
 * always read).
 */
function isUnread (m: MessageRow): boolean {
  return m.direction === 'in' && m.state !== 'read'
}

/**
 * Unread incoming messages of one chat after `mark` (at most
 * MAX_UNREAD_COUNTED + 1, which shows as "99+"). Reads only the messages after the mark, by index.
 */
export async function unreadAfter (db: ParleyDb, contactId: ContactId, mark: SeenMark): Promise<number> {
  return db.messages
    .where('[contactId+sentAt+id]')
    .between([contactId, mark[0], mark[1]], [contactId, Dexie.maxKey, Dexie.maxKey], false, true)
    .filter(isUnread)
    .limit(MAX_UNREAD_COUNTED + 1)
    .count()
}

/**
 * The first unread message of one chat: its first incoming message after
 * `mark`, read by index (undefined when there is none). A chat opens there.
 */
export async function firstUnreadAfter (db: ParleyDb, contactId: ContactId, mark: SeenMark): Promise<MessageRow | undefined> {
  return db.messages
    .where('[contactId+sentAt+id]')
    .between([contactId, mark[0], mark[1]], [contactId, Dexie.maxKey, Dexie.maxKey], false, true)
    .filter(isUnread)
    .first()
}

/** The title for `count` unread messages: "(3) Parley", "(99+) Parley", or just "Parley". */
export function titleWithCount (count: number, name = 'Parley'): string {
  if (count <= 0) return name
  return `(${count > MAX_UNREAD_COUNTED ? `${MAX_UNREAD_COUNTED}+` : count}) ${name}`
}
