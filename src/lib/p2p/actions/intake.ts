/**
 * Message actions arriving from a contact, live or from a mailbox
 * (docs/protocols.md, "Message actions"): each stored once and applied
 * (db/events.ts storeEvent); a typing signal only told to the tabs.
 */
import { storeEvent } from '../../db/events.ts'
import { messagingSettings } from '../../db/settings.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactRow, EventRow, MessageId } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ActionIntakePort, ActionOutcome } from '../kernel/ports/actions.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { ChatActionFrame } from '@parley/protocol/chat/codec'

export interface ActionIntakeComponents {
  db: ParleyDb
  events: ParleyEventTarget
  transfers: Pick<TransfersPort, 'forget'>
}

/** The event row an action frame from `contact` is stored as. */
export function incomingEvent (contact: ContactRow, frame: Exclude<ChatActionFrame, { type: 'typing' }>, receivedAt: number): EventRow {
  const base = { id: frame.id, contactId: contact.id, direction: 'in' as const, fromPeerId: contact.peerId, kind: frame.type, sentAt: frame.sentAt, receivedAt, state: 'delivered' as const }
  switch (frame.type) {
    case 'reaction': return { ...base, targets: [frame.target as MessageId], emoji: frame.emoji }
    case 'edit': return { ...base, targets: [frame.target as MessageId], text: frame.text }
    case 'delete': return { ...base, targets: [frame.target as MessageId] }
    case 'read': return { ...base, targets: frame.targets as MessageId[] }
    case 'timer': return { ...base, targets: [], ttl: frame.ttl }
  }
}

export class ActionIntake implements ActionIntakePort {
  readonly #components: ActionIntakeComponents

  constructor (components: ActionIntakeComponents) {
    this.#components = components
  }

  /** Takes an action from `contact` (one we exchange messages with). */
  async receive (contact: ContactRow, frame: ChatActionFrame): Promise<ActionOutcome> {
    const { db, events, transfers } = this.#components
    if (frame.type === 'typing') {
      if ((await messagingSettings(db)).typing) events.safeDispatchEvent('typing', { detail: { contactId: contact.id, typing: frame.typing } })
      return 'seen'
    }
    const result = await storeEvent(db, incomingEvent(contact, frame, Date.now()))
    if (result.filesGone.length > 0) await transfers.forget(result.filesGone)
    return result.outcome
  }
}
