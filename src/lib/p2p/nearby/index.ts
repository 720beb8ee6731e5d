/** The Nearby feature: registering on our relays and listing who else they see. */
import { Nearby } from './nearby.ts'
import type { NearbyComponents } from './nearby.ts'

/** What the feature's services read of the node's components. */
export type NearbyFeatureComponents = NearbyComponents

export function nearbyFeature (components: NearbyFeatureComponents) {
  return { nearby: new Nearby(components) }
}

export { nearbyHandlers } from './handlers.ts'
