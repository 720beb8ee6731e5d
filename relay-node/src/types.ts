/** The relay-node's public types (index.ts creates it). */
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2'
import type { Identify, IdentifyPush } from '@libp2p/identify'
import type { SingleKadDHT } from '@libp2p/kad-dht'
import type { Libp2p } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'
import type { Logger } from './log.ts'
import type { TlsFiles } from './tls.ts'

export interface RelayNode {
  readonly node: Libp2p<RelayServices>
  readonly peerId: string
  /**
   * Full multiaddrs browsers can dial, each with `/p2p/<peerId>`: WebSocket
   * ones first, then secure WebSocket, then WebRTC-Direct.
   */
  readonly multiaddrs: string[]
  /** The plain `/ws` subset of {@link multiaddrs}. */
  readonly wsMultiaddrs: string[]
  /** The `/wss` (or `/tls/ws`) subset of {@link multiaddrs}; empty when WSS is off. */
  readonly wssMultiaddrs: string[]
  /** The `/webrtc-direct/certhash/…` subset of {@link multiaddrs}; empty when WebRTC-Direct is off. */
  readonly webrtcDirectMultiaddrs: string[]
  /** Plain TCP addresses (other relay-nodes; browsers cannot dial them); empty when TCP is off. */
  readonly tcpMultiaddrs: string[]
  /** true when the identity key was created by this start */
  readonly identityCreated: boolean
  /** WebRTC-Direct certificate: `created` when this start made a new one (new certhash); undefined when WebRTC-Direct is off */
  readonly certificate?: { certhash: string, created: boolean, replaced?: string }
  /** the WSS certificate in use; undefined when WSS is off */
  readonly tls?: Omit<TlsFiles, 'cert' | 'key'>
  /** base URL of the operations server (`/metrics`, `/healthz`); undefined when it is off */
  readonly opsUrl?: string
  /** relayed connections open now */
  readonly circuits: number
  readonly draining: boolean
  /** the VAPID public key Web Push announces (uncompressed P-256); undefined with `--push off` */
  readonly pushVapidKey: Uint8Array | undefined
  /** items and bytes in the mailbox now, in all or for one recipient (a PeerID); undefined with `--mailbox off` */
  mailboxUsage(recipient?: string): { items: number, bytes: number } | undefined
  /**
   * Reads the WSS certificate and key again and uses them for new
   * connections (SIGHUP). A bad file leaves the old certificate in place and
   * throws CertificateError.
   */
  reloadTls(): Promise<Omit<TlsFiles, 'cert' | 'key'> | undefined>
  /**
   * Refuses everything new (connections, reservations, relayed connections;
   * /healthz says 503 "draining") and waits until the relayed connections in
   * progress have ended, at most `timeoutMs`. Resolves with how many are left.
   */
  drain(timeoutMs: number): Promise<number>
  stop(): Promise<void>
}

export interface RelayNodeOptions {
  log?: Logger
  /** how often each connection is checked (keepalive.ts); tests shorten it */
  keepaliveIntervalMs?: number
  /** the longest wait between dials of a lost bootstrap relay (bootstrap.ts, 5 minutes); tests shorten it */
  bootstrapRetryMaxMs?: number
  /** whether FIND_NODE answers name the peers holding a reservation here (dht.ts; default true); tests that find peers by their records alone turn it off */
  answerForReservedPeers?: boolean
  /**
   * The clock the relay's rate limits, shares and expiries read (connections,
   * reservations, peer records, prekeys, mailboxes, instances); default
   * `Date.now`. Tests pass one they move by hand, so that what they assert
   * does not depend on how fast the machine runs.
   */
  now?: () => number
}

// a type alias (not an interface) so that it satisfies libp2p's ServiceMap index signature
export type RelayServices = {
  identify: Identify
  identifyPush: IdentifyPush
  ping: Ping
  autoNAT: unknown
  dht: SingleKadDHT
  relay: CircuitRelayService
}
