/**
 * Our prekeys (docs/security.md, "Prekeys"): the keys someone who has never
 * talked with us, or whose session was lost, starts a session with while we
 * are offline. Each of our relays holds our signed EC prekey, our PQ
 * last-resort key and one-time keys (PQ and EC) that it hands out once each.
 *
 * The keeper makes them, keeps their secret halves (`prekeys` table), keeps
 * each relay stocked (STATUS, then PUBLISH what is missing: new signed and
 * last-resort keys every ROTATE_MS, one-time keys back up to ONE_TIME_TARGET
 * when fewer than REFILL_BELOW are left; checked when the node starts, when
 * a relay of ours connects, when one becomes ours, every
 * PREKEY_CHECK_INTERVAL_MS, and after a failure with back-off), and answers
 * which secrets an arriving init names. A relay's one-time keys are its own, so two relays
 * never hand out the same one. Replaced keys stay RETIRED_KEEP_MS for the
 * boxes already on their way, then go. A one-time key the relay no longer
 * holds was handed out (a relay hands out the lowest ids first): its secret
 * stays HANDED_OUT_KEEP_MS from when a check first saw it gone, for the first
 * message made with it, then goes; it is never dropped to make room, so
 * someone who drains a relay and lets it refill again and again cannot make
 * a pending key go (its message would not open). Past MAX_ONE_TIME_HELD a
 * relay is not restocked with that kind (its bundles carry the last-resort
 * key) until old ones expire.
 */
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { KeyedSingleFlight } from '@parley/protocol/scheduling/single-flight'
import { PREKEY_EC_ONE_TIME, PREKEY_PQ_LAST_RESORT, PREKEY_PQ_ONE_TIME, PREKEY_SIGNED_EC } from '@parley/protocol/session/constants'
import { PrekeyError } from '@parley/protocol/session/errors'
import { freshPrekeyId, makePrekey } from '@parley/protocol/session/keys'
import { decodeRecord, encodeRecord } from '@parley/protocol/session/records'
import { allPrekeys, dropRetiredPrekeys, prekeysOfKind } from '../../db/sessions.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { PrekeyRow } from '../../db/session-types.ts'
import type { FetchedBundle, PrekeyDirectory, PrekeyStatus } from './directory.ts'
import type { OwnKeys } from './own-keys.ts'
import type { ParleyEventTarget } from '../kernel/events.ts'
import type { RelayListPort } from '../kernel/ports/relays.ts'
import type { ComponentLogger, Libp2p, Logger, PeerId, Startable } from '@libp2p/interface'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { Init } from '@parley/protocol/session/box'
import type { ResponderPrekeys } from '@parley/protocol/session/pqxdh'
import type { PrekeyKind, PrekeyRecord } from '@parley/protocol/session/records'

/** A signed prekey or last-resort key is replaced after this long. */
export const ROTATE_MS = 7 * 24 * 60 * 60 * 1000
/** A replaced key is kept this long: a mailbox item made with it lives 14 days, plus a week's margin. */
export const RETIRED_KEEP_MS = 21 * 24 * 60 * 60 * 1000
/**
 * One-time keys of each kind a relay is stocked with. Few: a browser makes
 * them in its worker (ML-KEM-768 key generation, about 10 ms each when cold,
 * and a signature each), the relay hands any one requester at most 3 bundles
 * with them an hour, and a bundle without them still starts a session (the
 * last-resort key). A hundred cost a newcomer seconds of CPU per relay.
 */
export const ONE_TIME_TARGET = 20
/** A relay is restocked when it has fewer one-time keys of a kind than this. */
export const REFILL_BELOW = 5
/**
 * A one-time key handed out is kept this long from when a check of its relay
 * saw it gone, for the first message made with it: that message lives 14 days
 * in a mailbox, and a week's margin for an outbox that waited.
 */
