import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import {
  DEFAULT_CIRCUIT_DATA_LIMIT_BYTES, DEFAULT_CIRCUIT_DURATION_LIMIT_MS, DEFAULT_CONNECTION_RATE_PER_IP, DEFAULT_DATA_DIR,
  DEFAULT_DRAIN_TIMEOUT_MS, DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAILBOX_MAX_BYTES, DEFAULT_MAILBOX_RATE_PER_PEER,
  DEFAULT_MAILBOX_RECIPIENT_BYTES, DEFAULT_MAILBOX_RECIPIENT_ITEMS, DEFAULT_MAILBOX_SENDER_BYTES, DEFAULT_MAILBOX_SENDER_ITEMS, DEFAULT_MAILBOX_TTL_MS, DEFAULT_HOST, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_CONNECTIONS_PER_IP,
  DEFAULT_MAX_CONNECTIONS_PER_PEER, DEFAULT_MAX_INBOUND_STREAMS, DEFAULT_MAX_INSTANCE_STREAMS, DEFAULT_MAX_PENDING_CONNECTIONS, DEFAULT_MAX_PENDING_CONNECTIONS_PER_IP, DEFAULT_MAX_RESERVATIONS,
  DEFAULT_MAX_RESERVATIONS_PER_IP, DEFAULT_PORT, DEFAULT_RESERVATION_RATE_PER_IP, DEFAULT_RESERVATION_TTL_MS,
  DEFAULT_WEBRTC_DIRECT_PORT, DEFAULT_WS_MAX_FRAME_BYTES, DEFAULT_PREKEYS_FETCH_PER_MINUTE, DEFAULT_PREKEYS_MAX_BYTES, DEFAULT_PREKEYS_ONE_TIME_PER_KIND,
  DEFAULT_PREKEYS_OWNER_BYTES, DEFAULT_PREKEYS_PAIR_ONE_TIME_PER_HOUR, DEFAULT_PREKEYS_UNSEEN_MS
} from './constants.ts'
import { ConfigError } from './errors.ts'
import { LOG_LEVELS } from './log.ts'
import type { LogLevel } from './log.ts'

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
  mailboxRatePerPeer: number
  /** serve `/parley/prekeys/1.0.0` (owners' signed prekeys for starting sessions) */
  prekeys: boolean
  prekeysOneTimePerKind: number
  prekeysOwnerBytes: number
  prekeysMaxBytes: number
  prekeysUnseenMs: number
  prekeysFetchPerMinute: number
  prekeysPairOneTimePerHour: number
  /** serve `/parley/nearby/1.0.0`: opted-in browsers on one network see each other through this relay */
  nearby: boolean
  /** serve `/parley/instance/1.0.0`: a browser hears of other running copies of its identity */
  instances: boolean
  /** instance streams held in all */
  maxInstanceStreams: number
}

type Env = Record<string, string | undefined>

/** How an option's text becomes a value. */
type Kind =
  | { type: 'int', min: number, max: number, fallback: number }
  | { type: 'port-or-off', fallback: number | null }
  | { type: 'text', fallback: string | null }
  | { type: 'list' }
  | { type: 'on-off', fallback: boolean }
  | { type: 'choice', choices: readonly string[], fallback: string }

