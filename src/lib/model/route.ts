/**
 * The app's screens as the hash router (state/router.svelte.ts) reads them
 * from the address, named here so the navigation's widgets can mark where
 * the user is without knowing the router.
 */
import type { ContactId, MessageId } from '../contract/rows.ts'

export type Route =
  | { name: 'chats' }
  | { name: 'chat', contactId: ContactId, messageId?: MessageId }
  | { name: 'search' }
  | { name: 'contact', contactId: ContactId }
  | { name: 'add', invite?: string }
  | { name: 'invite' }
  | { name: 'settings' }
  | { name: 'network' }
  | { name: 'share' }
  | { name: 'group', groupId: string, messageId?: MessageId }
  | { name: 'group-info', groupId: string }
  | { name: 'new-group' }
  | { name: 'not-found', path: string }

export type RouteName = Route['name']
