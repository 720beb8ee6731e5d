/**
 * Group chats in IndexedDB (schema v8; docs/protocols.md, "Groups"): the
 * verified operations of each group, the group rows folded from them (the
 * worker folds: p2p/groups), group messages in the messages table under
 * contact 0, and the per-member deliveries of our group messages.
 */
import Dexie from 'dexie'
import { withPendingEvents } from './events.ts'
import { tombstoned } from './tombstones.ts'
import type { ParleyDb } from './db.ts'
import type { EventRow, GroupDeliveryRow, GroupOpRow, GroupRow, MessageId, MessageRow } from './types.ts'

/** Group messages have this contactId: no contact row has it (contacts count from 1). */
export const GROUP_CONTACT_ID = 0
/** The v8 index of one group's messages in display order. */
export const GROUP_ORDER = '[groupId+lamport+fromPeerId+id]'
/** Deliveries still owed to a member. */
export const OWED_DELIVERY_STATES: ReadonlyArray<GroupDeliveryRow['state']> = ['queued', 'sent']

export async function getGroup (db: ParleyDb, id: string): Promise<GroupRow | undefined> {
  return db.groups.get(id)
}

/** Groups we are in or invited to, most recently changed first. */
export async function activeGroups (db: ParleyDb): Promise<GroupRow[]> {
  const rows = await db.groups.where('state').anyOf('member', 'invited').toArray()
  return rows.sort((a, b) => b.updatedAt - a.updatedAt || (a.id < b.id ? -1 : 1))
}

export async function groupOps (db: ParleyDb, group: string): Promise<GroupOpRow[]> {
  return db.groupOps.where('group').equals(group).toArray()
}

/** Stores operations and the group's new fold in one write. */
export async function saveGroup (db: ParleyDb, row: GroupRow, ops: readonly GroupOpRow[]): Promise<void> {
  await db.transaction('rw', db.groups, db.groupOps, async () => {
    if (ops.length > 0) await db.groupOps.bulkPut([...ops])
    await db.groups.put(row)
  })
}

/**
 * Stores a group message once (by id): 'duplicate' when it is there already.
 * Raises the group's lamport to the message's.
 */
export async function storeGroupMessage (db: ParleyDb, row: MessageRow): Promise<'stored' | 'duplicate'> {
  const groupId = row.groupId
  if (groupId === undefined || row.lamport === undefined || row.contactId !== GROUP_CONTACT_ID) throw new TypeError('not a group message row')
  return db.transaction('rw', [db.messages, db.groups, db.events, db.tombstones], async () => {
    // stored, or expired or deleted here (db/tombstones.ts)
    if (await db.messages.get(row.id) !== undefined || (await tombstoned(db, [row.id])).size > 0) return 'duplicate'
    // reactions, edits or a delete that came before it
    const [merged] = await withPendingEvents(db, [row])
    if (merged === undefined) return 'duplicate'
    await db.messages.add(merged)
    const group = await db.groups.get(groupId)
    if (group !== undefined && group.lamport < (row.lamport ?? 0)) await db.groups.update(groupId, { lamport: row.lamport })
    return 'stored'
  })
}

/** Raises a group's lamport to at least `lamport` (a message of it was stored elsewhere: a file offer). */
export async function raiseLamport (db: ParleyDb, groupId: string, lamport: number): Promise<void> {
  await db.transaction('rw', db.groups, async () => {
    const group = await db.groups.get(groupId)
    if (group !== undefined && group.lamport < lamport) await db.groups.update(groupId, { lamport })
  })
}

/** Stores our message and queues it for each member but us. */
export async function queueGroupMessage (db: ParleyDb, row: MessageRow, peers: readonly string[], now: number): Promise<void> {
  const groupId = row.groupId
  if (groupId === undefined || row.lamport === undefined) throw new TypeError('not a group message row')
  await db.transaction('rw', db.messages, db.groups, db.groupDeliveries, async () => {
    await db.messages.add(row)
    await db.groupDeliveries.bulkPut(peers.map((peer): GroupDeliveryRow => ({ message: row.id, peer, group: groupId, state: 'queued', at: now })))
    const group = await db.groups.get(groupId)
    if (group !== undefined && group.lamport < (row.lamport ?? 0)) await db.groups.update(groupId, { lamport: row.lamport, updatedAt: now })
  })
}

