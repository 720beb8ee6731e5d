/**
 * Message actions: reactions, edits, deletes, read receipts, typing and
 * disappearing messages (docs/protocols.md, "Message actions"). The outbox,
 * the inbox and the mailboxes carry them as they carry messages.
 */
import { MessageActions } from './actions.ts'
import { Expiry } from './expiry.ts'
import { ActionIntake } from './intake.ts'
import { TypingSender } from './typing.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function actionsFeature (components: NodeComponents): Pick<NodeComponents, 'actions' | 'actionIntake' | 'typing' | 'expiry'> {
  return {
    actions: new MessageActions(components),
    actionIntake: new ActionIntake(components),
    typing: new TypingSender(components),
    expiry: new Expiry(components)
  }
}

export { actionHandlers } from './handlers.ts'
