import { raceSignal } from '@parley/protocol/abort'
import { errorClass } from '../../contract/errors.ts'
import { circuitRelayId } from '@parley/protocol/multiaddr'
import { openPeerRecord, peerRecordKey } from '@parley/protocol/peer-record/record'
import { peerIdFromString } from '@libp2p/peer-id'
import { setContactAddresses } from '../../db/contacts.ts'
import { clearNotFound, markNotFound } from '../../db/not-found.ts'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { bestConnection, dialPeer } from '../kernel/connections.ts'
import { MAX_CONTACT_ADDRESS_CHARS, MAX_CONTACT_ADDRESSES } from '@parley/protocol/contact/codec'
import type { ParleyDb } from '../../db/db.ts'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { ContactRow } from '../../db/types.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import { refreshDeviceList } from './device-lists.ts'
import { REDIAL_BACKOFF } from './greeter.ts'
import type { KadDHT } from '@libp2p/kad-dht'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, PeerStore, Startable } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

/** One DHT lookup of a contact gives up after this long. */
export const CONTACT_LOOKUP_TIMEOUT_MS = 10_000
/**
 * After the first relay names the contact, other relays' answers are taken
 * for this much longer: a relay answers from its peer store, which may hold
 * addresses from before the contact moved, so one answer alone may be stale.
 */
export const LOOKUP_MORE_ANSWERS_MS = 1000
/**
 * Dialling a contact's known addresses gives up after this long, leaving the
 * rest of the caller's time to a lookup: a relay that died may take a dial
 * to it down with it instead of refusing it.
 */
export const KNOWN_ADDRESS_DIAL_TIMEOUT_MS = 10_000
/** Lookup state (under way or backing off) is kept for at most this many contacts; the oldest idle one is forgotten. */
export const MAX_TRACKED_LOOKUPS = 1000

/** The contact could not be reached at a known address, and the DHT gave no (new) one (or the node stops). */
export const ContactUnreachableError = errorClass('ContactUnreachableError')

/** What the DHT said: circuits through the relay that answered (`own`), the addresses of the newest peer record (`recorded`), and what relays said of others (`heard`). */
interface Answers {
  own: Multiaddr[]
  recorded: Multiaddr[]
  heard: Multiaddr[]
}

/** A lookup's answers, and whether any relay answered at all (an empty lookup while offline says nothing of the contact). */
interface Lookup extends Answers {
  responded: boolean
}

interface LookupState {
  /** the lookup under way; other callers for the same contact join it */
  running?: Promise<Lookup>
  /** the circuit addresses the last lookup found, dialled or not (`knownAddresses`) */
  found?: Multiaddr[]
  /** lookups since the contact was last reached */
  lookups: number
  /** no new lookup starts before this time (ms since the epoch) */
  notBefore: number
}

/** The node as the finder uses it: libp2p with the DHT client (service `dht`). */
export type FinderNode = Pick<Libp2p<{ dht: Pick<KadDHT, 'findPeer' | 'get'> }>, 'dial' | 'getConnections' | 'services'> & {
  peerStore: Pick<PeerStore, 'get' | 'patch'>
}

export interface ContactFinderComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: FinderNode
}

export interface ContactFinderInit {
  /** spacing of a contact's lookups until it is reached again (default: the greeter's redial back-off) */
  backoff?: BackoffOptions
  /** defaults to CONTACT_LOOKUP_TIMEOUT_MS */
  lookupTimeoutMs?: number
  /** defaults to MAX_TRACKED_LOOKUPS */
  maxTrackedLookups?: number
  /** the clock, for tests */
  now?: () => number
}

