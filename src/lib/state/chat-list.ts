/**
 * The chats list's rows: the chats with contacts and the groups, in one
 * list by their last activity (a contact's last message; a group's last
 * message, else when it came to us), newest first; contacts with no message
 * yet after them, by name (as chatSummaries sorts them). A search keeps the
 * contacts whose name, nickname or PeerID start fits, and the groups whose
 * name fits.
 */
import { groupActivityAt, type GroupSummary } from '../db/group-reads.ts'
import type { ChatSummary } from '../db/messages.ts'
import type { ContactRow } from '../db/types.ts'

export type ChatListEntry =
  | { kind: 'contact', key: string, summary: ChatSummary }
  | { kind: 'group', key: string, summary: GroupSummary }

/** By display name, own name, nickname, or the start of the PeerID. */
export function contactMatches (contact: ContactRow, query: string): boolean {
  const needle = query.toLocaleLowerCase()
  return contact.username.toLocaleLowerCase().includes(needle) ||
    (contact.nickname?.toLocaleLowerCase().includes(needle) ?? false) ||
    contact.peerId.startsWith(query)
}

function activityOf (entry: ChatListEntry): number | undefined {
  if (entry.kind === 'group') return groupActivityAt(entry.summary)
  const last = entry.summary.lastMessage
  return last === undefined ? undefined : last.receivedAt ?? last.sentAt
}

/** `chats` (chatSummaries' order) and `groups` as one list, filtered by `query` ('' for all). */
export function chatListEntries (chats: readonly ChatSummary[], groups: readonly GroupSummary[], query = ''): ChatListEntry[] {
  const q = query.trim()
  const entries: ChatListEntry[] = [
    ...chats.filter(s => q === '' || contactMatches(s.contact, q)).map((summary): ChatListEntry => ({ kind: 'contact', key: `c${summary.contact.id}`, summary })),
    ...groups.filter(s => q === '' || s.group.name.toLocaleLowerCase().includes(q.toLocaleLowerCase())).map((summary): ChatListEntry => ({ kind: 'group', key: `g${summary.group.id}`, summary }))
  ]
  const active = entries.filter(e => activityOf(e) !== undefined)
  const quiet = entries.filter(e => activityOf(e) === undefined)
  // stable: among equal times the contacts keep chatSummaries' order
  active.sort((a, b) => (activityOf(b) ?? 0) - (activityOf(a) ?? 0))
  return [...active, ...quiet]
}
