/**
 * "Nearby" in the node (docs/protocols.md, "Nearby"): browsers cannot do
 * mDNS, so the relays they share tell them who is near. While the user has
 * opted in, the node registers its display name on each relay it holds a
 * reservation on (a registration lasts while the connection does; the relay
 * forgets it on disconnect) and, when a tab asks, lists the people those
 * relays see nearby. Adding one of them is adding the invite made of what the
 * relay listed (PeerID, name, circuit addresses): the same validation and the
 * same contact request as a pasted invite, which the other side accepts or
 * declines as usual. No new trust path: the relay only introduces.
 */
import { circuitRelayId } from '@parley/protocol/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { nearbyRequest, peerIdOfEntry } from '@parley/protocol/nearby/client'
import { NearbyRefusedError } from '@parley/protocol/nearby/codec'
import type { NearbyEntry } from '@parley/protocol/nearby/codec'
import { errorClass } from '../../contract/errors.ts'
import { nearbyEnabled, setNearbyEnabled } from '../../db/settings.ts'
import type { NearbyPerson } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { ComponentLogger, Connection, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'

/** One nearby request to a relay (stream opened, sent, answered) gives up after this long. */
export const NEARBY_REQUEST_TIMEOUT_MS = 10_000
/**
 * A LIST answer is reused for this long: several tabs polling at once cost
 * each relay one LIST per interval (the relay allows 60 requests a minute).
 */
export const NEARBY_LIST_FRESH_MS = 2_000
/** Registered on at most this many relays at once (the node reserves on two). */
export const MAX_NEARBY_RELAYS = 4
/** Most people kept from the last LIST of all relays together (each relay lists at most 64). */
export const MAX_NEARBY_PEOPLE = 128

/** The person to add is not (any more) among those the relays listed (`notNearby`). */
export const NotNearbyError = errorClass('NotNearbyError')

/** Someone the relays listed, with the circuit addresses the relay gave (kept in the worker, never sent to tabs). */
export interface NearbyFound extends NearbyPerson {
  addresses: string[]
}

export interface NearbyComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'peerId' | 'getConnections' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener'>
  /** our display name, as the relays will show it */
  identity: Pick<IdentityPort, 'require'>
}

type RelayState = 'registering' | 'registered' | 'unsupported'

/** The PeerIDs of the relays our circuit addresses go through (`…/p2p/<relay>/p2p-circuit/…`). */
function reservedRelays (node: Pick<Libp2p, 'getMultiaddrs'>): string[] {
  const relays = new Set<string>()
  for (const ma of node.getMultiaddrs()) {
    const relay = circuitRelayId(ma.toString())
    if (relay !== undefined) relays.add(relay)
  }
  return [...relays]
}

const errorName = (err: unknown): string => err instanceof Error ? err.name : ''

/**
 * The node's side of Nearby. Never throws out of its event handlers; the
 * relays' refusals are logged and tried again on the next LIST (a tab's poll)
 * or reservation.
 */
export class Nearby implements Startable {
  readonly #components: NearbyComponents
  readonly #log: Logger
  #enabled = false
  #started = false
  /** relays (PeerIDs) we registered on, or are registering on, or that lack the protocol; at most MAX_NEARBY_RELAYS */
  readonly #relays = new Map<string, RelayState>()
  /** registrations under way, which a LIST waits for (the relay refuses a LIST before them) */
  readonly #pending = new Set<Promise<void>>()
  /** the last LIST of every relay, by PeerID; at most MAX_NEARBY_PEOPLE */
  #people = new Map<string, NearbyFound>()
  #listedAt = -Infinity
  #listing?: Promise<NearbyPerson[]>

  constructor (components: NearbyComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:nearby')
  }

  get enabled (): boolean {
    return this.#enabled
  }