/**
 * Finds a contact again by its PeerID (docs/protocols.md, "Finding a peer
 * by PeerID"): it dials the addresses the peer store knows (from the contact
 * row, an invite or a hello) and, when that fails or there are none, asks the
 * DHT where the contact is now (the DHT's findPeer without the local cache,
 * and the contact's signed peer record; every answer within
 * LOOKUP_MORE_ANSWERS_MS of the first, since one may be stale), dials the
 * circuit addresses they name, and on success keeps them in the peer store
 * and the contact row.
 *
 * It does not rely on libp2p's dial looking a PeerID up by itself: that
 * happens only when the peer store has no entry at all for the peer, and
 * kad-dht answers from the local peer store first, even from an entry without
 * addresses.
 *
 * Bounded: one lookup per contact at a time (callers join it), each within
 * CONTACT_LOOKUP_TIMEOUT_MS, and the next one for that contact only after a
 * back-off delay (the greeter's redial back-off) until a connection to it is
 * made; the state is kept for at most MAX_TRACKED_LOOKUPS contacts.
 */
export class ContactFinder implements ContactDialer, Startable {
  readonly #components: ContactFinderComponents
  readonly #backoff: BackoffOptions
  readonly #lookupTimeoutMs: number
  readonly #maxTracked: number
  readonly #now: () => number
  readonly #log: Logger
  readonly #lookups = new Map<string, LookupState>()
  #shutdown = new AbortController()

  constructor (components: ContactFinderComponents, init: ContactFinderInit = {}) {
    this.#components = components
    this.#backoff = init.backoff ?? REDIAL_BACKOFF
    this.#lookupTimeoutMs = init.lookupTimeoutMs ?? CONTACT_LOOKUP_TIMEOUT_MS
    this.#maxTracked = init.maxTrackedLookups ?? MAX_TRACKED_LOOKUPS
    // Date looked up at each call: a clock moved in the e2e tests replaces Date in a running worker
    this.#now = init.now ?? (() => Date.now())
    this.#log = components.logger.forComponent('parley:contact-finder')
  }

  start (): void {
    this.#shutdown = new AbortController()
  }

  /** Ends the lookups under way and forgets every back-off. */
  stop (): void {
    this.#shutdown.abort(new ContactUnreachableError('nodeStopping'))
    this.#lookups.clear()
  }

  async connect (contact: Pick<ContactRow, 'peerId'>, options: { signal: AbortSignal }): Promise<Connection> {
    const node = this.#components.libp2p
    const peerId = peerIdFromString(contact.peerId)
    const open = bestConnection(node, peerId)
    if (open != null) return open

    let dialError: unknown
    const known = await this.#knownAddresses(peerId)
    if (known.length > 0) {
      try {
        const connection = await dialPeer(node, peerId, peerId, AbortSignal.any([options.signal, AbortSignal.timeout(KNOWN_ADDRESS_DIAL_TIMEOUT_MS)]), this.#log)
        this.#lookups.delete(peerId.toString())
        return connection
      } catch (err) {
        options.signal.throwIfAborted()
        dialError = err
      }
    }

    const { own, recorded, heard } = await this.#lookup(peerId, options.signal)
    const found = circuitAddressesOf(peerId, [...own, ...recorded, ...heard])
    if (found.length === 0) {
      if (dialError != null) throw dialError
      throw new ContactUnreachableError('contactUnreachable')
    }
    const connection = await dialPeer(node, peerId, found, options.signal, this.#log)
    this.#lookups.delete(peerId.toString())
    // a relay speaking for itself comes first, then the contact's own record; what relays said of
    // others is kept only when neither spoke; the address that worked comes first; no circuit
    // through a relay that a known address was just dialled through in vain is kept (a relay may
    // still be repeating where the contact was before it moved, and a record made then names that
    // relay's /webrtc circuits too), the connection's own address included: a WebRTC dial is
    // signalled over whatever connection to the contact is open, so a WebRTC connection dialled
    // through a relay that is gone can come up, and its address names that relay
    const failedRelays = new Set(dialError == null ? [] : known.flatMap(a => circuitRelayId(a.toString()) ?? []))
    const answered = (own.length > 0 || recorded.length > 0 ? [...own, ...recorded] : heard)
    const fresh = (address: Multiaddr): boolean => !failedRelays.has(circuitRelayId(address.toString()) ?? '')
    const kept = circuitAddressesOf(peerId, [connection.remoteAddr, ...answered]).filter(fresh)
    const keep = kept.length > 0 ? kept : found.filter(fresh)
    if (keep.length > 0) await this.#remember(peerId, keep)
    return connection
  }

  async knownAddresses (peerId: string): Promise<string[]> {
    const id = peerIdFromString(peerId)
    const known = await this.#knownAddresses(id)
    return (known.length > 0 ? known : this.#lookups.get(peerId)?.found ?? []).map(a => a.toString())
  }

  /** The addresses the peer store has for `peerId` (none when it does not know the peer). */
  async #knownAddresses (peerId: PeerId): Promise<Multiaddr[]> {
    try {
      return (await this.#components.libp2p.peerStore.get(peerId)).addresses.map(a => a.multiaddr)
    } catch (err) {
      if ((err as Error).name === 'NotFoundError') return []
      throw err
    }
  }

  /** What the DHT says of `peerId` now; nothing while its lookups back off. */
  async #lookup (peerId: PeerId, signal: AbortSignal): Promise<Answers> {
    const key = peerId.toString()
    const state = this.#lookups.get(key)
    let running = state?.running
    if (running == null) {
      if (state != null && this.#now() < state.notBefore) {
        this.#log('not looking up %p again yet', peerId)
        return { own: [], recorded: [], heard: [] }
      }
      const entry = state ?? this.#track(key)
      // the back-off runs from this lookup's start; reaching the contact clears it
      entry.notBefore = this.#now() + backoffDelay(entry.lookups, this.#backoff)
      entry.lookups++
      running = this.#find(peerId).then((answers) => {
        const found = circuitAddressesOf(peerId, [...answers.own, ...answers.recorded, ...answers.heard])
        if (found.length > 0) entry.found = found
        return answers
      }).finally(() => { entry.running = undefined })
      entry.running = running
    }
    return raceSignal(running, signal)
  }

