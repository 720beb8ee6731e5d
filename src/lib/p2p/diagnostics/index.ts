/** Diagnostics: the speed test (its libp2p service is `/parley/speedtest/1.0.0`). */
import { diagnosticsHandlers } from './handlers.ts'
import { speedtest } from './speedtest-service.ts'
import type { Feature } from '../kernel/feature.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { DiagnosticsHandlerComponents, DiagnosticsMethod } from './handlers.ts'
import type { SpeedtestService } from './speedtest-service.ts'

/** What the feature reads of the node's components. */
export type DiagnosticsFeatureComponents = DiagnosticsHandlerComponents & {
  /** who may run a speed test against us: accepted contacts */
  contactBook: Pick<ContactBookPort, 'byId' | 'isAccepted'>
}

/** Its libp2p service: `/parley/speedtest/1.0.0`. */
export type DiagnosticsProtocols = { speedtest: SpeedtestService }

export const diagnosticsFeature: Feature<DiagnosticsFeatureComponents, Record<never, never>, DiagnosticsMethod, DiagnosticsProtocols> = {
  name: 'diagnostics',
  create (components) {
    return {
      services: {},
      handlers: diagnosticsHandlers(components),
      protocols: () => ({ speedtest: speedtest({ allow: async (peerId) => components.contactBook.isAccepted(peerId) }) })
    }
  }
}
