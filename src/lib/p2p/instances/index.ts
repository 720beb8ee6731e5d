/** One identity, one place: telling our relays which instance we are, and hearing of other running copies. */
import { InstanceWatch } from './instance-watch.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function instancesFeature (components: NodeComponents): Pick<NodeComponents, 'instances'> {
  return { instances: new InstanceWatch(components) }
}