  /**
   * Asks the DHT two ways at once: kad-dht's own findPeer (whose events say
   * which relay answered: a relay adds the peers holding a reservation on
   * it), every answer within LOOKUP_MORE_ANSWERS_MS of the first taken; and
   * the contact's peer record (docs/protocols.md, "Peer records"), each one a
   * relay gives checked here and the newest kept, until that query is done
   * (a relay may still hold an older record than the others: only the whole
   * query says which is newest), unless a relay holding the contact's
   * reservation has answered by the time the first answer's second is up.
   */
  async #find (peerId: PeerId): Promise<Lookup> {
    const lookup = AbortSignal.any([this.#shutdown.signal, AbortSignal.timeout(this.#lookupTimeoutMs)])
    const enoughNode = new AbortController()
    const enoughRecord = new AbortController()
    const answers: Lookup = { own: [], heard: [], recorded: [], responded: false }
    let timer: ReturnType<typeof setTimeout> | undefined
    const answered = (): void => {
      timer ??= setTimeout(() => {
        enoughNode.abort()
        if (answers.own.length > 0) enoughRecord.abort()
      }, LOOKUP_MORE_ANSWERS_MS)
    }
    const { dht } = this.#components.libp2p.services
    // the contact's device list too (presence/device-lists.ts), beside the lookup: nothing here waits for it
    void refreshDeviceList(this.#components, peerId, lookup, this.#log)
    const byNode = async (): Promise<void> => {
      for await (const event of dht.findPeer(peerId, { signal: AbortSignal.any([lookup, enoughNode.signal]), useCache: false })) {
        if (event.name === 'PEER_RESPONSE') answers.responded = true
        if (event.name !== 'FINAL_PEER') continue
        const relay = event.from.toString()
        for (const address of event.peer.multiaddrs) (circuitRelayId(address.toString()) === relay ? answers.own : answers.heard).push(address)
        answered()
      }
    }
    const byRecord = async (): Promise<void> => new Promise<void>((resolve) => {
      const key = peerRecordKey(peerId)
      let newest = -1n
      void (async () => {
        try {
          for await (const event of dht.get(key, { signal: AbortSignal.any([lookup, enoughRecord.signal]) })) {
            // the query is done once kad-dht sends the newest record to relays that gave an older one;
            // those corrections go on in the background (within the lookup's time)
            if (event.name === 'SEND_QUERY' && event.messageName === 'PUT_VALUE') resolve()
            if (event.name === 'PEER_RESPONSE') answers.responded = true
            // every relay's answer as it comes (kad-dht yields the best value only after the corrections)
            if (event.name !== 'PEER_RESPONSE' || event.messageName !== 'GET_VALUE' || event.record == null) continue
            try {
              const record = await openPeerRecord(key, event.record.value)
              if (record.seq <= newest) continue
              newest = record.seq
              answers.recorded = record.addresses
              answered()
            } catch (err) {
              this.#log('a relay gave a peer record of %p that does not open - %e', peerId, err)
            }
          }
        } catch (err) {
          this.#log('the record lookup of %p ended - %e', peerId, err)
        } finally {
          resolve()
        }
      })()
    })
    await Promise.allSettled([byNode(), byRecord()])
    clearTimeout(timer)
    const found = answers.own.length + answers.heard.length + answers.recorded.length
    if (found === 0) {
      this.#log('the DHT does not know where %p is', peerId)
      // no answer from anyone (offline, say) is not "no one has this ID"
      if (answers.responded && !this.#shutdown.signal.aborted) await this.#notFound(peerId)
      return answers
    }
    await this.#found(peerId)
    this.#log('the DHT has %p at %s (through the answering relay), %s (its record) and %s (heard)', peerId, answers.own.map(String), answers.recorded.map(String), answers.heard.map(String))
    return answers
  }

  /**
   * The lookup gave up with no answer: a contact asked from an unchecked
   * invite, never heard from, that no one has known for long enough is marked
   * not found (db/not-found.ts). Never throws.
   */
  async #notFound (peerId: PeerId): Promise<void> {
    try {
      if (await markNotFound(this.#components.db, peerId.toString(), this.#now()) !== undefined) {
        this.#log('no one with the PeerID %p was found: marked not found', peerId)
      }
    } catch (err) {
      this.#log.error('could not mark %p not found - %e', peerId, err)
    }
  }

  /** The DHT knows the PeerID: a not-found mark goes (db/not-found.ts). Never throws. */
  async #found (peerId: PeerId): Promise<void> {
    try {
      await clearNotFound(this.#components.db, peerId.toString())
    } catch (err) {
      this.#log.error('could not clear the not-found mark of %p - %e', peerId, err)
    }
  }

  #track (key: string): LookupState {
    if (this.#lookups.size >= this.#maxTracked) {
      for (const [oldKey, old] of this.#lookups) {
        if (old.running == null) {
          this.#lookups.delete(oldKey)
          break
        }
      }
    }
    const state: LookupState = { lookups: 0, notBefore: 0 }
    this.#lookups.set(key, state)
    return state
  }

  /** Where the DHT found the contact replaces what the peer store and its row knew. Never throws. */
  async #remember (peerId: PeerId, found: Multiaddr[]): Promise<void> {
    try {
      await this.#components.libp2p.peerStore.patch(peerId, { multiaddrs: found })
      await setContactAddresses(this.#components.db, peerId.toString(), found.map(ma => ma.toString()))
    } catch (err) {
      this.#log.error('could not keep the new addresses of %p - %e', peerId, err)
    }
  }
}

/**
 * The addresses in a DHT answer that lead to `peer` through a relay, each
 * ending in `/p2p/<peer>`; others are dropped (a wrong answer costs only a
 * failed dial, since Noise proves the PeerID, but it should not cost more).
 * At most MAX_CONTACT_ADDRESSES, each at most MAX_CONTACT_ADDRESS_CHARS.
 */
export function circuitAddressesOf (peer: PeerId, addresses: Multiaddr[]): Multiaddr[] {
  const out = new Map<string, Multiaddr>()
  for (const address of addresses) {
    if (out.size === MAX_CONTACT_ADDRESSES) break
    const components = address.getComponents()
    if (!components.some(c => c.name === 'p2p-circuit')) continue
    const full = components.at(-1)?.name === 'p2p' ? address : address.encapsulate(`/p2p/${peer.toString()}`)
    if (full.getComponents().at(-1)?.value !== peer.toString()) continue
    const text = full.toString()
    if (text.length <= MAX_CONTACT_ADDRESS_CHARS) out.set(text, full)
  }
  return [...out.values()]
}
