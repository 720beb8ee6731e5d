import { peerIdFromString } from '@libp2p/peer-id'
import { errorClass } from '../../contract/errors.ts'
import { ContactNotFoundError } from '../../db/errors.ts'
import { bestConnection, isRelayed } from '../kernel/connections.ts'
import type { NodeHandlers } from '../../contract/index.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { SessionPinsPort } from '../kernel/ports/sessions.ts'
import type { SpeedtestService } from './speedtest-service.ts'
import type { Libp2p } from '@libp2p/interface'

/** A speed test needs a direct connection to the contact (`speedTestNotDirect`). */
export const NotDirectError = errorClass('NotDirectError')

export interface DiagnosticsHandlerComponents {
  contactBook: Pick<ContactBookPort, 'byId'>
  /** what was refused for coming outside a session box */
  sessionPins: Pick<SessionPinsPort, 'counts'>
  libp2p: Pick<Libp2p, 'getConnections'> & { services: { speedtest: Pick<SpeedtestService, 'run'> } }
}

export type DiagnosticsMethod = 'speedTest' | 'sessionRefusals'

/** Diagnostics' contract methods. */
export function diagnosticsHandlers (components: DiagnosticsHandlerComponents): NodeHandlers<DiagnosticsMethod> {
  return {
    /**
     * Measures bulk throughput to a contact over the direct connection
     * (`/parley/speedtest/1.0.0`): diagnostics, and the bridge benchmark.
     */
    speedTest: async ({ contactId, bytes }) => {
      const contact = await components.contactBook.byId(contactId)
      if (contact == null) throw new ContactNotFoundError('unknownContact')
      const libp2p = components.libp2p
      const connection = bestConnection(libp2p, peerIdFromString(contact.peerId))
      if (connection == null || isRelayed(connection)) throw new NotDirectError('speedTestNotDirect')
      return libp2p.services.speedtest.run(connection, bytes)
    },
    /** How many things peers that speak sessions sent outside a box were refused, per path (sessions/pins.ts). */
    sessionRefusals: async () => components.sessionPins.counts
  }
}
