/**
 * The relay's mailbox storage: sealed items kept in LevelDB (classic-level)
 * under `<data-dir>/mailbox`, written with `sync` before a deposit is
 * acknowledged, expired after their TTL, bounded per recipient, per sender,
 * per (recipient, sender) — a depositor's share of a recipient's quota — and
 * in all. The relay cannot open the items; it keeps whom each is for, who
 * deposited it, its size and its times.
 *
 * An item is known by its handle (`itemHandle`), derived from its depositor
 * and the id that depositor gave it: nobody can take another depositor's id
 * (a contact request's id is derived from public strings), and the recipient
 * lists, fetches and deletes by handle. The store itself works on handles
 * (`id` below); items stored before handles (2026-11-29) keep their
 * depositor's id as theirs.
 *
 * Keys (UTF-8):
 *   m!<recipient>!<storedAt, 16 hex>!<id, 32 hex>  → record: 0x01 · expiresAt (u64) · depositorLength (u8) · depositor (UTF-8) · item
 *   i!<recipient>!<id>                           → storedAt (16 hex, UTF-8)
 *   e!<expiresAt, 16 hex>!<recipient>!<id>         → empty
 *   s!last                                        → the highest storedAt given out (16 hex), so it never goes back
 * PeerIDs are base58btc strings. `storedAt` is strictly increasing across the
 * store, so a recipient's items list in the order they were deposited.
 */
import { createHash } from 'node:crypto'
import { ClassicLevel } from 'classic-level'
import { MailboxRefusedError } from '@parley/protocol/mailbox/codec'
import { DatabaseOpenError } from '../errors.ts'
import type { RelayConfig } from '../config/options.ts'
import type { FetchedItem, ListedItem } from '@parley/protocol/mailbox/codec'

export interface MailboxLimits {
  /** how long an item is kept, in ms */
  ttlMs: number
  maxTotalBytes: number
  maxRecipientItems: number
  maxRecipientBytes: number
  maxSenderItems: number
  maxSenderBytes: number
  /** items and bytes one depositor may have waiting for one recipient (its share of that recipient's quota) */
  maxShareItems: number
  maxShareBytes: number
}

/** The domain of an item's handle. */
const HANDLE_DOMAIN = new TextEncoder().encode('parley/mailbox/handle/v1')

/**
 * An item's handle: the first 16 bytes of SHA-256(`parley/mailbox/handle/v1`
 * · depositor PeerID multihash · id). The same id from the same depositor is
 * the same item (a duplicate); from another depositor, another item.
 */
export function itemHandle (depositor: Uint8Array, id: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(HANDLE_DOMAIN).update(depositor).update(id).digest().subarray(0, 16))
}

/** A deposit past the depositor's share of the recipient's quota (`recipient-quota` on the wire, counted apart). */
export class MailboxShareError extends MailboxRefusedError {
  constructor (reason: string) {
    super('recipient-quota', reason)
  }
}

export interface DepositResult { storedAt: number, expiresAt: number, duplicate: boolean }

interface Usage { items: number, bytes: number }

const RECORD_VERSION = 1
const hex16 = (n: number): string => n.toString(16).padStart(16, '0')
const idHex = (id: Uint8Array): string => Buffer.from(id).toString('hex')
const encoder = new TextEncoder()
const decoder = new TextDecoder()
/** Expired items removed per batch while sweeping. */
const SWEEP_BATCH = 1000
/** Bytes a LIST reads from LevelDB per step (keys and records, items included): a page of small items in one step. */
const LIST_READ_BYTES = 1024 * 1024

function encodeRecord (expiresAt: number, depositor: string, item: Uint8Array): Uint8Array {
  const who = encoder.encode(depositor)
  const out = new Uint8Array(1 + 8 + 1 + who.byteLength + item.byteLength)
  const view = new DataView(out.buffer)
  out[0] = RECORD_VERSION
  view.setBigUint64(1, BigInt(expiresAt))
  out[9] = who.byteLength
  out.set(who, 10)
  out.set(item, 10 + who.byteLength)
  return out
}

function decodeRecord (value: Uint8Array): { expiresAt: number, depositor: string, item: Uint8Array } {
  if (value[0] !== RECORD_VERSION) throw new Error(`unknown mailbox record version ${String(value[0])}`)
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength)
  const expiresAt = Number(view.getBigUint64(1))
  const length = value[9] ?? 0
  return { expiresAt, depositor: decoder.decode(value.subarray(10, 10 + length)), item: value.subarray(10 + length) }
}

