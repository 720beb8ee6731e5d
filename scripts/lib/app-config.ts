/**
 * Runtime configuration the app fetches from `/config.json` at start, so one
 * build can be pointed at any relay without rebuilding. The app validates it
 * (src/lib/p2p/kernel/app-config.ts); docs/protocols.md describes it.
 */
export interface AppConfig {
  /** Relay multiaddrs, each ending in `/p2p/<peerId>`. */
  relays: string[]
  /** STUN/TURN servers for WebRTC; `[]` = host candidates only (loopback tests, local use). */
  iceServers?: Array<{ urls: string | string[], username?: string, credential?: string }>
  /** Tests only: how long a call rings, 1000–45000 ms; the app keeps it only on a loopback origin (docs/protocols.md). */
  testRingTimeoutMs?: number
}
