/**
 * Message actions arriving from a contact, live or from a mailbox
 * (docs/protocols.md, "Message actions"): each stored once as the event row
 * its kind makes of the frame (db/event-kinds.ts) and applied (db/events.ts
 * storeEvent); a typing signal only told to the tabs.
 */
import { eventFromFrame } from '../../db/event-kinds.ts'
import { storeEvent } from '../../db/events.ts'
import { messagingSettings } from '../../db/settings.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactRow } from '../../db/types.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ActionIntakePort, ActionOutcome } from '../kernel/ports/actions.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { ChatActionFrame } from '@parley/protocol/chat/codec'

export interface ActionIntakeComponents {
  db: ParleyDb
  events: ParleyEventTarget
  transfers: Pick<TransfersPort, 'forget'>
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
    const result = await storeEvent(db, eventFromFrame(frame, { contactId: contact.id, fromPeerId: contact.peerId, receivedAt: Date.now() }))
    if (result.filesGone.length > 0) await transfers.forget(result.filesGone)
    return result.outcome
  }
}
