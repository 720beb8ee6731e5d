/**
 * Rows of the group tables (schema v8; docs/protocols.md, "Groups"). The
 * operations are the truth; a `GroupRow` is their fold, kept so lists and
 * checks need not fold again, and rewritten whenever an operation is held.
 */
import type { GroupRole } from '@parley/protocol/group/constants'
import type { GroupTimer } from '@parley/protocol/group/state'

/** This browser's relation to a group. */
export type GroupMembership =
  /** an add of us arrived: the name, inviter and member count are shown until we accept or decline */
  | 'invited'
  /** we accepted (or created it) and are in the member list */
  | 'member'
  /** we declined the invitation (and told the group with a leave) */
  | 'declined'
  /** we left */
  | 'left'
  /** someone removed us: nothing more is sent to us or taken from the group */
  | 'removed'

export interface GroupMemberRow {
  peer: string
  role: GroupRole
  name: string
  mailboxes: string[]
}

export interface GroupRow {
  /** 32 hex digits: the start of the create operation's id */
  id: string
  name: string
  /** data: URL, or '' */
  picture: string
  /** indexed: the lists of groups we are in or invited to */
  state: GroupMembership
  owner?: string
  members: GroupMemberRow[]
  /** who added us (the add operation's author) */
  invitedBy?: string
  /** the highest message lamport we have seen in this group */
  lamport: number
  /** the operation heads we hold */
  heads: string[]
  /** the disappearing-messages timer (a `timer` operation; absent: never set, off) */
  timer?: GroupTimer
  /**
   * Members and former members whose profile operation said their app speaks
   * sessions (the fold's `sessions`, sorted; absent: none did). They are held
   * to session boxes (p2p/sessions, "Sessions are mandatory").
   */
  sessions?: string[]
  /**
   * The members' linked devices, as the fold's device sets name them
   * (`devices` operations, issue 58; sorted; absent: none): they may hand us
   * the group's items, and their apps speak sessions.
   */
  devices?: string[]
  createdAt: number
  updatedAt: number
}

/** One verified operation, as it came (the fold re-checks it every time). */
export interface GroupOpRow {
  id: string
  group: string
  lamport: number
  signed: { body: string, sig: string }
}

/** One outgoing group message to one member: the per-member outbox and the message's Info. */
export interface GroupDeliveryRow {
  /** the message id */
  message: string
  peer: string
  group: string
  state: 'queued' | 'sent' | 'stored' | 'delivered' | 'read' | 'failed'
  /** our clock, when the state last changed */
  at: number
}
