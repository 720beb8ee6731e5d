import type { NodeHandlers } from '../../contract/index.ts'
import type { Contacts } from './contacts.ts'

export type ContactMethods = 'previewInvite' | 'addContact' | 'acceptContact' | 'declineContact' | 'updateContact' | 'setBlocked' | 'deleteContact' |
  'getSafetyNumber' | 'checkSafetyCode' | 'setVerified'

/** The contacts' contract methods. */
export function contactHandlers (components: { contacts: Contacts }): NodeHandlers<ContactMethods> {
  return {
    previewInvite: async ({ invite }) => components.contacts.preview(invite),
    addContact: async ({ invite }) => ({ contactId: await components.contacts.add(invite) }),
    acceptContact: async ({ contactId }) => { await components.contacts.accept(contactId); return null },
    declineContact: async ({ contactId }) => { await components.contacts.decline(contactId); return null },
    updateContact: async ({ contactId, nickname, notes }) => { await components.contacts.update(contactId, nickname, notes); return null },
    setBlocked: async ({ contactId, blocked }) => { await components.contacts.setBlocked(contactId, blocked); return null },
    deleteContact: async ({ contactId, withHistory }) => { await components.contacts.delete(contactId, withHistory); return null },
    getSafetyNumber: async ({ contactId }) => components.contacts.safetyNumber(contactId),
    checkSafetyCode: async ({ contactId, code }) => ({ result: await components.contacts.checkSafetyCode(contactId, code) }),
    setVerified: async ({ contactId, verified }) => { await components.contacts.setVerified(contactId, verified); return null }
  }
}