/** The writes that remove one item (`id` in hex) found by `#records`. */
function removalOps (recipient: string, id: string, entry: { mKey: string, record?: { expiresAt: number } }): Array<{ type: 'del', key: string }> {
  const ops: Array<{ type: 'del', key: string }> = [{ type: 'del', key: entry.mKey }, { type: 'del', key: `i!${recipient}!${id}` }]
  if (entry.record != null) ops.push({ type: 'del', key: `e!${hex16(entry.record.expiresAt)}!${recipient}!${id}` })
  return ops
}

function bump (map: Map<string, Usage>, key: string, items: number, bytes: number): void {
  const usage = map.get(key) ?? { items: 0, bytes: 0 }
  usage.items += items
  usage.bytes += bytes
  if (usage.items <= 0) map.delete(key)
  else map.set(key, usage)
}

export class MailboxStore {
  readonly #db: ClassicLevel<string, Uint8Array>
  readonly #limits: MailboxLimits
  readonly #now: () => number
  /** usage by recipient and by depositor, and in all; rebuilt from the records at open */
  readonly #recipients = new Map<string, Usage>()
  readonly #senders = new Map<string, Usage>()
  /** usage by (recipient, depositor): `<recipient>!<depositor>` */
  readonly #shares = new Map<string, Usage>()
  #total: Usage = { items: 0, bytes: 0 }
  #lastStoredAt = 0
  /** deposits, deletes and sweeps one at a time: each checks the quotas, then writes */
  #queue: Promise<unknown> = Promise.resolve()

  private constructor (db: ClassicLevel<string, Uint8Array>, limits: MailboxLimits, now: () => number) {
    this.#db = db
    this.#limits = limits
    this.#now = now
  }

  static async open (dir: string, limits: MailboxLimits, now: () => number = Date.now): Promise<MailboxStore> {
    const db = new ClassicLevel<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await db.open()
    const store = new MailboxStore(db, limits, now)
    const last = await db.get('s!last')
    if (last != null) store.#lastStoredAt = parseInt(decoder.decode(last), 16)
    for await (const [key, value] of db.iterator({ gt: 'm!', lt: 'm~' })) {
      const [, recipient = '', storedAt = '0'] = key.split('!')
      const record = decodeRecord(value)
      store.#count(recipient, record.depositor, 1, record.item.byteLength)
      store.#lastStoredAt = Math.max(store.#lastStoredAt, parseInt(storedAt, 16))
    }
    return store
  }