interface OptionSpec {
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
const OPTIONS: readonly OptionSpec[] = [
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
  { flag: 'mailbox-rate-per-peer', key: 'mailboxRatePerPeer', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAILBOX_RATE_PER_PEER }, help: 'mailbox requests per minute from one PeerID' },
  { flag: 'prekeys', key: 'prekeys', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'hold signed prekeys for starting secure sessions (/parley/prekeys/1.0.0), kept in <data-dir>/prekeys' },
  { flag: 'prekeys-one-time-per-kind', key: 'prekeysOneTimePerKind', arg: '<n>', kind: { type: 'int', min: 1, max: 100, fallback: DEFAULT_PREKEYS_ONE_TIME_PER_KIND }, help: 'one-time prekeys kept per owner, of each kind (PQ, EC)' },
  { flag: 'prekeys-owner-bytes', key: 'prekeysOwnerBytes', arg: '<n>', kind: { type: 'int', min: 4096, max: 2 ** 30, fallback: DEFAULT_PREKEYS_OWNER_BYTES }, help: 'bytes of prekeys kept per owner' },
  { flag: 'prekeys-max-bytes', key: 'prekeysMaxBytes', arg: '<n>', kind: { type: 'int', min: 1024 * 1024, max: 2 ** 40, fallback: DEFAULT_PREKEYS_MAX_BYTES }, help: 'bytes of prekeys kept in all' },
  { flag: 'prekeys-unseen-ms', key: 'prekeysUnseenMs', arg: '<n>', kind: { type: 'int', min: HOUR_MS, max: 365 * 24 * HOUR_MS, fallback: DEFAULT_PREKEYS_UNSEEN_MS }, help: 'an owner not seen for this long loses its prekeys' },
  { flag: 'prekeys-fetch-per-minute', key: 'prekeysFetchPerMinute', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_PREKEYS_FETCH_PER_MINUTE }, help: 'prekey bundles fetched per minute by one PeerID' },
  { flag: 'prekeys-pair-one-time-per-hour', key: 'prekeysPairOneTimePerHour', arg: '<n>', kind: { type: 'int', min: 0, max: 1000, fallback: DEFAULT_PREKEYS_PAIR_ONE_TIME_PER_HOUR }, help: 'bundles with one-time prekeys one PeerID gets of one owner per hour (then last-resort only)' },
  { flag: 'nearby', key: 'nearby', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'let opted-in browsers on one network see each other (/parley/nearby/1.0.0); turn off behind a reverse proxy, where everyone comes from its address' },
  { flag: 'instances', key: 'instances', arg: '<on|off>', kind: { type: 'on-off', fallback: true }, help: 'tell a browser when its identity runs elsewhere too (/parley/instance/1.0.0)' },
  { flag: 'max-instance-streams', key: 'maxInstanceStreams', arg: '<n>', kind: { type: 'int', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_INSTANCE_STREAMS }, help: 'instance streams held in all' }
]

const envName = (flag: string): string => `PARLEY_RELAY_${flag.toUpperCase().replaceAll('-', '_')}`

function defaultText (kind: Kind): string {
  switch (kind.type) {
    case 'int': return String(kind.fallback)
    case 'port-or-off': return kind.fallback == null ? 'off' : String(kind.fallback)
    case 'text': return kind.fallback ?? 'none'
    case 'list': return 'none'
    case 'on-off': return kind.fallback ? 'on' : 'off'
    case 'choice': return kind.fallback
  }
}

export const HELP = [
  'parley-relay: circuit relay v2 and DHT node for Parley browsers',
  '',
  'Usage: parley-relay [options]',
  '',
  'Each option can also be set by the environment variable in brackets, or in a JSON config file',
  'keyed by the flag name without "--". Flags win over the environment, which wins over the file.',
  '',
  ...OPTIONS.map(o => `  --${`${o.flag} ${o.arg}`.padEnd(34)} ${o.help}\n  ${''.padEnd(36)} [${envName(o.flag)}] (default ${defaultText(o.kind)})`),
  `  --${'config <path>'.padEnd(34)} a JSON file of these options\n  ${''.padEnd(36)} [PARLEY_RELAY_CONFIG]`,
  `  ${'-h, --help'.padEnd(36)} show this help`,
  '',
  'Signals: SIGTERM/SIGINT drain and stop; SIGHUP reloads the WSS certificate and key.',
  ''
].join('\n')

/** Most addresses `--announce` and `--bootstrap` take. */
const MAX_LIST = 32
/** Largest config file read, in bytes. */
const MAX_CONFIG_FILE_BYTES = 64 * 1024
const LIST_OPTIONS = new Set(OPTIONS.filter(o => o.kind.type === 'list').map(o => o.flag))
const ON_OFF_OPTIONS = new Set(OPTIONS.filter(o => o.kind.type === 'on-off').map(o => o.flag))
const FILE_OPTIONS = new Set(OPTIONS.map(o => o.flag))

/**
 * Reads a JSON config file: an object keyed by flag names (without `--`),
 * with numbers, strings or booleans as values (lists may be arrays). Returns
 * the values as the strings a flag would carry; throws ConfigError naming the
 * file and what is wrong.
 */
