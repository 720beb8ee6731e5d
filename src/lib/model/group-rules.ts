/**
 * What the group screens decide from a group's row (db/group-types.ts) and
 * our PeerID (`me`: the account's, the status's `account`, also on a linked
 * device whose own PeerID is another), the same way the fold decides it (packages/protocol
 * group/state.ts): who may do what, members' names, who is online. The
 * worker checks every change again; these only choose what to offer.
 */
import type { GroupMemberRow, GroupRow, MessageRow } from '../db/types.ts'
import type { GroupRole } from '@parley/protocol/group/constants'

/** Our role in `group`, or undefined when we are not a member. */
export function roleOf (group: Pick<GroupRow, 'members'> | undefined, peer: string | undefined): GroupRole | undefined {
  if (peer === undefined) return undefined
  return group?.members.find(m => m.peer === peer)?.role
}

/** Renaming and adding members: the owner and admins, while we are in the group. */
export function mayManage (group: Pick<GroupRow, 'members' | 'state'> | undefined, me: string | undefined): boolean {
  const role = roleOf(group, me)
  return group?.state === 'member' && (role === 'owner' || role === 'admin')
}

/** Making a member an admin or an admin a member: the owner only, never about itself. */
export function maySetRole (group: Pick<GroupRow, 'members' | 'state'> | undefined, me: string | undefined, member: GroupMemberRow): boolean {
  return group?.state === 'member' && roleOf(group, me) === 'owner' && member.peer !== me && member.role !== 'owner'
}

/** Removing a member: the owner anyone else; an admin anyone but the owner (and itself, which is leaving). */
export function mayRemove (group: Pick<GroupRow, 'members' | 'state'> | undefined, me: string | undefined, member: GroupMemberRow): boolean {
  if (!mayManage(group, me) || member.peer === me) return false
  return roleOf(group, me) === 'owner' || member.role !== 'owner'
}

/** A member's name as the group knows it (its profile), else the start of its PeerID. */
export function memberName (group: Pick<GroupRow, 'members'> | undefined, peer: string): string {
  const name = group?.members.find(m => m.peer === peer)?.name.trim()
  return name === undefined || name === '' ? `${peer.slice(0, 12)}…` : name
}

/** Who `peer` is in a group's chat: the group's name for a member, else `contactName` (ours for them), else the start of the PeerID (someone who left). */
export function nameInGroup (group: Pick<GroupRow, 'members'> | undefined, peer: string, contactName: string | undefined): string {
  if (group?.members.some(m => m.peer === peer) === true) return memberName(group, peer)
  return contactName ?? memberName(group, peer)
}

/** Members in the order the info lists them: the owner, admins, then members, each by name; we come first among our kind. */
export function sortedMembers (members: readonly GroupMemberRow[], me: string | undefined): GroupMemberRow[] {
  const rank: Record<GroupRole, number> = { owner: 0, admin: 1, member: 2 }
  return [...members].sort((a, b) => rank[a.role] - rank[b.role] ||
    Number(b.peer === me) - Number(a.peer === me) ||
    a.name.localeCompare(b.name) || (a.peer < b.peer ? -1 : 1))
}

/** The other members we have a connection to now (the node's status paths), by name. */
export function onlineMembers (group: Pick<GroupRow, 'members'> | undefined, me: string | undefined, paths: Readonly<Record<string, string>>): GroupMemberRow[] {
  return (group?.members ?? [])
    .filter(m => m.peer !== me && (paths[m.peer] === 'direct' || paths[m.peer] === 'relayed'))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** A group message's author as the chats list names it: undefined for ours (sent here, or by another device of our account). */
export function authorOf (group: Pick<GroupRow, 'members'>, message: Pick<MessageRow, 'direction' | 'fromPeerId'>, me: string | undefined): string | undefined {
  return message.direction === 'out' || message.fromPeerId === me ? undefined : memberName(group, message.fromPeerId)
}

/** Initials for a group without a picture: the first letters of its first two words. */
export function initials (name: string): string {
  const words = name.trim().split(/\s+/).filter(w => w !== '')
  const letters = words.slice(0, 2).map(w => [...w][0]?.toLocaleUpperCase() ?? '')
  return letters.join('') || '?'
}

/** A group picture fit for an <img>: an image data: URL (the fold accepts only those), else undefined. */
export function pictureSrc (picture: string): string | undefined {
  return /^data:image\/(?:jpeg|png|webp);base64,[A-Za-z0-9+/=]+$/.test(picture) ? picture : undefined
}
