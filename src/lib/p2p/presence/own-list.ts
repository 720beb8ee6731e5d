/**
 * A linked device looking up its own account's device list (issue 58,
 * increment 8; docs/protocols.md, "Removing a device"): the holder
 * publishes every new list in the relays' DHT (device-lists.ts), a removal
 * too; a linked device asks for it once it is reachable through a relay after
 * each start, again whenever it is online after having been offline (a
 * phone waking up), and every OWN_LIST_CHECK_MS while online. The newest list
 * that opens as the account's (signed by its key: a forged one does not
 * open) goes to the devices feature, which keeps it when newer than its own
 * and, when it no longer names this device, marks the device removed
 * (`devices:removed`: the root stops the node). One lookup at a time, at
 * least OWN_LIST_CHECK_GAP_MS apart. The holder never looks: it signs.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { setMaxListeners } from 'main-event'
import { isRecordAddress } from '@parley/protocol/peer-record/record'
import { SingleFlight } from '@parley/protocol/scheduling/single-flight'
import { lookupDeviceList } from './device-lists.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { DevicesPort, OwnListOutcome } from '../kernel/ports/devices.ts'
import type { KadDHT } from '@libp2p/kad-dht'
import type { ComponentLogger, Libp2p, Logger, Startable } from '@libp2p/interface'

/** A linked device looks its account's list up this often while online (a removal reaches it within this, or at its next start). */
export const OWN_LIST_CHECK_MS = 10 * 60_000
/** Lookups start at least this far apart. */
export const OWN_LIST_CHECK_GAP_MS = 10_000
/** One lookup gives up after this long. */
export const OWN_LIST_LOOKUP_TIMEOUT_MS = 30_000

export interface OwnListWatcherComponents {
  logger: ComponentLogger
  libp2p: Pick<Libp2p<{ dht: Pick<KadDHT, 'get'> }>, 'peerId' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener' | 'services'>
  devices: Pick<DevicesPort, 'account' | 'holder' | 'removed' | 'takeOwnList'>
  /** `online`: a reservation again after none */
  events: Pick<ParleyEventTarget, 'addEventListener' | 'removeEventListener'>
}

export class OwnListWatcher implements Startable {
  readonly #components: OwnListWatcherComponents
  readonly #log: Logger
  readonly #flight: SingleFlight
  #stopped = new AbortController()
  #timer?: ReturnType<typeof setTimeout>
  /** a lookup ran since this start: the next comes by the timer */
  #looked = false

  constructor (components: OwnListWatcherComponents) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:own-device-list')
    this.#flight = new SingleFlight(async () => { await this.check() }, (err) => {
      this.#log.error('looking up our account\'s device list failed - %e', err)
    }, { minGapMs: OWN_LIST_CHECK_GAP_MS })
  }

  start (): void {
    this.#stopped = new AbortController()
    this.#looked = false
  }

  afterStart (): void {
    this.#components.libp2p.addEventListener('self:peer:update', this.#onUpdate)
    this.#components.events.addEventListener('online', this.#onOnline)
    this.#onUpdate()
  }

  stop (): void {
    this.#components.libp2p.removeEventListener('self:peer:update', this.#onUpdate)
    this.#components.events.removeEventListener('online', this.#onOnline)
    this.#stopped.abort()
    this.#flight.stop()
    clearTimeout(this.#timer)
  }

  readonly #onUpdate = (): void => {
    if (!this.#looked && this.#wanted() !== undefined && this.#reachable()) void this.#flight.request()
  }

  readonly #onOnline = (): void => {
    if (this.#wanted() !== undefined) void this.#flight.request()
  }

  /** Our account's PeerID when this is a linked device still in its list. */
  #wanted (): string | undefined {
    const { devices } = this.#components
    return devices.holder || devices.removed ? undefined : devices.account
  }

  #reachable (): boolean {
    const { libp2p } = this.#components
    return libp2p.getMultiaddrs().some(a => isRecordAddress(a, libp2p.peerId))
  }

  /**
   * Looks the account's list up now and hands the newest found to the
   * devices feature; resolves what it made of it, or undefined (the holder,
   * a device removed already, nothing found). The next lookup is due
   * OWN_LIST_CHECK_MS later.
   */
  async check (): Promise<OwnListOutcome | undefined> {
    const account = this.#wanted()
    if (account === undefined || this.#stopped.signal.aborted) return undefined
    this.#looked = true
    const signal = AbortSignal.any([this.#stopped.signal, AbortSignal.timeout(OWN_LIST_LOOKUP_TIMEOUT_MS)])
    setMaxListeners(Infinity, signal)
    try {
      const list = await lookupDeviceList(this.#components, peerIdFromString(account), signal, this.#log)
      if (list === undefined || this.#stopped.signal.aborted) return undefined
      const outcome = await this.#components.devices.takeOwnList(list)
      this.#log('our account\'s list of version %d: %s', list.version, outcome)
      return outcome
    } finally {
      this.#schedule()
    }
  }

  #schedule (): void {
    clearTimeout(this.#timer)
    if (this.#stopped.signal.aborted) return
    this.#timer = setTimeout(() => { void this.#flight.request() }, OWN_LIST_CHECK_MS)
  }
}
