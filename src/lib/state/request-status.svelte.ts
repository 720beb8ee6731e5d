/**
 * Where our contact request stands, as the sender sees it: on its way (just
 * added, still sending), not delivered for a while (they may be offline),
 * waiting on a relay (the node left it in their mailbox, which they drain
 * when they come online), or delivered and waiting for them to accept (their
 * node answered `pending`, live or through our mailbox). The node keeps
 * `helloPending` until one answer arrives (docs/protocols.md, "Contact
 * requests", "Mailboxes").
 */
import type { ContactRow } from '../db/types.ts'

/** A request still not delivered after this long gets the hint that they may be offline. */
export const REQUEST_HINT_AFTER_MS = 15_000

export type RequestStatus = 'sending' | 'undelivered' | 'stored' | 'delivered'

type RequestFields = Pick<ContactRow, 'state' | 'helloPending' | 'helloSince' | 'helloStored' | 'addedAt'>

/** Since when the request has been owed (rows from before `helloSince` existed: since the contact was added). */
function owedSince (contact: RequestFields): number {
  return contact.helloSince ?? contact.addedAt
}

/** Our request's status; undefined when we asked nothing (they are not 'requested'). */
export function requestStatus (contact: RequestFields, now: number): RequestStatus | undefined {
  if (contact.state !== 'requested') return undefined
  if (contact.helloPending !== true) return 'delivered'
  if (contact.helloStored === true) return 'stored'
  return now - owedSince(contact) < REQUEST_HINT_AFTER_MS ? 'sending' : 'undelivered'
}

/**
 * `requestStatus` of a live contact row, following the clock: 'sending'
 * turns 'undelivered' when the hint is due, without a new row.
 *
 * ```ts
 * const request = new RequestStatusClock(() => contact.current)
 * request.status // in markup
 * ```
 */
export class RequestStatusClock {
  #now = $state(Date.now())
  readonly #status: RequestStatus | undefined

  constructor (contact: () => RequestFields | undefined) {
    this.#status = $derived.by(() => {
      const row = contact()
      return row === undefined ? undefined : requestStatus(row, this.#now)
    })
    $effect(() => {
      const row = contact()
      if (row === undefined || requestStatus(row, Date.now()) !== 'sending') return
      const timer = setTimeout(() => { this.#now = Date.now() }, owedSince(row) + REQUEST_HINT_AFTER_MS - Date.now())
      return () => { clearTimeout(timer) }
    })
  }

  get status (): RequestStatus | undefined { return this.#status }
}
