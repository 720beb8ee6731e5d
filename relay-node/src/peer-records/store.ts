/**
 * The peer records a relay-node holds (docs/protocols.md, "Peer records"),
 * in memory: at most `maxRecords`, each until it expires. A record replaces
 * the one held under its key only when its sequence number is higher; the
 * same record again changes nothing. Nothing here checks signatures: the
 * service opens a record (peer-record/record.ts) before it comes here.
 */
import { PEER_RECORD_TTL_MS } from '@parley/protocol/peer-record/record'
import type { PeerRecordRefusal } from './metrics.ts'
import type { OpenedPeerRecord } from '@parley/protocol/peer-record/record'

/** Records one relay holds at most (about 600 bytes each with two addresses: some 30 MB). */
export const MAX_PEER_RECORDS = 50_000

export interface HeldRecord {
  /** the DHT key (`/parley-peer/` + multihash) */
  key: Uint8Array
  /** the signed envelope, as received */
  bytes: Uint8Array
  seq: bigint
  /** the relays its addresses go through */
  relays: string[]
  receivedAt: number
  /** the earlier of its own expiry (made + TTL) and PEER_RECORD_TTL_MS after it came here */
  expiresAt: number
}

/** Why a relay refused a peer record request, with the code it is counted by (the store's own: stale, full). */
export class PeerRecordRefusedError extends Error {
  override name = 'PeerRecordRefusedError'
  constructor (readonly code: PeerRecordRefusal, message: string) {
    super(message)
  }
}

export interface PeerRecordStoreInit {
  maxRecords?: number
  now?: () => number
}

const hexOf = (key: Uint8Array): string => Buffer.from(key).toString('hex')

type Comparison = 'same' | 'stale' | 'newer'

/** `bytes` (made at `opened.seq`) against the record `held` under its key. */
function compare (held: HeldRecord | undefined, bytes: Uint8Array, opened: Pick<OpenedPeerRecord, 'seq'>): Comparison {
  if (held === undefined || held.seq < opened.seq) return 'newer'
  return held.seq === opened.seq && Buffer.from(held.bytes).equals(bytes) ? 'same' : 'stale'
}

export class PeerRecordStore {
  readonly #records = new Map<string, HeldRecord>()
  readonly #max: number
  readonly #now: () => number
  #bytes = 0

  constructor (init: PeerRecordStoreInit = {}) {
    this.#max = init.maxRecords ?? MAX_PEER_RECORDS
    this.#now = init.now ?? Date.now
  }

  /**
   * Holds `opened` (whose envelope is `bytes`) under `key`; resolves whether
   * it changed anything (false: this very record was held already).
   *
   * @throws PeerRecordRefusedError stale (the held record is as new or newer) or full
   */
  put (key: Uint8Array, bytes: Uint8Array, opened: OpenedPeerRecord): boolean {
    const id = hexOf(key)
    const now = this.#now()
    const held = this.#live(id, now)
    const compared = compare(held, bytes, opened)
    if (compared === 'same') return false
    if (compared === 'stale') throw new PeerRecordRefusedError('stale', `a record made at ${held?.seq} is held for this peer; this one was made at ${opened.seq}`)
    if (held === undefined && this.#records.size >= this.#max && this.sweep() === 0) {
      throw new PeerRecordRefusedError('full', `this relay holds ${this.#max} peer records, its most`)
    }
    this.#drop(id)
    const record: HeldRecord = { key, bytes, seq: opened.seq, relays: opened.relays, receivedAt: now, expiresAt: Math.min(opened.expiresAt, now + PEER_RECORD_TTL_MS) }
    this.#records.set(id, record)
    this.#bytes += bytes.byteLength
    return true
  }

  /**
   * What {@link put} would do with `opened` (whose envelope is `bytes`), before
   * the costlier checks: 'same' (this very record is held), 'stale' (an as new
   * or newer one is), or 'newer'.
   */
  compare (key: Uint8Array, bytes: Uint8Array, opened: Pick<OpenedPeerRecord, 'seq'>): Comparison {
    return compare(this.get(key), bytes, opened)
  }

  /** The record held under `key`, unless it has expired (then it is dropped). */
  get (key: Uint8Array): HeldRecord | undefined {
    return this.#live(hexOf(key), this.#now())
  }

  /** The records held now (for re-replication). */
  * records (): Iterable<HeldRecord> {
    const now = this.#now()
    for (const record of this.#records.values()) if (record.expiresAt > now) yield record
  }

  /** Drops every expired record; returns how many. */
  sweep (): number {
    const now = this.#now()
    let n = 0
    for (const [id, record] of this.#records) {
      if (record.expiresAt <= now) {
        this.#drop(id)
        n++
      }
    }
    return n
  }

  get usage (): { records: number, bytes: number } {
    return { records: this.#records.size, bytes: this.#bytes }
  }

  #live (id: string, now: number): HeldRecord | undefined {
    const record = this.#records.get(id)
    if (record === undefined || record.expiresAt > now) return record
    this.#drop(id)
    return undefined
  }

  #drop (id: string): void {
    const record = this.#records.get(id)
    if (record === undefined) return
    this.#records.delete(id)
    this.#bytes -= record.bytes.byteLength
  }
}
