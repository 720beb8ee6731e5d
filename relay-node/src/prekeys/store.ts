/**
 * The relay's prekey storage for `/parley/prekeys/1.0.0`: each owner's
 * signed EC record, PQ last-resort record and one-time records, in LevelDB
 * (classic-level) under `<data-dir>/prekeys`, written with `sync` before a
 * request is answered (a one-time record handed out is gone, even after a
 * crash). Bounded per owner (one-time records per kind, bytes) and in all;
 * an owner unseen (no PUBLISH, STATUS or CLEAR) for `unseenMs` is dropped.
 * Records arrive checked (the service verifies every signature).
 *
 * Keys (UTF-8; an owner is its base58btc PeerID, which has no `!`):
 *   k!<owner>!s              → the signed EC record (session/records.ts bytes)
 *   k!<owner>!l              → the PQ last-resort record
 *   k!<owner>!p!<id, 8 hex>  → a PQ one-time record
 *   k!<owner>!e!<id, 8 hex>  → an EC one-time record
 *   t!<owner>                → when the owner was last seen (16 hex, ms)
 * One-time records go out lowest id first.
 */
import { ClassicLevel } from 'classic-level'
import { PrekeysRefusedError } from '@parley/protocol/prekeys/codec'
import { PREKEY_PQ_ONE_TIME } from '@parley/protocol/session/constants'
import { EC_RECORD_BYTES, PQ_RECORD_BYTES, decodeRecord, encodeRecord } from '@parley/protocol/session/records'
import { DatabaseOpenError } from '../errors.ts'
import type { FetchedBundle, PrekeyStatus, PrekeyUpload } from '@parley/protocol/prekeys/codec'
import type { PrekeyRecord } from '@parley/protocol/session/records'
import type { RelayConfig } from '../config/options.ts'

export interface PrekeyLimits {
  /** one-time records kept per owner and kind (PQ, EC) */
  maxOneTimePerKind: number
  /** bytes of records kept per owner */
  maxOwnerBytes: number
  /** bytes of records kept in all */
  maxTotalBytes: number
  /** an owner not seen for this long (ms) is dropped */
  unseenMs: number
}

interface Owner { signedId: number, lastResortId: number, pq: number, ec: number, bytes: number, lastSeen: number }

/** What a FETCH handed out: the bundle, and whether it carried one-time records (then deleted). */
export interface Fetched { bundle: FetchedBundle, oneTime: boolean }

