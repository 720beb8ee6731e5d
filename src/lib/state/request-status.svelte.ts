/**
 * Where our contact request stands (model/request-status.ts), following the
 * clock for a live row.
 */
import { owedSince, REQUEST_HINT_AFTER_MS, requestStatus, type RequestFields, type RequestStatus } from '../model/request-status.ts'

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
