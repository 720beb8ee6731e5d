import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import {
  DEFAULT_CIRCUIT_DATA_LIMIT_BYTES, DEFAULT_CIRCUIT_DURATION_LIMIT_MS, DEFAULT_DATA_DIR, DEFAULT_HOST,
  DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_RESERVATIONS, DEFAULT_MAX_RESERVATIONS_PER_IP, DEFAULT_PORT, DEFAULT_RESERVATION_TTL_MS,
  DEFAULT_WEBRTC_DIRECT_PORT
} from './constants.ts'
import { ConfigError } from './errors.ts'

export interface RelayConfig {
  host: string
  /** 0 picks a free port */
  port: number
  /** UDP port of the WebRTC-Direct listener; 0 picks a free port, `null` = no WebRTC-Direct listener */
  webrtcDirectPort: number | null
  dataDir: string
  maxReservations: number
  maxReservationsPerIp: number
  reservationTtlMs: number
  circuitDurationLimitMs: number
  circuitDataLimitBytes: number
  maxConnections: number
  /**
   * Multiaddrs to advertise instead of the listen addresses (a public IP or
   * domain in front of this host); empty = advertise what it listens on
   */
  announce: string[]
  /** TCP port of the operations HTTP server (`/metrics`, `/healthz`) on `host`; 0 picks a free port, `null` = off */
  metricsPort: number | null
}

export const HELP = `parley-relay: circuit relay v2 node for Parley browsers

Usage: parley-relay [options]

Options (each also settable by the environment variable in brackets):
  --host <addr>                  listen address              [PARLEY_RELAY_HOST]   (default ${DEFAULT_HOST})
  --port <n>                     WebSocket port, 0 = any     [PARLEY_RELAY_PORT]   (default ${DEFAULT_PORT})
  --webrtc-direct-port <n|off>   WebRTC-Direct UDP port, 0 = any, off = no WebRTC-Direct listener
                                                             [PARLEY_RELAY_WEBRTC_DIRECT_PORT] (default ${DEFAULT_WEBRTC_DIRECT_PORT})
  --data-dir <path>              identity key and WebRTC-Direct certificate live here
                                                             [PARLEY_RELAY_DATA_DIR] (default ${DEFAULT_DATA_DIR})
  --max-reservations <n>         reservation slots           [PARLEY_RELAY_MAX_RESERVATIONS] (default ${DEFAULT_MAX_RESERVATIONS})
  --max-reservations-per-ip <n> reservations one IP address may hold
                                                             [PARLEY_RELAY_MAX_RESERVATIONS_PER_IP] (default ${DEFAULT_MAX_RESERVATIONS_PER_IP})
  --reservation-ttl-ms <n>       reservation lifetime        [PARLEY_RELAY_RESERVATION_TTL_MS] (default ${DEFAULT_RESERVATION_TTL_MS})
  --circuit-duration-ms <n>      max life of a relayed conn  [PARLEY_RELAY_CIRCUIT_DURATION_MS] (default ${DEFAULT_CIRCUIT_DURATION_LIMIT_MS})
  --circuit-data-bytes <n>       max bytes per relayed conn, both directions together
                                                             [PARLEY_RELAY_CIRCUIT_DATA_BYTES] (default ${DEFAULT_CIRCUIT_DATA_LIMIT_BYTES})
  --max-connections <n>          connection cap              [PARLEY_RELAY_MAX_CONNECTIONS] (default ${DEFAULT_MAX_CONNECTIONS})
  --metrics-port <n|off>         HTTP port for /metrics (Prometheus) and /healthz, 0 = any, off = none
                                                             [PARLEY_RELAY_METRICS_PORT] (default off)
  --announce <ma,ma,...>         addresses to advertise (public IP or domain), comma-separated multiaddrs
                                                             [PARLEY_RELAY_ANNOUNCE] (default: the listen addresses)
  --config <path>                a JSON file of these options, keyed by flag name without "--"
                                 (flags and environment variables win over it)
                                                             [PARLEY_RELAY_CONFIG]
  -h, --help                     show this help
`

type Env = Record<string, string | undefined>

interface IntSpec { flag: string, env: string, min: number, max: number, fallback: number }

function readInt (value: string | undefined, spec: IntSpec): number {
  if (value == null) return spec.fallback
  const trimmed = value.trim()
  if (!/^\d+$/.test(trimmed)) {
    throw new ConfigError(`--${spec.flag} (${spec.env}) must be a whole number, got "${value}"`)
  }
  const n = Number(trimmed)
  if (!Number.isSafeInteger(n) || n < spec.min || n > spec.max) {
    throw new ConfigError(`--${spec.flag} (${spec.env}) must be between ${spec.min} and ${spec.max}, got ${trimmed}`)
  }
  return n
}

/** Most addresses `--announce` takes. */
const MAX_ANNOUNCE = 16
/** Largest config file read, in bytes. */
const MAX_CONFIG_FILE_BYTES = 64 * 1024
/** Options a config file may set: every flag but `config` and `help`. */
const FILE_OPTIONS = new Set([
  'host', 'port', 'webrtc-direct-port', 'data-dir', 'max-reservations', 'max-reservations-per-ip', 'reservation-ttl-ms',
  'circuit-duration-ms', 'circuit-data-bytes', 'max-connections', 'metrics-port', 'announce'
])

