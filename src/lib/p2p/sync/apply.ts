/**
 * A sibling's sync item taken here (docs/protocols.md, "Own devices in
 * step", What the receiver does): each kind's effect on this device's rows,
 * idempotent (taken twice, it leaves what it left once). Rows it writes name
 * their author as the sibling's own rows do: the account (kernel/author.ts),
 * whichever of its devices made them. Call inside a transaction over
 * {@link applyTables}.
 */
import { deleteContact, setVerified, updateContactDetails, upsertContact } from '../../db/contacts.ts'
import { storeEvent } from '../../db/events.ts'
import { withChatTimer } from '../../db/messages.ts'
import { setMessagingSettings } from '../../db/settings.ts'
import { tombstoned } from '../../db/tombstones.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactRow, EventRow, MessageId, MessageRow } from '../../db/types.ts'
import type { SyncItem } from '@parley/protocol/sync/wire'

/** What an item changed here: 'stored', or 'same' (it was taken before, or there is nothing it applies to). */
export interface Applied {
  outcome: 'stored' | 'same'
  /** a contact it deleted (the node's features are told `contact:deleted` after the commit) */
  deleted?: Pick<ContactRow, 'id' | 'peerId' | 'blocked'>
}

/** The tables an item may write. */
export function applyTables (db: ParleyDb): Array<ParleyDb['messages'] | ParleyDb['events'] | ParleyDb['contacts'] | ParleyDb['tombstones'] | ParleyDb['peerTombstones'] | ParleyDb['settings']> {
  return [db.messages, db.events, db.contacts, db.tombstones, db.peerTombstones, db.settings]
}

const STORED: Applied = { outcome: 'stored' }
const SAME: Applied = { outcome: 'same' }

/** Applies `item` from a sibling device, writing rows authored by `from` (our account's PeerID), at `now` (this device's clock). */
export async function applySyncItem (db: ParleyDb, from: string, item: SyncItem, now: number): Promise<Applied> {
  if (item.kind === 'settings') {
    await setMessagingSettings(db, { readReceipts: item.readReceipts, typing: item.typing }, now)
    return STORED
  }
  const contact = await db.contacts.where('peerId').equals(item.chat).first()
  if (item.kind === 'contact' && item.op === 'added') {
    if (contact === undefined) {
      await upsertContact(db, { peerId: item.chat, username: item.username, addresses: [], state: item.state, now })
      return STORED
    }
    if (contact.state === 'accepted' || contact.state === item.state) return SAME
    await db.contacts.update(contact.id, { state: item.state, updatedAt: now })
    return STORED
  }
  // a chat this device does not hold (its "added" was dropped, or the contact deleted here): nothing to do
  if (contact === undefined) return SAME
  switch (item.kind) {
    case 'sent': return sent(db, contact, from, item.message)
    case 'read': return read(db, contact, item.upTo, now)
    case 'action': {
      const { action } = item
      const event: EventRow = {
        id: action.id, contactId: contact.id, direction: 'out', fromPeerId: from, kind: action.type, targets: [action.target as MessageId],
        sentAt: action.sentAt, receivedAt: now, state: 'delivered',
        ...(action.type === 'reaction' ? { emoji: action.emoji } : action.type === 'edit' ? { text: action.text } : {})
      }
      const result = await storeEvent(db, event)
      return result.outcome === 'stored' ? STORED : SAME
    }
    case 'contact':
      if (item.op === 'renamed') {
        if ((contact.nickname ?? null) === item.nickname) return SAME
        await updateContactDetails(db, contact.id, { nickname: item.nickname, notes: contact.notes }, now)
        return STORED
      }
      if (item.op === 'verified') {
        if (contact.verified === item.verified) return SAME
        await setVerified(db, contact.id, item.verified, now)
        return STORED
      }
      if (!item.withHistory && contact.state === 'deleted') return SAME
      await deleteContact(db, contact.id, item.withHistory, now)
      return { outcome: 'stored', deleted: { id: contact.id, peerId: contact.peerId, blocked: contact.blocked } }
  }
}

/** A message the person sent from the sibling: an outgoing row of the chat, shown as delivered (the sibling holds its delivery). */
async function sent (db: ParleyDb, contact: ContactRow, from: string, message: Extract<SyncItem, { kind: 'sent' }>['message']): Promise<Applied> {
  const id = message.id as MessageId
  if (await db.messages.get(id) !== undefined || (await tombstoned(db, [id])).has(id)) return SAME
  const row: MessageRow = { id, contactId: contact.id, direction: 'out', fromPeerId: from, kind: 'text', body: message.body, sentAt: message.sentAt, state: 'delivered' }
  if (message.replyTo !== undefined) row.replyTo = message.replyTo as MessageId
  await db.messages.add(withChatTimer(row, message.ttl, message.sentAt))
  return STORED
}

/** The chat read on the sibling: its received messages up to `upTo` (by id, which orders them by their sending time) are read here too. */
async function read (db: ParleyDb, contact: ContactRow, upTo: string, now: number): Promise<Applied> {
  const unread = await db.messages.where('[direction+state+contactId]').equals(['in', 'delivered', contact.id]).filter(r => r.id <= upTo).primaryKeys()
  if (unread.length === 0) return SAME
  for (const id of unread) await db.messages.update(id, { state: 'read', readAt: now })
  return STORED
}
