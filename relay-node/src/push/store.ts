/**
 * The relay's push subscriptions: a LevelDB under `<data-dir>/push` (written
 * with `sync` before a registration is answered), all of it also held in
 * memory, since a deposit looks its recipient's up. Bounded: at most
 * PUSH_SUBSCRIPTIONS_PER_PEER per PeerID (a new one past it replaces the
 * least recently registered) and `max` in all (past it a new one is refused).
 * A subscription is keyed by its PeerID and endpoint; registering the same
 * endpoint again renews it (new keys, new expiry).
 */
import { createHash } from 'node:crypto'
import { ClassicLevel } from 'classic-level'
import { DatabaseOpenError } from '../errors.ts'
import { PUSH_SUBSCRIPTIONS_PER_PEER } from './constants.ts'

export interface PushSubscription {
  /** the PeerID (base58btc) whose mailbox items wake it */
  subject: string
  endpoint: string
  p256dh: Uint8Array
  auth: Uint8Array
  /** the registration's own time (the device's clock): an older or equal one is a replay */
  signedAt: number
  /** when the relay took the registration (its clock) */
  registeredAt: number
  /** when it is forgotten unless registered again */
  expiresAt: number
}

/** A registration of a new subscription past the relay's bound. */
export class PushStoreFullError extends Error {
  override name = 'PushStoreFullError'
}

const keyOf = (subject: string, endpoint: string): string =>
  `s!${subject}!${createHash('sha256').update(endpoint).digest('hex')}`

interface Stored { subject: string, endpoint: string, p256dh: string, auth: string, signedAt: number, registeredAt: number, expiresAt: number }

function encode (s: PushSubscription): string {
  const stored: Stored = { ...s, p256dh: Buffer.from(s.p256dh).toString('base64url'), auth: Buffer.from(s.auth).toString('base64url') }
  return JSON.stringify(stored)
}

function decode (text: string): PushSubscription {
  const s = JSON.parse(text) as Stored
  return { ...s, p256dh: new Uint8Array(Buffer.from(s.p256dh, 'base64url')), auth: new Uint8Array(Buffer.from(s.auth, 'base64url')) }
}

export class PushStore {
  readonly #db: ClassicLevel<string, string>
  readonly #bySubject = new Map<string, Map<string, PushSubscription>>()
  #size = 0
  /** writes one after another: a registration's eviction and bound are decided on what the one before left */
  #queue: Promise<unknown> = Promise.resolve()

  private constructor (db: ClassicLevel<string, string>, private readonly max: number) {
    this.#db = db
  }

  static async open (dir: string, max: number): Promise<PushStore> {
    const db = new ClassicLevel<string, string>(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' })
    try {
      await db.open()
    } catch (err) {
      throw DatabaseOpenError.from('the push database', dir, err)
    }
    const store = new PushStore(db, max)
    for await (const [, value] of db.iterator({ gt: 's!', lt: 's~' })) store.#hold(decode(value))
    return store
  }

  get size (): number { return this.#size }

  /** The subscriptions of `subject`, least recently registered first. */
  of (subject: string): PushSubscription[] {
    return [...(this.#bySubject.get(subject)?.values() ?? [])].sort((a, b) => a.registeredAt - b.registeredAt)
  }

  get (subject: string, endpoint: string): PushSubscription | undefined {
    return this.#bySubject.get(subject)?.get(endpoint)
  }

  /**
   * Stores (or renews) `subscription`; returns the one it replaced to keep
   * its PeerID within PUSH_SUBSCRIPTIONS_PER_PEER, if any.
   *
   * @throws PushStoreFullError when it is new and the relay holds `max`
   */
  async put (subscription: PushSubscription): Promise<PushSubscription | undefined> {
    return this.#serial(async () => this.#put(subscription))
  }

  async #put (subscription: PushSubscription): Promise<PushSubscription | undefined> {
    const { subject, endpoint } = subscription
    const renewing = this.get(subject, endpoint) !== undefined
    const held = this.of(subject)
    const evicted = !renewing && held.length >= PUSH_SUBSCRIPTIONS_PER_PEER ? held[0] : undefined
    if (!renewing && evicted === undefined && this.#size >= this.max) throw new PushStoreFullError(`the relay holds ${this.max} push subscriptions`)
    const ops: Array<{ type: 'put', key: string, value: string } | { type: 'del', key: string }> = [{ type: 'put', key: keyOf(subject, endpoint), value: encode(subscription) }]
    if (evicted !== undefined) ops.push({ type: 'del', key: keyOf(evicted.subject, evicted.endpoint) })
    await this.#db.batch(ops, { sync: true })
    if (evicted !== undefined) this.#drop(evicted.subject, evicted.endpoint)
    this.#hold(subscription)
    return evicted
  }

  /** Forgets a subscription; whether it was held. */
  async remove (subject: string, endpoint: string): Promise<boolean> {
    return this.#serial(async () => this.#remove(subject, endpoint))
  }

  async #remove (subject: string, endpoint: string): Promise<boolean> {
    if (this.get(subject, endpoint) === undefined) return false
    await this.#db.del(keyOf(subject, endpoint), { sync: true })
    this.#drop(subject, endpoint)
    return true
  }

  /** Forgets every subscription expired at `now`; returns them. */
  async sweep (now: number): Promise<PushSubscription[]> {
    return this.#serial(async () => this.#sweep(now))
  }

  async #sweep (now: number): Promise<PushSubscription[]> {
    const expired = [...this.#bySubject.values()].flatMap(m => [...m.values()]).filter(s => s.expiresAt <= now)
    if (expired.length === 0) return []
    await this.#db.batch(expired.map(s => ({ type: 'del' as const, key: keyOf(s.subject, s.endpoint) })), { sync: true })
    for (const s of expired) this.#drop(s.subject, s.endpoint)
    return expired
  }

  async close (): Promise<void> {
    await this.#queue.catch(() => {})
    await this.#db.close()
  }

  async #serial<T> (work: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(work, work)
    this.#queue = run.catch(() => {})
    return run
  }

  #hold (s: PushSubscription): void {
    let mine = this.#bySubject.get(s.subject)
    if (mine === undefined) this.#bySubject.set(s.subject, mine = new Map())
    if (!mine.has(s.endpoint)) this.#size++
    mine.set(s.endpoint, s)
  }

  #drop (subject: string, endpoint: string): void {
    const mine = this.#bySubject.get(subject)
    if (mine?.delete(endpoint) !== true) return
    this.#size--
    if (mine.size === 0) this.#bySubject.delete(subject)
  }
}
