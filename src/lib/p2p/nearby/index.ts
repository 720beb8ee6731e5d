/** The Nearby feature: registering on our relays and listing who else they see. */
import { Nearby } from './nearby.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function nearbyFeature (components: NodeComponents): Pick<NodeComponents, 'nearby'> {
  return { nearby: new Nearby(components) }
}

export { nearbyHandlers } from './handlers.ts'
