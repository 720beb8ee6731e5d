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

/** What the feature's services read of the node's components. */
export type ActionsFeatureComponents = MessageActionsComponents & ActionIntakeComponents & TypingComponents & ExpiryComponents

export function actionsFeature (components: ActionsFeatureComponents) {
  return {
    actions: new MessageActions(components),
    actionIntake: new ActionIntake(components),
    typing: new TypingSender(components),
    expiry: new Expiry(components)
  }
}

export { actionHandlers } from './handlers.ts'
