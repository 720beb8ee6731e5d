/**
 * What `/parley/link-rendezvous/1.0.0` keeps (docs/protocols.md, "The short
 * code", "On the relay"): sealed offers under rendezvous ids, in memory. An
 * entry lives LINK_RENDEZVOUS_TTL_MS from its last PUT, is given out at most
 * MAX_LINK_RENDEZVOUS_GETS times, and is then remembered as a tombstone (its
 * id and why it went, no box) until LINK_RENDEZVOUS_TOMBSTONE_MS after its
 * time ran out, so that a GET can say `used` or `expired` rather than
 * `not-found`. Entries per owner and records in all are bounded; the clock
 * is injected.
 */
import { bytesToHex } from '@noble/hashes/utils.js'

/** An entry lives this long from its last PUT (the new device renews it while its code is shown). */
export const LINK_RENDEZVOUS_TTL_MS = 10 * 60_000
/** A spent or expired entry's id is remembered this long after its time ran out. */
export const LINK_RENDEZVOUS_TOMBSTONE_MS = 10 * 60_000
/** Times one entry is given out: the existing device asks once, and again if the person retries; then the id is spent. */
export const MAX_LINK_RENDEZVOUS_GETS = 3
/** Live entries one PeerID may hold (a new device shows one code; two while it changes). */
export const DEFAULT_LINK_RENDEZVOUS_PER_PEER = 2
/** Records (live entries and tombstones) held in all: at most about 4.6 KiB each, some 19 MiB. */
export const DEFAULT_LINK_RENDEZVOUS_MAX_RECORDS = 4096

interface Record {
  owner: string
  /** the sealed offer; undefined once gone (a tombstone) */
  box: Uint8Array | undefined
  /** why a tombstone's entry went: given out MAX_LINK_RENDEZVOUS_GETS times or withdrawn, or its time ran out */
  gone?: 'used' | 'expired'
  gets: number
  expiresAt: number
}

export type GetResult = { box: Uint8Array } | { refused: 'not-found' | 'expired' | 'used' }
export type PutResult = 'ok' | 'taken' | 'too-many' | 'full' | 'used'

export class RendezvousStore {
  /** by id in hex; Map order is the order of last PUT, so the oldest come first */
  readonly #records = new Map<string, Record>()
  readonly #livePerOwner = new Map<string, number>()

  constructor (
    private readonly now: () => number,
    private readonly maxPerPeer = DEFAULT_LINK_RENDEZVOUS_PER_PEER,
    private readonly maxRecords = DEFAULT_LINK_RENDEZVOUS_MAX_RECORDS
  ) {}

  /** Live entries held now (the gauge). */
  get live (): number {
    this.sweep()
    let n = 0
    for (const count of this.#livePerOwner.values()) n += count
    return n
  }

  /** Records held now, tombstones included. */
  get size (): number {
    return this.#records.size
  }

  /** Deposits (or renews, by its owner) the box under `id`. */
  put (owner: string, id: Uint8Array, box: Uint8Array): PutResult {
    this.sweep()
    const key = bytesToHex(id)
    const now = this.now()
    const old = this.#records.get(key)
    if (old !== undefined) {
      if (old.owner !== owner) return 'taken'
      if (old.gone === 'used') return 'used'
      if (old.box !== undefined) {
        // a renewal: a new box and time, the count kept; it moves to the end of the order
        this.#records.delete(key)
        this.#records.set(key, { ...old, box, expiresAt: now + LINK_RENDEZVOUS_TTL_MS })
        return 'ok'
      }
      // its time ran out (sweep made it a tombstone): the owner may deposit afresh
      this.#remove(key, old)
    }
    if ((this.#livePerOwner.get(owner) ?? 0) >= this.maxPerPeer) return 'too-many'
    if (this.#records.size >= this.maxRecords && !this.#dropOldestTombstone()) return 'full'
    this.#records.set(key, { owner, box, gets: 0, expiresAt: now + LINK_RENDEZVOUS_TTL_MS })
    this.#livePerOwner.set(owner, (this.#livePerOwner.get(owner) ?? 0) + 1)
    return 'ok'
  }

  /** Gives the box out (counted), or says why not. */
  get (id: Uint8Array): GetResult {
    this.sweep()
    const key = bytesToHex(id)
    const record = this.#records.get(key)
    if (record === undefined) return { refused: 'not-found' }
    if (record.box === undefined) return { refused: record.gone ?? 'used' }
    const box = record.box
    record.gets++
    if (record.gets >= MAX_LINK_RENDEZVOUS_GETS) this.#spend(record, 'used')
    return { box }
  }

  /** The owner withdraws its entry (it is spent: a GET then says `used`); false when it holds none live there. */
  delete (owner: string, id: Uint8Array): boolean {
    this.sweep()
    const record = this.#records.get(bytesToHex(id))
    if (record === undefined || record.owner !== owner || record.box === undefined) return false
    this.#spend(record, 'used')
    return true
  }

  /**
   * Entries past their time become tombstones (`expired`), tombstones past
   * theirs are forgotten. Every PUT moves its entry to the end and the TTL is
   * one for all, so the records are in order of `expiresAt`: the walk stops
   * at the first one whose time has not come.
   */
  sweep (): void {
    const now = this.now()
    for (const [key, record] of this.#records) {
      if (record.expiresAt > now) break
      if (record.expiresAt + LINK_RENDEZVOUS_TOMBSTONE_MS <= now) this.#remove(key, record)
      else this.#spend(record, 'expired')
    }
  }

  clear (): void {
    this.#records.clear()
    this.#livePerOwner.clear()
  }

  /** A live entry becomes a tombstone. */
  #spend (record: Record, gone: 'used' | 'expired'): void {
    if (record.box === undefined) return
    record.box = undefined
    record.gone = gone
    this.#release(record.owner)
  }

  #remove (key: string, record: Record): void {
    this.#records.delete(key)
    if (record.box !== undefined) this.#release(record.owner)
  }

  #release (owner: string): void {
    const left = (this.#livePerOwner.get(owner) ?? 1) - 1
    if (left <= 0) this.#livePerOwner.delete(owner)
    else this.#livePerOwner.set(owner, left)
  }

  /** Makes room by forgetting the oldest tombstone; false when every record is live. */
  #dropOldestTombstone (): boolean {
    for (const [key, record] of this.#records) {
      if (record.box === undefined) {
        this.#records.delete(key)
        return true
      }
    }
    return false
  }
}
