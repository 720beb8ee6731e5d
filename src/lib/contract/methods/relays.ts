/** Relays and the Network panel; the user's TURN servers. */
import { method, returns } from '../define.ts'
import { relayAddress, shortText } from '../ids.ts'
import { v } from '../schema.ts'
import type { NetworkSnapshot, RelayInfo } from '../types.ts'

/** A relay test gives up in the node after 10 s; the call waits a little longer for its answer. */
export const RELAY_TEST_CALL_TIMEOUT_MS = 20_000

export const relaysMethods = {
  /** the Network panel: own addresses, reachability, DHT, connections and relays with their live state */
  getNetwork: method({ params: v.none(), result: returns<NetworkSnapshot>() }),
  /** the relays (defaults, the user's, discovered) with their live state */
  listRelays: method({ params: v.none(), result: returns<{ relays: RelayInfo[] }>() }),
  /** add a relay the user typed (checked in words; at most 8 of the user's own); the node connects at once */
  addRelay: method({ params: v.object({ multiaddr: relayAddress() }), result: returns<RelayInfo>() }),
  /** dial the relay, check it relays, ping it: the RTT, or an error saying why; recorded in its row */
  testRelay: method({ params: v.object({ multiaddr: relayAddress() }), result: returns<{ rtt: number }>(), timeoutMs: RELAY_TEST_CALL_TIMEOUT_MS }),
  /** enable or disable a relay; disabling hangs up on it */
  setRelayActive: method({ params: v.object({ multiaddr: relayAddress(), active: v.boolean() }), result: returns<null>() }),
  /** remove a relay and hang up on it; a shipped default is disabled instead */
  removeRelay: method({ params: v.object({ multiaddr: relayAddress() }), result: returns<{ outcome: 'removed' | 'disabled' }>() }),
  /**
   * add a TURN server (at most 4; `url` is `turn:`/`turns:` host[:port][?transport=udp|tcp]);
   * every new WebRTC connection uses it after the served iceServers. Tabs list them from the
   * `turnServers` table.
   */
  addTurnServer: method({ params: v.object({ url: shortText(), username: shortText(), credential: shortText() }), result: returns<{ id: number }>() }),
  /** remove one of the user's TURN servers (already gone is fine) */
  removeTurnServer: method({ params: v.object({ id: v.number({ integer: true }) }), result: returns<null>() })
} as const
