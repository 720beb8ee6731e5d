/**
 * What the relay can be configured with: `RelayConfig`, the settings it runs
 * with, and `OPTIONS`, one row per setting with its flag, environment
 * variable, how its text is read, its default and its line in --help. The
 * other config modules read this table; none lists an option again.
 */
import {
  DEFAULT_CIRCUIT_DATA_LIMIT_BYTES, DEFAULT_CIRCUIT_DURATION_LIMIT_MS, DEFAULT_CONNECTION_RATE_PER_IP, DEFAULT_DATA_DIR,
  DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAILBOX_MAX_BYTES, DEFAULT_MAILBOX_RATE_PER_PEER,
  DEFAULT_MAILBOX_RECIPIENT_BYTES, DEFAULT_MAILBOX_RECIPIENT_ITEMS, DEFAULT_MAILBOX_SENDER_BYTES, DEFAULT_MAILBOX_SENDER_ITEMS, DEFAULT_MAILBOX_SHARE_BYTES, DEFAULT_MAILBOX_SHARE_ITEMS, DEFAULT_MAILBOX_TTL_MS, DEFAULT_HOST, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_CONNECTIONS_PER_PEER, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_INSTANCE_STREAMS, DEFAULT_MAX_PENDING_CONNECTIONS, DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP, DEFAULT_MAX_RESERVATIONS,
  DEFAULT_MAX_RESERVATIONS_PER_IP, DEFAULT_PORT, DEFAULT_RESERVATION_RATE_PER_IP, DEFAULT_RESERVATION_TTL_MS,
  DEFAULT_WEBRTC_DIRECT_PORT, DEFAULT_WS_MAX_FRAME_BYTES, DEFAULT_PREKEYS_FETCH_PER_MINUTE, DEFAULT_PREKEYS_MAX_BYTES, DEFAULT_PREKEYS_ONE_TIME_PER_KIND,
  DEFAULT_PREKEYS_OWNER_BYTES, DEFAULT_PREKEYS_NETWORK_ONE_TIME_PER_HOUR, DEFAULT_PREKEYS_PAIR_ONE_TIME_PER_HOUR, DEFAULT_PREKEYS_UNSEEN_MS
} from '../constants.ts'
import { LOG_LEVELS } from '../log.ts'
import {
  DEFAULT_PUSH_COALESCE_MS, DEFAULT_PUSH_CONTACT, DEFAULT_PUSH_MAX_SUBSCRIPTIONS, DEFAULT_PUSH_PER_MINUTE, DEFAULT_PUSH_SUBSCRIPTION_DAYS
} from '../push/constants.ts'
import type { LogLevel } from '../log.ts'

