/**
 * Which messages an open chat shows and in what order: a chat with a
 * contact (the `[contactId+sentAt+id]` index: their clock, then id) or a
 * group (`[groupId+lamport+fromPeerId+id]`, the order every member shows:
 * db/groups.ts GROUP_ORDER). The chat window (chat-window.svelte.ts) pages
 * over either the same way; this says which index, which range and where
 * the chat's first unread message is.
 */
import Dexie from 'dexie'
import type { ParleyDb } from '../db/db.ts'
import { firstUnreadInGroup } from '../db/group-reads.ts'
import { GROUP_ORDER } from '../db/groups.ts'
import type { ContactId, MessageRow } from '../db/types.ts'
import { firstUnreadAfter, type SeenMark } from '../pwa/unread.ts'

/** The chat open in a chat screen: a contact's, or a group's. */
export type ChatRef =
  | { readonly kind: 'contact', readonly contactId: ContactId }
  | { readonly kind: 'group', readonly groupId: string }

/** A key of a chat's index (its first part names the chat). */
export type IndexKey = readonly unknown[]

export interface ChatScope {
  readonly ref: ChatRef
  /** the index of the chat's messages in display order */
  readonly index: string
  /** below and above every key of this chat */
  readonly low: IndexKey
  readonly high: IndexKey
  /** where `row` sits in the index */
  keyOf: (row: MessageRow) => IndexKey
  /** whether `row` is one of this chat's messages */
  holds: (row: MessageRow) => boolean
  /**
   * The chat's first unread message: a contact's first incoming one after
   * the seen mark `seen` (none without a mark), a group's first not read
   * (the database keeps that for groups).
   */
  firstUnread: (db: ParleyDb, seen: SeenMark | undefined) => Promise<MessageRow | undefined>
}

/** `ref` as a chat scope; a bare number is a contact's id. */
export function chatScope (ref: ChatRef | ContactId): ChatScope {
  if (typeof ref === 'number') return contactScope(ref)
  return ref.kind === 'contact' ? contactScope(ref.contactId) : groupScope(ref.groupId)
}

/** The same chat (same kind, same id). */
export function sameChat (a: ChatRef | undefined, b: ChatRef | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.kind === 'contact') return b.kind === 'contact' && a.contactId === b.contactId
  return b.kind === 'group' && a.groupId === b.groupId
}

function contactScope (contactId: ContactId): ChatScope {
  return {
    ref: { kind: 'contact', contactId },
    index: '[contactId+sentAt+id]',
    low: [contactId, Dexie.minKey, Dexie.minKey],
    high: [contactId, Dexie.maxKey, Dexie.maxKey],
    keyOf: (row) => [row.contactId, row.sentAt, row.id],
    holds: (row) => row.contactId === contactId && row.groupId === undefined,
    firstUnread: async (db, seen) => seen === undefined ? undefined : firstUnreadAfter(db, contactId, seen)
  }
}

function groupScope (groupId: string): ChatScope {
  return {
    ref: { kind: 'group', groupId },
    index: GROUP_ORDER,
    low: [groupId, Dexie.minKey, Dexie.minKey, Dexie.minKey],
    high: [groupId, Dexie.maxKey, Dexie.maxKey, Dexie.maxKey],
    keyOf: (row) => [row.groupId, row.lamport, row.fromPeerId, row.id],
    holds: (row) => row.groupId === groupId,
    firstUnread: async (db) => firstUnreadInGroup(db, groupId)
  }
}
