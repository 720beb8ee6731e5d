import { peerIdFromString } from '@libp2p/peer-id'
import { getContactByPeerId } from '../../db/contacts.ts'
import { setTransferState, waitingOutgoing } from '../../db/transfers.ts'
import { bestConnection, isRelayed } from '../kernel/connections.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { RelayBudget } from './relay-budget.ts'
import type { Libp2p } from '@libp2p/interface'

export interface SenderWaitsInit {
  db: ParleyDb
  libp2p(): Pick<Libp2p, 'getConnections'>
  budget: Pick<RelayBudget, 'capacity'>
}

/**
 * The sender's card says why a file waits, as the receiver's does
 * (p2p/transfers/pulls.ts): when the only connection to the contact is
 * relayed and the file is bigger than that relay carries for one connection,
 * its offered transfers that wait to be fetched are 'waiting-direct' with
 * `fileTooBigForRelay` (the size, and the allowance read off this side of
 * the connection as the receiver reads it off its own); once a direct connection is usable, or the
 * relay carries the file, they simply wait to be fetched again. With no
 * connection at all nothing changes: the last reason still holds. Group
 * files are left as they are (each member pulls over its own connection).
 */
export async function sayWhySenderWaits (init: SenderWaitsInit, peerId: string): Promise<void> {
  const connection = bestConnection(init.libp2p(), peerIdFromString(peerId))
  if (connection === undefined) return
  const contact = await getContactByPeerId(init.db, peerId)
  if (contact === undefined) return
  const capacity = init.budget.capacity(connection)
  const relayedOnly = isRelayed(connection)
  for (const row of await waitingOutgoing(init.db, contact.id)) {
    if (row.groupId !== undefined || row.sha256 === '') continue
    if (relayedOnly && row.size > capacity) {
      const same = row.state === 'waiting-direct' && row.problem?.code === 'fileTooBigForRelay' && row.problem.params['max'] === capacity
      if (!same) await setTransferState(init.db, row.id, 'waiting-direct', { problem: { code: 'fileTooBigForRelay', params: { size: row.size, max: capacity } } })
    } else if (row.state === 'waiting-direct') {
      await setTransferState(init.db, row.id, 'waiting')
    }
  }
}
