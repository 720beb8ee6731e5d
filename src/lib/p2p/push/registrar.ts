/**
 * This device's side of `/parley/push/1.0.0` (docs/protocols.md, "Web Push"):
 * the browser's push subscription, which a tab hands over, registered with
 * each relay the node holds a reservation on (where contacts deposit its
 * mail), signed with the node's libp2p key (the relay checks it is the
 * connection's). A relay answers with its VAPID key: a subscription is bound
 * to the one applicationServerKey it was made with, so a relay with another
 * key is asked to remove it again at once and shown 'other-key'. Renewed
 * every PUSH_RENEW_AFTER_MS (the relay forgets it after 30 days by default),
 * on each new reservation, and tried again after a refusal that may pass;
 * removed from every relay connected when the tab hands null (the others
 * forget it at its expiry, or when its push service answers 404/410 once the
 * browser unsubscribed). One operation at a time; each request has a
 * deadline and the node's stop signal.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { PushRefusedError, encodePushRequest } from '@parley/protocol/push/codec'
import { pushRequest } from '@parley/protocol/push/client'
import { PUSH_NONCE_BYTES } from '@parley/protocol/push/constants'
import { pushSetting, setPushSetting } from '../../db/settings.ts'
import { askPushKeys } from './keys.ts'
import { connectionTo, reservedRelays } from '../relays/index.ts'
import { b64, checkSubscription, sameSubscription, unb64 } from './subscription.ts'
import type { PushSubscriptionInput, StoredSubscription } from './subscription.ts'
import type { PushKeys, PushRelayStatus, PushStatus } from '../../contract/index.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { PushRelayRecord, PushSettingRow } from '../../db/types.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { PushErrorName } from '@parley/protocol/push/constants'
import type { PushReply, PushRequestFields } from '@parley/protocol/push/codec'
import type { ComponentLogger, Connection, Libp2p, Logger, Startable } from '@libp2p/interface'

const DAY_MS = 86_400_000
/** A registration is renewed this long after the relay took it (well before its 30 days). */
export const PUSH_RENEW_AFTER_MS = 7 * DAY_MS
/** Renewals due are looked for this often while the node runs (and on every new reservation). */
export const PUSH_CHECK_INTERVAL_MS = 60 * 60_000
/** A refusal that may pass, a request that failed, or a relay without the protocol: asked again after this long. */
export const PUSH_RETRY_AFTER_MS = 10 * 60_000
/** One request (stream opened, sent, answered) gives up after this long. */
export const PUSH_REQUEST_TIMEOUT_MS = 10_000
/** Relays remembered at most (the node reserves on two; the rest are those it reserved on before). */
export const MAX_PUSH_RELAYS = 8

/** Refusals another try may not get: a relay full, busy, shutting down, or a clock that moved. */
const PASSING: ReadonlySet<string> = new Set<PushErrorName>(['full', 'rate-limited', 'unavailable', 'stale', 'replayed'])

export interface PushComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'peerId' | 'getConnections' | 'getMultiaddrs' | 'addEventListener' | 'removeEventListener'>
  /** the node's key, which signs (the relay checks it is the connection's) */
  identity: Pick<IdentityPort, 'privateKey'>
}

export class PushRegistrar implements Startable {
  readonly #components: PushComponents
  readonly #log: Logger
  readonly #now: () => number
  #row: PushSettingRow = { key: 'push', subscription: null, relays: {}, updatedAt: 0 }
  /** relays not to ask before a time (a failed request, no protocol), in memory; at most MAX_PUSH_RELAYS */
  readonly #later = new Map<string, { until: number, unsupported: boolean }>()
  /** one operation at a time */
  #queue: Promise<void> = Promise.resolve()
  /** the pass queued and not started yet, which later requests join */
  #queuedReconcile?: Promise<void>
  #stopping = new AbortController()
  #timer?: ReturnType<typeof setInterval>
  #started = false
  /** the last request's time: each is later than the one before, also within one ms */
  #lastTime = 0

  /** `now`: the clock renewals and retries run by (tests move it by hand) */
  constructor (components: PushComponents, options: { now?: () => number } = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:push')
    this.#now = options.now ?? Date.now
  }

