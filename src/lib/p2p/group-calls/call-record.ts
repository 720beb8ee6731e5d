/**
 * A group call kept in the group's history (docs/protocols.md, "Group
 * calls"): each member's device writes, once per call id, one entry of kind
 * 'call' when it learns the call is over, saying who took part (the members
 * any `state`, `join` or `joined` of the call named) and how long it lasted
 * (the last `state`'s `sentAt` minus `startedAt`). Nothing is sent; the
 * entry's id comes from the call's, so a second write of it is a duplicate.
 * It goes after the newest message the group held (its lamport raised), and
 * disappears like a message when the group's timer is on.
 */
import { MAX_GROUP_CALL_MS } from '@parley/protocol/group-call/constants'
import { hexToBytes } from '@noble/hashes/utils.js'
import { ulid } from 'ulid'
import { GROUP_CONTACT_ID } from '../../db/groups.ts'
import { withChatTimer } from '../../db/messages.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { CallOutcome, MessageId, MessageRow } from '../../db/types.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'

/** What the entry says of an ended call. */
export interface EndedGroupCall {
  groupId: string
  callId: string
  video: boolean
  /** the member that started it, and when (its clock) */
  startedBy: string
  startedAt: number
  /** the last `state`'s `sentAt` (or our own leaving, when we were the last) */
  endedAt: number
  /** the members who took part */
  participants: readonly string[]
  /** we declined it when it rang here */
  declinedHere: boolean
}

/** The entry's id: a ULID of the call's start whose random part is the call's id, the same on every write. */
export function callEntryId (call: Pick<EndedGroupCall, 'callId' | 'startedAt'>): MessageId {
  const bytes = hexToBytes(call.callId)
  let i = 0
  return ulid(call.startedAt, () => (bytes[i++ % bytes.length] ?? 0) / 256) as MessageId
}

/** How the call reads from our side: we took part; else missed or declined (rung), unanswered (ours, no one came). */
export function groupCallOutcome (call: EndedGroupCall, me: string): CallOutcome {
  if (call.participants.includes(me) && (call.startedBy !== me || call.participants.length > 1)) return 'answered'
  if (call.startedBy === me) return 'unanswered'
  return call.declinedHere ? 'declined' : 'missed'
}

/** The history row of an ended group call (not stored yet); `lamport` puts it after what the group held; `ttl` the group's timer, when on. */
export function groupCallRow (call: EndedGroupCall, me: string, lamport: number, ttl?: number): MessageRow {
  const outcome = groupCallOutcome(call, me)
  const incoming = call.startedBy !== me
  const unread = outcome === 'missed'
  const durationMs = Math.min(MAX_GROUP_CALL_MS, Math.max(0, call.endedAt - call.startedAt))
  const row: MessageRow = {
    id: callEntryId(call),
    contactId: GROUP_CONTACT_ID,
    groupId: call.groupId,
    lamport,
    direction: incoming ? 'in' : 'out',
    fromPeerId: call.startedBy,
    kind: 'call',
    body: '',
    sentAt: call.startedAt,
    state: incoming && !unread ? 'read' : 'delivered',
    call: { video: call.video, outcome, callId: call.callId, participants: [...call.participants], ...(outcome === 'answered' ? { durationMs } : {}) }
  }
  if (incoming) row.receivedAt = call.startedAt
  if (incoming && !unread) row.readAt = call.endedAt
  return withChatTimer(row, ttl, call.endedAt)
}

export class GroupCallLog {
  readonly #db: ParleyDb
  readonly #log: Logger

  constructor (components: { db: ParleyDb, logger: ComponentLogger }) {
    this.#db = components.db
    this.#log = components.logger.forComponent('parley:group-calls:log')
  }

  /** Writes the ended call into its group's history, once; a failure is logged (the call is over either way). */
  async record (call: EndedGroupCall, me: string): Promise<void> {
    const db = this.#db
    try {
      await db.transaction('rw', db.groups, db.messages, async () => {
        const group = await db.groups.get(call.groupId)
        if (group === undefined) return
        const row = groupCallRow(call, me, group.lamport + 1, group.timer?.ttl)
        if (await db.messages.get(row.id) !== undefined) return
        await db.messages.add(row)
        await db.groups.update(call.groupId, { lamport: group.lamport + 1 })
      })
    } catch (err) {
      this.#log.error('could not keep group call %s in the history - %e', call.callId, err)
    }
  }
}
