/** Relays and circuit addresses for the peer record tests (unit and fuzz). */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** A fixed "now" for the tests: 2026-11-26T12:00:00Z. */
export const NOW = Date.UTC(2026, 10, 26, 12)

/** Ten relay PeerIDs, from fixed seeds. */
export const relayIds = await Promise.all(Array.from({ length: 10 }, async (_, i) =>
  peerIdFromPrivateKey(await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(i + 1))).toString()))

/** `count` circuit addresses of `peer`, through the first `count` relays (cycling when more). */
export function circuitsFor (peer: PeerId, count: number): Multiaddr[] {
  return Array.from({ length: count }, (_, i) =>
    multiaddr(`/ip4/127.0.0.1/tcp/${9001 + i}/ws/p2p/${relayIds[i % relayIds.length] ?? ''}/p2p-circuit/p2p/${peer.toString()}`))
}
