/**
 * What the tab reads of groups (the worker writes them: db/groups.ts): the
 * chats list's group rows and invitations, unread counts, where a group
 * chat opens, the members a group can still take, a message's deliveries.
 * Reads only, by index; nothing here writes.
 *
 * Unread, in a group, is the database's own state: an incoming group
 * message is stored 'delivered' and becomes 'read' once it was on screen
 * (the contract's markGroupRead), so no seen mark is kept for groups.
 */
import Dexie from 'dexie'
import { GROUP_CONTACT_ID, GROUP_ORDER } from './groups.ts'
import type { ParleyDb } from './db.ts'
import type { ContactRow, GroupDeliveryRow, GroupMembership, GroupRow, MessageRow } from './types.ts'

/** Most unread messages counted per group; more shows as this many plus (as chats do: "99+"). */
export const MAX_GROUP_UNREAD = 99
/** Unread group messages read at most for the counts (beyond, the counts stop growing: 99+ long before). */
export const MAX_UNREAD_ROWS = 4000

/** Groups the chats list shows: ours, the invitations, and those we left or were removed from (their history stays). */
export const LISTED_GROUP_STATES: readonly GroupMembership[] = ['member', 'invited', 'left', 'removed']

const UNREAD_INDEX = '[direction+state+contactId]'
const UNREAD_KEY = ['in', 'delivered', GROUP_CONTACT_ID] as const

export interface GroupSummary {
  group: GroupRow
  /** the newest message in the group's order; absent while it has none */
  lastMessage?: MessageRow
  /** incoming messages not read yet, at most MAX_GROUP_UNREAD + 1 */
  unread: number
  /** the newest of them in the group's order (what a notification says) */
  newestUnread?: MessageRow
}

/** One group's messages as a range of the order index. */
function groupRange (db: ParleyDb, groupId: string): ReturnType<ParleyDb['messages']['toCollection']> {
  return db.messages.where(GROUP_ORDER).between([groupId, Dexie.minKey, Dexie.minKey, Dexie.minKey], [groupId, Dexie.maxKey, Dexie.maxKey, Dexie.maxKey], true, true)
}

/** Unread incoming group messages, of every group (at most MAX_UNREAD_ROWS). */
async function unreadRows (db: ParleyDb): Promise<MessageRow[]> {
  return db.messages.where(UNREAD_INDEX).equals([...UNREAD_KEY]).limit(MAX_UNREAD_ROWS).toArray()
}

/** The listed groups with their last message and unread count; invitations included (the caller splits them off). */
export async function groupSummaries (db: ParleyDb): Promise<GroupSummary[]> {
  return db.transaction('r', db.groups, db.messages, async () => {
    const groups = await db.groups.where('state').anyOf([...LISTED_GROUP_STATES]).toArray()
    const counts = new Map<string, number>()
    const newest = new Map<string, MessageRow>()
    for (const row of await unreadRows(db)) {
      if (row.groupId === undefined) continue
      counts.set(row.groupId, Math.min(MAX_GROUP_UNREAD + 1, (counts.get(row.groupId) ?? 0) + 1))
      const before = newest.get(row.groupId)
      if (before === undefined || compareGroupOrder(row, before) > 0) newest.set(row.groupId, row)
    }
    return Promise.all(groups.map(async (group): Promise<GroupSummary> => {
      const lastMessage = await groupRange(db, group.id).last()
      const invited = group.state === 'invited'
      const newestUnread = invited ? undefined : newest.get(group.id)
      return {
        group,
        unread: invited ? 0 : counts.get(group.id) ?? 0,
        ...(lastMessage === undefined ? {} : { lastMessage }),
        ...(newestUnread === undefined ? {} : { newestUnread })
      }
    }))
  })
}

/** When a group was last active, for sorting it among the chats: its last message, else when it came to us. */
export function groupActivityAt (summary: Pick<GroupSummary, 'group' | 'lastMessage'>): number {
  const last = summary.lastMessage
  return last === undefined ? summary.group.createdAt : last.receivedAt ?? last.sentAt
}

/** Display order of a group: lamport, author, id (GROUP_ORDER). */
export function compareGroupOrder (a: MessageRow, b: MessageRow): number {
  const la = a.lamport ?? 0
  const lb = b.lamport ?? 0
  if (la !== lb) return la - lb
  if (a.fromPeerId !== b.fromPeerId) return a.fromPeerId < b.fromPeerId ? -1 : 1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/** The group's first unread message in its order (a group chat opens there), or undefined. */
export async function firstUnreadInGroup (db: ParleyDb, groupId: string): Promise<MessageRow | undefined> {
  let first: MessageRow | undefined
  for (const row of await unreadRows(db)) {
    if (row.groupId === groupId && (first === undefined || compareGroupOrder(row, first) < 0)) first = row
  }
  return first
}

/** The accepted, unblocked contacts who are not members of `group` (whom an admin may add), by name. */
export function addableContacts (contacts: readonly ContactRow[], group: Pick<GroupRow, 'members'> | undefined): ContactRow[] {
  const members = new Set(group?.members.map(m => m.peer) ?? [])
  return contacts.filter(c => c.state === 'accepted' && !c.blocked && !members.has(c.peerId))
}

/** The deliveries of our group messages `ids` (their bubbles' states), all at once. */
export async function deliveriesOfMany (db: ParleyDb, ids: readonly string[]): Promise<GroupDeliveryRow[]> {
  if (ids.length === 0) return []
  return db.groupDeliveries.where('message').anyOf([...ids]).toArray()
}

const STATE_RANK: Record<GroupDeliveryRow['state'], number> = { failed: 0, queued: 1, sent: 2, stored: 3, delivered: 4, read: 5 }

/**
 * What an outgoing group message's bubble says, from its deliveries: the
 * state every member has reached (read once all read it, delivered once
 * all have it, as Signal shows), 'failed' when a member refused it, and
 * 'sent' while it has no deliveries at all (no other member).
 */
export function groupMessageState (deliveries: readonly GroupDeliveryRow[]): MessageRow['state'] {
  if (deliveries.length === 0) return 'sent'
  let least: GroupDeliveryRow['state'] = 'read'
  for (const d of deliveries) if (STATE_RANK[d.state] < STATE_RANK[least]) least = d.state
  return least
}
