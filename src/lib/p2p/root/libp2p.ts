import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { webTransport } from '@libp2p/webtransport'
import { yamux } from '@libp2p/yamux'
import { createLibp2p } from 'libp2p'
import { MAX_MEMBERS } from '@parley/protocol/group/constants'
import { installLengthPrefixFastPath } from '@parley/protocol/length-prefix'
import { parleyDht } from '../relays/index.ts'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { ICryptoInterface } from '@libp2p/noise'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { ComponentLogger, Libp2p, PeerId, PrivateKey, ServiceMap } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { ServiceFactoryMap } from 'libp2p'
import type { FeatureProtocols } from './features.ts'

/**
 * Largest data-channel message on a direct WebRTC connection, in bytes
 * (libp2p's default is 16 KiB). Each message costs a postMessage from the
 * node worker to the channel pump and its acknowledgement, and on the other
 * side a postMessage from the pump to the node worker (src/lib/webrtc-bridge):
 * with 16 KiB a 64 MiB file made four times as many. A receiver takes
 * messages up to 4 MiB (@libp2p/webrtc's decoder) and Chromium's data
 * channels up to 256 KiB (docs/protocols.md, "Relays").
 */
export const WEBRTC_MESSAGE_BYTES = 64 * 1024
/**
 * A direct WebRTC stream stops writing when its channel holds this many bytes
 * and starts again once the channel has sent them all (libp2p: 2 MiB). The
 * channel is idle from then until new data crosses from the node worker to
 * the tab: once per 2 MiB that cost files several per cent. 8 MiB is the
 * buffer the raw baseline's sweep found best here (tests/bench/raw-channel.ts),
 * half the bridge's cap per channel (webrtc-bridge MAX_BUFFERED_BYTES).
 */
export const WEBRTC_BUFFERED_BYTES = 8 * 1024 * 1024

/**
 * Inbound connections accepted per second from one host address, and inbound
 * connections in their handshakes at once (libp2p: 5 and 10). A relayed
 * connection counts as coming from its relay's address, so with libp2p's
 * figures all the peers behind one relay shared 5 a second: when members of a
 * group who are not contacts first connect to each other (an invitation
 * accepted, a burst of messages), the rest were refused after the relay had
 * joined them, and each dialler waited out its Noise handshake's timeout
 * (6 s) and then a retry back-off (tests/integration/inbound-burst.test.ts:
 * 7 of 12 refused; ~2,900 refusals while 32 members formed a group).
 * Sized for a whole group; the relay bounds what reaches us through it.
 */
export const MAX_INBOUND_CONNECTIONS_PER_HOST_PER_S = MAX_MEMBERS
export const MAX_INBOUND_PENDING_CONNECTIONS = MAX_MEMBERS

// a type alias (not an interface) so that it satisfies libp2p's ServiceMap index signature
/** The services every Parley node runs; the features bring their protocols (root/features.ts). */
export type BaseServices = {
  identify: Identify
  /** tells connected relays (and contacts) our new addresses when they change */
  identifyPush: IdentifyPush
  ping: Ping
  /** DHT client of the relay-nodes (src/lib/p2p/relays/dht.ts) */
  dht: SingleKadDHT
}

/** The node the root runs: libp2p's services and every feature's protocols. */
export type ParleyNode = Libp2p<BaseServices & FeatureProtocols>

export interface ParleyNodeInit<P extends ServiceMap> {
  privateKey: PrivateKey
  /** the node's loggers (the features log through the same one) */
  logger?: ComponentLogger
  /** the features' protocol services (chat, contact, group, call, file, speedtest: root/features.ts) */
  protocols: ServiceFactoryMap<P>
  /** peers refused at the connection gater (blocked contacts); must answer synchronously */
  isBlocked(peerId: PeerId): boolean
  /**
   * The STUN/TURN configuration for WebRTC and WebRTC-Direct, asked for again
   * for every new RTCPeerConnection, so that TURN servers the user adds or
   * removes apply without restarting the node. Return a new object each time:
   * @libp2p/webrtc fills in its default STUN servers on the object it gets
   * when `iceServers` is absent.
   */
  rtcConfiguration(): RTCConfiguration
  /** false where the browser has no WebRTC (kernel/capabilities.ts): WebRTC and WebRTC-Direct addresses are not dialled */
  webRtcHere(): boolean
  /** Noise's crypto, where not noise's own (the tests' app nodes in Node: `@parley/protocol/noise-x25519`) */
  noiseCrypto?: ICryptoInterface
  /**
   * Where a node in Node gathers its ICE candidates (node-datachannel's
   * `bindAddress`): the tests' app nodes pass 127.0.0.1, so their direct
   * connections stay on loopback, and are made in a loopback-only network
   * namespace too, where node-datachannel finds no candidate of its own. A
   * browser's RTCPeerConnection has no such setting.
   */
  iceBindAddress?: string
}

/**
 * Outbound ping streams per connection: libp2p's connection monitor pings every
 * connection on a stream of ping's protocol, which counts against the ping
 * service's limit (its default is one), so a relay test (relays/relay-test.ts)
 * pressed during the monitor's ping was refused.
 */