/** Our file message, now signed with its final offer: its envelope set, queued for each member but us. */
export async function queueGroupDeliveries (db: ParleyDb, id: MessageId, groupId: string, signed: { body: string, sig: string }, peers: readonly string[], now: number): Promise<void> {
  await db.transaction('rw', db.messages, db.groups, db.groupDeliveries, async () => {
    const row = await db.messages.get(id)
    if (row === undefined) return
    await db.messages.update(id, { groupSigned: signed, state: 'sent' })
    await db.groupDeliveries.bulkPut(peers.map((peer): GroupDeliveryRow => ({ message: id, peer, group: groupId, state: 'queued', at: now })))
    const group = await db.groups.get(groupId)
    if (group !== undefined && group.lamport < (row.lamport ?? 0)) await db.groups.update(groupId, { lamport: row.lamport, updatedAt: now })
  })
}

/**
 * Our group event, signed: its envelope set on the event row (stored by
 * MessageActions, or made here for a read receipt: `fresh`), queued for `peers`.
 */
export async function queueGroupEvent (
  db: ParleyDb, id: string, groupId: string, signed: { body: string, sig: string }, peers: readonly string[], now: number,
  fresh?: Pick<EventRow, 'fromPeerId' | 'kind' | 'targets' | 'sentAt'>
): Promise<void> {
  await db.transaction('rw', db.events, db.groupDeliveries, async () => {
    if (fresh !== undefined) {
      await db.events.put({ id, contactId: GROUP_CONTACT_ID, groupId, direction: 'out', state: 'sent', ...fresh, targets: [...fresh.targets] as MessageId[], groupSigned: signed })
    } else {
      await db.events.update(id, { groupSigned: signed, state: 'sent' })
    }
    await db.groupDeliveries.bulkPut(peers.map((peer): GroupDeliveryRow => ({ message: id, peer, group: groupId, state: 'queued', at: now })))
  })
}

/** One group's messages in display order (lamport, author, id). */
export async function groupMessages (db: ParleyDb, groupId: string, limit = Infinity): Promise<MessageRow[]> {
  const rows = db.messages.where(GROUP_ORDER).between([groupId, Dexie.minKey, Dexie.minKey, Dexie.minKey], [groupId, Dexie.maxKey, Dexie.maxKey, Dexie.maxKey])
  return limit === Infinity ? rows.toArray() : rows.limit(limit).toArray()
}

/** What is owed to `peer`: its queued and sent deliveries, oldest message first. */
export async function owedTo (db: ParleyDb, peer: string): Promise<GroupDeliveryRow[]> {
  const rows = await db.groupDeliveries.where('[peer+state]').anyOf(OWED_DELIVERY_STATES.map((state) => [peer, state])).toArray()
  return rows.sort((a, b) => (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
}

/** Members that are owed something. */
export async function peersOwed (db: ParleyDb): Promise<string[]> {
  const keys: unknown[] = await db.groupDeliveries.where('[peer+state]').between([Dexie.minKey, Dexie.minKey], [Dexie.maxKey, Dexie.maxKey]).uniqueKeys()
  const owed: readonly unknown[] = OWED_DELIVERY_STATES
  const peers = new Set<string>()
  for (const key of keys) {
    if (Array.isArray(key) && owed.includes(key[1]) && typeof key[0] === 'string') peers.add(key[0])
  }
  return [...peers].sort()
}

/** Moves a delivery on (never back: delivered stays delivered when a late 'stored' comes). */
export async function setDelivery (db: ParleyDb, message: MessageId | string, peer: string, state: GroupDeliveryRow['state'], now: number): Promise<void> {
  await db.transaction('rw', db.groupDeliveries, async () => {
    const row = await db.groupDeliveries.get([message, peer])
    if (row === undefined || DELIVERY_RANK[state] <= DELIVERY_RANK[row.state]) return
    await db.groupDeliveries.put({ ...row, state, at: now })
  })
}

const DELIVERY_RANK: Record<GroupDeliveryRow['state'], number> = { queued: 0, failed: 1, sent: 2, stored: 3, delivered: 4, read: 5 }

/** A message's deliveries, by member (its Info). */
export async function deliveriesOf (db: ParleyDb, message: string): Promise<GroupDeliveryRow[]> {
  return db.groupDeliveries.where('message').equals(message).sortBy('peer')
}

/** Drops what is owed to `peer` in `group` (removed or left: nothing more goes to them). */
export async function dropDeliveries (db: ParleyDb, group: string, peer: string): Promise<number> {
  const owed = (await owedTo(db, peer)).filter((d) => d.group === group)
  await db.groupDeliveries.bulkDelete(owed.map((d): [string, string] => [d.message, d.peer]))
  return owed.length
}