/**
 * Reads a JSON config file: an object keyed by flag names (without `--`),
 * with numbers or strings as values (`announce` may be a list). Returns the
 * values as the strings a flag would carry; throws ConfigError naming the
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
    } else if (key === 'announce' && Array.isArray(value) && value.every(v => typeof v === 'string')) {
      out[key] = value.join(',')
    } else {
      throw new ConfigError(`the config file ${path}: "${key}" must be a number or a string${key === 'announce' ? ' (or a list of strings)' : ''}`)
    }
  }
  return out
}

/** A port number, or a ConfigError that also says "off" is allowed. */
function portOrOff (value: string | undefined, spec: IntSpec): number {
  try {
    return readInt(value, spec)
  } catch (err) {
    throw new ConfigError(`${(err as Error).message} (or "off")`)
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
        host: { type: 'string' },
        port: { type: 'string' },
        'webrtc-direct-port': { type: 'string' },
        'data-dir': { type: 'string' },
        'max-reservations': { type: 'string' },
        'max-reservations-per-ip': { type: 'string' },
        'metrics-port': { type: 'string' },
        announce: { type: 'string' },
        config: { type: 'string' },
        'reservation-ttl-ms': { type: 'string' },
        'circuit-duration-ms': { type: 'string' },
        'circuit-data-bytes': { type: 'string' },
        'max-connections': { type: 'string' },
        help: { type: 'boolean', short: 'h' }
      }
    }))
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}. Run with --help to see the options.`)
  }
  if (values.help === true) return 'help'

  const configPath = typeof values.config === 'string' ? values.config : env.PARLEY_RELAY_CONFIG
  const file = configPath == null ? {} : readConfigFile(configPath)
  const str = (flag: string, envName: string): string | undefined => {
    const v = values[flag]
    return typeof v === 'string' ? v : env[envName] ?? file[flag]
  }
  const int = (spec: IntSpec): number => readInt(str(spec.flag, spec.env), spec)

  const host = (str('host', 'PARLEY_RELAY_HOST') ?? DEFAULT_HOST).trim()
  if (!/^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+)$/.test(host)) {
    throw new ConfigError(`--host (PARLEY_RELAY_HOST) must be an IPv4 or IPv6 address, got "${host}"`)
  }
  const dataDir = (str('data-dir', 'PARLEY_RELAY_DATA_DIR') ?? DEFAULT_DATA_DIR).trim()
  if (dataDir === '') throw new ConfigError('--data-dir (PARLEY_RELAY_DATA_DIR) must not be empty')

  const webrtcDirectSpec: IntSpec = { flag: 'webrtc-direct-port', env: 'PARLEY_RELAY_WEBRTC_DIRECT_PORT', min: 0, max: 65535, fallback: DEFAULT_WEBRTC_DIRECT_PORT }
  const webrtcDirectRaw = str(webrtcDirectSpec.flag, webrtcDirectSpec.env)
  const webrtcDirectPort = webrtcDirectRaw?.trim().toLowerCase() === 'off' ? null : portOrOff(webrtcDirectRaw, webrtcDirectSpec)

  const metricsRaw = str('metrics-port', 'PARLEY_RELAY_METRICS_PORT')
  const metricsPort = metricsRaw == null || metricsRaw.trim().toLowerCase() === 'off'
    ? null
    : portOrOff(metricsRaw, { flag: 'metrics-port', env: 'PARLEY_RELAY_METRICS_PORT', min: 0, max: 65535, fallback: 0 })

  const announce = (str('announce', 'PARLEY_RELAY_ANNOUNCE') ?? '').split(',').map(a => a.trim()).filter(a => a !== '')
  if (announce.length > MAX_ANNOUNCE) throw new ConfigError(`--announce (PARLEY_RELAY_ANNOUNCE) takes at most ${MAX_ANNOUNCE} addresses, got ${announce.length}`)
  for (const address of announce) {
    let ok = false
    try {
      ok = multiaddr(address).getComponents().length > 1
    } catch {
      ok = false
    }
    if (!ok || address.includes('/p2p/')) {
      throw new ConfigError(`--announce (PARLEY_RELAY_ANNOUNCE) must be multiaddrs such as /dns4/relay.example.org/tcp/443/wss, without /p2p/<id>; "${address.slice(0, 100)}" is not one`)
    }
  }

  return {
    host,
    dataDir,
    announce,
    metricsPort,
    maxReservationsPerIp: int({ flag: 'max-reservations-per-ip', env: 'PARLEY_RELAY_MAX_RESERVATIONS_PER_IP', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_RESERVATIONS_PER_IP }),
    port: int({ flag: 'port', env: 'PARLEY_RELAY_PORT', min: 0, max: 65535, fallback: DEFAULT_PORT }),
    webrtcDirectPort,
    maxReservations: int({ flag: 'max-reservations', env: 'PARLEY_RELAY_MAX_RESERVATIONS', min: 1, max: 1_000_000, fallback: DEFAULT_MAX_RESERVATIONS }),
    reservationTtlMs: int({ flag: 'reservation-ttl-ms', env: 'PARLEY_RELAY_RESERVATION_TTL_MS', min: 60_000, max: 24 * 3_600_000, fallback: DEFAULT_RESERVATION_TTL_MS }),
    circuitDurationLimitMs: int({ flag: 'circuit-duration-ms', env: 'PARLEY_RELAY_CIRCUIT_DURATION_MS', min: 1000, max: 24 * 3_600_000, fallback: DEFAULT_CIRCUIT_DURATION_LIMIT_MS }),
    circuitDataLimitBytes: int({ flag: 'circuit-data-bytes', env: 'PARLEY_RELAY_CIRCUIT_DATA_BYTES', min: 1024, max: 2 ** 40, fallback: DEFAULT_CIRCUIT_DATA_LIMIT_BYTES }),
    maxConnections: int({ flag: 'max-connections', env: 'PARLEY_RELAY_MAX_CONNECTIONS', min: 16, max: 1_000_000, fallback: DEFAULT_MAX_CONNECTIONS })
  }
}
