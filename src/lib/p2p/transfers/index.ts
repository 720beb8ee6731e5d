/** The transfers feature: files offered and pulled over `/parley/file/1.0.0`. */
import { file } from './file-service.ts'
import { transferHandlers } from './handlers.ts'
import { TransferManager } from './transfers.ts'
import { ownOver } from '../kernel/feature.ts'
import type { Feature } from '../kernel/feature.ts'
import type { TransfersPort } from '../kernel/ports/transfers.ts'
import type { FileService } from './file-service.ts'
import type { TransferHandlerComponents, TransferMethod } from './handlers.ts'
import type { TransferComponents } from './transfers.ts'

/** What the feature reads of the node's components. */
export type TransfersFeatureComponents = TransferComponents & Omit<TransferHandlerComponents, 'transfers'>

/** What it adds to them. */
export interface TransfersServices {
  transfers: TransfersPort
}

/** Its libp2p service: `/parley/file/*`. */
export type TransfersProtocols = { file: FileService }

export const transfersFeature: Feature<TransfersFeatureComponents, TransfersServices, TransferMethod, TransfersProtocols> = {
  name: 'transfers',
  create (components) {
    const transfers = new TransferManager(components)
    return {
      services: { transfers },
      handlers: transferHandlers(ownOver(components, { transfers })),
      // the file host exists before the node starts, so before any request can arrive
      protocols: () => ({ file: file({ host: transfers }) })
    }
  }
}

export { checkVoice } from './voice.ts'
export { file } from './file-service.ts'
export type { FileService } from './file-service.ts'
