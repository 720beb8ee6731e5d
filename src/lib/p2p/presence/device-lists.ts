/**
 * The account's device list in the relays' DHT (docs/protocols.md, "The
 * device list in the DHT"): the holder publishes its signed list under
 * `/parley-devices/<account multihash>` (DeviceListPublisher), and a contact
 * looking the account up takes the newest list the relays hold
 * (refreshDeviceList, from ContactFinder's lookup), kept as a list given
 * over a session is (db/contact-devices.ts: only when newer, with the
 * chat's notices).
 *
 * When the holder publishes: once it holds a reservation (its first circuit
 * address), when its list's version grows (`devices:changed`), and every
 * DEVICE_LIST_REPUBLISH_MS while online; at least DEVICE_LIST_PUBLISH_GAP_MS
 * apart, one at a time, with back-off after one no relay stored. How:
 * kad-dht's put (a lookup of the relays closest to the key, a PUT_VALUE to
 * each).
 */
import { setMaxListeners } from 'main-event'
import { DEVICE_LIST_REPUBLISH_MS, deviceListKey, deviceListValue, openDeviceListRecord } from '@parley/protocol/devices/dht'
import { DeviceListError } from '@parley/protocol/devices/list'
import { isRecordAddress } from '@parley/protocol/peer-record/record'
import { backoffDelay } from '@parley/protocol/scheduling/backoff'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { storeContactDevices } from '../../db/contact-devices.ts'
import { getContactByPeerId } from '../../db/contacts.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { KadDHT } from '@libp2p/kad-dht'
import type { ComponentLogger, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'
import type { DeviceList } from '@parley/protocol/devices/list'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'

/** Publications start at least this far apart (they share the relays' 6 a minute per browser with the peer record). */
export const DEVICE_LIST_PUBLISH_GAP_MS = 10_000
/** One publication gives up after this long. */
export const DEVICE_LIST_PUBLISH_TIMEOUT_MS = 30_000
/** Spacing of the attempts after a publication no relay stored. */
export const DEVICE_LIST_RETRY_BACKOFF: BackoffOptions = { initialMs: 30_000, maxMs: 30 * 60_000 }

export type DeviceListNode = Pick<Libp2p<{ dht: Pick<KadDHT, 'put' | 'get'> }>, 'peerId' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener' | 'services'>

export interface DeviceListPublisherComponents {
  logger: ComponentLogger
  libp2p: DeviceListNode
  devices: Pick<DevicesPort, 'holder' | 'ownList'>
  events: Pick<ParleyEventTarget, 'addEventListener' | 'removeEventListener'>
}

export class DeviceListPublisher implements Startable {
  readonly #components: DeviceListPublisherComponents
  readonly #log: Logger
  readonly #random: () => number
  readonly #flight: SingleFlight
  #stopped = new AbortController()
  #timer?: ReturnType<typeof setTimeout>
  /** the version the relays last stored */
  #published = 0
  #failures = 0

  constructor (components: DeviceListPublisherComponents, init: { random?: () => number } = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:device-list-publisher')
    this.#random = init.random ?? Math.random
    this.#flight = new SingleFlight(async () => this.#publish(), (err) => {
      this.#log.error('publishing our device list failed - %e', err)
    }, { minGapMs: DEVICE_LIST_PUBLISH_GAP_MS })
  }

  /** The version the relays last stored (0 before the first). */
  get published (): number {
    return this.#published
  }

  start (): void {
    this.#stopped = new AbortController()
  }

  afterStart (): void {
    this.#components.libp2p.addEventListener('self:peer:update', this.#onUpdate)
    this.#components.events.addEventListener('devices:changed', this.#onChanged)
    this.#onUpdate()
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('self:peer:update', this.#onUpdate)
    this.#components.events.removeEventListener('devices:changed', this.#onChanged)
    this.#stopped.abort()
    this.#flight.stop()
    clearTimeout(this.#timer)
    this.#published = 0
    this.#failures = 0
  }

  /** Reachable through a relay now: publish when this version is not out yet. */
  readonly #onUpdate = (): void => {
    if (this.#reachable() && this.#wanted() !== undefined) void this.#flight.request()
  }

  readonly #onChanged = (): void => {
    if (this.#reachable()) void this.#flight.request()
  }

  #reachable (): boolean {
    const { libp2p } = this.#components
    return libp2p.getMultiaddrs().some(a => isRecordAddress(a, libp2p.peerId))
  }

  /** Our list when we hold the account key and its version is not the one published. */
  #wanted (): DeviceList | undefined {
    const { devices } = this.#components
    const list = devices.ownList()
    return devices.holder && list !== undefined && list.version !== this.#published ? list : undefined
  }

  #schedule (ms: number): void {
    clearTimeout(this.#timer)
    if (this.#stopped.signal.aborted) return
    this.#timer = setTimeout(() => {
      // a renewal: the same version again
      this.#published = 0
      void this.#flight.request()
    }, ms)
  }

  async #publish (): Promise<void> {
    const list = this.#wanted()
    if (list === undefined || this.#stopped.signal.aborted || !this.#reachable()) return
    const { libp2p } = this.#components
    const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(DEVICE_LIST_PUBLISH_TIMEOUT_MS)])
    setMaxListeners(Infinity, signal)
    let stored = 0
    try {
      for await (const event of libp2p.services.dht.put(deviceListKey(libp2p.peerId), deviceListValue(list.signed), { signal })) {
        if (event.name === 'PEER_RESPONSE' && event.messageName === 'PUT_VALUE') stored++
      }
    } catch (err) {
      if (!this.#stopped.signal.aborted) this.#log('publishing our device list ended early - %e', err)
    }
    if (this.#stopped.signal.aborted) return
    if (stored > 0) {
      this.#published = list.version
      this.#failures = 0
      this.#log('published our device list (version %d) to %d relays', list.version, stored)
      this.#schedule(DEVICE_LIST_REPUBLISH_MS)
      return
    }
    this.#log('no relay stored our device list; trying again later')
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => { void this.#flight.request() }, backoffDelay(this.#failures++, DEVICE_LIST_RETRY_BACKOFF, this.#random))
  }
}

export interface DeviceListLookupComponents {
  db: ParleyDb
  libp2p: Pick<Libp2p<{ dht: Pick<KadDHT, 'get'> }>, 'services'>
}

/**
 * Asks the relays for `account`'s device list: the newest that opens as its
 * list (signed by its key), or undefined (none, or none opens). Never
 * throws: a lookup that fails finds nothing, and `log` hears why.
 */
export async function lookupDeviceList (components: Pick<DeviceListLookupComponents, 'libp2p'>, account: PeerId, signal: AbortSignal, log: Logger): Promise<DeviceList | undefined> {
  const key = deviceListKey(account)
  let best: DeviceList | undefined
  try {
    for await (const event of components.libp2p.services.dht.get(key, { signal })) {
      if (event.name !== 'PEER_RESPONSE' || event.messageName !== 'GET_VALUE' || event.record == null) continue
      try {
        const list = openDeviceListRecord(key, event.record.value)
        if (best === undefined || list.version > best.version) best = list
      } catch (err) {
        if (!(err instanceof DeviceListError)) throw err
        log('a relay gave a device list of %p that does not open - %e', account, err)
      }
    }
  } catch (err) {
    log('the device list lookup of %p ended - %e', account, err)
  }
  return best
}

/**
 * Asks the relays for `account`'s device list and keeps the newest that
 * opens as its list on the contact whose PeerID it is, when newer than the
 * one held (db/contact-devices.ts). Resolves the version kept, or undefined
 * (no contact, no list, none newer). Never throws: a lookup that fails says
 * nothing, and `log` hears why.
 */
export async function refreshDeviceList (components: DeviceListLookupComponents, account: PeerId, signal: AbortSignal, log: Logger): Promise<number | undefined> {
  const best = await lookupDeviceList(components, account, signal, log)
  if (best === undefined) return undefined
  try {
    const contact = await getContactByPeerId(components.db, account.toString())
    if (contact === undefined) return undefined
    const stored = await storeContactDevices(components.db, contact.id, best)
    return stored.outcome === 'newer' ? best.version : undefined
  } catch (err) {
    log.error('could not keep the device list of %p - %e', account, err)
    return undefined
  }
}
