/**
 * Where our contact request stands, as the sender sees it: on its way (just
 * added, still sending), not delivered for a while (they may be offline),
 * waiting on a relay (the node left it in their mailbox, which they drain
 * when they come online), or delivered and waiting for them to accept (their
 * node answered `pending`, live or through our mailbox). The node keeps
 * `helloPending` until one answer arrives (docs/protocols.md, "Contact
 * requests", "Mailboxes"). Or: no one with their ID was found on the network
 * (`problem: 'notFound'`, db/not-found.ts), which no waiting will change.
 */
import type { ContactRow } from '../db/types.ts'

/** A request still not delivered after this long gets the hint that they may be offline. */
export const REQUEST_HINT_AFTER_MS = 15_000

export type RequestStatus = 'sending' | 'undelivered' | 'stored' | 'delivered' | 'notFound'

export type RequestFields = Pick<ContactRow, 'state' | 'helloPending' | 'helloSince' | 'helloStored' | 'addedAt' | 'problem'>

/** Since when the request has been owed (rows from before `helloSince` existed: since the contact was added). */
export function owedSince (contact: RequestFields): number {
  return contact.helloSince ?? contact.addedAt
}

/** Our request's status; undefined when we asked nothing (they are not 'requested'). */
export function requestStatus (contact: RequestFields, now: number): RequestStatus | undefined {
  if (contact.state !== 'requested') return undefined
  if (contact.problem === 'notFound') return 'notFound'
  if (contact.helloPending !== true) return 'delivered'
  if (contact.helloStored === true) return 'stored'
  return now - owedSince(contact) < REQUEST_HINT_AFTER_MS ? 'sending' : 'undelivered'
}
