/** Ports of the message-actions feature (see identity.ts for what a port is). */
import type { ContactRow } from '../../../db/types.ts'
import type { ChatActionFrame } from '@parley/protocol/chat/codec'

/** What became of an action that arrived. */
export type ActionOutcome = 'stored' | 'duplicate' | 'not-allowed' | 'seen'

/** Message actions that arrive, live or from a mailbox (actions/intake.ts). */
export interface ActionIntakePort {
  /** takes an action from `contact` (one we exchange messages with) */
  receive(contact: ContactRow, frame: ChatActionFrame): Promise<ActionOutcome>
}
