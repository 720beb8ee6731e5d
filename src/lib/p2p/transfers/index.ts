/** The transfers feature: files offered and pulled over `/parley/file/1.0.0`. */
import { TransferManager } from './transfers.ts'
import type { NodeComponents } from '../kernel/components.ts'

export function transfersFeature (components: NodeComponents): Pick<NodeComponents, 'transfers'> {
  return { transfers: new TransferManager(components) }
}

export { transferHandlers } from './handlers.ts'
