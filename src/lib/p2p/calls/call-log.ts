/**
 * Calls kept in the chat: when a call ends, this device writes what it saw
 * as a message of kind 'call' in the contact's chat ("Missed voice call",
 * "Outgoing video call · 2:13"). Nothing is sent: each side writes its own.
 * A missed call is unread (it counts in the chats list until seen); the
 * rest are read. With the chat's disappearing-messages timer on, the record
 * disappears like a message. The row names the account on both sides (the
 * contact's PeerID, and ours: on a linked device, the account's, not the
 * device's), whichever device of theirs the call was with. A call another
 * device of ours answered is kept here too, once, read, as
 * 'answered-elsewhere' (one declined on another, as declined): it was not
 * missed.
 */
import { newMessageId, withChatTimer } from '../../db/messages.ts'
import type { CallEvent } from '../../contract/call-types.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { CallOutcome, MessageRow } from '../../db/types.ts'
import { authorOf } from '../kernel/author.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { ComponentLogger, Logger } from '@libp2p/interface'

export interface CallLogComponents {
  logger: ComponentLogger
  db: ParleyDb
  identity: Pick<IdentityPort, 'require'>
  /** our call records name the account (kernel/author.ts) */
  devices: Pick<DevicesPort, 'account'>
}

/** How an ended call reads in the chat, from this side. */
export function callOutcome (call: Pick<CallEvent, 'direction' | 'reason' | 'endedBy' | 'answeredAt'>): CallOutcome {
  // before the answer-here check: this device may have answered too, a moment after the one that took it
  if (call.reason === 'answered-elsewhere') return 'answered-elsewhere'
  if (call.reason === 'declined-elsewhere') return 'declined'
  if (call.answeredAt !== undefined) return 'answered'
  if (call.direction === 'in') return call.reason === 'declined' && call.endedBy === 'us' ? 'declined' : 'missed'
  switch (call.reason) {
    case 'declined': return 'declined'
    case 'busy': return 'busy'
    case 'no-answer': return 'unanswered'
    case 'cancelled': return 'cancelled'
    default: return 'failed'
  }
}

/** The chat row of an ended call (not stored yet): from `them` (the contact's account) or `me` (ours); `ttl` is the chat's timer in seconds, when on. */
export function callRecordRow (call: CallEvent, parties: { me: string, them: string }, ttl?: number): MessageRow {
  const outcome = callOutcome(call)
  const incoming = call.direction === 'in'
  const endedAt = call.endedAt ?? Date.now()
  const unread = incoming && outcome === 'missed'
  const row: MessageRow = {
    id: newMessageId(call.startedAt),
    contactId: call.contactId,
    direction: call.direction,
    fromPeerId: incoming ? parties.them : parties.me,
    kind: 'call',
    body: '',
    sentAt: call.startedAt,
    state: incoming && !unread ? 'read' : 'delivered',
    call: { video: call.video, outcome }
  }
  if (incoming) row.receivedAt = call.startedAt
  if (incoming && !unread) row.readAt = endedAt
  if (outcome === 'answered' && call.answeredAt !== undefined && row.call !== undefined) row.call.durationMs = Math.max(0, endedAt - call.answeredAt)
  return withChatTimer(row, ttl, endedAt)
}

export class CallLog {
  readonly #components: CallLogComponents
  readonly #log: Logger

  constructor (components: CallLogComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:calls:log')
  }

  /** Writes the ended call into its chat; a failure is logged (the call itself is over either way). */
  async record (call: CallEvent): Promise<void> {
    const { db, identity, devices } = this.#components
    try {
      await db.transaction('rw', db.contacts, db.messages, async () => {
        const contact = await db.contacts.get(call.contactId)
        if (contact === undefined) throw new Error(`no contact ${call.contactId}`)
        await db.messages.add(callRecordRow(call, { me: authorOf(identity, devices), them: contact.peerId }, contact.timer?.ttl))
      })
    } catch (err) {
      this.#log.error('could not keep call %s in the chat - %e', call.callId, err)
    }
  }
}
