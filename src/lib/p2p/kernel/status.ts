import { UNKNOWN_CAPABILITIES } from '../../contract/index.ts'
import type { NodeStatus } from '../../contract/index.ts'
import type { IdentityPort } from './ports/identity.ts'
import type { ParleyEventTarget } from './events.ts'

export interface StatusComponents {
  events: ParleyEventTarget
  identity: Pick<IdentityPort, 'profile'>
}

/**
 * The node's status as every tab sees it (contract/types.ts NodeStatus),
 * written by the features that know each part: the kernel the phase and the
 * start problems, relays the addresses and reservations, presence the paths.
 * Each change is announced as the `status` event; the phase turning 'online'
 * also as `online`.
 */
export class StatusBoard {
  readonly #components: StatusComponents
  #status: NodeStatus = { phase: 'loading', addresses: [], relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} }

  constructor (components: StatusComponents, initial: Partial<NodeStatus> = {}) {
    this.#components = components
    this.#status = { ...this.#status, ...initial }
  }

  get current (): NodeStatus {
    return this.#status
  }

  update (patch: Partial<NodeStatus>): void {
    const wasOnline = this.#status.phase === 'online'
    const profile = this.#components.identity.profile
    this.#status = { ...this.#status, ...patch, peerId: profile?.peerId, username: profile?.username }
    this.#components.events.safeDispatchEvent('status', { detail: this.#status })
    if (this.#status.phase === 'online' && !wasOnline) this.#components.events.safeDispatchEvent('online', { detail: undefined })
  }
}
