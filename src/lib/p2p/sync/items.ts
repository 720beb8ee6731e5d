/**
 * What the person did here (the node's `own:change`, kernel/events.ts), as
 * the sync items their other devices take (@parley/protocol sync/wire,
 * docs/protocols.md "Own devices in step"). Built from what is stored by
 * then: a change whose row is gone meanwhile, or that concerns something the
 * siblings cannot hold (a file message, a group's), makes no item.
 */
import { newMessageId } from '../../db/messages.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { OwnChange } from '../kernel/events.ts'
import type { SyncAction, SyncBody, SyncItem } from '@parley/protocol/sync/wire'

/** The items of `change` (a read of many chats' messages is one item per chat, naming the newest). */
export async function itemsOf (db: ParleyDb, change: OwnChange, now: () => number): Promise<SyncItem[]> {
  const bodies = await bodiesOf(db, change)
  return bodies.map(body => ({ type: 'sync', id: newMessageId(now()), ...body }))
}

async function bodiesOf (db: ParleyDb, change: OwnChange): Promise<SyncBody[]> {
  switch (change.kind) {
    case 'sent': {
      const row = await db.messages.get(change.messageId)
      if (row === undefined || row.kind !== 'text' || row.groupId !== undefined) return []
      const chat = await chatOf(db, row.contactId)
      if (chat === undefined) return []
      return [{
        kind: 'sent',
        chat,
        message: { id: row.id, sentAt: row.sentAt, body: row.body, ...(row.replyTo === undefined ? {} : { replyTo: row.replyTo }), ...(row.ttl === undefined ? {} : { ttl: row.ttl }) }
      }]
    }
    case 'read': {
      const chat = await chatOf(db, change.contactId)
      const upTo = change.ids.reduce<string | undefined>((max, id) => max === undefined || id > max ? id : max, undefined)
      return chat === undefined || upTo === undefined ? [] : [{ kind: 'read', chat, upTo }]
    }
    case 'action': {
      const { event } = change
      const target = event.targets[0]
      const chat = await chatOf(db, event.contactId)
      if (chat === undefined || target === undefined) return []
      const base = { id: event.id, sentAt: event.sentAt, target }
      let action: SyncAction
      if (event.kind === 'reaction') action = { type: 'reaction', ...base, emoji: event.emoji ?? '' }
      else if (event.kind === 'edit' && event.text !== undefined) action = { type: 'edit', ...base, text: event.text }
      else if (event.kind === 'delete') action = { type: 'delete', ...base }
      else return []
      return [{ kind: 'action', chat, action }]
    }
    case 'contact': {
      const chat = change.peerId
      if (change.change === 'deleted') return [{ kind: 'contact', chat, op: 'deleted', withHistory: change.withHistory === true }]
      const row = await db.contacts.get(change.contactId)
      if (row === undefined) return []
      if (change.change === 'renamed') return [{ kind: 'contact', chat, op: 'renamed', nickname: row.nickname ?? null }]
      if (change.change === 'verified') return [{ kind: 'contact', chat, op: 'verified', verified: row.verified }]
      if (row.state !== 'requested' && row.state !== 'accepted') return []
      return [{ kind: 'contact', chat, op: 'added', username: row.username, state: row.state }]
    }
    case 'settings':
      return [{ kind: 'settings', readReceipts: change.readReceipts, typing: change.typing }]
  }
}

/** The chat with contact `id`, named by the contact's PeerID (its account's: what every device of ours knows it by). */
async function chatOf (db: ParleyDb, id: number): Promise<string | undefined> {
  return (await db.contacts.get(id))?.peerId
}