  /** Reads whether the user opted in; follows the node's reservations from now on. */
  async start (): Promise<void> {
    this.#enabled = await nearbyEnabled(this.#components.db)
    const { libp2p } = this.#components
    libp2p.addEventListener('self:peer:update', this.#onAddresses)
    libp2p.addEventListener('transport:listening', this.#onAddresses)
    libp2p.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#started = true
  }

  /** The node runs: opted in, it registers on the relays it holds reservations on. */
  afterStart (): void {
    this.#onAddresses()
  }

  stop (): void {
    this.#started = false
    const { libp2p } = this.#components
    libp2p.removeEventListener('self:peer:update', this.#onAddresses)
    libp2p.removeEventListener('transport:listening', this.#onAddresses)
    libp2p.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#relays.clear()
    this.#people.clear()
  }

  /**
   * Opts this device in (registers on our relays now) or out (withdraws from
   * each at once, and forgets who was listed), remembered in the `settings`
   * table. Resolves when the relays answered or gave up.
   */
  async setEnabled (enabled: boolean): Promise<void> {
    this.#components.identity.require()
    await setNearbyEnabled(this.#components.db, enabled)
    if (!this.#started) return
    const was = this.#enabled
    this.#enabled = enabled
    this.#people = new Map()
    this.#listedAt = -Infinity
    if (enabled) {
      await this.#reconcile()
    } else if (was) {
      await this.#withdrawAll()
    }
  }

  /**
   * The people nearby on the relays we are registered on, ourselves left
   * out; empty while off. A LIST answered less than NEARBY_LIST_FRESH_MS ago
   * is reused, and concurrent calls share one round of requests.
   */
  async list (): Promise<NearbyPerson[]> {
    if (!this.#enabled || !this.#started) return []
    if (Date.now() - this.#listedAt < NEARBY_LIST_FRESH_MS) return this.#snapshot()
    this.#listing ??= this.#listAll().finally(() => { this.#listing = undefined })
    return this.#listing
  }

  /** Someone the last LIST found, with the addresses to reach them; undefined when not (any more) listed. */
  find (peerId: string): NearbyFound | undefined {
    return this.#enabled ? this.#people.get(peerId) : undefined
  }

  #snapshot (): NearbyPerson[] {
    return [...this.#people.values()].map(({ peerId, name }) => ({ peerId, name }))
  }

  readonly #onAddresses = (): void => {
    this.#reconcile().catch((err: unknown) => { this.#log.error('nearby registration failed - %e', err) })
  }

  readonly #onDisconnect = (event: CustomEvent<PeerId>): void => {
    // the relay forgot our registration with the connection; a new reservation registers again
    this.#relays.delete(event.detail.toString())
  }

  /** An open connection to `relay` that no relay limits (the one our reservation is on). */
  #connectionTo (relay: string): Connection | undefined {
    let peer
    try {
      peer = peerIdFromString(relay)
    } catch {
      // our own circuit addresses name the relay: one that does not parse is no relay to ask
      return undefined
    }
    return this.#components.libp2p.getConnections(peer).find(c => c.status === 'open' && c.limits == null)
  }

  /** Registers on each relay we hold a reservation on and are not registered on yet. */
  async #reconcile (): Promise<void> {
    if (!this.#enabled || !this.#started) return
    const fresh = reservedRelays(this.#components.libp2p).filter(r => !this.#relays.has(r)).slice(0, Math.max(0, MAX_NEARBY_RELAYS - this.#relays.size))
    await Promise.all(fresh.map(async (relay) => {
      const work = this.#register(relay)
      this.#pending.add(work)
      try {
        await work
      } finally {
        this.#pending.delete(work)
      }
    }))
  }

  async #register (relay: string): Promise<void> {
    const connection = this.#connectionTo(relay)
    if (connection == null) return
    this.#relays.set(relay, 'registering')
    try {
      await nearbyRequest(connection, { op: 'register', name: this.#components.identity.require().username }, { signal: AbortSignal.timeout(NEARBY_REQUEST_TIMEOUT_MS) })
      if (this.#relays.get(relay) !== 'registering') return
      if (!this.#enabled) {
        // turned off while the request was under way: take it back
        this.#relays.delete(relay)
        await this.#withdraw(relay, connection)
        return
      }
      this.#relays.set(relay, 'registered')
      this.#log('registered as nearby on %s', relay)
    } catch (err) {
      if (this.#relays.get(relay) !== 'registering') return
      if (errorName(err) === 'UnsupportedProtocolError') {
        // an older relay, or one run with --nearby off: asked again after it reconnects
        this.#relays.set(relay, 'unsupported')
        this.#log('relay %s does not offer nearby', relay)
        return
      }
      this.#relays.delete(relay)
      this.#log.error('cannot register as nearby on %s - %e', relay, err)
    }
  }

  async #withdraw (relay: string, connection: Connection | undefined): Promise<void> {
    if (connection == null) return
    try {
      await nearbyRequest(connection, { op: 'unregister' }, { signal: AbortSignal.timeout(NEARBY_REQUEST_TIMEOUT_MS) })
    } catch (err) {
      // the relay forgets us anyway when this connection closes
      this.#log.error('cannot withdraw from nearby on %s - %e', relay, err)
    }
  }

  async #withdrawAll (): Promise<void> {
    const relays = [...this.#relays].filter(([, state]) => state === 'registered').map(([relay]) => relay)
    // 'registering' ones withdraw themselves when their answer comes
    for (const relay of relays) this.#relays.delete(relay)
    await Promise.all(relays.map(async relay => this.#withdraw(relay, this.#connectionTo(relay))))
  }

  async #listAll (): Promise<NearbyPerson[]> {
    await this.#reconcile()
    // a tab may ask right after turning Nearby on, while the registrations are still on their way
    await Promise.all([...this.#pending])
    const relays = [...this.#relays].filter(([, state]) => state === 'registered').map(([relay]) => relay)
    const results = await Promise.allSettled(relays.map(async relay => this.#listOn(relay)))
    if (!this.#enabled) return []
    const people = new Map<string, NearbyFound>()
    const me = this.#components.libp2p.peerId.toString()
    for (const [i, result] of results.entries()) {
      const relay = relays[i] ?? ''
      if (result.status === 'rejected') {
        // the relay forgot us (restarted, say): register again next time
        if (result.reason instanceof NearbyRefusedError && result.reason.code === 'not-registered') this.#relays.delete(relay)
        this.#log.error('cannot list nearby people on %s - %e', relay, result.reason)
        continue
      }
      for (const person of result.value) {
        if (person.peerId !== me && !people.has(person.peerId) && people.size < MAX_NEARBY_PEOPLE) people.set(person.peerId, person)
      }
    }
    this.#people = people
    this.#listedAt = Date.now()
    return this.#snapshot()
  }

  /** One relay's LIST, keeping only entries whose addresses go through that relay to that peer. */
  async #listOn (relay: string): Promise<NearbyFound[]> {
    const connection = this.#connectionTo(relay)
    if (connection == null) {
      this.#relays.delete(relay)
      return []
    }
    const reply = await nearbyRequest(connection, { op: 'list' }, { signal: AbortSignal.timeout(NEARBY_REQUEST_TIMEOUT_MS) })
    return reply.entries.flatMap(entry => this.#found(relay, entry))
  }

  #found (relay: string, entry: NearbyEntry): NearbyFound[] {
    let peerId: string
    try {
      peerId = peerIdOfEntry(entry)
    } catch (err) {
      this.#log.error('relay %s listed a nearby entry without a usable PeerID - %e', relay, err)
      return []
    }
    const addresses = entry.addresses.filter(a => a.endsWith(`/p2p/${relay}/p2p-circuit/p2p/${peerId}`))
    if (addresses.length === 0) return []
    return [{ peerId, name: entry.name, addresses }]
  }
}