  #count (recipient: string, depositor: string, items: number, bytes: number): void {
    bump(this.#recipients, recipient, items, bytes)
    bump(this.#senders, depositor, items, bytes)
    bump(this.#shares, `${recipient}!${depositor}`, items, bytes)
    this.#total = { items: this.#total.items + items, bytes: this.#total.bytes + bytes }
  }

  async #serial<T> (work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => {})
    return run
  }

  get usage (): Usage {
    return { ...this.#total }
  }

  /** Items and bytes waiting for one recipient (a base58btc PeerID). */
  usageOf (recipient: string): Usage {
    return { ...(this.#recipients.get(recipient) ?? { items: 0, bytes: 0 }) }
  }

  /**
   * Stores an item for `recipient` once it is on disk, under `id` (the
   * service passes the item's handle, `itemHandle`). The same id from the
   * same depositor again is a duplicate (nothing new is stored); from anyone
   * else a conflict (with handles, only a SHA-256 collision).
   *
   * @throws MailboxRefusedError (recipient-quota, sender-quota, storage-full, conflict); MailboxShareError past the depositor's share
   */
  async deposit (depositor: string, recipient: string, id: Uint8Array, item: Uint8Array): Promise<DepositResult> {
    return this.#serial(async () => {
      const existing = await this.#db.get(`i!${recipient}!${idHex(id)}`)
      if (existing != null) {
        const storedAt = parseInt(decoder.decode(existing), 16)
        const record = await this.#db.get(`m!${recipient}!${hex16(storedAt)}!${idHex(id)}`)
        const found = record == null ? undefined : decodeRecord(record)
        if (found != null && found.expiresAt <= this.#now()) {
          // its time is up (not yet swept): gone for the recipient, so this deposit is new
          await this.#remove(recipient, idHex(id))
        } else {
          if (found?.depositor !== depositor) throw new MailboxRefusedError('conflict', 'an item with this id is already stored for this recipient')
          return { storedAt, expiresAt: found.expiresAt, duplicate: true }
        }
      }
      const recipientUsage = this.#recipients.get(recipient) ?? { items: 0, bytes: 0 }
      const senderUsage = this.#senders.get(depositor) ?? { items: 0, bytes: 0 }
      const size = item.byteLength
      if (recipientUsage.items + 1 > this.#limits.maxRecipientItems || recipientUsage.bytes + size > this.#limits.maxRecipientBytes) {
        throw new MailboxRefusedError('recipient-quota', `the recipient's mailbox holds ${recipientUsage.items} items, ${recipientUsage.bytes} bytes`)
      }
      const share = this.#shares.get(`${recipient}!${depositor}`) ?? { items: 0, bytes: 0 }
      if (share.items + 1 > this.#limits.maxShareItems || share.bytes + size > this.#limits.maxShareBytes) {
        throw new MailboxShareError(`you have ${share.items} items, ${share.bytes} bytes waiting here for this recipient, your share of its mailbox`)
      }
      if (senderUsage.items + 1 > this.#limits.maxSenderItems || senderUsage.bytes + size > this.#limits.maxSenderBytes) {
        throw new MailboxRefusedError('sender-quota', `you have ${senderUsage.items} items, ${senderUsage.bytes} bytes waiting here`)
      }
      if (this.#total.bytes + size > this.#limits.maxTotalBytes) throw new MailboxRefusedError('storage-full', 'the relay\'s mailbox storage is full')
      const storedAt = Math.max(this.#now(), this.#lastStoredAt + 1)
      const expiresAt = storedAt + this.#limits.ttlMs
      const key = `${recipient}!${idHex(id)}`
      // durable before it is acknowledged
      await this.#db.batch([
        { type: 'put', key: `m!${recipient}!${hex16(storedAt)}!${idHex(id)}`, value: encodeRecord(expiresAt, depositor, item) },
        { type: 'put', key: `i!${key}`, value: encoder.encode(hex16(storedAt)) },
        { type: 'put', key: `e!${hex16(expiresAt)}!${key}`, value: new Uint8Array(0) },
        { type: 'put', key: 's!last', value: encoder.encode(hex16(storedAt)) }
      ], { sync: true })
      this.#lastStoredAt = storedAt
      this.#count(recipient, depositor, 1, size)
      return { storedAt, expiresAt, duplicate: false }
    })
  }

  /** The recipient's items that have not expired, oldest first, after `after` (an id; unknown = from the start). */
  async list (recipient: string, limit: number, after?: Uint8Array): Promise<{ more: boolean, items: ListedItem[] }> {
    let gt = `m!${recipient}!`
    if (after != null) {
      const at = await this.#db.get(`i!${recipient}!${idHex(after)}`)
      if (at != null) gt = `m!${recipient}!${decoder.decode(at)}!${idHex(after)}`
    }
    const items: ListedItem[] = []
    const now = this.#now()
    // read in a few big steps (nextv), not entry by entry; expired entries not yet swept are skipped, not
    // counted (a recipient's entries are bounded by its quota)
    const iterator = this.#db.iterator({ gt, lt: `m!${recipient}!~`, highWaterMarkBytes: LIST_READ_BYTES })
    try {
      while (items.length <= limit) {
        const entries = await iterator.nextv(limit + 1 - items.length)
        if (entries.length === 0) break
        for (const [key, value] of entries) {
          const [, , storedAt = '0', id = ''] = key.split('!')
          const record = decodeRecord(value)
          if (record.expiresAt <= now) continue
          items.push({ id: Uint8Array.from(Buffer.from(id, 'hex')), size: record.item.byteLength, storedAt: parseInt(storedAt, 16), expiresAt: record.expiresAt })
        }
      }
    } finally {
      await iterator.close()
    }
    const more = items.length > limit
    return { more, items: items.slice(0, limit) }
  }

  /**
   * The recipient's items with these ids, in the order asked (unknown or
   * expired ones are left out), up to about `maxBytes` (at least one). Two
   * reads of LevelDB for the whole batch: the ids' index entries, then their
   * records.
   */
  async fetch (recipient: string, ids: Uint8Array[], maxBytes: number): Promise<FetchedItem[]> {
    const found = await this.#records(recipient, ids.map(idHex))
    const out: FetchedItem[] = []
    let bytes = 0
    const now = this.#now()
    for (const [i, entry] of found.entries()) {
      const id = ids[i]
      if (entry?.record == null || id == null || entry.record.expiresAt <= now) continue
      const { record, storedAt } = entry
      if (out.length > 0 && bytes + record.item.byteLength > maxBytes) break
      bytes += record.item.byteLength
      // a copy of its own (the record is a Node Buffer over the whole value)
      out.push({ id, storedAt, item: new Uint8Array(record.item) })
    }
    return out
  }

  /**
   * The index entry and record of each id (hex) of `recipient`, in order:
   * undefined for an id not stored, no `record` when its record is missing.
   */
  async #records (recipient: string, ids: string[]): Promise<Array<{ storedAt: number, mKey: string, record?: ReturnType<typeof decodeRecord> } | undefined>> {
    const stamps = await this.#db.getMany(ids.map(id => `i!${recipient}!${id}`))
    const keys = stamps.map((at, i) => at == null ? undefined : `m!${recipient}!${decoder.decode(at)}!${ids[i] ?? ''}`)
    const present = keys.filter((key): key is string => key != null)
    const values = present.length === 0 ? [] : await this.#db.getMany(present)
    let next = 0
    return keys.map((mKey, i) => {
      if (mKey == null) return undefined
      const value = values[next++]
      const storedAt = parseInt(decoder.decode(stamps[i] ?? new Uint8Array(0)), 16)
      return value == null ? { storedAt, mKey } : { storedAt, mKey, record: decodeRecord(value) }
    })
  }

  /** Deletes the recipient's items with these ids (one synchronous write for all); returns how many there were. */
  async delete (recipient: string, ids: Uint8Array[]): Promise<number> {
    return this.#serial(async () => {
      const unique = [...new Set(ids.map(idHex))]
      const found = await this.#records(recipient, unique)
      const ops: Array<{ type: 'del', key: string }> = []
      const gone: Array<{ depositor: string, bytes: number }> = []
      for (const [i, entry] of found.entries()) {
        if (entry == null) continue
        ops.push(...removalOps(recipient, unique[i] ?? '', entry))
        if (entry.record != null) gone.push({ depositor: entry.record.depositor, bytes: entry.record.item.byteLength })
      }
      if (ops.length === 0) return 0
      await this.#db.batch(ops, { sync: true })
      for (const { depositor, bytes } of gone) this.#count(recipient, depositor, -1, -bytes)
      return found.filter(entry => entry != null).length
    })
  }

  /** The writes that remove one item, and its record (undefined when the id is not stored). */
  async #removal (recipient: string, id: string): Promise<{ ops: Array<{ type: 'del', key: string }>, record?: ReturnType<typeof decodeRecord> } | undefined> {
    const [entry] = await this.#records(recipient, [id])
    if (entry == null) return undefined
    const ops = removalOps(recipient, id, entry)
    return entry.record == null ? { ops } : { ops, record: entry.record }
  }

  async #remove (recipient: string, id: string, sync = true): Promise<boolean> {
    const removal = await this.#removal(recipient, id)
    if (removal == null) return false
    await this.#db.batch(removal.ops, { sync })
    if (removal.record != null) this.#count(recipient, removal.record.depositor, -1, -removal.record.item.byteLength)
    return true
  }

  /** Removes every item whose time is up; returns how many. */
  async sweep (): Promise<number> {
    return this.#serial(async () => {
      let removed = 0
      const until = `e!${hex16(this.#now() + 1)}`
      for (;;) {
        const keys: string[] = []
        for await (const key of this.#db.keys({ gt: 'e!', lt: until, limit: SWEEP_BATCH })) keys.push(key)
        if (keys.length === 0) return removed
        for (const key of keys) {
          const [, , recipient = '', id = ''] = key.split('!')
          if (await this.#remove(recipient, id, false)) removed++
          else await this.#db.del(key)
        }
      }
    })
  }

  async close (): Promise<void> {
    await this.#queue.catch(() => {})
    await this.#db.close()
  }
}

/** Opens the mailbox database; another process holding it is a clear error. */
export async function openMailbox (dir: string, config: RelayConfig, now?: () => number): Promise<MailboxStore> {
  try {
    return await MailboxStore.open(dir, {
      ttlMs: config.mailboxTtlMs,
      maxTotalBytes: config.mailboxMaxBytes,
      maxRecipientItems: config.mailboxRecipientItems,
      maxRecipientBytes: config.mailboxRecipientBytes,
      maxSenderItems: config.mailboxSenderItems,
      maxSenderBytes: config.mailboxSenderBytes,
      maxShareItems: config.mailboxShareItems,
      maxShareBytes: config.mailboxShareBytes
    }, now)
  } catch (err) {
    throw DatabaseOpenError.from('the mailbox database', dir, err)
  }
}
