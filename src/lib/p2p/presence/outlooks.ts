import type { DirectOutlook } from '../../contract/index.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { StatusBoard } from '../kernel/status.ts'

/** Peers whose outlook is kept at once; a new one beyond this replaces the oldest. */
export const MAX_OUTLOOKS = 256

export interface OutlooksComponents {
  events: ParleyEventTarget
  status: Pick<StatusBoard, 'current' | 'update'>
}

/**
 * Why each peer reached over a relay is not reached directly: the node
 * status's `direct` (the chat header and the Network panel word it), said as
 * `direct:outlook` to the features that wait for a direct connection
 * (transfers). Written by the direct upgrader only.
 */
export class DirectOutlooks {
  readonly #components: OutlooksComponents

  constructor (components: OutlooksComponents) {
    this.#components = components
  }

  get (peerId: string): DirectOutlook | undefined {
    return this.#components.status.current.direct[peerId]
  }

  /** Sets (or with undefined clears) `peerId`'s outlook; nothing happens when it is unchanged. */
  set (peerId: string, outlook: DirectOutlook | undefined): void {
    const { status, events } = this.#components
    const before = status.current.direct[peerId]
    if (before?.state === outlook?.state && before?.attempts === outlook?.attempts) return
    const direct = { ...status.current.direct }
    if (outlook === undefined) {
      delete direct[peerId]
    } else {
      delete direct[peerId] // re-inserted last: the oldest is first
      direct[peerId] = outlook
      for (const key of Object.keys(direct)) {
        if (Object.keys(direct).length <= MAX_OUTLOOKS) break
        delete direct[key]
      }
    }
    status.update({ direct })
    events.safeDispatchEvent('direct:outlook', { detail: { peerId, ...(outlook === undefined ? {} : { outlook }) } })
  }

  /** Every peer with an outlook. */
  peers (): string[] {
    return Object.keys(this.#components.status.current.direct)
  }
}
