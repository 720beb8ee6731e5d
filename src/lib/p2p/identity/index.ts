/** The identity feature: the profile and its key, backups, our invite. */
import { Identity } from './identity.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function identityFeature (components: NodeComponents): Pick<NodeComponents, 'identity'> {
  return { identity: new Identity(components) }
}

export { identityHandlers } from './handlers.ts'
