/**
 * Message actions: reactions, edits, deletes, read receipts, typing and
 * disappearing messages (docs/protocols.md, "Message actions"). The outbox,
 * the inbox and the mailboxes carry them as they carry messages.
 */
import { MessageActions } from './actions.ts'
import { Expiry } from './expiry.ts'
import { actionHandlers } from './handlers.ts'
import { ActionIntake } from './intake.ts'
import { contactTyping } from './typing.ts'
import type { Feature } from '../kernel/feature.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { ActionIntakePort } from '../kernel/ports/actions.ts'
import type { MessageActionsComponents } from './actions.ts'
import type { ExpiryComponents } from './expiry.ts'
import type { ActionMethod } from './handlers.ts'
import type { ActionIntakeComponents } from './intake.ts'
import type { TypingComponents } from './typing.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type ActionsFeatureComponents = MessageActionsComponents & ActionIntakeComponents & TypingComponents & ExpiryComponents & {
  events: Pick<ParleyEventTarget, 'addEventListener' | 'safeDispatchEvent'>
}

/** What it adds to them. */
export interface ActionsServices {
  actionIntake: ActionIntakePort
  expiry: Startable
}

export const actionsFeature: Feature<ActionsFeatureComponents, ActionsServices, ActionMethod> = {
  name: 'actions',
  create (components) {
    const actions = new MessageActions(components)
    const typing = contactTyping(components)
    // a message sent ends our typing to the contact
    components.events.addEventListener('message:sent', ({ detail }) => { typing.messageSent(detail.contactId) })
    return {
      services: { actionIntake: new ActionIntake(components), expiry: new Expiry(components) },
      handlers: actionHandlers({ db: components.db, actions, typing, events: components.events })
    }
  }
}
