/**
 * What this browser can do (contract/types.ts NodeCapabilities), so the
 * features decide by capability, never by browser name. The worker finds out
 * what it can see itself (WebTransport, Web Locks); the tabs tell it the rest
 * (`tab-capabilities`, workers/node-core.ts): WebRTC and SharedWorker exist
 * only on Window. The transfers feature adds where files are kept. Every
 * change is in the status and said as `capabilities`.
 */
import { UNKNOWN_CAPABILITIES } from '../../contract/index.ts'
import type { NodeCapabilities, TabCapabilities } from '../../contract/index.ts'
import type { ParleyEventTarget } from './events.ts'
import type { StatusBoard } from './status.ts'

export interface CapabilitiesComponents {
  events: ParleyEventTarget
  status: Pick<StatusBoard, 'update'>
}

/** What the worker sees of its own scope (`scope`: the worker's global, or a test's stand-in). */
export function workerCapabilities (scope: { WebTransport?: unknown, navigator?: { locks?: unknown } } = globalThis as never): Pick<NodeCapabilities, 'webTransport' | 'webLocks'> {
  return {
    webTransport: typeof scope.WebTransport === 'function',
    webLocks: scope.navigator?.locks != null
  }
}

/**
 * Reads a tab's `{ type: 'tab-capabilities', webrtc, transferableChannels,
 * sharedWorker }` message; undefined when it is anything else.
 */
export function parseTabCapabilities (data: unknown): TabCapabilities | undefined {
  if (data == null || typeof data !== 'object') return undefined
  const message = data as Record<string, unknown>
  if (message['type'] !== 'tab-capabilities') return undefined
  const { webrtc, transferableChannels, sharedWorker } = message
  if (typeof webrtc !== 'boolean' || typeof transferableChannels !== 'boolean' || typeof sharedWorker !== 'boolean') return undefined
  return { webrtc, transferableChannels, sharedWorker }
}

export class Capabilities {
  readonly #components: CapabilitiesComponents
  #current: NodeCapabilities

  constructor (components: CapabilitiesComponents, initial: Partial<NodeCapabilities> = workerCapabilities()) {
    this.#components = components
    this.#current = { ...UNKNOWN_CAPABILITIES, ...initial }
  }

  get current (): NodeCapabilities {
    return this.#current
  }

  /**
   * Records what is now known. A tab's report counts once it says WebRTC
   * works, or when it is the first: every tab of one browser can do the same,
   * and a tab that says "no" must not undo one that said "yes".
   */
  update (patch: Partial<NodeCapabilities>): void {
    const next = { ...this.#current, ...patch }
    if (this.#current.webrtc === true && patch.webrtc === false) next.webrtc = true
    if (Object.entries(next).every(([key, value]) => this.#current[key as keyof NodeCapabilities] === value)) return
    this.#current = next
    this.#components.status.update({ capabilities: next })
    this.#components.events.safeDispatchEvent('capabilities', { detail: next })
  }
}
