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
 */
import { PEER_RECORD_REPUBLISH_MS, isRecordAddress, MAX_PEER_RECORD_ADDRESSES, peerRecordKey, sealPeerRecord } from '@parley/protocol/peer-record/record'
import { circuitRelayId } from '@parley/protocol/multiaddr'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import type { Identity } from '../identity/identity.ts'
import type { KadDHT } from '@libp2p/kad-dht'
import type { ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Publications start at least this far apart: the relays take 6 a minute from one browser. */
export const RECORD_PUBLISH_GAP_MS = 10_000
/** One publication (lookup of the closest relays and the PUTs to them) gives up after this long. */
export const RECORD_PUBLISH_TIMEOUT_MS = 30_000
/** Spacing of the attempts after a publication that no relay stored (the first, 10 to 20 s, is past the gap). */
export const RECORD_RETRY_BACKOFF: BackoffOptions = { initialMs: 20_000, maxMs: 5 * 60_000 }

export type PublisherNode = Pick<Libp2p<{ dht: Pick<KadDHT, 'put'> }>, 'peerId' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener' | 'services'>

export interface RecordPublisherComponents {
  logger: ComponentLogger
  libp2p: PublisherNode
  identity: Pick<Identity, 'privateKey'>
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
  /** what was last stored by at least one relay */
  #last?: { addresses: string, at: number }
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
    if (last !== undefined && last.addresses === text && now - last.at < PEER_RECORD_REPUBLISH_MS) {
      this.#schedule(last.at + PEER_RECORD_REPUBLISH_MS - now)
      return
    }
    const seq = BigInt(now) > this.#lastSeq ? BigInt(now) : this.#lastSeq + 1n
    this.#lastSeq = seq
    const { libp2p, identity } = this.#components
    const bytes = await sealPeerRecord(identity.privateKey(), addresses, seq)
    const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(RECORD_PUBLISH_TIMEOUT_MS)])
    let stored = 0
    try {
      for await (const event of libp2p.services.dht.put(peerRecordKey(libp2p.peerId), bytes, { signal })) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') stored++
      }
    } catch (err) {
      if (this.#stopped.signal.aborted) return
      this.#log('publishing our peer record ended early - %e', err)
    }
    if (this.#stopped.signal.aborted) return
    if (stored > 0) {
      this.#last = { addresses: text, at: now }
      this.#failures = 0
      this.#log('published our peer record (%d addresses) to %d relays', addresses.length, stored)
      this.#schedule(PEER_RECORD_REPUBLISH_MS)
      return
    }
    this.#log('no relay stored our peer record; trying again later')
    this.#schedule(backoffDelay(this.#failures++, RECORD_RETRY_BACKOFF, this.#random))
  }
}