  async start (): Promise<void> {
    if (this.#stopping.signal.aborted) this.#stopping = new AbortController()
    this.#row = await pushSetting(this.#components.db)
    this.#components.libp2p.addEventListener('self:peer:update', this.#onAddresses)
    this.#timer = setInterval(this.#onAddresses, PUSH_CHECK_INTERVAL_MS)
    this.#started = true
  }

  afterStart (): void {
    this.#onAddresses()
  }

  stop (): void {
    this.#started = false
    this.#components.libp2p.removeEventListener('self:peer:update', this.#onAddresses)
    clearInterval(this.#timer)
    this.#stopping.abort()
  }

  readonly #onAddresses = (): void => {
    this.reconcile().catch((err: unknown) => { this.#log.error('push registration failed - %e', err) })
  }

  async #serial<T> (op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(op)
    this.#queue = run.then(() => {}, () => {})
    return run
  }

  /** Registers with each reserved relay where it is due (new, renewal, a retry); one pass queued at most. */
  async reconcile (): Promise<void> {
    this.#queuedReconcile ??= this.#serial(async () => {
      this.#queuedReconcile = undefined
      await this.#registerDue()
    })
    return this.#queuedReconcile
  }

  /**
   * Sets the subscription (registered with the relays now) or turns push off
   * (null: removed from every relay connected). A bad subscription throws
   * and changes nothing.
   */
  async set (input: PushSubscriptionInput | null): Promise<Omit<PushStatus, 'names'>> {
    const next = input === null ? null : checkSubscription(input)
    return this.#serial(async () => {
      const previous = this.#row.subscription
      if (!sameSubscription(previous, next)) {
        // the same endpoint with new keys is renewed in place by the REGISTERs below; another is removed first
        if (previous !== null && previous.endpoint !== next?.endpoint) await this.#removeAll(previous.endpoint)
        this.#row = { key: 'push', subscription: next, relays: {}, updatedAt: this.#now() }
        this.#later.clear()
        await setPushSetting(this.#components.db, this.#row)
      }
      await this.#registerDue()
      return this.status()
    })
  }

  /** What the reserved relays say to KEY, and the key to subscribe with (the subscription's own, if a relay still has it). */
  async keys (signal?: AbortSignal): Promise<PushKeys> {
    const stop = signal === undefined ? this.#stopping.signal : AbortSignal.any([signal, this.#stopping.signal])
    return askPushKeys(this.#components.libp2p, { preferred: this.#row.subscription?.applicationServerKey, signal: stop, log: this.#log })
  }

  status (): Omit<PushStatus, 'names'> {
    const { subscription, relays } = this.#row
    const names = new Set([...(subscription === null ? [] : reservedRelays(this.#components.libp2p)), ...Object.keys(relays)])
    const out: PushRelayStatus[] = [...names].map((relay) => {
      const record = relays[relay]
      if (record === undefined) return { relay, state: this.#later.get(relay)?.unsupported === true ? 'unsupported' : 'pending' }
      return {
        relay,
        state: record.state,
        ...(record.vapidKey === undefined ? {} : { vapidKey: record.vapidKey }),
        ...(record.code === undefined ? {} : { code: record.code }),
        ...(record.state === 'registered' && record.expiresAt !== undefined ? { expiresAt: record.expiresAt } : {})
      }
    })
    return { enabled: subscription !== null, ...(subscription === null ? {} : { applicationServerKey: subscription.applicationServerKey }), relays: out }
  }

  #due (relay: string, now: number): boolean {
    const later = this.#later.get(relay)
    if (later !== undefined && now < later.until) return false
    const record = this.#row.relays[relay]
    if (record === undefined) return true
    if (record.state === 'registered') return now >= record.at + PUSH_RENEW_AFTER_MS
    if (record.state === 'refused') return record.code !== undefined && PASSING.has(record.code) && now >= record.at + PUSH_RETRY_AFTER_MS
    // 'other-key': a relay's VAPID key is its own for good
    return false
  }

  async #registerDue (): Promise<void> {
    const subscription = this.#row.subscription
    if (subscription === null || !this.#started) return
    const now = this.#now()
    const due = reservedRelays(this.#components.libp2p).filter(relay => this.#due(relay, now))
    if (due.length === 0) return
    const results = await Promise.all(due.map(async relay => [relay, await this.#register(relay, subscription)] as const))
    if (this.#row.subscription !== subscription) return
    const relays = { ...this.#row.relays }
    for (const [relay, record] of results) if (record !== undefined) relays[relay] = record
    this.#row = { ...this.#row, relays: this.#bounded(relays, new Set(reservedRelays(this.#components.libp2p))), updatedAt: now }
    await setPushSetting(this.#components.db, this.#row)
  }

  /** At most MAX_PUSH_RELAYS records: those of relays reserved on now first, then the newest. */
  #bounded (relays: Record<string, PushRelayRecord>, reserved: ReadonlySet<string>): Record<string, PushRelayRecord> {
    const entries = Object.entries(relays)
    if (entries.length <= MAX_PUSH_RELAYS) return relays
    entries.sort(([a, x], [b, y]) => Number(reserved.has(b)) - Number(reserved.has(a)) || y.at - x.at)
    return Object.fromEntries(entries.slice(0, MAX_PUSH_RELAYS))
  }

  #connectionTo (relay: string): Connection | undefined {
    return connectionTo(this.#components.libp2p, relay)
  }

  #fields (relay: string, endpoint: string): Omit<PushRequestFields & { op: 'remove' }, 'op'> {
    this.#lastTime = Math.max(Math.floor(this.#now()), this.#lastTime + 1)
    return {
      time: this.#lastTime,
      nonce: crypto.getRandomValues(new Uint8Array(PUSH_NONCE_BYTES)),
      relay: peerIdFromString(relay).toMultihash().bytes,
      subject: this.#components.libp2p.peerId.toMultihash().bytes,
      endpoint
    }
  }

  async #send<Op extends PushRequestFields['op']> (connection: Connection, fields: Extract<PushRequestFields, { op: Op }>): Promise<Extract<PushReply, { op: Op }>> {
    const key = this.#components.identity.privateKey()
    const frame = await encodePushRequest(fields, async bytes => key.sign(bytes))
    const signal = AbortSignal.any([this.#stopping.signal, AbortSignal.timeout(PUSH_REQUEST_TIMEOUT_MS)])
    return pushRequest<Op>(connection, { op: fields.op as Op, frame }, { signal })
  }

  /** What `relay` said of a REGISTER; undefined when it did not answer (tried again later). */
  async #register (relay: string, subscription: StoredSubscription): Promise<PushRelayRecord | undefined> {
    const connection = this.#connectionTo(relay)
    if (connection === undefined) return undefined
    try {
      const fields = { op: 'register', ...this.#fields(relay, subscription.endpoint), p256dh: unb64(subscription.p256dh), auth: unb64(subscription.auth) } as const
      const reply = await this.#send(connection, fields)
      const at = this.#now()
      const vapidKey = b64(reply.vapidKey)
      if (vapidKey !== subscription.applicationServerKey) {
        // its pushes would be refused by the push service: take it back
        await this.#send(connection, { op: 'remove', ...this.#fields(relay, subscription.endpoint) })
        this.#log('relay %s has another VAPID key: no push from it', relay)
        return { state: 'other-key', at, vapidKey }
      }
      this.#log('push subscription registered with %s', relay)
      return { state: 'registered', at, vapidKey, expiresAt: reply.expiresAt }
    } catch (err) {
      // `off`: a relay run with --push off, as one without the protocol (its operator may turn it on)
      if (err instanceof PushRefusedError && err.code !== 'off') {
        this.#log.error('relay %s refused the push subscription: %s', relay, err.code)
        return { state: 'refused', at: this.#now(), code: err.code }
      }
      const unsupported = err instanceof PushRefusedError || (err instanceof Error && err.name === 'UnsupportedProtocolError')
      if (this.#later.size >= MAX_PUSH_RELAYS) this.#later.clear()
      this.#later.set(relay, { until: this.#now() + PUSH_RETRY_AFTER_MS, unsupported })
      this.#log.error('cannot register the push subscription with %s - %e', relay, err)
      return undefined
    }
  }

  /** Removes `endpoint` from every relay that holds it and is connected now. */
  async #removeAll (endpoint: string): Promise<void> {
    const held = Object.entries(this.#row.relays).filter(([, record]) => record.state === 'registered').map(([relay]) => relay)
    await Promise.all(held.map(async (relay) => {
      const connection = this.#connectionTo(relay)
      if (connection === undefined) return
      try {
        await this.#send(connection, { op: 'remove', ...this.#fields(relay, endpoint) })
        this.#log('push subscription removed from %s', relay)
      } catch (err) {
        // it forgets it at its expiry, or at its push service's 404/410 once the browser unsubscribed
        this.#log.error('cannot remove the push subscription from %s - %e', relay, err)
      }
    }))
  }
}
