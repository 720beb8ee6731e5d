/** Group messages as IndexedDB rows (db/groups.ts storeGroupMessage, queueGroupMessage), ours and members' alike. */
import { GROUP_CONTACT_ID } from '../../db/groups.ts'
import type { MessageId, MessageRow } from '../../db/types.ts'
import type { GroupMessage } from '@parley/protocol/group/message'

/** The row a group message is stored as; with a `ttl`, it disappears that long after it was sent (ours) or came (theirs). */
export function groupMessageRow (message: GroupMessage, me: string, now: number): MessageRow {
  const frame = message.frame
  if (frame.type !== 'message') throw new TypeError('only messages are stored as rows')
  const mine = message.author === me
  const ttl = frame.ttl
  return {
    id: frame.id as MessageId,
    contactId: GROUP_CONTACT_ID,
    groupId: message.group,
    lamport: message.lamport,
    direction: mine ? 'out' : 'in',
    fromPeerId: message.author,
    kind: 'text',
    body: frame.text,
    sentAt: frame.sentAt,
    ...(mine ? {} : { receivedAt: now }),
    state: mine ? 'queued' : 'delivered',
    ...(frame.replyTo === undefined ? {} : { replyTo: frame.replyTo as MessageId }),
    ...(ttl === undefined ? {} : { ttl, expiresAt: (mine ? frame.sentAt : now) + ttl * 1000 }),
    groupSigned: message.signed
  }
}
