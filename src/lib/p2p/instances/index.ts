/** One identity, one place: telling our relays which instance we are, and hearing of other running copies. */
import { InstanceWatch } from './instance-watch.ts'
import type { Feature } from '../kernel/feature.ts'
import type { InstanceWatchComponents } from './instance-watch.ts'
import type { Startable } from '@libp2p/interface'

/** What it adds to the node's components. */
export interface InstancesServices {
  instances: Startable
}

export const instancesFeature: Feature<InstanceWatchComponents, InstancesServices> = {
  name: 'instances',
  create (components) {
    return { services: { instances: new InstanceWatch(components) } }
  }
}
