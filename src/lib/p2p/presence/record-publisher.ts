/**
 * Publishes where this node can be reached as a signed peer record in the
 * relays' DHT (docs/protocols.md, "Peer records"): its circuit addresses
 * (never an address of its own, which would tell its IP address), signed by
 * its identity key, stored by the relays closest to its key. Contacts who
 * cannot find it otherwise look the record up (ContactFinder).
 *
 * When: as soon as the node holds a reservation, again whenever its circuit
 * addresses change (a relay died, a reservation moved), and every
 * PEER_RECORD_REPUBLISH_MS while they stay the same, so that the record never
 * expires while the node is online; with no reservation nothing is published
 * and the last record expires by itself (the mailbox takes messages
 * meanwhile). Publications start at least RECORD_PUBLISH_GAP_MS apart (the
 * relays' share per browser) and one at a time; one that no relay stored is
 * tried again with back-off. Sequence numbers are the time of publication in
 * ms, each higher than the last.
 *
 * How: kad-dht's put (a lookup of the relays closest to the record's key,
 * then a PUT_VALUE to each). Publishing the same addresses again only to
 * renew the record, within RECORD_LOOKUP_EVERY_MS of the last lookup, it
 * sends the record to the relays that stored the last one alone, without a
 * lookup (some 20 fewer relays dialled and no FIND_NODE round, each time,
 * on a phone too), as long as enough of them store it: half of the K = 20
 * that should hold it, or of the relays known when fewer are (those in the
 * DHT's routing table, or named by the relays the last lookup asked, when
 * more). Fewer, and the lookup is made after all. New addresses (a move)
 * always go out with a lookup, so that every relay closest to the key holds
 * them, and refuses the records from before as stale.
 *
 * A lookup that ends with fewer than enough relays storing the record (the
 * relays it heard of did not answer in time: a busy network, or a first view
 * of one relay) counts as published, but is made again with back-off, up to
 * RECORD_SHORT_RETRIES times in a row, rather than left for PEER_RECORD_REPUBLISH_MS:
 * a record held by one relay far from its key is one nobody finds.
 */
