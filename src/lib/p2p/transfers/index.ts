/** The transfers feature: files offered and pulled over `/parley/file/1.0.0`. */
import { TransferManager } from './transfers.ts'
import type { TransferComponents } from './transfers.ts'

/** What the feature's services read of the node's components. */
export type TransfersFeatureComponents = TransferComponents

export function transfersFeature (components: TransfersFeatureComponents) {
  return { transfers: new TransferManager(components) }
}

export { transferHandlers } from './handlers.ts'
export { checkVoice } from './voice.ts'
