/**
 * What is news in the groups since the chats list was last read, for
 * notifications (notifications.svelte.ts): a group whose newest unread
 * message comes after the one before in the group's order (one
 * notification per group, under its tag, as chats have), and invitations
 * not seen before. The first reading
 * is what was there already: nothing in it is news.
 */
import { compareGroupOrder, type GroupSummary } from '../db/group-reads.ts'
import type { GroupRow, MessageRow } from '../db/types.ts'

/** What the last reading held: each group's newest unread message, and the invitations. */
export interface GroupsSeen {
  newest: ReadonlyMap<string, MessageRow>
  invitations: ReadonlySet<string>
}

export interface GroupNews {
  messages: Array<{ group: GroupRow, message: MessageRow }>
  invitations: GroupRow[]
}

/** The news in `summaries` after `seen` (none when there was no reading before), and what this reading holds. */
export function groupNews (seen: GroupsSeen | undefined, summaries: readonly GroupSummary[]): { news: GroupNews, seen: GroupsSeen } {
  const newest = new Map<string, MessageRow>()
  const invitations = new Set<string>()
  const news: GroupNews = { messages: [], invitations: [] }
  for (const { group, newestUnread } of summaries) {
    if (group.state === 'invited') {
      invitations.add(group.id)
      if (seen !== undefined && !seen.invitations.has(group.id)) news.invitations.push(group)
      continue
    }
    if (newestUnread === undefined) continue
    newest.set(group.id, newestUnread)
    const before = seen?.newest.get(group.id)
    if (seen !== undefined && group.state === 'member' && (before === undefined || compareGroupOrder(newestUnread, before) > 0)) news.messages.push({ group, message: newestUnread })
  }
  return { news, seen: { newest, invitations } }
}
