/**
 * Message actions: reactions, edits, deletes, read receipts, typing and
 * disappearing messages (docs/protocols.md, "Message actions"). The outbox,
 * the inbox and the mailboxes carry them as they carry messages.
 */
import { MessageActions } from './actions.ts'
import { Expiry } from './expiry.ts'
import { ActionIntake } from './intake.ts'
import { TypingSender } from './typing.ts'
import type { MessageActionsComponents } from './actions.ts'
import type { ActionIntakeComponents } from './intake.ts'
import type { TypingComponents } from './typing.ts'
import type { ExpiryComponents } from './expiry.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'

/** What the feature's services read of the node's components. */
export type ActionsFeatureComponents = MessageActionsComponents & ActionIntakeComponents & TypingComponents & ExpiryComponents & {
  events: Pick<ParleyEventTarget, 'addEventListener'>
}

export function actionsFeature (components: ActionsFeatureComponents) {
  const typing = new TypingSender(components)
  // a message sent ends our typing to the contact
  components.events.addEventListener('message:sent', ({ detail }) => { typing.messageSent(detail.contactId) })
  return {
    actions: new MessageActions(components),
    actionIntake: new ActionIntake(components),
    typing,
    expiry: new Expiry(components)
  }
}

export { actionHandlers } from './handlers.ts'