/** The settings the relay runs with, read once at start (parse.ts). */
export interface RelayConfig {
  host: string
  /** WebSocket (plain `ws`) port; 0 picks a free port */
  port: number
  /** secure WebSocket (`wss`) port; 0 picks a free port, `null` = no WSS listener */
  wssPort: number | null
  /** PEM certificate (chain) and key of the WSS listener; both set exactly when `wssPort` is */
  tlsCertPath: string | null
  tlsKeyPath: string | null
  /** plain TCP port (other relay-nodes, Go/Rust peers); 0 picks a free port, `null` = none */
  tcpPort: number | null
  /** UDP port of the WebRTC-Direct listener; 0 picks a free port, `null` = no WebRTC-Direct listener */
  webrtcDirectPort: number | null
  dataDir: string
  maxReservations: number
  maxReservationsPerIp: number
  /** reservation requests one IP address may make per minute */
  reservationRatePerIp: number
  reservationTtlMs: number
  circuitDurationLimitMs: number
  circuitDataLimitBytes: number
  maxConnections: number
  maxConnectionsPerIp: number
  maxConnectionsPerPeer: number
  /** new inbound connections one IP address may open per second */
  connectionRatePerIp: number
  /** inbound connections still in their handshake (TCP accepted, not yet Noise + yamux) at once */
  maxPendingConnections: number
  /** the same from one IP address; below `maxPendingConnections`, so one address cannot take every slot */
  maxPendingConnectionsPerIp: number
  /** inbound streams of one protocol open at once on one connection */
  maxInboundStreams: number
  /** largest WebSocket message accepted, in bytes */
  wsMaxFrameBytes: number
  /** an inbound connection must finish its WebSocket/TLS, Noise and yamux handshakes within this time */
  handshakeTimeoutMs: number
  /**
   * Multiaddrs to advertise instead of the listen addresses (a public IP or
   * domain in front of this host); empty = advertise what it listens on
   */
  announce: string[]
  /** other relay-nodes to join the DHT through, each ending in `/p2p/<id>` */
  bootstrap: string[]
  /** find other relay-nodes on the local network by multicast DNS */
  mdns: boolean
  /** TCP port of the operations HTTP server (`/metrics`, `/healthz`) on `host`; 0 picks a free port, `null` = off */
  metricsPort: number | null
  logLevel: LogLevel
  /** on SIGTERM/SIGINT, relayed connections get this long to finish before the node stops */
  drainTimeoutMs: number
  /** serve `/parley/mailbox/1.0.0` (store-and-forward of sealed items) */
  mailbox: boolean
  mailboxTtlMs: number
  mailboxMaxBytes: number
  mailboxRecipientItems: number
  mailboxRecipientBytes: number
  mailboxSenderItems: number
  mailboxSenderBytes: number
  mailboxShareItems: number
  mailboxShareBytes: number
  mailboxRatePerPeer: number
  /** serve `/parley/prekeys/1.0.0` (owners' signed prekeys for starting sessions) */
  prekeys: boolean
  prekeysOneTimePerKind: number
  prekeysOwnerBytes: number
  prekeysMaxBytes: number
  prekeysUnseenMs: number
  prekeysFetchPerMinute: number
  prekeysPairOneTimePerHour: number
  prekeysNetworkOneTimePerHour: number
  /**
   * TEST ONLY (`--test-hide-prekeys on`): answer `not-found` to every prekey
   * FETCH while still taking PUBLISHes, as a hostile relay hiding owners'
   * prekeys would (issue 57's e2e: tests/e2e/mandatory-sessions.spec.ts).
   * Never for a relay people use.
   */
  testHidePrekeys: boolean
  /** serve `/parley/nearby/1.0.0`: opted-in browsers on one network see each other through this relay */
  nearby: boolean
  /** serve `/parley/instance/1.0.0`: a browser hears of other running copies of its identity */
  instances: boolean
  /** serve `/parley/link-rendezvous/1.0.0`: a new device's link offer kept under its short code (in memory) */
  linkRendezvous: boolean
  /** instance streams held in all */
  maxInstanceStreams: number
  /** serve `/parley/push/1.0.0` and send Web Push for mailbox items (VAPID key in `<data-dir>/push-vapid.json`) */
  push: boolean
  /** RFC 8292 `sub`: a mailto: or https: contact for the push services */
  pushContact: string
  /** items for one recipient within this window of the first are said in one push */
  pushCoalesceMs: number
  /** pushes to one subscription per minute, at most */
  pushPerMinute: number
  /** a subscription not registered again within this many days is forgotten */
  pushSubscriptionDays: number
  /** subscriptions held in all */
  pushMaxSubscriptions: number
  /**
   * TEST ONLY: also take `http://127.0.0.1:<port>/…` endpoints (a push service
   * the tests run on loopback). Never for a relay people use.
   */
  pushAllowInsecureLoopback: boolean
}

/** How an option's text becomes a value. */
export type Kind =
  | { type: 'int', min: number, max: number, fallback: number }
  | { type: 'port-or-off', fallback: number | null }
  | { type: 'text', fallback: string | null }
  | { type: 'list' }
  | { type: 'on-off', fallback: boolean }
  | { type: 'choice', choices: readonly string[], fallback: string }

