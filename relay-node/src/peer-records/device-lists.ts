/**
 * The accounts' device lists a relay-node holds (docs/protocols.md, "The
 * device list in the DHT"), in memory: at most `maxLists`, each until
 * DEVICE_LIST_TTL_MS after it last came (its holder publishes it again well
 * within that). A list replaces the one held under its key only when its
 * version is higher; the same list again renews it; another list of the held
 * version, or a lower one, is refused 'stale'. Nothing here checks a
 * signature: the service opens a list (devices/dht.ts) before it comes here.
 * Not re-replicated to relays that become closest later: the holder's next
 * publication reaches them.
 */
import { DEVICE_LIST_TTL_MS } from '@parley/protocol/devices/dht'
import { PeerRecordRefusedError } from './store.ts'
import type { DeviceList } from '@parley/protocol/devices/list'

/** Lists one relay holds at most (a one-device list is about 300 bytes, the largest 4 KiB: at most 40 MB). */
export const MAX_DEVICE_LISTS = 10_000

export interface HeldDeviceList {
  key: Uint8Array
  /** the list's JSON, as received */
  bytes: Uint8Array
  version: number
  body: string
  receivedAt: number
}

const hexOf = (key: Uint8Array): string => Buffer.from(key).toString('hex')

export class DeviceListStore {
  readonly #lists = new Map<string, HeldDeviceList>()
  readonly #max: number
  readonly #now: () => number

  constructor (init: { maxLists?: number, now?: () => number } = {}) {
    this.#max = init.maxLists ?? MAX_DEVICE_LISTS
    this.#now = init.now ?? Date.now
  }

  /**
   * Holds `list` (whose JSON is `bytes`) under `key`; resolves whether it is
   * newer than the one held (false: the same list, renewed).
   *
   * @throws PeerRecordRefusedError stale (the held list is as new or newer, or another of its version) or full
   */
  put (key: Uint8Array, bytes: Uint8Array, list: Pick<DeviceList, 'version' | 'signed'>): boolean {
    const id = hexOf(key)
    const now = this.#now()
    const held = this.#live(id, now)
    if (held !== undefined && held.version === list.version && held.body === list.signed.body) {
      held.receivedAt = now
      return false
    }
    if (held !== undefined && held.version >= list.version) throw new PeerRecordRefusedError('stale', `a list of version ${held.version} is held for this account; this one is ${list.version}`)
    if (held === undefined && this.#lists.size >= this.#max && this.sweep() === 0) throw new PeerRecordRefusedError('full', `this relay holds ${this.#max} device lists, its most`)
    this.#lists.delete(id)
    this.#lists.set(id, { key, bytes, version: list.version, body: list.signed.body, receivedAt: now })
    return true
  }

  /** The list held under `key`, unless its time is up (then it is dropped). */
  get (key: Uint8Array): HeldDeviceList | undefined {
    return this.#live(hexOf(key), this.#now())
  }

  /** Drops every list whose time is up; returns how many. */
  sweep (): number {
    const now = this.#now()
    let n = 0
    for (const [id, list] of this.#lists) {
      if (list.receivedAt + DEVICE_LIST_TTL_MS <= now) {
        this.#lists.delete(id)
        n++
      }
    }
    return n
  }

  get size (): number {
    return this.#lists.size
  }

  #live (id: string, now: number): HeldDeviceList | undefined {
    const list = this.#lists.get(id)
    if (list === undefined || list.receivedAt + DEVICE_LIST_TTL_MS > now) return list
    this.#lists.delete(id)
    return undefined
  }
}
