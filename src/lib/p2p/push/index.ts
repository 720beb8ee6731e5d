/** The push feature: this browser's Web Push subscription, registered with the relays that hold its mailbox. */
import { ownOver } from '../kernel/feature.ts'
import { pushHandlers } from './handlers.ts'
import { PushRegistrar } from './registrar.ts'
import type { Feature } from '../kernel/feature.ts'
import type { PushHandlerComponents, PushMethod } from './handlers.ts'
import type { PushComponents } from './registrar.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type PushFeatureComponents = PushComponents & Omit<PushHandlerComponents, 'push'>

/** What it adds to them. */
export interface PushServices {
  push: Startable
}

export const pushFeature: Feature<PushFeatureComponents, PushServices, PushMethod> = {
  name: 'push',
  create (components) {
    const push = new PushRegistrar(components)
    return { services: { push }, handlers: pushHandlers(ownOver(components, { push })) }
  }
}
