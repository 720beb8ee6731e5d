/**
 * Runtime configuration the app fetches from `/config.json` at start, so one
 * build can be pointed at any relay without rebuilding.
 */
export interface AppConfig {
  /** Relay multiaddrs, each ending in `/p2p/<peerId>`. */
  relays: string[]
}
