/** Ports of the groups feature (see identity.ts for what a port is). */
import type { EventRow, MessageId } from '../../../db/types.ts'
import type { GroupReply, GroupRequest } from '@parley/protocol/group/wire'
import type { Desk } from '../desk-service.ts'

/** Where group requests go, live or from a mailbox (the group book). */
export type GroupDesk = Desk<GroupRequest, GroupReply>

/** The groups we hold and their members (groups/book.ts), and the desk of their requests. */
export interface GroupBookPort extends GroupDesk {
  /** a member of `group` now (by our fold), or a device of one (issue 58) */
  member(groupId: string, peer: string): Promise<boolean>
  /** the members of `group` now, without us; none when we do not know it */
  members(groupId: string): Promise<string[]>
  /** whether `peer` is a member of a group we are a member of: someone we may connect to directly */
  sharesGroup(peer: string): Promise<boolean>
  /** whether `peer` is a member of any group we hold (it may send us group items) */
  isGroupPeer(peer: string): Promise<boolean>
  /** the mailbox relays `peer` named in a group we hold, or none */
  mailboxesOf(peer: string): Promise<string[]>
  /** whether `peer` said, in a profile operation of a group we hold (signed: its own word), that its app speaks sessions; kept for good */
  saidSessions(peer: string): Promise<boolean>
}

/** What the user does in groups (groups/groups.ts), as other features ask it. */
export interface GroupsPort {
  /** a group file's offer is ready (hashed): it is signed and sent to every other member */
  fileReady(id: MessageId): Promise<void>
  /** sends our stored event about a group message (a reaction, an edit, a delete for everyone) to every other member */
  sendEvent(event: EventRow): Promise<void>
}

/** Delivery to a group's members (groups/courier.ts). */
export interface GroupCourierPort {
  /** connects to `peer` if it can (a file's author, to pull the file from); never throws */
  reach(peer: string): void
}

/** A group call's roster (groups/call-roster.ts): in a group we are a member of, its members' devices. */
export interface GroupCallRosterPort {
  /** the member we are (the account) */
  me(): string
  /** this device's PeerID */
  device(): string
  /** every device a group item of ours goes to (each other member's, and our own other devices); undefined when we are not a member of `groupId` */
  devices(groupId: string): Promise<string[] | undefined>
  /** the member `peer` is, or is a device of (this device: us); undefined for anyone else, or when we are not a member */
  memberOf(groupId: string, peer: string): Promise<string | undefined>
}