export const HANDED_OUT_KEEP_MS = 21 * 24 * 60 * 60 * 1000
/**
 * One-time secrets kept per relay and kind at most, on the relay and handed
 * out together. None is dropped to stay under it: the relay is restocked only
 * up to it, and past it hands out the last-resort key until handed-out ones
 * expire (HANDED_OUT_KEEP_MS). Ten stockings: a drain-and-refill attack costs
 * at most this many secrets, about 260 KiB of PQ ones per relay.
 */
export const MAX_ONE_TIME_HELD = 10 * ONE_TIME_TARGET
/** Relays stocked at most (the first active ones: those our contacts deposit on). */
export const MAX_PREKEY_RELAYS = 4
/** Each relay is checked this often while we run (besides the other occasions above). */
export const PREKEY_CHECK_INTERVAL_MS = 6 * 60 * 60 * 1000
/**
 * A relay whose check failed is checked again after ~5 s, doubling to 10 min
 * (plus jitter), for as long as it is ours: until then our contacts asking it
 * for our prekeys get none, and their first message waits.
 */
export const PREKEY_RETRY_BACKOFF: BackoffOptions = { initialMs: 5_000, maxMs: 10 * 60_000 }
/** Each relay request's deadline. */
export const PREKEY_REQUEST_TIMEOUT_MS = 10_000
/** PQ keys made between yields to the event loop (each takes a few ms). */
const MAKE_SLICE = 10

export interface PrekeyKeeperComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'addEventListener' | 'removeEventListener'>
  events: Pick<ParleyEventTarget, 'addEventListener' | 'removeEventListener'>
  relayList: RelayListPort
  ownKeys: Pick<OwnKeys, 'identity'>
  prekeyDirectory: PrekeyDirectory
}

export interface PrekeyKeeperInit {
  now?: () => number
  /** checking a relay again after a failure (default PREKEY_RETRY_BACKOFF) */
  retryBackoff?: BackoffOptions
}

const yieldNow = async (): Promise<void> => { await new Promise<void>(resolve => { setTimeout(resolve, 0) }) }

/** The relay PeerID of a full relay multiaddr (`…/p2p/<id>`). */
export function relayIdOf (relay: string): string | undefined {
  return /\/p2p\/([^/]+)$/.exec(relay)?.[1]
}

export class PrekeyKeeper implements Startable {
  readonly #components: PrekeyKeeperComponents
  readonly #log: Logger
  readonly #now: () => number
  readonly #syncs: KeyedSingleFlight<string>
  /** relays whose last check failed: checked again with back-off while they are ours (a new one after a restart) */
  #retries: KeyedRetry<string>
  readonly #retryBackoff: BackoffOptions
  #timer?: ReturnType<typeof setInterval>
  #stopping = new AbortController()
  /** the relays we were last told are ours (the first MAX_PREKEY_RELAYS): a list that changes checks only the new ones */
  #listed: string[] = []
  /** between afterStart and stop */
  #running = false
  /** the relays' syncs run one after another: each may rotate keys and make ids, which must not race */
  #queue: Promise<unknown> = Promise.resolve()

