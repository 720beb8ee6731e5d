/** Ports of the relays feature (see identity.ts for what a port is). */
import type { PeerId } from '@libp2p/interface'

/** The one list of relays (relays/relay-list.ts). */
export interface RelayListPort {
  /** our active relays, full multiaddrs ending in /p2p/<relay> */
  active(): string[]
}

/** The relays kept connected (relays/relay-keeper.ts). */
export interface RelayKeeperPort {
  /** whether `peerId` is a relay of our list */
  keepsPeer(peerId: PeerId): boolean
}

/** STUN and TURN servers (relays/ice-servers.ts). */
export interface IceServersPort {
  /** the configuration for a new RTCPeerConnection (a new object each time) */
  rtcConfiguration(): RTCConfiguration
}
