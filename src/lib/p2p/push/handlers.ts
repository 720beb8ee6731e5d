import type { NodeHandlers } from '../../contract/index.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { PushRegistrar } from './registrar.ts'

export type PushMethod = 'setPushSubscription' | 'getPushStatus' | 'getPushKeys'

export interface PushHandlerComponents {
  push: Pick<PushRegistrar, 'set' | 'status' | 'keys'>
  identity: Pick<IdentityPort, 'require'>
}

/** Web Push's contract methods. */
export function pushHandlers (components: PushHandlerComponents): NodeHandlers<PushMethod> {
  return {
    setPushSubscription: async (subscription) => {
      components.identity.require()
      return components.push.set(subscription)
    },
    getPushStatus: async () => components.push.status(),
    getPushKeys: async (_params, { signal }) => components.push.keys(signal)
  }
}
