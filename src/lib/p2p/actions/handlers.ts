import type { NodeHandlers } from '../../contract/index.ts'
import type { actionsMethods } from '../../contract/methods/actions.ts'
import { setMessagingSettings } from '../../db/settings.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactId } from '../../db/types.ts'
import type { MessageActions } from './actions.ts'
import type { TypingSignals } from '../kernel/typing.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'

export interface ActionHandlerComponents {
  db: ParleyDb
  actions: MessageActions
  typing: TypingSignals<ContactId>
  /** told `own:change` for new settings (our other devices take them, sync/) */
  events: Pick<ParleyEventTarget, 'safeDispatchEvent'>
}

/** The contract's message-action methods (contract/methods/actions.ts): a method added there needs its handler here. */
export type ActionMethod = keyof typeof actionsMethods

/** The message-action contract methods. */
export function actionHandlers (components: ActionHandlerComponents): NodeHandlers<ActionMethod> {
  return {
    react: async ({ messageId, emoji }) => { await components.actions.react(messageId, emoji); return null },
    editMessage: async ({ messageId, text }) => { await components.actions.edit(messageId, text); return null },
    deleteMessage: async ({ messageId, forEveryone }) => { await components.actions.delete(messageId, forEveryone); return null },
    markRead: async ({ contactId, ids }) => { await components.actions.markRead(contactId, ids); return null },
    setTyping: async ({ contactId, typing }) => { await components.typing.set(contactId, typing); return null },
    setChatTimer: async ({ contactId, ttl }) => { await components.actions.setTimer(contactId, ttl); return null },
    setMessagingSettings: async (settings) => {
      await setMessagingSettings(components.db, settings)
      components.events.safeDispatchEvent('own:change', { detail: { kind: 'settings', readReceipts: settings.readReceipts, typing: settings.typing } })
      return null
    }
  }
}
