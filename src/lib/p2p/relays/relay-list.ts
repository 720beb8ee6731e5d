import { peerIdFromString } from '@libp2p/peer-id'
import { circuitRelayAddress, isCircuitAddress } from '@parley/protocol/multiaddr'
import {
  activeRelays, addUserRelay, getRelay, listRelays, noteDiscoveredRelay, recordRelayResult, relayAddressProblem, removeRelay,
  setRelayActive, syncDefaultRelays
} from '../../db/relays.ts'
import { UnknownRelayError } from '../../db/errors.ts'
import { toErrorShape } from '../../contract/errors.ts'
import { needsWebRtc, networkSnapshot, relayInfo, reservedRelayIds, transportName } from './network-snapshot.ts'
import { RelayTestBusyError, testRelay } from './relay-test.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { NetworkSnapshot, RelayInfo } from '../../contract/index.ts'
import type { ContactBookPort } from '../kernel/ports/contacts.ts'
import type { RelayListPort } from '../kernel/ports/relays.ts'
import type { ServedConfig } from '../kernel/components.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { StatusBoard } from '../kernel/status.ts'
import type { RelayKeeper } from './relay-keeper.ts'
import type { ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'
import type { Ping } from '@libp2p/ping'

/** Relay addresses remembered as already noted in a run; past this the memory starts over. */
const MAX_NOTED_RELAYS = 64

export interface RelayListComponents {
  db: ParleyDb
  logger: ComponentLogger
  /** the node (its ping service for the relay test; its `dht` service, when there is one, for the Network panel) */
  libp2p: Libp2p<{ ping: Ping }>
  served: Pick<ServedConfig, 'relays'>
  status: Pick<StatusBoard, 'current' | 'update'>
  keeper: Pick<RelayKeeper, 'setRelays' | 'release' | 'state'>
  contactBook: Pick<ContactBookPort, 'byPeerId'>
  events: Pick<ParleyEventTarget, 'safeDispatchEvent'>
}

/**
 * The relays: the `relays` table (shipped defaults from the served config,
 * the user's, the discovered ones) handed to the keeper whenever it changes;
 * our circuit addresses and reservations in the node's status, and the
 * phase they make ('online' while we hold one); a reservation on a relay the
 * list does not have (found through the DHT) makes it a discovered relay; the
 * Network panel's snapshot and relay tests.
 */
export class RelayList implements RelayListPort, Startable {
  readonly #components: RelayListComponents
  readonly #log: Logger
  /** the active rows of the `relays` table, as handed to the keeper */
  #relays: string[] = []
  /** relay addresses already noted as discovered in this run (bounded: cleared past MAX_NOTED_RELAYS) */
  readonly #noted = new Set<string>()
  #started = false

  constructor (components: RelayListComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:relays')
  }

  /** The shipped defaults are synced into the table; the active rows go to the keeper. */
  async start (): Promise<void> {
    const { db, served, libp2p } = this.#components
    if (served.relays != null) {
      try {
        await syncDefaultRelays(db, served.relays)
      } catch (err) {
        const { code, params } = toErrorShape(err)
        this.#components.status.update({ error: { code, params } })
      }
    }
    await this.apply()
    // a reservation shows up first as a listener event; self:peer:update
    // follows only after libp2p's address debounce (about a second)
    libp2p.addEventListener('transport:listening', this.#onAddresses)
    libp2p.addEventListener('transport:close', this.#onAddresses)
    libp2p.addEventListener('self:peer:update', this.#onAddresses)
    this.#started = true
  }

  afterStart (): void {
    this.#updateAddresses()
  }

  stop (): void {
    this.#started = false
    const { libp2p } = this.#components
    libp2p.removeEventListener('transport:listening', this.#onAddresses)
    libp2p.removeEventListener('transport:close', this.#onAddresses)
    libp2p.removeEventListener('self:peer:update', this.#onAddresses)
  }

  /** Our relays: the active rows of the table (full multiaddrs ending in /p2p/<relay>). */
  active (): string[] {
    return this.#relays
  }

  /**
   * Hands the table's active relays to the keeper (which dials new ones and
   * hangs up on dropped ones), and tells the node's features when the list
   * changed (`relays:active`).
   */
  async apply (): Promise<void> {
    const before = this.#relays
    this.#relays = await activeRelays(this.#components.db)
    await this.#components.keeper.setRelays(this.#relays)
    if (before.length !== this.#relays.length || before.some((r, i) => r !== this.#relays[i])) {
      this.#components.events.safeDispatchEvent('relays:active', { detail: { relays: this.#relays } })
    }
    if (this.#started) this.#updateAddresses()
  }

  /**
   * Whether this browser can dial `address`: not a WebRTC-Direct one without
   * WebRTC (the keeper does not try it, the panel says it is not available).
   */
  dialable (address: string): boolean {
    return this.#dialable(address)
  }

  #dialable (address: string): boolean {
    return this.#components.status.current.capabilities.webrtc !== false || !needsWebRtc(address)
  }

  /**
   * The keeper's dial of `address` ended: recorded in its row; a failure is
   * the status's problem. A dial that returned a connection the relay already
   * had over another of its addresses (libp2p gives an open connection to the
   * same peer instead of dialling) says nothing of this one: not recorded.
   */
  dialed (address: string, result: { ok: true, rtt?: number, remoteAddr?: string } | { ok: false, error: string }): void {
    if (result.ok && result.remoteAddr !== undefined && transportName(result.remoteAddr) !== transportName(address)) return
    recordRelayResult(this.#components.db, address, result.ok ? { ok: true, rtt: result.rtt, now: Date.now() } : { ok: false, now: Date.now() })
      .catch((err: unknown) => { if (this.#started) this.#log.error('could not record a relay result - %e', err) })
    if (!result.ok) this.#components.status.update({ error: { code: 'relayUnreachableStatus', params: { reason: result.error } } })
  }

  /** Adds a relay the user typed (db/relays.ts addUserRelay); the keeper dials it at once. */
  async add (address: string): Promise<RelayInfo> {
    await addUserRelay(this.#components.db, address.trim())
    await this.apply()
    const info = (await this.network()).relays.find(r => r.multiaddr === address.trim())
    if (info === undefined) throw new UnknownRelayError('relayGoneAgain')
    return info
  }

  /** Enables or disables a relay; the keeper connects to it, or hangs up on it, at once. */
  async setActive (address: string, active: boolean): Promise<void> {
    await setRelayActive(this.#components.db, address, active)
    await this.apply()
  }

  /** Removes a relay (a shipped default is disabled instead: db/relays.ts removeRelay) and hangs up on it. */
  async remove (address: string): Promise<'removed' | 'disabled'> {
    const outcome = await removeRelay(this.#components.db, address)
    await this.apply()
    return outcome
  }

  /**
   * Tests a listed relay: dial, circuit relay check, ping (relay-test.ts).
   * The outcome is recorded in its row; a connection opened only for the
   * test is closed again when the relay is not kept (disabled).
   */
  async test (address: string, signal: AbortSignal): Promise<{ rtt: number }> {
    const { db, libp2p, keeper } = this.#components
    const row = await getRelay(db, address)
    if (row == null) throw new UnknownRelayError('relayNotListed')
    const peerId = peerIdFromString(row.peerId)
    const wasConnected = libp2p.getConnections(peerId).length > 0
    try {
      const { rtt } = await testRelay(libp2p, address, { signal })
      await recordRelayResult(db, address, { ok: true, rtt, now: Date.now() })
      return { rtt }
    } catch (err) {
      // a test our own node had no stream for says nothing about the relay
      if (!signal.aborted && !(err instanceof RelayTestBusyError)) await recordRelayResult(db, address, { ok: false, now: Date.now() })
      throw err
    } finally {
      if (!wasConnected) await keeper.release(peerId)
    }
  }

  /** Own addresses, reachability, DHT, connections and relays, as the node sees them now. */
  async network (): Promise<NetworkSnapshot> {
    const { db, keeper, contactBook } = this.#components
    const rows = await listRelays(db)
    if (!this.#started) {
      return {
        addresses: [],
        reachability: 'unreachable',
        reservations: 0,
        directConnections: 0,
        dht: { running: false },
        connections: [],
        relays: rows.map(row => relayInfo(row, { connected: false, reserved: false, dialable: this.#dialable(row.multiaddr) }))
      }
    }
    return networkSnapshot(this.#components.libp2p, {
      rows,
      kept: (address) => keeper.state(address),
      dialable: (address) => this.#dialable(address),
      contactName: async (peerId) => {
        const contact = await contactBook.byPeerId(peerId)
        return contact == null ? undefined : contact.nickname ?? contact.username
      }
    })
  }

  readonly #onAddresses = (): void => {
    this.#updateAddresses()
  }

  /** Our circuit addresses, the reservations and the phase they make, in the status. */
  #updateAddresses (): void {
    const addresses = this.#components.libp2p.getMultiaddrs().map(ma => ma.toString()).filter(isCircuitAddress)
    this.#noteReservations(addresses)
    const online = addresses.length > 0
    this.#components.status.update({
      phase: online ? 'online' : 'offline',
      addresses,
      relays: this.#relays.map(r => ({ multiaddr: r, reserved: addresses.some(a => circuitRelayAddress(a) === r) })),
      ...(online ? { error: undefined } : {})
    })
  }

  /**
   * A reservation on a relay the list does not have (the relay transport
   * found it, e.g. through the DHT) makes it a 'discovered' relay, which the
   * keeper then keeps. Each address is looked at once per run.
   */
  #noteReservations (addresses: readonly string[]): void {
    const known = new Set(this.#relays.map(r => r.split('/').at(-1)))
    for (const id of reservedRelayIds(addresses)) {
      if (known.has(id)) continue
      // the relay's first address a browser can dial (it announces its TCP one too)
      const relay = addresses.map(circuitRelayAddress)
        .find((r): r is string => r?.endsWith(`/p2p/${id}`) === true && relayAddressProblem(r) === undefined)
      if (relay === undefined || this.#noted.has(relay)) continue
      if (this.#noted.size >= MAX_NOTED_RELAYS) this.#noted.clear()
      this.#noted.add(relay)
      noteDiscoveredRelay(this.#components.db, relay, Date.now())
        .then(async (outcome) => { if (outcome === 'added') await this.apply() })
        .catch((err: unknown) => {
          if (this.#started) this.#log.error('could not note discovered relay %s - %e', relay, err)
        })
    }
  }
}
