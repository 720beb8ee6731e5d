/**
 * One call at a time on this device (docs/protocols.md: a device in a call
 * answers another `busy`, 1:1 or group): the call that rings or runs holds
 * the line. A 1:1 call holds it from its first `call` event to its end
 * (calls/index.ts listens); a group call takes it itself (group-calls/).
 */
import type { CallLinePort } from '../kernel/ports/calls.ts'

export class CallLine implements CallLinePort {
  #holder: string | undefined

  get holder (): string | undefined {
    return this.#holder
  }

  take (owner: string): boolean {
    if (this.#holder !== undefined && this.#holder !== owner) return false
    this.#holder = owner
    return true
  }

  release (owner: string): void {
    if (this.#holder === owner) this.#holder = undefined
  }
}
