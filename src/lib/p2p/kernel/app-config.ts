import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { RING_TIMEOUT_MS } from '@parley/protocol/call/constants'
import { errorClass } from '../../contract/errors.ts'
import { relayAddressProblem, relayProblemParams } from '../../db/relays.ts'
import type { RelayProblem } from '../../db/relays.ts'

/** What the server hosting the app says about the network (served as `/config.json`). */
export interface IceServer {
  urls: string | string[]
  username?: string
  credential?: string
}

export interface AppConfig {
  relays: string[]
  /**
   * STUN/TURN servers for WebRTC. Absent: libp2p's defaults (public STUN).
   * `[]`: none, host candidates only (local development and tests).
   */
  iceServers?: IceServer[]
  /**
   * Largest file this app sends or accepts, in bytes (default
   * DEFAULT_MAX_FILE_BYTES, 4 GiB). An operator may lower it, or raise it up
   * to MAX_CONFIG_FILE_BYTES.
   */
  maxFileBytes?: number
  /**
   * Test only: how long a call rings, from {@link MIN_TEST_RING_TIMEOUT_MS} up
   * to the real ring time (RING_TIMEOUT_MS), so that an e2e test of an
   * unanswered call does not wait out the real one (the ring timeout itself
   * is tested on an injected clock). Kept only where the app is served from a
   * loopback origin, as the tests' server does ({@link fetchAppConfig}): a
   * config people use never shortens a ring. Never set it for people.
   */
  testRingTimeoutMs?: number
}

/** The highest `maxFileBytes` a config may set: 64 GiB (16 Ki chunks of 1 MiB, hash list 512 KiB). */
export const MAX_CONFIG_FILE_BYTES = 64 * 1024 ** 3

/** The shortest ring a test's config may ask for. */
export const MIN_TEST_RING_TIMEOUT_MS = 1_000

export const CONFIG_PATH = '/config.json'
export const CONFIG_TIMEOUT_MS = 10_000
const MAX_CONFIG_BYTES = 64 * 1024
const MAX_CONFIG_RELAYS = 16

/** The served /config.json breaks a rule (config* codes, relayAddressInConfig). */
export const InvalidConfigError = errorClass('InvalidConfigError')

const NOT_FULL: RelayProblem = { code: 'relayProblemNotFull', params: {} }

/**
 * Validates the served config: a list of relay multiaddrs a browser can dial
 * (WebSocket, secure WebSocket, WebRTC-Direct or WebTransport, see
 * `relayAddressProblem` in db/relays.ts), each ending in `/p2p/<PeerID>`.
 */
export function parseAppConfig (text: string): AppConfig {
  if (text.length > MAX_CONFIG_BYTES) throw new InvalidConfigError('configTooLarge')
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new InvalidConfigError('configNotJson')
  }
  const relays = (data as { relays?: unknown } | null)?.relays
  if (!Array.isArray(relays) || !relays.every((r): r is string => typeof r === 'string')) {
    throw new InvalidConfigError('configNoRelays')
  }
  for (const relay of relays) {
    const problem = isFullMultiaddr(relay) ? relayAddressProblem(relay) : NOT_FULL
    if (problem !== undefined) throw new InvalidConfigError('relayAddressInConfig', relayProblemParams(relay, problem))
  }
  const iceServers = parseIceServers((data as { iceServers?: unknown }).iceServers)
  const maxFileBytes = (data as { maxFileBytes?: unknown }).maxFileBytes
  if (maxFileBytes !== undefined && (typeof maxFileBytes !== 'number' || !Number.isSafeInteger(maxFileBytes) || maxFileBytes < 0 || maxFileBytes > MAX_CONFIG_FILE_BYTES)) {
    throw new InvalidConfigError('configMaxFileBytes', { max: MAX_CONFIG_FILE_BYTES })
  }
  const testRingTimeoutMs = (data as { testRingTimeoutMs?: unknown }).testRingTimeoutMs
  if (testRingTimeoutMs !== undefined && (typeof testRingTimeoutMs !== 'number' || !Number.isSafeInteger(testRingTimeoutMs) || testRingTimeoutMs < MIN_TEST_RING_TIMEOUT_MS || testRingTimeoutMs > RING_TIMEOUT_MS)) {
    throw new InvalidConfigError('configTestRingTimeout', { min: MIN_TEST_RING_TIMEOUT_MS, max: RING_TIMEOUT_MS })
  }
  const config: AppConfig = { relays: relays.slice(0, MAX_CONFIG_RELAYS) }
  if (iceServers != null) config.iceServers = iceServers
  if (maxFileBytes !== undefined) config.maxFileBytes = maxFileBytes
  if (testRingTimeoutMs !== undefined) config.testRingTimeoutMs = testRingTimeoutMs
  return config
}

/** True for an origin on this machine's loopback (`127.0.0.1`, `[::1]`, `localhost`): the tests' server, never one people use. */
export function isLoopbackOrigin (origin: string): boolean {
  try {
    return ['127.0.0.1', '[::1]', 'localhost'].includes(new URL(origin).hostname)
  } catch {
    // not a URL: not loopback
    return false
  }
}

/** `config` as the app at `origin` takes it: the test-only settings only where the origin is loopback. */
export function configForOrigin (config: AppConfig, origin: string): AppConfig {
  if (config.testRingTimeoutMs === undefined || isLoopbackOrigin(origin)) return config
  const kept = { ...config }
  delete kept.testRingTimeoutMs
  return kept
}

/** True when `relay` parses as a multiaddr (protocols and values) and ends in `/p2p/<a valid PeerID>`. */
function isFullMultiaddr (relay: string): boolean {
  try {
    const components = multiaddr(relay).getComponents()
    const last = components.at(-1)
    if (components.length < 2 || last?.name !== 'p2p' || last.value == null) return false
    peerIdFromString(last.value) // throws if it is not a valid PeerID
    return true
  } catch {
    // the multiaddr or PeerID parser refused it: reported as not a full multiaddr
    return false
  }
}

export async function fetchAppConfig (origin: string, signal: AbortSignal = AbortSignal.timeout(CONFIG_TIMEOUT_MS)): Promise<AppConfig> {
  const response = await fetch(new URL(CONFIG_PATH, origin), { signal, cache: 'no-store' })
  if (!response.ok) throw new InvalidConfigError('configHttp', { status: response.status })
  return configForOrigin(parseAppConfig(await response.text()), origin)
}

const MAX_ICE_SERVERS = 8
const ICE_URL = /^(stun|stuns|turn|turns):[^\s]{1,250}$/

function parseIceServers (value: unknown): IceServer[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length > MAX_ICE_SERVERS) {
    throw new InvalidConfigError('configIceServers', { max: MAX_ICE_SERVERS })
  }
  return value.map((entry: unknown): IceServer => {
    const { urls, username, credential } = (entry ?? {}) as Record<string, unknown>
    const list = typeof urls === 'string' ? [urls] : urls
    if (!Array.isArray(list) || list.length === 0 || !list.every((u): u is string => typeof u === 'string' && ICE_URL.test(u))) {
      throw new InvalidConfigError('configIceUrl')
    }
    if ((username != null && typeof username !== 'string') || (credential != null && typeof credential !== 'string')) {
      throw new InvalidConfigError('configIceCredential')
    }
    const server: IceServer = { urls: list }
    if (typeof username === 'string') server.username = username
    if (typeof credential === 'string') server.credential = credential
    return server
  })
}
