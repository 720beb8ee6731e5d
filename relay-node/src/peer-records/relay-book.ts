/**
 * Which relays exist, as far as this relay-node can tell: a peer record is
 * held only if every relay its addresses go through does. A relay exists when
 * it is this one, is in the DHT's routing table, or is found by a DHT lookup
 * (libp2p's peer routing: the peer store first, then the network) with at
 * least one direct address (a relay is dialled directly; a browser only
 * through a circuit). Answers are remembered for a while, at most
 * MAX_REMEMBERED_RELAYS of them, and lookups of one relay are shared.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { isCircuitAddress } from '@parley/protocol/multiaddr'
import type { KadRoutingTable } from './kad-internals.ts'
import type { Libp2p } from '@libp2p/interface'

/** A relay found is believed to exist this long. */
export const RELAY_KNOWN_MS = 60 * 60 * 1000
/** A relay not found is not looked up again for this long. */
export const RELAY_UNKNOWN_MS = 60_000
/** One lookup of a relay gives up after this long. */
export const RELAY_LOOKUP_TIMEOUT_MS = 5_000
/** Answers remembered at once (the oldest go first). */
export const MAX_REMEMBERED_RELAYS = 4096
/** Lookups under way at once; past it a relay not known yet does not exist (the record is refused, and the publisher tries again later). */
export const MAX_RELAY_LOOKUPS = 16

export class RelayBook {
  readonly #node: Pick<Libp2p, 'peerId' | 'peerRouting'>
  readonly #table: Pick<KadRoutingTable, 'find'>
  readonly #now: () => number
  readonly #answers = new Map<string, { exists: boolean, until: number }>()
  readonly #lookups = new Map<string, Promise<boolean>>()
  readonly #stopped = new AbortController()

  constructor (node: Pick<Libp2p, 'peerId' | 'peerRouting'>, table: Pick<KadRoutingTable, 'find'>, init: { now?: () => number } = {}) {
    this.#node = node
    this.#table = table
    this.#now = init.now ?? Date.now
  }

  async exists (relay: string): Promise<boolean> {
    if (relay === this.#node.peerId.toString()) return true
    let peer
    try {
      peer = peerIdFromString(relay)
    } catch {
      return false
    }
    if (await this.#table.find(peer) != null) return true
    const known = this.#answers.get(relay)
    if (known !== undefined && known.until > this.#now()) return known.exists
    const running = this.#lookups.get(relay)
    if (running !== undefined) return running
    if (this.#lookups.size >= MAX_RELAY_LOOKUPS) return false
    const lookup = this.#lookUp(relay).finally(() => { this.#lookups.delete(relay) })
    this.#lookups.set(relay, lookup)
    return lookup
  }

  stop (): void {
    this.#stopped.abort()
  }

  async #lookUp (relay: string): Promise<boolean> {
    let exists = false
    try {
      const found = await this.#node.peerRouting.findPeer(peerIdFromString(relay), {
        signal: AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(RELAY_LOOKUP_TIMEOUT_MS)])
      })
      exists = found.multiaddrs.some(a => !isCircuitAddress(a.toString()))
    } catch {
      exists = false
    }
    this.#answers.delete(relay)
    this.#answers.set(relay, { exists, until: this.#now() + (exists ? RELAY_KNOWN_MS : RELAY_UNKNOWN_MS) })
    if (this.#answers.size > MAX_REMEMBERED_RELAYS) this.#answers.delete(this.#answers.keys().next().value ?? '')
    return exists
  }
}