import { setMaxListeners } from 'main-event'
import { PEER_RECORD_REPUBLISH_MS, isRecordAddress, MAX_PEER_RECORD_ADDRESSES, peerRecordKey, sealPeerRecord } from '@parley/protocol/peer-record/record'
import { circuitRelayId } from '@parley/protocol/multiaddr'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { putValueTo } from '../relays/index.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { KadDHT } from '@libp2p/kad-dht'
import type { ComponentLogger, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Publications start at least this far apart: the relays take 6 a minute from one browser. */
export const RECORD_PUBLISH_GAP_MS = 10_000
/** One publication (lookup of the closest relays and the PUTs to them) gives up after this long. */
export const RECORD_PUBLISH_TIMEOUT_MS = 30_000
/** Spacing of the attempts after a publication that no relay stored (the first, 10 to 20 s, is past the gap). */
export const RECORD_RETRY_BACKOFF: BackoffOptions = { initialMs: 20_000, maxMs: 5 * 60_000 }
/** A renewal goes to the relays that stored the last publication, without a lookup, while the last publication with a lookup was made within this long (so every third renewal is a lookup). */
export const RECORD_LOOKUP_EVERY_MS = 60 * 60_000
/** The PUT_VALUEs straight to the holders give up after this long, leaving the rest of RECORD_PUBLISH_TIMEOUT_MS to the lookup. */
export const RECORD_DIRECT_PUT_TIMEOUT_MS = 10_000
/** A publication with a lookup that fewer than enough relays stored is made again this many times at most (with RECORD_RETRY_BACKOFF), before the republish interval takes over. */
export const RECORD_SHORT_RETRIES = 4
/** Kademlia's K (kad-dht's default): the relays that should hold a record, as many as kad-dht's put sends it to; at most this many are remembered as holding ours. */
const RECORD_REPLICAS = 20
/** The relays a lookup heard of are counted up to this many (enough to say "more than K"; the set stays small). */
const MAX_HEARD = 4 * RECORD_REPLICAS

/** The DHT as the publisher uses it: kad-dht's put, and its routing table (its size, and its network for a PUT_VALUE to one relay: putValueTo). */
export type PublisherDht = Pick<KadDHT, 'put'> & { readonly routingTable: { readonly size: number } }

export type PublisherNode = Pick<Libp2p<{ dht: PublisherDht }>, 'peerId' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener' | 'services'>

export interface RecordPublisherComponents {
  logger: ComponentLogger
  libp2p: PublisherNode
  identity: Pick<IdentityPort, 'privateKey'>
}

export interface RecordPublisherInit {
  now?: () => number
  random?: () => number
}

export class RecordPublisher implements Startable {
  readonly #components: RecordPublisherComponents
  readonly #log: Logger
  readonly #now: () => number
  readonly #random: () => number
  readonly #flight: SingleFlight
  #stopped = new AbortController()
  #timer?: ReturnType<typeof setTimeout>
  /** what was last stored by at least one relay, and by how many */
  #last?: { addresses: string, at: number, relays: number }
  /** the relays that stored the last publication */
  #holders: PeerId[] = []
  /** when the last publication made with a lookup was stored */
  #lookedUpAt = -Infinity
  /** how many relays the last lookup heard of (those that answered, and those they named) */
  #heard = 0
  /** the last publication was stored by fewer than enough relays: the next is made with a lookup, however soon */
  #short = false
  #shortRetries = 0
  #lastSeq = 0n
  #failures = 0

  constructor (components: RecordPublisherComponents, init: RecordPublisherInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:record-publisher')
    this.#now = init.now ?? Date.now
    this.#random = init.random ?? Math.random
    this.#flight = new SingleFlight(async () => this.#publish(), (err) => {
      this.#log.error('publishing our peer record failed - %e', err)
    }, { minGapMs: RECORD_PUBLISH_GAP_MS })
  }

  /** A publication is asked for only with something to publish: one that had nothing would hold the next back by the gap (the first reservation, a moment after start). */
  readonly #onUpdate = (): void => {
    if (this.#addresses().length > 0) void this.#flight.request()
  }

  /** The addresses of the last publication that a relay stored (separated by spaces), and how many relays stored it. */
  get lastStored (): { addresses: string, relays: number } | undefined {
    return this.#last === undefined ? undefined : { addresses: this.#last.addresses, relays: this.#last.relays }
  }

  start (): void {
    this.#stopped = new AbortController()
  }

  afterStart (): void {
    this.#components.libp2p.addEventListener('self:peer:update', this.#onUpdate)
    this.#onUpdate()
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('self:peer:update', this.#onUpdate)
    this.#stopped.abort()
    this.#flight.stop()
    clearTimeout(this.#timer)
    this.#last = undefined
    this.#holders = []
    this.#lookedUpAt = -Infinity
    this.#heard = 0
    this.#short = false
    this.#shortRetries = 0
    this.#failures = 0
  }

  /**
   * The addresses a record of ours may carry, as the node has them now: its
   * circuit addresses through the relays it holds a reservation on (a plain
   * `/p2p-circuit` address of that relay is listed), and their `/webrtc`
   * forms. libp2p may list a relay's `/webrtc` form for a while after that
   * reservation ended.
   */
  #addresses (): Multiaddr[] {
    const { libp2p } = this.#components
    const circuits = libp2p.getMultiaddrs().filter(a => isRecordAddress(a, libp2p.peerId))
    const reserved = new Set(circuits.filter(a => !a.getComponents().some(c => c.name === 'webrtc')).map(a => circuitRelayId(a.toString())))
    const out = new Map<string, Multiaddr>()
    for (const address of circuits) {
      if (out.size === MAX_PEER_RECORD_ADDRESSES) break
      if (reserved.has(circuitRelayId(address.toString()))) out.set(address.toString(), address)
    }
    return [...out.values()]
  }

  #schedule (ms: number): void {
    clearTimeout(this.#timer)
    if (this.#stopped.signal.aborted) return
    this.#timer = setTimeout(() => { void this.#flight.request() }, Math.max(0, ms))
  }

  async #publish (): Promise<void> {
    if (this.#stopped.signal.aborted) return
    const addresses = this.#addresses()
    if (addresses.length === 0) {
      // no reservation: nothing to say; the record expires by itself, and the next address change publishes again
      clearTimeout(this.#timer)
      return
    }
    const text = addresses.map(String).join(' ')
    const now = this.#now()
    const last = this.#last
    if (last !== undefined && last.addresses === text && now - last.at < PEER_RECORD_REPUBLISH_MS && !this.#short) {
      this.#schedule(last.at + PEER_RECORD_REPUBLISH_MS - now)
      return
    }
    const seq = BigInt(now) > this.#lastSeq ? BigInt(now) : this.#lastSeq + 1n
    this.#lastSeq = seq
    const { libp2p, identity } = this.#components
    const key = peerRecordKey(libp2p.peerId)
    const bytes = await sealPeerRecord(identity.privateKey(), addresses, seq)
    const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(RECORD_PUBLISH_TIMEOUT_MS)])
    // a renewal (the same addresses) within the hour of a lookup goes straight to the last holders, done when enough store it
    const renewal = last !== undefined && last.addresses === text && now - this.#lookedUpAt < RECORD_LOOKUP_EVERY_MS && !this.#short
    let enough = renewal ? this.#enough(this.#heard) : Infinity
    let holders: PeerId[] = []
    let how = 'straight'
    if (this.#holders.length >= enough) {
      holders = await this.#putToHolders(key, bytes, AbortSignal.any([signal, AbortSignal.timeout(RECORD_DIRECT_PUT_TIMEOUT_MS)]))
    }
    if (holders.length < enough && !this.#stopped.signal.aborted) {
      how = 'with a lookup'
      const put = await this.#putWithLookup(key, bytes, signal)
      holders = put.holders
      enough = this.#enough(put.heard)
      if (holders.length > 0) {
        this.#lookedUpAt = now
        this.#heard = put.heard
      }
    }
    if (this.#stopped.signal.aborted) return
    if (holders.length > 0) {
      this.#holders = holders.slice(0, RECORD_REPLICAS)
      this.#last = { addresses: text, at: now, relays: holders.length }
      // short publications in a row count against RECORD_SHORT_RETRIES; new addresses, or one stored by enough, start the count again
      if (last?.addresses !== text || holders.length >= enough) this.#shortRetries = 0
      this.#short = holders.length < enough && this.#shortRetries < RECORD_SHORT_RETRIES
      if (this.#short) {
        this.#log('our peer record (%d addresses) was stored by %d relays of the %d it should be; looking them up again later', addresses.length, holders.length, enough)
        this.#shortRetries++
        this.#schedule(backoffDelay(this.#failures++, RECORD_RETRY_BACKOFF, this.#random))
        return
      }
      this.#failures = 0
      this.#log('published our peer record (%d addresses) to %d relays, %s', addresses.length, holders.length, how)
      this.#schedule(PEER_RECORD_REPUBLISH_MS)
      return
    }
    this.#log('no relay stored our peer record; trying again later')
    // neither those that held the last one nor the closest found now: the next attempt looks them up afresh
    this.#holders = []
    this.#schedule(backoffDelay(this.#failures++, RECORD_RETRY_BACKOFF, this.#random))
  }

  /** How many relays storing a record is enough: half of K, or of the relays known when fewer (in the routing table, or `heard` of in a lookup). */
  #enough (heard: number): number {
    const known = Math.max(this.#components.libp2p.services.dht.routingTable.size, heard)
    return Math.ceil(Math.max(1, Math.min(RECORD_REPLICAS, known)) / 2)
  }

  /** kad-dht's put: the closest relays looked up, a PUT_VALUE to each; the relays that stored it, and how many the lookup heard of (those that answered and those they named). */
  async #putWithLookup (key: Uint8Array, bytes: Uint8Array, signal: AbortSignal): Promise<{ holders: PeerId[], heard: number }> {
    const holders = new Map<string, PeerId>()
    const self = this.#components.libp2p.peerId.toString()
    const heard = new Set<string>()
    // kad-dht's put sends its PUT_VALUEs to the closest relays (up to K) at once, each listening to `signal`
    setMaxListeners(Infinity, signal)
    try {
      for await (const event of this.#components.libp2p.services.dht.put(key, bytes, { signal })) {
        if (event.name !== 'PEER_RESPONSE') continue
        for (const peer of [event.from, ...event.closer.map(p => p.id)]) if (heard.size < MAX_HEARD) heard.add(peer.toString())
        if (event.messageName === 'PUT_VALUE') holders.set(event.from.toString(), event.from)
      }
    } catch (err) {
      if (!this.#stopped.signal.aborted) this.#log('publishing our peer record ended early - %e', err)
    }
    heard.delete(self)
    return { holders: [...holders.values()], heard: heard.size }
  }

  /** A PUT_VALUE to each relay that stored the last publication, all at once (at most RECORD_REPLICAS); those that stored this one. */
  async #putToHolders (key: Uint8Array, bytes: Uint8Array, signal: AbortSignal): Promise<PeerId[]> {
    const { dht } = this.#components.libp2p.services
    // each request listens to `signal` (its dial, its stream): past Node's warning at 10 listeners, and removed as each ends
    setMaxListeners(Infinity, signal)
    const stored = await Promise.all(this.#holders.map(async (relay) => putValueTo(dht, relay, key, bytes, signal).catch((err: unknown) => {
      if (!signal.aborted) this.#log('PUT_VALUE to %p failed - %e', relay, err)
      return false
    })))
    return this.#holders.filter((_relay, i) => stored[i] === true)
  }
}
