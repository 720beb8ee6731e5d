/** The Nearby feature: registering on our relays and listing who else they see. */
import { ownOver } from '../kernel/feature.ts'
import { nearbyHandlers } from './handlers.ts'
import { Nearby } from './nearby.ts'
import type { Feature } from '../kernel/feature.ts'
import type { NearbyHandlerComponents, NearbyMethod } from './handlers.ts'
import type { NearbyComponents } from './nearby.ts'
import type { Startable } from '@libp2p/interface'

/** What the feature reads of the node's components. */
export type NearbyFeatureComponents = NearbyComponents & Omit<NearbyHandlerComponents, 'nearby'>

/** What it adds to them. */
export interface NearbyServices {
  nearby: Startable
}

export const nearbyFeature: Feature<NearbyFeatureComponents, NearbyServices, NearbyMethod> = {
  name: 'nearby',
  create (components) {
    const nearby = new Nearby(components)
    return { services: { nearby }, handlers: nearbyHandlers(ownOver(components, { nearby })) }
  }
}
