/**
 * What adding someone does, by how they stand with us (the node's
 * `previewInvite`): the Add contact card's button (ui/AddContactCard.svelte)
 * and what confirming it asks the node (state/add-contact.svelte.ts).
 */
import type { InvitePreview } from '../contract/index.ts'

/** What confirming the card does, by how the person stands with us. */
export type AddAction = 'request' | 'accept' | 'open' | 'blocked'

/** The card's action for `preview`: a new or asked-again person gets a request, a waiting request is accepted, a contact opened. */
export function addAction (preview: InvitePreview): AddAction {
  const contact = preview.contact
  if (contact === undefined) return 'request'
  if (contact.blocked) return 'blocked'
  if (contact.state === 'accepted') return 'open'
  if (contact.state === 'pending' || contact.state === 'declined') return 'accept'
  return 'request'
}
