import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'

/** What the server hosting the app says about the network (served as `/config.json`). */
export interface AppConfig {
  relays: string[]
}

export const CONFIG_PATH = '/config.json'
export const CONFIG_TIMEOUT_MS = 10_000
const MAX_CONFIG_BYTES = 64 * 1024
const MAX_CONFIG_RELAYS = 16

export class InvalidConfigError extends Error {
  override name = 'InvalidConfigError'
}

/** Validates the served config: a list of relay multiaddrs, each ending in `/p2p/<PeerID>`. */
export function parseAppConfig (text: string): AppConfig {
  if (text.length > MAX_CONFIG_BYTES) throw new InvalidConfigError('The app configuration is too large.')
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    throw new InvalidConfigError('The app configuration is not valid JSON.')
  }
  const relays = (data as { relays?: unknown } | null)?.relays
  if (!Array.isArray(relays) || !relays.every((r): r is string => typeof r === 'string')) {
    throw new InvalidConfigError('The app configuration has no list of relays.')
  }
  for (const relay of relays) {
    let ok = false
    try {
      const components = multiaddr(relay).getComponents()
      const last = components.at(-1)
      if (components.length > 1 && last?.name === 'p2p' && last.value != null) {
        peerIdFromString(last.value) // throws if it is not a valid PeerID
        ok = true
      }
    } catch {
      ok = false
    }
    if (!ok) throw new InvalidConfigError(`The relay address "${relay.slice(0, 100)}" in the app configuration is not a full multiaddr ending in /p2p/<PeerID>.`)
  }
  return { relays: relays.slice(0, MAX_CONFIG_RELAYS) }
}

export async function fetchAppConfig (origin: string, signal: AbortSignal = AbortSignal.timeout(CONFIG_TIMEOUT_MS)): Promise<AppConfig> {
  const response = await fetch(new URL(CONFIG_PATH, origin), { signal, cache: 'no-store' })
  if (!response.ok) throw new InvalidConfigError(`Could not load the app configuration (HTTP ${response.status}).`)
  return parseAppConfig(await response.text())
}