const PING_OUTBOUND_STREAMS = 2

/**
 * The Parley node: WebSockets, WebRTC-Direct or WebTransport to relays, circuit relay v2 to
 * each other, direct WebRTC (signalled over a relayed connection), Noise + yamux,
 * identify, ping, a kad-dht client, and the features' protocols (chat, contact, …). In the SharedWorker, WebRTC runs
 * through the RTCPeerConnection bridge (src/lib/webrtc-bridge), which must be
 * installed on the global scope before this module is evaluated. Configuration only —
 * behaviour lives in the services and the features (root/root.ts assembles them).
 *
 * It listens on `/p2p-circuit` twice (search mode): the relay transport reserves a
 * slot on each of up to two relays we are connected to, so start-up never
 * depends on a relay being up; RelayKeeper dials the configured relays after start.
 *
 * The DHT (client mode, `/parley/kad/1.0.0`) is libp2p's peer routing: it
 * finds a contact by PeerID through the relays (ContactFinder), and the relay
 * transport's random walk over it finds relays nobody configured, so a
 * reservation on a relay that died is replaced by one elsewhere. Identify-push
 * tells the relays we are connected to our new addresses when they change: a
 * relay's FIND_NODE answer names a peer it knows with the addresses in its
 * peer store, which identify alone would leave as they were at connection time.
 */
export async function createLibp2pNode<P extends ServiceMap> (init: ParleyNodeInit<P>): Promise<Libp2p<BaseServices & P>> {
  installLengthPrefixFastPath() // no new RangeError per chunk a Noise connection receives
  // @libp2p/webrtc 6 takes a function too (WebRTCTransportInit, WebRTCTransportDirectInit)
  // and calls it for each new peer connection
  const { iceBindAddress } = init
  const rtc = {
    rtcConfiguration: (): RTCConfiguration => {
      const configuration: RTCConfiguration & { bindAddress?: string } = init.rtcConfiguration()
      if (iceBindAddress != null) configuration.bindAddress = iceBindAddress
      return configuration
    }
  }
  // libp2p's own services, the features' protocols (each named by its feature), then the DHT;
  // TypeScript cannot see that spreading the features' map keeps its types
  const services = { identify: identify(), identifyPush: identifyPush(), ping: ping({ maxOutboundStreams: PING_OUTBOUND_STREAMS }), ...init.protocols, dht: parleyDht() } as ServiceFactoryMap<BaseServices & P>
  return createLibp2p<BaseServices & P>({
    privateKey: init.privateKey,
    ...(init.logger == null ? {} : { logger: init.logger }),
    start: false,
    addresses: {
      // each '/p2p-circuit' is one reservation on a relay we are connected to:
      // two, so that a second relay holds our mailbox and reachability when one
      // is down (with one relay configured the second simply waits);
      // '/webrtc' accepts direct WebRTC connections signalled over a relayed one
      listen: ['/p2p-circuit', '/p2p-circuit', '/webrtc']
    },
    transports: [
      webSockets(),
      // dial-only: a relay's `/udp/…/webrtc-direct/certhash/…` address, which
      // needs no TLS certificate for the relay's name (unlike wss:// from an
      // https:// page); the browser verifies the relay by the certhash
      webRTCDirect(rtc),
      // dial-only: `/udp/…/quic-v1/webtransport/certhash/…` of relays written
      // in Go or Rust (js-libp2p cannot listen on WebTransport); like
      // WebRTC-Direct, verified by the certhash. Its dialFilter accepts
      // nothing where the browser has no WebTransport.
      webTransport(),
      circuitRelayTransport(),
      // direct connections between browsers, with larger data-channel messages
      webRTC({ ...rtc, dataChannel: { maxMessageSize: WEBRTC_MESSAGE_BYTES, maxBufferedAmount: WEBRTC_BUFFERED_BYTES } })
    ],
    connectionManager: {
      inboundConnectionThreshold: MAX_INBOUND_CONNECTIONS_PER_HOST_PER_S,
      maxIncomingPendingConnections: MAX_INBOUND_PENDING_CONNECTIONS
    },
    // noise takes its own crypto where none is given
    connectionEncrypters: [noise({ crypto: init.noiseCrypto })],
    streamMuxers: [yamux()],
    connectionGater: {
      // Parley dials only relays from the served config and contacts' circuit
      // addresses, which are loopback or private-network addresses in
      // development; the browser default gater refuses those and plain ws://.
      // Without WebRTC, a WebRTC or WebRTC-Direct address could only fail.
      denyDialMultiaddr: (ma) => !init.webRtcHere() && ma.getComponents().some(c => c.name === 'webrtc' || c.name === 'webrtc-direct'),
      // blocked contacts get no connection either way, so nothing of theirs arrives
      denyDialPeer: (peerId) => init.isBlocked(peerId),
      denyInboundEncryptedConnection: (peerId) => init.isBlocked(peerId),
      denyOutboundEncryptedConnection: (peerId) => init.isBlocked(peerId)
    },
    services
  })
}
