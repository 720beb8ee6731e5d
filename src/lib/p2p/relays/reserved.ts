/** The relays that hold this device's mailbox (where it holds a reservation), and the connection a request to one of them goes over (push registration, the link's short code). */
import { peerIdFromString } from '@libp2p/peer-id'
import { circuitRelayId } from '@parley/protocol/multiaddr'
import type { Connection, Libp2p } from '@libp2p/interface'

/** The PeerIDs of the relays our circuit addresses go through: where contacts deposit our mail. */
export function reservedRelays (node: Pick<Libp2p, 'getMultiaddrs'>): string[] {
  const relays = new Set<string>()
  for (const ma of node.getMultiaddrs()) {
    const relay = circuitRelayId(ma.toString())
    if (relay !== undefined) relays.add(relay)
  }
  return [...relays]
}

/** An open connection to `relay` that no relay limits (the one our reservation is on). */
export function connectionTo (node: Pick<Libp2p, 'getConnections'>, relay: string): Connection | undefined {
  try {
    return node.getConnections(peerIdFromString(relay)).find(c => c.status === 'open' && c.limits == null)
  } catch {
    // not a PeerID: no relay to ask
    return undefined
  }
}