type Op = { type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const hex8 = (n: number): string => n.toString(16).padStart(8, '0')
const hex16 = (n: number): string => n.toString(16).padStart(16, '0')
const oneTimeKey = (owner: string, record: PrekeyRecord): string => `k!${owner}!${record.kind === PREKEY_PQ_ONE_TIME ? 'p' : 'e'}!${hex8(record.id)}`
const empty = (lastSeen: number): Owner => ({ signedId: 0, lastResortId: 0, pq: 0, ec: 0, bytes: 0, lastSeen })

export class PrekeyStore {
  readonly #db: ClassicLevel<string, Uint8Array>
  readonly #limits: PrekeyLimits
  readonly #now: () => number
  /** every owner's ids, counts and bytes; rebuilt from the records at open */
  readonly #owners = new Map<string, Owner>()
  #bytes = 0
  /** writes one at a time: each checks the quotas (or picks the records to hand out), then writes */
  #queue: Promise<unknown> = Promise.resolve()

  private constructor (db: ClassicLevel<string, Uint8Array>, limits: PrekeyLimits, now: () => number) {
    this.#db = db
    this.#limits = limits
    this.#now = now
  }

  static async open (dir: string, limits: PrekeyLimits, now: () => number = Date.now): Promise<PrekeyStore> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const store = new PrekeyStore(db, limits, now)
    const seen = new Map<string, number>()
    for await (const [key, value] of db.iterator({ gt: 't!', lt: 't~' })) seen.set(key.slice(2), parseInt(decoder.decode(value), 16))
    for await (const [key, value] of db.iterator({ gt: 'k!', lt: 'k~' })) {
      const [, name = '', slot = ''] = key.split('!')
      let owner = store.#owners.get(name)
      if (owner == null) store.#owners.set(name, owner = empty(seen.get(name) ?? now()))
      const { record } = decodeRecord(value)
      if (slot === 's') owner.signedId = record.id
      else if (slot === 'l') owner.lastResortId = record.id
      else if (slot === 'p') owner.pq++
      else owner.ec++
      owner.bytes += value.byteLength
      store.#bytes += value.byteLength
    }
    return store
  }

  async #serial<T> (work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => {})
    return run
  }

  /** Owners and bytes of records held now. */
  get usage (): { owners: number, bytes: number } {
    return { owners: this.#owners.size, bytes: this.#bytes }
  }

  #status (owner: string): PrekeyStatus {
    const { signedId, lastResortId, pq, ec } = this.#owners.get(owner) ?? empty(0)
    return { signedId, lastResortId, pqOneTime: pq, ecOneTime: ec }
  }

  /** What the relay holds for `owner`, who is seen now (its records are kept another `unseenMs`). */
  async status (owner: string): Promise<PrekeyStatus> {
    return this.#serial(async () => {
      const held = this.#owners.get(owner)
      if (held != null) {
        held.lastSeen = this.#now()
        await this.#db.put(`t!${owner}`, encoder.encode(hex16(held.lastSeen)))
      }
      return this.#status(owner)
    })
  }

  /**
   * Stores an owner's upload: the signed and last-resort records replace the
   * held ones when their ids differ; one-time records whose ids are held
   * already are skipped, the others added. All of it, or nothing.
   *
   * @throws PrekeysRefusedError `quota` past a per-owner or the total bound
   */
  async publish (owner: string, upload: PrekeyUpload): Promise<PrekeyStatus> {
    return this.#serial(async () => {
      const now = this.#now()
      const held = this.#owners.get(owner) ?? empty(now)
      const next = { ...held, lastSeen: now }
      const ops: Op[] = []
      const put = (key: string, record: PrekeyRecord): void => {
        const value = encodeRecord(record)
        ops.push({ type: 'put', key, value })
        next.bytes += value.byteLength
      }
      if (upload.signed.id !== held.signedId) {
        if (held.signedId !== 0) next.bytes -= EC_RECORD_BYTES
        put(`k!${owner}!s`, upload.signed)
        next.signedId = upload.signed.id
      }
      if (upload.lastResort.id !== held.lastResortId) {
        if (held.lastResortId !== 0) next.bytes -= PQ_RECORD_BYTES
        put(`k!${owner}!l`, upload.lastResort)
        next.lastResortId = upload.lastResort.id
      }
      const keys = upload.oneTime.map(record => oneTimeKey(owner, record))
      const existing = keys.length === 0 ? [] : await this.#db.getMany(keys)
      for (const [i, record] of upload.oneTime.entries()) {
        if (existing[i] != null) continue
        put(keys[i] ?? '', record)
        if (record.kind === PREKEY_PQ_ONE_TIME) next.pq++
        else next.ec++
      }
      const { maxOneTimePerKind, maxOwnerBytes, maxTotalBytes } = this.#limits
      if (next.pq > maxOneTimePerKind || next.ec > maxOneTimePerKind) {
        throw new PrekeysRefusedError('quota', `at most ${maxOneTimePerKind} PQ and ${maxOneTimePerKind} EC one-time prekeys; this would make ${next.pq} and ${next.ec}`)
      }
      if (next.bytes > maxOwnerBytes) throw new PrekeysRefusedError('quota', `at most ${maxOwnerBytes} bytes of prekeys per owner; this would make ${next.bytes}`)
      if (this.#bytes - held.bytes + next.bytes > maxTotalBytes) throw new PrekeysRefusedError('quota', 'the relay\'s prekey storage is full')
      ops.push({ type: 'put', key: `t!${owner}`, value: encoder.encode(hex16(now)) })
      await this.#db.batch(ops, { sync: true })
      this.#bytes += next.bytes - held.bytes
      this.#owners.set(owner, next)
      return this.#status(owner)
    })
  }

  /** The first record (lowest id) under `prefix`, with its key, or undefined. */
  async #first (prefix: string): Promise<{ key: string, record: PrekeyRecord } | undefined> {
    for await (const [key, value] of this.#db.iterator({ gt: prefix, lt: `${prefix}~`, limit: 1 })) return { key, record: decodeRecord(value).record }
    return undefined
  }

  async #get (key: string): Promise<PrekeyRecord | undefined> {
    const value = await this.#db.get(key)
    return value == null ? undefined : decodeRecord(value).record
  }

  /**
   * An owner's bundle: its signed record, a PQ one-time record (else the
   * last-resort) and an EC one-time record if any is left. With `oneTime`
   * false it has the last-resort record and no EC one-time record. One-time
   * records handed out are deleted (on disk) before this returns.
   *
   * @throws PrekeysRefusedError `not-found` when nothing is held for `owner`
   */
  async fetch (owner: string, oneTime: boolean): Promise<Fetched> {
    return this.#serial(async () => {
      const held = this.#owners.get(owner)
      const signed = held == null ? undefined : await this.#get(`k!${owner}!s`)
      const lastResort = held == null ? undefined : await this.#get(`k!${owner}!l`)
      if (held == null || signed == null || lastResort == null) throw new PrekeysRefusedError('not-found', 'this relay holds no prekeys for that owner')
      const pq = oneTime && held.pq > 0 ? await this.#first(`k!${owner}!p!`) : undefined
      const ec = oneTime && held.ec > 0 ? await this.#first(`k!${owner}!e!`) : undefined
      const taken = [pq, ec].filter(t => t != null)
      if (taken.length > 0) {
        await this.#db.batch(taken.map(t => ({ type: 'del' as const, key: t.key })), { sync: true })
        const bytes = (pq == null ? 0 : PQ_RECORD_BYTES) + (ec == null ? 0 : EC_RECORD_BYTES)
        held.bytes -= bytes
        this.#bytes -= bytes
        if (pq != null) held.pq--
        if (ec != null) held.ec--
      }
      const bundle: FetchedBundle = { signed, pq: pq?.record ?? lastResort }
      if (ec != null) bundle.ecOneTime = ec.record
      return { bundle, oneTime: taken.length > 0 }
    })
  }

  /** Drops every record of `owner`; returns whether there were any. */
  async clear (owner: string): Promise<boolean> {
    return this.#serial(async () => this.#drop(owner))
  }

  async #drop (owner: string): Promise<boolean> {
    const held = this.#owners.get(owner)
    if (held == null) return false
    await this.#db.batch([
      { type: 'del', key: `t!${owner}` },
      ...(await this.#db.keys({ gt: `k!${owner}!`, lt: `k!${owner}!~` }).all()).map(key => ({ type: 'del' as const, key }))
    ], { sync: true })
    this.#owners.delete(owner)
    this.#bytes -= held.bytes
    return true
  }

  /** Drops every owner unseen for `unseenMs`; returns how many. */
  async sweep (): Promise<number> {
    return this.#serial(async () => {
      const before = this.#now() - this.#limits.unseenMs
      const stale = [...this.#owners].filter(([, o]) => o.lastSeen <= before).map(([name]) => name)
      for (const owner of stale) await this.#drop(owner)
      return stale.length
    })
  }

  async close (): Promise<void> {
    await this.#queue.catch(() => {})
    await this.#db.close()
  }
}

/** Opens the prekey database; another process holding it is a clear error. */
export async function openPrekeys (dir: string, config: RelayConfig, now?: () => number): Promise<PrekeyStore> {
  try {
    return await PrekeyStore.open(dir, {
      maxOneTimePerKind: config.prekeysOneTimePerKind,
      maxOwnerBytes: config.prekeysOwnerBytes,
      maxTotalBytes: config.prekeysMaxBytes,
      unseenMs: config.prekeysUnseenMs
    }, now)
  } catch (err) {
    throw DatabaseOpenError.from('the prekey database', dir, err)
  }
}