  constructor (components: PrekeyKeeperComponents, init: PrekeyKeeperInit = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:prekeys')
    this.#now = init.now ?? Date.now
    this.#syncs = new KeyedSingleFlight({
      run: async (relay) => {
        await this.#exclusive(async () => this.#sync(relay))
        this.#retries.succeeded(relay)
      },
      onError: (relay, err) => {
        const again = this.relays().includes(relay) ? this.#retries.failed(relay) : undefined
        this.#log('could not stock %s with prekeys%s - %e', relay, again === undefined ? '' : ` (again in ${again} ms)`, err)
      },
      maxKeys: MAX_PREKEY_RELAYS * 2
    })
    this.#retryBackoff = init.retryBackoff ?? PREKEY_RETRY_BACKOFF
    this.#retries = this.#newRetries()
  }

  #newRetries (): KeyedRetry<string> {
    return new KeyedRetry<string>({ backoff: this.#retryBackoff, maxKeys: MAX_PREKEY_RELAYS * 2, onDue: (relay) => { void this.sync(relay) } })
  }

  start (): void {
    if (this.#stopping.signal.aborted) {
      this.#stopping = new AbortController()
      this.#retries = this.#newRetries()
    }
    this.#components.libp2p.addEventListener('peer:connect', this.#onConnect)
    this.#components.events.addEventListener('relays:active', this.#onRelays)
    this.#timer = setInterval(() => { void this.syncAll() }, PREKEY_CHECK_INTERVAL_MS)
  }

  /** libp2p runs: the relays connected already (the others say so when they connect). */
  afterStart (): void {
    this.#running = true
    this.#listed = this.relays()
    void this.syncAll()
  }

  stop (): void {
    this.#running = false
    this.#components.libp2p.removeEventListener('peer:connect', this.#onConnect)
    this.#components.events.removeEventListener('relays:active', this.#onRelays)
    clearInterval(this.#timer)
    this.#syncs.stop()
    this.#retries.stop()
    this.#stopping.abort()
  }

  /** A relay of ours connected: check it. */
  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    const relay = this.relays().find(r => relayIdOf(r) === evt.detail.toString())
    if (relay !== undefined) void this.sync(relay)
  }

  /**
   * Our relays changed: check the ones new to the list. A relay we found
   * through the DHT is usually connected before we reserve on it and it
   * becomes ours, so its connect said nothing; our contacts ask it for our
   * prekeys as soon as our addresses name it.
   */
  readonly #onRelays = (evt: CustomEvent<{ relays: string[] }>): void => {
    // before libp2p runs, afterStart checks them all
    if (!this.#running) return
    const before = new Set(this.#listed)
    this.#listed = evt.detail.relays.slice(0, MAX_PREKEY_RELAYS)
    for (const relay of this.#listed) if (!before.has(relay)) void this.sync(relay)
    // one that is not ours any more is not tried again
    for (const relay of before) if (!this.#listed.includes(relay)) this.#retries.forget(relay)
  }

  /** The relays we keep stocked. */
  relays (): string[] {
    return this.#components.relayList.active().slice(0, MAX_PREKEY_RELAYS)
  }

  /** Checks and restocks every relay of ours; resolves when each has been tried (never throws). */
  async syncAll (): Promise<void> {
    await Promise.all(this.relays().map(async relay => this.sync(relay)))
  }

  /** Checks and restocks one relay (single-flight per relay); never throws. */
  async sync (relay: string): Promise<void> {
    if (!this.relays().includes(relay)) return
    await this.#syncs.request(relay)
  }

  /**
   * The secrets of the prekeys an init names.
   *
   * @throws PrekeyError when one of them is not ours (any more)
   */
  async secretsFor (init: Init): Promise<ResponderPrekeys> {
    const { db } = this.#components
    const signed = await db.prekeys.get([PREKEY_SIGNED_EC, init.signedPrekeyId])
    const pq = await db.prekeys.get([init.pqKind, init.pqPrekeyId])
    if (signed === undefined) throw new PrekeyError(`signed prekey ${init.signedPrekeyId} is not ours, or is gone`)
    if (pq === undefined) throw new PrekeyError(`PQ prekey ${init.pqKind}/${init.pqPrekeyId} is not ours, or was used`)
    if (init.oneTimePrekeyId === 0) return { signedPrekeySecret: signed.secret, pqPrekeySeed: pq.secret }
    const oneTime = await db.prekeys.get([PREKEY_EC_ONE_TIME, init.oneTimePrekeyId])
    if (oneTime === undefined) throw new PrekeyError(`one-time prekey ${init.oneTimePrekeyId} is not ours, or was used`)
    return { signedPrekeySecret: signed.secret, pqPrekeySeed: pq.secret, oneTimePrekeySecret: oneTime.secret }
  }

  /**
   * Our own bundle, as we hand it out ourselves (own-bundle.ts): our newest
   * signed and last-resort keys, no one-time key (those are the relays').
   * Read without waiting for a relay's sync; made (through it) only when we
   * have none yet.
   */
  async ownBundle (): Promise<FetchedBundle> {
    const newest = async (kind: PrekeyKind): Promise<PrekeyRow | undefined> => liveNewestFirst(await prekeysOfKind(this.#components.db, kind), kind)[0]
    let [signed, lastResort] = await Promise.all([newest(PREKEY_SIGNED_EC), newest(PREKEY_PQ_LAST_RESORT)])
    if (signed === undefined || lastResort === undefined) ({ signed, lastResort } = await this.#exclusive(async () => this.#current()))
    return { signed: record(signed), pq: record(lastResort) }
  }

  /** The one-time keys an init used, to delete in the transaction that keeps its first message: they open nothing more. */
  oneTimeKeys (init: Init): Array<[number, number]> {
    const keys: Array<[number, number]> = []
    if (init.pqKind === PREKEY_PQ_ONE_TIME) keys.push([PREKEY_PQ_ONE_TIME, init.pqPrekeyId])
    if (init.oneTimePrekeyId !== 0) keys.push([PREKEY_EC_ONE_TIME, init.oneTimePrekeyId])
    return keys
  }

  /** Whether an init was made from our last-resort key alone (its replays must be refused by remembering it). */
  static lastResortOnly (init: Init): boolean {
    return init.pqKind === PREKEY_PQ_LAST_RESORT && init.oneTimePrekeyId === 0
  }

  async #exclusive<T> (fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn)
    this.#queue = run.catch(() => {})
    return run
  }

  async #sync (relay: string): Promise<void> {
    const relayId = relayIdOf(relay)
    if (relayId === undefined) return
    const signal = AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(PREKEY_REQUEST_TIMEOUT_MS * 3)])
    const { signed, lastResort } = await this.#current()
    const held = (await allPrekeys(this.#components.db)).filter(k => k.relay === relayId && k.dropAt === undefined)
    const directory = this.#components.prekeyDirectory
    let status: PrekeyStatus
    if (held.length === 0) {
      // nothing of ours on it that we could open: whatever it holds (an earlier install, a restored backup) goes
      await directory.clear(relay, signal)
      status = { signedId: 0, lastResortId: 0, pqOneTime: 0, ecOneTime: 0 }
    } else {
      status = await directory.status(relay, signal)
    }
    const kept = await this.#handedOut(relayId, status)
    const refill = (onRelay: number, kind: PrekeyKind): number => onRelay < REFILL_BELOW ? Math.max(0, Math.min(ONE_TIME_TARGET - onRelay, MAX_ONE_TIME_HELD - kept[kind])) : 0
    const pq = refill(status.pqOneTime, PREKEY_PQ_ONE_TIME)
    const ec = refill(status.ecOneTime, PREKEY_EC_ONE_TIME)
    if ((status.pqOneTime < REFILL_BELOW && pq === 0) || (status.ecOneTime < REFILL_BELOW && ec === 0)) {
      this.#log('%s has handed out %d PQ and %d EC one-time keys still waiting for their first message: not restocked past %d', relayId, kept[PREKEY_PQ_ONE_TIME], kept[PREKEY_EC_ONE_TIME], MAX_ONE_TIME_HELD)
    }
    if (status.signedId === signed.id && status.lastResortId === lastResort.id && pq === 0 && ec === 0) return
    const oneTime = [...await this.#make(PREKEY_PQ_ONE_TIME, pq, relayId), ...await this.#make(PREKEY_EC_ONE_TIME, ec, relayId)]
    signal.throwIfAborted()
    // the user may have disabled or removed it while the keys were made
    if (!this.relays().includes(relay)) return
    const after = await directory.publish(relay, { signed: record(signed), lastResort: record(lastResort), oneTime: oneTime.map(record) }, signal)
    // only what the relay took is kept: the rest could never be asked for
    await this.#components.db.prekeys.bulkPut(oneTime)
    this.#log('stocked %s: %d PQ and %d EC one-time keys (it holds %d and %d)', relayId, pq, ec, after.pqOneTime, after.ecOneTime)
  }

  /** Our current signed and last-resort keys, made (and the old ones retired) when missing or ROTATE_MS old. */
  async #current (): Promise<{ signed: PrekeyRow, lastResort: PrekeyRow }> {
    const { db } = this.#components
    const now = this.#now()
    await dropRetiredPrekeys(db, now)
    const rows = await allPrekeys(db)
    const pick = async (kind: PrekeyKind): Promise<PrekeyRow> => {
      const [newest, ...older] = liveNewestFirst(rows, kind)
      const retire = older.map(k => ({ ...k, dropAt: now + RETIRED_KEEP_MS }))
      if (newest !== undefined && now - newest.createdAt < ROTATE_MS) {
        if (retire.length > 0) await db.prekeys.bulkPut(retire)
        return newest
      }
      const [made] = await this.#make(kind, 1)
      if (made === undefined) throw new Error('no prekey was made')
      if (newest !== undefined) retire.push({ ...newest, dropAt: now + RETIRED_KEEP_MS })
      await db.prekeys.bulkPut([...retire, made])
      return made
    }
    return { signed: await pick(PREKEY_SIGNED_EC), lastResort: await pick(PREKEY_PQ_LAST_RESORT) }
  }

  /** `count` new keys of `kind` (ids fresh among all we hold of that kind), yielding between slices. */
  async #make (kind: PrekeyKind, count: number, relay?: string): Promise<PrekeyRow[]> {
    if (count === 0) return []
    const owner = this.#components.ownKeys.identity()
    const taken = new Set((await allPrekeys(this.#components.db)).filter(k => k.kind === kind).map(k => k.id))
    const out: PrekeyRow[] = []
    for (let i = 0; i < count; i++) {
      if (i > 0 && i % MAKE_SLICE === 0) await yieldNow()
      const id = freshPrekeyId(taken)
      taken.add(id)
      const createdAt = this.#now()
      const made = makePrekey(owner, kind, id, createdAt)
      const row: PrekeyRow = { kind, id, secret: made.secret, record: encodeRecord(made.record), createdAt }
      if (relay !== undefined) row.relay = relay
      out.push(row)
    }
    return out
  }

  /**
   * Marks the one-time keys `relay` no longer holds as handed out: of ours
   * not marked yet, all but the `status` count of each kind, the lowest ids
   * first (as a relay hands them out). Each is then kept HANDED_OUT_KEEP_MS.
   * Resolves how many one-time secrets of each kind we keep for the relay.
   */
  async #handedOut (relayId: string, status: PrekeyStatus): Promise<Record<PrekeyKind, number>> {
    const { db } = this.#components
    const mine = await db.prekeys.where('relay').equals(relayId).toArray()
    const dropAt = this.#now() + HANDED_OUT_KEEP_MS
    const gone = [[PREKEY_PQ_ONE_TIME, status.pqOneTime], [PREKEY_EC_ONE_TIME, status.ecOneTime]].flatMap(([kind, onRelay]) => {
      const live = mine.filter(k => k.kind === kind && k.dropAt === undefined).sort((a, b) => a.id - b.id)
      return live.slice(0, Math.max(0, live.length - (onRelay ?? 0))).map(k => ({ ...k, dropAt }))
    })
    if (gone.length > 0) await db.prekeys.bulkPut(gone)
    const count = (kind: PrekeyKind): number => mine.filter(k => k.kind === kind).length
    return { [PREKEY_SIGNED_EC]: 0, [PREKEY_PQ_LAST_RESORT]: 0, [PREKEY_PQ_ONE_TIME]: count(PREKEY_PQ_ONE_TIME), [PREKEY_EC_ONE_TIME]: count(PREKEY_EC_ONE_TIME) }
  }
}

/** Our keys of `kind` not retired, the newest first. */
function liveNewestFirst (rows: readonly PrekeyRow[], kind: PrekeyKind): PrekeyRow[] {
  return rows.filter(k => k.kind === kind && k.dropAt === undefined).sort((a, b) => b.createdAt - a.createdAt)
}

function record (row: PrekeyRow): PrekeyRecord {
  return decodeRecord(row.record).record
}
