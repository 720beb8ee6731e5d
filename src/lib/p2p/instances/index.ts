/** One identity, one place: telling our relays which instance we are, and hearing of other running copies. */
import { InstanceWatch } from './instance-watch.ts'
import type { InstanceWatchComponents } from './instance-watch.ts'

/** What the feature's services read of the node's components. */
export type InstancesFeatureComponents = InstanceWatchComponents

export function instancesFeature (components: InstancesFeatureComponents) {
  return { instances: new InstanceWatch(components) }
}