function readConfigFile (path: string): Record<string, string> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${path}: ${(err as Error).message}`)
  }
  if (text.length > MAX_CONFIG_FILE_BYTES) throw new ConfigError(`the config file ${path} is over ${MAX_CONFIG_FILE_BYTES} bytes`)
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`the config file ${path} is not valid JSON: ${(err as Error).message}`)
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`the config file ${path} must hold a JSON object of options`)
  }
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(data)) {
    if (!FILE_OPTIONS.has(key)) throw new ConfigError(`the config file ${path} has an unknown option "${key.slice(0, 40)}" (options are the flag names without "--")`)
    if (typeof value === 'number' || typeof value === 'string') {
      out[key] = String(value)
    } else if (typeof value === 'boolean' && ON_OFF_OPTIONS.has(key)) {
      out[key] = value ? 'on' : 'off'
    } else if (LIST_OPTIONS.has(key) && Array.isArray(value) && value.every(v => typeof v === 'string')) {
      out[key] = value.join(',')
    } else {
      throw new ConfigError(`the config file ${path}: "${key}" must be a number or a string${LIST_OPTIONS.has(key) ? ' (or a list of strings)' : ''}`)
    }
  }
  return out
}

function name (spec: OptionSpec): string {
  return `--${spec.flag} (${envName(spec.flag)})`
}

function readInt (value: string, spec: OptionSpec, min: number, max: number, orOff = ''): number {
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed)) throw new ConfigError(`${name(spec)} must be a whole number${orOff}, got "${value.slice(0, 100)}"`)
  const n = Number(trimmed)
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new ConfigError(`${name(spec)} must be between ${min} and ${max}${orOff}, got ${trimmed}`)
  return n
}

/** Turns one option's text (or its absence) into its value. */
function readValue (spec: OptionSpec, value: string | undefined): RelayConfig[keyof RelayConfig] {
  const { kind } = spec
  switch (kind.type) {
    case 'int':
      return value == null ? kind.fallback : readInt(value, spec, kind.min, kind.max)
    case 'port-or-off':
      if (value == null) return kind.fallback
      return value.trim().toLowerCase() === 'off' ? null : readInt(value, spec, 0, 65535, ' (or "off")')
    case 'text':
      return value == null ? kind.fallback : value.trim()
    case 'list':
      return (value ?? '').split(',').map(a => a.trim()).filter(a => a !== '')
    case 'on-off': {
      if (value == null) return kind.fallback
      const v = value.trim().toLowerCase()
      if (v === 'on' || v === 'true') return true
      if (v === 'off' || v === 'false') return false
      throw new ConfigError(`${name(spec)} must be "on" or "off", got "${value.slice(0, 100)}"`)
    }
    case 'choice': {
      if (value == null) return kind.fallback
      const v = value.trim().toLowerCase()
      if (!kind.choices.includes(v)) throw new ConfigError(`${name(spec)} must be one of ${kind.choices.join(', ')}, got "${value.slice(0, 100)}"`)
      return v
    }
  }
}

/** A multiaddr with at least two components, or undefined when it does not parse. */
function parseMultiaddr (text: string): ReturnType<typeof multiaddr> | undefined {
  try {
    const ma = multiaddr(text)
    return ma.getComponents().length > 1 ? ma : undefined
  } catch {
    return undefined
  }
}

const spec = (flag: string): OptionSpec => OPTIONS.find(o => o.flag === flag) as OptionSpec

/** Checks that need more than one option, or more than the option's type. */
function validate (config: RelayConfig): void {
  if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/.test(config.host)) {
    throw new ConfigError(`${name(spec('host'))} must be an IPv4 or IPv6 address, got "${config.host.slice(0, 100)}"`)
  }
  if (config.dataDir === '') throw new ConfigError(`${name(spec('data-dir'))} must not be empty`)
  for (const [flag, list] of [['announce', config.announce], ['bootstrap', config.bootstrap]] as const) {
    if (list.length > MAX_LIST) throw new ConfigError(`${name(spec(flag))} takes at most ${MAX_LIST} addresses, got ${list.length}`)
  }
  for (const address of config.announce) {
    if (parseMultiaddr(address) == null || address.includes('/p2p/')) {
      throw new ConfigError(`${name(spec('announce'))} must be multiaddrs such as /dns4/relay.example.org/tcp/443/wss, without /p2p/<id>; "${address.slice(0, 100)}" is not one`)
    }
  }
  for (const address of config.bootstrap) {
    const last = parseMultiaddr(address)?.getComponents().at(-1)
    if (last?.name !== 'p2p' || last.value == null) {
      throw new ConfigError(`${name(spec('bootstrap'))} must be multiaddrs of other relay-nodes ending in /p2p/<id>, such as /dns4/relay2.example.org/tcp/443/wss/p2p/12D3KooW…; "${address.slice(0, 100)}" is not one`)
    }
  }
  const tls = [config.tlsCertPath, config.tlsKeyPath].filter(p => p != null && p !== '').length
  if (config.wssPort != null && tls !== 2) {
    throw new ConfigError(`${name(spec('wss-port'))} needs both --tls-cert (PARLEY_RELAY_TLS_CERT) and --tls-key (PARLEY_RELAY_TLS_KEY)`)
  }
  if (config.wssPort == null && tls !== 0) {
    throw new ConfigError(`--tls-cert and --tls-key are only used with ${name(spec('wss-port'))}; set it too, or leave them out`)
  }
  const ports = [['port', config.port], ['wss-port', config.wssPort], ['tcp-port', config.tcpPort], ['metrics-port', config.metricsPort]] as const
  for (const [i, [flag, port]] of ports.entries()) {
    const clash = ports.slice(i + 1).find(([, other]) => port != null && port !== 0 && other === port)
    if (clash != null) throw new ConfigError(`--${flag} and --${clash[0]} are both ${port}; each TCP listener needs a port of its own`)
  }
  // a per-IP share as large as its total would let one address take every slot
  const shares = [
    ['max-reservations-per-ip', config.maxReservationsPerIp, 'max-reservations', config.maxReservations],
    ['max-connections-per-ip', config.maxConnectionsPerIp, 'max-connections', config.maxConnections],
    ['max-pending-connections-per-ip', config.maxPendingConnectionsPerIp, 'max-pending-connections', config.maxPendingConnections]
  ] as const
  for (const [shareFlag, share, totalFlag, total] of shares) {
    if (share >= total) {
      throw new ConfigError(`--${shareFlag} (${share}) must be below --${totalFlag} (${total}), or one IP address could take every slot`)
    }
  }
}

/**
 * Parses command-line flags (which win), environment variables and the
 * optional config file once, at start. Throws ConfigError with a sentence
 * naming the bad option.
 */
export function parseConfig (argv: string[], env: Env = process.env): RelayConfig | 'help' {
  let values: Record<string, string | boolean | undefined>
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(OPTIONS.map(o => [o.flag, { type: 'string' as const }])),
        config: { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help to see the options.`)
  }
  if (values.help === true) return 'help'

  const configPath = typeof values.config === 'string' ? values.config : env.PARLEY_RELAY_CONFIG
  const file = configPath == null ? {} : readConfigFile(configPath)
  const config: Record<string, unknown> = {}
  for (const option of OPTIONS) {
    const flagValue = values[option.flag]
    const text = typeof flagValue === 'string' ? flagValue : env[envName(option.flag)] ?? file[option.flag]
    config[option.key] = readValue(option, text)
  }
  const result = config as unknown as RelayConfig
  validate(result)
  return result
}

/**
 * Settings that are allowed but cannot all hold at once, in words, for the
 * log at start: every reservation holder keeps a connection to the relay, so
 * more reservation slots than connections can never all be taken.
 */
export function capacityWarnings (config: Pick<RelayConfig, 'maxReservations' | 'maxConnections'>): string[] {
  const warnings: string[] = []
  if (config.maxReservations > config.maxConnections) {
    warnings.push(`--max-reservations (${config.maxReservations}) is above --max-connections (${config.maxConnections}): every reservation holder keeps a connection, so at most ${config.maxConnections} reservations can be held; raise --max-connections or lower --max-reservations`)
  }
  return warnings
}
