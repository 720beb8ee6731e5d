/**
 * Parley's Kademlia DHT (docs/protocols.md, "Finding a peer by PeerID"): its
 * own network apart from the public IPFS one, served by relay-nodes, asked
 * by browsers as clients.
 */

/** The Kademlia protocol id of Parley's DHT. */
export const DHT_PROTOCOL = '/parley/kad/1.0.0'