export interface OptionSpec {
  flag: string
  /** the RelayConfig field it sets */
  key: keyof RelayConfig
  kind: Kind
  /** argument shown in --help */
  arg: string
  help: string
}

const MINUTE_MS = 60_000
const HOUR_MS = 60 * MINUTE_MS

/** Every option, in --help order. The environment variable is PARLEY_RELAY_ + the flag in upper snake case. */
export const OPTIONS: readonly OptionSpec[] = [
  { flag: 'host', key: 'host', arg: '<addr>', kind: { type: 'text', fallback: DEFAULT_HOST }, help: 'listen address (IPv4 or IPv6)' },
  { flag: 'port', key: 'port', arg: '<n>', kind: { type: 'int', min: 0, max: 65535, fallback: DEFAULT_PORT }, help: 'WebSocket port, 0 = any' },
  { flag: 'wss-port', key: 'wssPort', arg: '<n|off>', kind: { type: 'port-or-off', fallback: null }, help: 'secure WebSocket port (needs --tls-cert and --tls-key; SIGHUP reloads them)' },
  { flag: 'tls-cert', key: 'tlsCertPath', arg: '<path>', kind: { type: 'text', fallback: null }, help: 'PEM certificate chain for --wss-port' },
  { flag: 'tls-key', key: 'tlsKeyPath', arg: '<path>', kind: { type: 'text', fallback: null }, help: 'PEM private key for --wss-port' },
  { flag: 'tcp-port', key: 'tcpPort', arg: '<n|off>', kind: { type: 'port-or-off', fallback: null }, help: 'plain TCP port (other relay-nodes), 0 = any' },
  { flag: 'webrtc-direct-port', key: 'webrtcDirectPort', arg: '<n|off>', kind: { type: 'port-or-off', fallback: DEFAULT_WEBRTC_DIRECT_PORT }, help: 'WebRTC-Direct UDP port, 0 = any' },
  { flag: 'data-dir', key: 'dataDir', arg: '<path>', kind: { type: 'text', fallback: DEFAULT_DATA_DIR }, help: 'identity key and WebRTC-Direct certificate live here' },
  { flag: 'announce', key: 'announce', arg: '<ma,...>', kind: { type: 'list' }, help: 'addresses to advertise (public IP or domain), comma-separated multiaddrs without /p2p/ (default: the listen addresses)' },
  { flag: 'max-reservations', key: 'maxReservations', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_RESERVATIONS }, help: 'reservation slots in all' },
  { flag: 'max-reservations-per-ip', key: 'maxReservationsPerIp', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_RESERVATIONS_PER_IP }, help: 'reservations one IP address may hold (a PeerID holds at most one)' },
  { flag: 'reservation-rate-per-ip', key: 'reservationRatePerIp', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_RESERVATION_RATE_PER_IP }, help: 'reservation requests per minute from one IP address' },
  { flag: 'reservation-ttl-ms', key: 'reservationTtlMs', arg: '<n>', kind: { type: 'int', min: MINUTE_MS, max: 24 * HOUR_MS, fallback: DEFAULT_RESERVATION_TTL_MS }, help: 'reservation lifetime' },
  { flag: 'circuit-duration-ms', key: 'circuitDurationLimitMs', arg: '<n>', kind: { type: 'int', min: 1000, max: 24 * HOUR_MS, fallback: DEFAULT_CIRCUIT_DURATION_LIMIT_MS }, help: 'longest life of one relayed connection' },
  { flag: 'circuit-data-bytes', key: 'circuitDataLimitBytes', arg: '<n>', kind: { type: 'int', min: 1024, max: 2 ** 40, fallback: DEFAULT_CIRCUIT_DATA_LIMIT_BYTES }, help: 'most bytes per relayed connection, both directions together' },
  { flag: 'max-connections', key: 'maxConnections', arg: '<n>', kind: { type: 'int', min: 16, max: 1_000_000, fallback: DEFAULT_MAX_CONNECTIONS }, help: 'open connections in all' },
  { flag: 'max-connections-per-ip', key: 'maxConnectionsPerIp', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_CONNECTIONS_PER_IP }, help: 'open connections from one IP address' },
  { flag: 'max-connections-per-peer', key: 'maxConnectionsPerPeer', arg: '<n>', kind: { type: 'int', min: 1, max: 1000, fallback: DEFAULT_MAX_CONNECTIONS_PER_PEER }, help: 'open connections from one PeerID' },
  { flag: 'connection-rate-per-ip', key: 'connectionRatePerIp', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_CONNECTION_RATE_PER_IP }, help: 'new connections per second from one IP address' },
  { flag: 'max-pending-connections', key: 'maxPendingConnections', arg: '<n>', kind: { type: 'int', min: 2, max: 100_000, fallback: DEFAULT_MAX_PENDING_CONNECTIONS }, help: 'inbound connections still in their handshake at once' },
  { flag: 'max-pending-connections-per-ip', key: 'maxPendingConnectionsPerIp', arg: '<n>', kind: { type: 'int', min: 1, max: 100_000, fallback: DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP }, help: 'inbound connections from one IP address still in their handshake at once' },
  { flag: 'max-inbound-streams', key: 'maxInboundStreams', arg: '<n>', kind: { type: 'int', min: 1, max: 10_000, fallback: DEFAULT_MAX_INBOUND_STREAMS }, help: 'inbound streams of one protocol open at once on a connection' },
  { flag: 'ws-max-frame-bytes', key: 'wsMaxFrameBytes', arg: '<n>', kind: { type: 'int', min: 128 * 1024, max: 64 * 1024 * 1024, fallback: DEFAULT_WS_MAX_FRAME_BYTES }, help: 'largest WebSocket message accepted' },
  { flag: 'handshake-timeout-ms', key: 'handshakeTimeoutMs', arg: '<n>', kind: { type: 'int', min: 1000, max: MINUTE_MS, fallback: DEFAULT_HANDSHAKE_TIMEOUT_MS }, help: 'a new connection must finish its handshakes within this time' },
  { flag: 'bootstrap', key: 'bootstrap', arg: '<ma,...>', kind: { type: 'list' }, help: 'other relay-nodes to join the DHT through, comma-separated multiaddrs ending in /p2p/<id>' },
  { flag: 'mdns', key: 'mdns', arg: '<on|off>', kind: { type: 'on-off', fallback: false }, help: 'find other relay-nodes on the local network (multicast DNS)' },
  { flag: 'metrics-port', key: 'metricsPort', arg: '<n|off>', kind: { type: 'port-or-off', fallback: null }, help: 'HTTP port for /metrics (Prometheus) and /healthz, 0 = any' },
  { flag: 'log-level', key: 'logLevel', arg: '<level>', kind: { type: 'choice', choices: LOG_LEVELS, fallback: 'info' }, help: `JSON log lines on stdout at this level and above: ${LOG_LEVELS.join(', ')}` },
  { flag: 'drain-timeout-ms', key: 'drainTimeoutMs', arg: '<n>', kind: { type: 'int', min: 0, max: 10 * MINUTE_MS, fallback: DEFAULT_DRAIN_TIMEOUT_MS }, help: 'on SIGTERM, relayed connections get this long to finish' },
  { flag: 'mailbox', key: 'mailbox', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'hold sealed mail for offline peers (/parley/mailbox/1.0.0), kept in <data-dir>/mailbox' },
  { flag: 'mailbox-ttl-ms', key: 'mailboxTtlMs', arg: '<n>', kind: { type: 'int', min: MINUTE_MS, max: 365 * 24 * HOUR_MS, fallback: DEFAULT_MAILBOX_TTL_MS }, help: 'how long a mailbox item is kept' },
  { flag: 'mailbox-max-bytes', key: 'mailboxMaxBytes', arg: '<n>', kind: { type: 'int', min: 1024 * 1024, max: 2 ** 44, fallback: DEFAULT_MAILBOX_MAX_BYTES }, help: 'bytes of mailbox items stored in all' },
  { flag: 'mailbox-recipient-items', key: 'mailboxRecipientItems', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAILBOX_RECIPIENT_ITEMS }, help: 'mailbox items waiting for one recipient' },
  { flag: 'mailbox-recipient-bytes', key: 'mailboxRecipientBytes', arg: '<n>', kind: { type: 'int', min: 256 * 1024, max: 2 ** 40, fallback: DEFAULT_MAILBOX_RECIPIENT_BYTES }, help: 'bytes of mailbox items waiting for one recipient' },
  { flag: 'mailbox-sender-items', key: 'mailboxSenderItems', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAILBOX_SENDER_ITEMS }, help: 'mailbox items one sender may have waiting, for all recipients' },
  { flag: 'mailbox-sender-bytes', key: 'mailboxSenderBytes', arg: '<n>', kind: { type: 'int', min: 256 * 1024, max: 2 ** 40, fallback: DEFAULT_MAILBOX_SENDER_BYTES }, help: 'bytes of mailbox items one sender may have waiting' },
  { flag: 'mailbox-share-items', key: 'mailboxShareItems', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAILBOX_SHARE_ITEMS }, help: 'mailbox items one sender may have waiting for one recipient (its share of that recipient\'s quota)' },
  { flag: 'mailbox-share-bytes', key: 'mailboxShareBytes', arg: '<n>', kind: { type: 'int', min: 256 * 1024, max: 2 ** 40, fallback: DEFAULT_MAILBOX_SHARE_BYTES }, help: 'bytes of mailbox items one sender may have waiting for one recipient' },
  { flag: 'mailbox-rate-per-peer', key: 'mailboxRatePerPeer', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAILBOX_RATE_PER_PEER }, help: 'mailbox requests per minute from one PeerID' },
  { flag: 'prekeys', key: 'prekeys', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'hold signed prekeys for starting secure sessions (/parley/prekeys/1.0.0), kept in <data-dir>/prekeys' },
  { flag: 'prekeys-one-time-per-kind', key: 'prekeysOneTimePerKind', arg: '<n>', kind: { type: 'int', min: 1, max: 100, fallback: DEFAULT_PREKEYS_ONE_TIME_PER_KIND }, help: 'one-time prekeys kept per owner, of each kind (PQ, EC)' },
  { flag: 'prekeys-owner-bytes', key: 'prekeysOwnerBytes', arg: '<n>', kind: { type: 'int', min: 4096, max: 2 ** 30, fallback: DEFAULT_PREKEYS_OWNER_BYTES }, help: 'bytes of prekeys kept per owner' },
  { flag: 'prekeys-max-bytes', key: 'prekeysMaxBytes', arg: '<n>', kind: { type: 'int', min: 1024 * 1024, max: 2 ** 40, fallback: DEFAULT_PREKEYS_MAX_BYTES }, help: 'bytes of prekeys kept in all' },
  { flag: 'prekeys-unseen-ms', key: 'prekeysUnseenMs', arg: '<n>', kind: { type: 'int', min: HOUR_MS, max: 365 * 24 * HOUR_MS, fallback: DEFAULT_PREKEYS_UNSEEN_MS }, help: 'an owner not seen for this long loses its prekeys' },
  { flag: 'prekeys-fetch-per-minute', key: 'prekeysFetchPerMinute', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_PREKEYS_FETCH_PER_MINUTE }, help: 'prekey bundles fetched per minute by one PeerID' },
  { flag: 'prekeys-pair-one-time-per-hour', key: 'prekeysPairOneTimePerHour', arg: '<n>', kind: { type: 'int', min: 0, max: 1000, fallback: DEFAULT_PREKEYS_PAIR_ONE_TIME_PER_HOUR }, help: 'bundles with one-time prekeys one PeerID gets of one owner per hour (then last-resort only)' },
  { flag: 'prekeys-network-one-time-per-hour', key: 'prekeysNetworkOneTimePerHour', arg: '<n>', kind: { type: 'int', min: 0, max: 1_000_000, fallback: DEFAULT_PREKEYS_NETWORK_ONE_TIME_PER_HOUR }, help: 'bundles with one-time prekeys requesters from one IP address (IPv6: /64) get of one owner per hour, whatever their PeerIDs (then last-resort only)' },
  { flag: 'test-hide-prekeys', key: 'testHidePrekeys', arg: '<on|off>', kind: { type: 'on-off', fallback: false }, help: 'TEST ONLY: answer not-found to every prekey FETCH (a relay hiding prekeys, for the no-downgrade tests); never on a relay people use' },
  { flag: 'nearby', key: 'nearby', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'let opted-in browsers on one network see each other (/parley/nearby/1.0.0); turn off behind a reverse proxy, where everyone comes from its address' },
  { flag: 'instances', key: 'instances', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'tell a browser when its identity runs elsewhere too (/parley/instance/1.0.0)' },
  { flag: 'link-rendezvous', key: 'linkRendezvous', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'keep a new device\'s sealed link offer under its short code for 10 minutes, for a device without a camera to link it (/parley/link-rendezvous/1.0.0)' },
  { flag: 'max-instance-streams', key: 'maxInstanceStreams', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_INSTANCE_STREAMS }, help: 'instance streams held in all' },
  { flag: 'push', key: 'push', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'wake browsers by Web Push when mail waits for them (/parley/push/1.0.0); subscriptions in <data-dir>/push, the VAPID key in <data-dir>/push-vapid.json' },
  { flag: 'push-contact', key: 'pushContact', arg: '<mailto:|https:>', kind: { type: 'text', fallback: DEFAULT_PUSH_CONTACT }, help: 'the contact push services see in every push (VAPID "sub"): a mailto: address or https: URL of the operator' },
  { flag: 'push-coalesce-ms', key: 'pushCoalesceMs', arg: '<n>', kind: { type: 'int', min: 0, max: MINUTE_MS, fallback: DEFAULT_PUSH_COALESCE_MS }, help: 'mail for one recipient within this window of the first item is said in one push' },
  { flag: 'push-per-minute', key: 'pushPerMinute', arg: '<n>', kind: { type: 'int', min: 1, max: 60, fallback: DEFAULT_PUSH_PER_MINUTE }, help: 'pushes to one subscription per minute, at most' },
  { flag: 'push-subscription-days', key: 'pushSubscriptionDays', arg: '<n>', kind: { type: 'int', min: 1, max: 365, fallback: DEFAULT_PUSH_SUBSCRIPTION_DAYS }, help: 'a subscription not registered again within this many days is forgotten' },
  { flag: 'push-max-subscriptions', key: 'pushMaxSubscriptions', arg: '<n>', kind: { type: 'int', min: 1, max: 10_000_000, fallback: DEFAULT_PUSH_MAX_SUBSCRIPTIONS }, help: 'push subscriptions held in all' },
  { flag: 'push-allow-insecure-loopback', key: 'pushAllowInsecureLoopback', arg: '<on|off>', kind: { type: 'on-off', fallback: false }, help: 'TEST ONLY: also push to http://127.0.0.1:<port> endpoints (a test push service); never on a relay people use' }
]

/** The environment variable of a flag: PARLEY_RELAY_ + the flag in upper snake case. */
export const envName = (flag: string): string => `PARLEY_RELAY_${flag.toUpperCase().replaceAll('-', '_')}`

/** An option as sentences name it: its flag and its environment variable. */
export function optionName (spec: OptionSpec): string {
  return `--${spec.flag} (${envName(spec.flag)})`
}

/** The row of `flag`, which must be one of OPTIONS. */
export const optionSpec = (flag: string): OptionSpec => OPTIONS.find(o => o.flag === flag) as OptionSpec
