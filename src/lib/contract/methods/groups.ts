/** Group chats (docs/protocols.md, "Groups"): create, invite, answer, change, leave, send. */
import { method, returns } from '../define.ts'
import { contactId, longText, messageId, peerIdText, shortText } from '../ids.ts'
import { v } from '../schema.ts'
import { OFFERED_FILE } from './transfers.ts'
import { MAX_MARK_READ_IDS } from './actions.ts'
import type { MessageId } from '../rows.ts'

/** A group's id: 32 lowercase hex digits. */
export function groupId (): ReturnType<typeof v.string> {
  return v.string({ min: 32, max: 32, pattern: /^[0-9a-f]{32}$/, patternName: 'a group id (32 hex digits)' })
}

export const groupsMethods = {
  /** make a group with these accepted contacts (up to 63); we are its owner. Each gets the invitation. */
  createGroup: method({ params: v.object({ name: shortText(), contactIds: v.array(contactId(), { max: 63 }) }), result: returns<{ groupId: string }>() }),
  /** an admin or the owner invites an accepted contact */
  addGroupMember: method({ params: v.object({ groupId: groupId(), contactId: contactId() }), result: returns<null>() }),
  /** an admin or the owner removes a member: nothing more is sent to them or taken from them */
  removeGroupMember: method({ params: v.object({ groupId: groupId(), peerId: peerIdText() }), result: returns<null>() }),
  /** the owner makes a member an admin, or an admin a member */
  setGroupRole: method({ params: v.object({ groupId: groupId(), peerId: peerIdText(), role: v.literal('admin', 'member') }), result: returns<null>() }),
  /** an admin or the owner renames the group */
  renameGroup: method({ params: v.object({ groupId: groupId(), name: shortText() }), result: returns<null>() }),
  /** an admin or the owner sets the group's picture: a data: URL of a JPEG, PNG or WebP image of at most 24 KiB ('' removes it) */
  setGroupPicture: method({ params: v.object({ groupId: groupId(), picture: v.string({ max: 32 * 1024 }) }), result: returns<null>() }),
  /** any member sets the group's disappearing-messages timer (one of CHAT_TIMERS, 0 = off) for every member */
  setGroupTimer: method({ params: v.object({ groupId: groupId(), ttl: v.number({ integer: true, min: 0, max: 604_800 }) }), result: returns<null>() }),
  /** take an invitation: the group's messages come to us from now on */
  acceptGroup: method({ params: v.object({ groupId: groupId() }), result: returns<null>() }),
  /** refuse an invitation (the group hears that we left) */
  declineGroup: method({ params: v.object({ groupId: groupId() }), result: returns<null>() }),
  /** leave a group we are in */
  leaveGroup: method({ params: v.object({ groupId: groupId() }), result: returns<null>() }),
  /** send a file (an image, a voice message) to every member: prepared as sendFile's, then offered to each; each member pulls it from us */
  sendGroupFile: method({ params: v.object({ groupId: groupId(), ...OFFERED_FILE }), result: returns<{ messageId: MessageId }>() }),
  /** these received group messages were on screen in a visible tab: marked read (and, with read receipts on, their authors told) */
  markGroupRead: method({ params: v.object({ groupId: groupId(), ids: v.array(messageId(), { max: MAX_MARK_READ_IDS }) }), result: returns<null>() }),
  /** the user is (or stopped) typing in a group: told to each member connected now, never stored (rate-limited by the worker) */
  setGroupTyping: method({ params: v.object({ groupId: groupId(), typing: v.boolean() }), result: returns<null>() }),
  /** send a text to every member (queued per member until each has it) */
  sendGroupMessage: method({
    params: v.object({ groupId: groupId(), text: longText(), replyTo: v.optional(messageId()) }),
    result: returns<{ messageId: MessageId }>()
  })
} as const
