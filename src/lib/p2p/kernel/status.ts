import { UNKNOWN_CAPABILITIES } from '../../contract/index.ts'
import type { NodeStatus } from '../../contract/index.ts'
import type { DevicesPort } from './ports/devices.ts'
import type { IdentityPort } from './ports/identity.ts'
import type { ParleyEventTarget } from './events.ts'

export interface StatusComponents {
  events: ParleyEventTarget
  identity: Pick<IdentityPort, 'profile'>
  /** the devices feature, once made (after the board): the account the status names (kernel/author.ts) */
  devices?: Pick<DevicesPort, 'account'>
}

/**
 * The node's status as every tab sees it (contract/types.ts NodeStatus),
 * written by the features that know each part: the kernel the phase and the
 * start problems, relays the addresses and reservations, presence the paths;
 * the identity this device's PeerID and the devices feature the account's,
 * as each update finds them (the account is this device's PeerID before the
 * devices feature has loaded it, as kernel/author.ts has it).
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
    const account = profile === undefined ? undefined : this.#components.devices?.account ?? profile.peerId
    this.#status = { ...this.#status, ...patch, peerId: profile?.peerId, account, username: profile?.username }
    this.#components.events.safeDispatchEvent('status', { detail: this.#status })
    if (this.#status.phase === 'online' && !wasOnline) this.#components.events.safeDispatchEvent('online', { detail: undefined })
  }
}
