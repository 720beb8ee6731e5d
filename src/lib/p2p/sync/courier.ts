/**
 * What this device tells its siblings (docs/protocols.md, "Own devices in
 * step"): each item is queued for every sibling (db/sync-queue.ts, at most
 * MAX_SYNC_QUEUE each) and goes to it in order over `/parley/sync/1.0.0`, one
 * item per stream in a box of our session with that device. A sibling not
 * connected is dialled by its PeerID as any peer (its peer record, the DHT:
 * presence's dialer); one that cannot be reached gets them in its mailbox
 * relays, each item boxed as it would go live (the sibling's drain hands
 * them to listener.ts), and live again once it is reached (a relay may lose
 * an item; taken twice, an item changes nothing). One delivery per sibling at a time; one that fails
 * (unreachable, no session yet, a refusal that may pass) is tried again
 * after a back-off (SYNC_BACKOFF), and whenever the sibling connects; an
 * item queued meanwhile waits for that retry.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { negotiatedRequest } from '@parley/protocol/one-request/client'
import { KeyedRetry } from '@parley/protocol/scheduling/keyed-retry'
import { ulidBytes } from '@parley/protocol/ulid'
import { decodeSyncReply, encodeSyncItem, SYNC_EXCHANGE_TIMEOUT_MS, SYNC_PROTOCOL } from '@parley/protocol/sync/wire'
import { MAX_DEVICES } from '@parley/protocol/devices/constants'
import { queueSyncItem, syncItemDeposited, syncItemDone, syncItemsFor, undepositedFor } from '../../db/sync-queue.ts'
import type { ParleyDb } from '../../db/db.ts'
import type { DevicesPort } from '../kernel/ports/devices.ts'
import type { IdentityPort } from '../kernel/ports/identity.ts'
import type { ContactDialer } from '../kernel/ports/presence.ts'
import type { MailboxCourierPort } from '../kernel/ports/messaging.ts'
import type { PeerBoxesPort } from '../kernel/ports/sessions.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { SyncItem, SyncReply } from '@parley/protocol/sync/wire'
import type { ComponentLogger, Connection, Libp2p, Logger } from '@libp2p/interface'

/** Retries of a sibling's delivery: 5 s, doubling, at most 10 min apart. */
export const SYNC_BACKOFF: BackoffOptions = { initialMs: 5000, maxMs: 600_000 }
/** Dialling a sibling that is not connected gives up after this long. */
export const SIBLING_CONNECT_TIMEOUT_MS = 30_000
/** Items read from the queue at a time. */
const BATCH = 32

export interface SyncCourierComponents {
  db: ParleyDb
  logger: ComponentLogger
  libp2p: Pick<Libp2p, 'getConnections' | 'peerStore'>
  identity: Pick<IdentityPort, 'require'>
  devices: Pick<DevicesPort, 'ownList'>
  dialer: Pick<ContactDialer, 'connect'>
  peerBoxes: PeerBoxesPort
  /** deposits an item in an unreachable sibling's mailbox relays (messaging/courier.ts) */
  courier: Pick<MailboxCourierPort, 'depositFor'>
  /** resets our session with a sibling that could not open our box */
  sessions: { reset(peer: string): Promise<boolean> }
}

/** The other devices of our account's list (not this one). */
export function siblingsOf (components: Pick<SyncCourierComponents, 'identity' | 'devices'>): string[] {
  const self = components.identity.require().peerId
  return (components.devices.ownList()?.devices ?? []).map(d => d.peer).filter(peer => peer !== self)
}

export class SyncCourier {
  readonly #components: SyncCourierComponents
  readonly #log: Logger
  readonly #init: { backoff?: BackoffOptions, random?: () => number }
  #retries: KeyedRetry<string>
  /** siblings a delivery runs to, and those asked again meanwhile (each at most MAX_DEVICES) */
  readonly #running = new Set<string>()
  readonly #again = new Set<string>()
  #shutdown = new AbortController()

  constructor (components: SyncCourierComponents, init: { backoff?: BackoffOptions, random?: () => number } = {}) {
    this.#components = components
    this.#log = components.logger.forComponent('parley:sync')
    this.#init = init
    this.#retries = this.#newRetries(init)
  }

  #newRetries (init: { backoff?: BackoffOptions, random?: () => number }): KeyedRetry<string> {
    return new KeyedRetry<string>({
      backoff: init.backoff ?? SYNC_BACKOFF,
      maxKeys: MAX_DEVICES,
      onDue: (peer) => { this.kick(peer) },
      unref: true,
      ...(init.random === undefined ? {} : { random: init.random })
    })
  }

  start (): void {
    this.#shutdown = new AbortController()
    this.#retries = this.#newRetries(this.#init)
  }

  stop (): void {
    this.#shutdown.abort()
    this.#retries.stop()
  }

  /** Queues `item` for every sibling and sends it to each; resolves once it is queued. */
  async queue (item: SyncItem): Promise<void> {
    const siblings = siblingsOf(this.#components)
    if (siblings.length === 0) return
    const dropped = await queueSyncItem(this.#components.db, siblings, item.id, encodeSyncItem(item))
    if (dropped > 0) this.#log.error('the sync queue was full: %d oldest item(s) dropped', dropped)
    // a sibling whose delivery failed gets it at its planned retry
    for (const peer of siblings) if (!this.#retries.planned(peer)) this.kick(peer)
  }

  /** Sends what is queued for `peer` now (after the running delivery, if one runs), in place of a planned retry; never throws. */
  kick (peer: string): void {
    if (this.#shutdown.signal.aborted || !siblingsOf(this.#components).includes(peer)) return
    if (this.#running.has(peer)) {
      this.#again.add(peer)
      return
    }
    this.#retries.cancel(peer)
    this.#running.add(peer)
    void this.#deliver(peer).then((done) => {
      this.#running.delete(peer)
      // asked again while it ran: at once when it went through, else at the planned retry
      if (this.#again.delete(peer) && done) this.kick(peer)
    })
  }

  /** Connects to `peer` (which then sends what it queued for us), and sends what is queued for it; never throws. */
  greet (peer: string): void {
    if (this.#shutdown.signal.aborted) return
    void this.#connect(peer).then(() => { this.kick(peer) }, (err: unknown) => { this.#log('could not reach our device %s - %e', peer, err) })
  }

  /** Sends `peer`'s queue; resolves whether all of it went (else a retry is planned). */
  async #deliver (peer: string): Promise<boolean> {
    const { db } = this.#components
    try {
      let connection: Connection | undefined
      for (;;) {
        const rows = await syncItemsFor(db, peer, BATCH)
        if (rows.length === 0) break
        try {
          connection ??= await this.#connect(peer)
        } catch (err) {
          if (this.#shutdown.signal.aborted) throw err
          // not reachable: its mailbox relays keep them until it drains them
          await this.#depositAll(peer)
          throw err
        }
        for (const row of rows) {
          const reply = await this.#send(connection, peer, row.id, row.item)
          if (reply.type === 'reject' && (reply.reason === 'session' || reply.reason === 'rate-limited')) {
            if (reply.reason === 'session') await this.#components.sessions.reset(peer)
            throw new Error(`${peer} refused item ${row.id}: ${reply.reason}`)
          }
          // taken, or one it will never take ('invalid', 'not-a-sibling': its list is older than ours)
          if (reply.type === 'reject') this.#log.error('%s refused sync item %s for good: %s', peer, row.id, reply.reason)
          await syncItemDone(db, peer, row.id)
        }
      }
      this.#retries.succeeded(peer)
      return true
    } catch (err) {
      if (this.#shutdown.signal.aborted) return false
      const delay = this.#retries.failed(peer)
      this.#log('sync to %s failed, again in %s ms - %e', peer, delay, err)
      return false
    }
  }

  /**
   * Deposits `peer`'s queue, oldest first, in its mailbox relays: those its
   * addresses go through as our peer store has them (its peer record, the
   * DHT), else ours. An item a relay took is marked so and not deposited
   * again (it stays queued until the sibling acknowledges it live). Stops at
   * the first that none took, so that the order holds.
   */
  async #depositAll (peer: string): Promise<void> {
    const { db, libp2p, peerBoxes, courier } = this.#components
    const to = peerIdFromString(peer)
    const addresses = await libp2p.peerStore.get(to).then(p => p.addresses.map(a => a.multiaddr.toString()), () => [])
    for (;;) {
      const rows = await undepositedFor(db, peer, BATCH)
      if (rows.length === 0) return
      for (const row of rows) {
        if (this.#shutdown.signal.aborted) return
        const box = await peerBoxes.seal(to, ulidBytes(row.id), row.item, [], { mailbox: true, signal: this.#shutdown.signal })
        const held = await courier.depositFor({ peerId: peer, addresses }, box)
        if (held === 0) return
        await syncItemDeposited(db, peer, row.id)
        this.#log('sync item %s for %s left on %d mailbox relay(s)', row.id, peer, held)
      }
    }
  }

  async #connect (peer: string): Promise<Connection> {
    const open = this.#components.libp2p.getConnections(peerIdFromString(peer)).find(c => c.status === 'open')
    if (open !== undefined) return open
    const signal = AbortSignal.any([AbortSignal.timeout(SIBLING_CONNECT_TIMEOUT_MS), this.#shutdown.signal])
    return this.#components.dialer.connect({ peerId: peer }, { signal })
  }

  async #send (connection: Connection, peer: string, id: string, item: Uint8Array): Promise<SyncReply> {
    const to = peerIdFromString(peer)
    const signal = AbortSignal.any([AbortSignal.timeout(SYNC_EXCHANGE_TIMEOUT_MS), this.#shutdown.signal])
    return negotiatedRequest({
      protocols: [SYNC_PROTOCOL],
      maxReplyBytes: 64,
      maxPrefixBytes: 1,
      defaultTimeoutMs: SYNC_EXCHANGE_TIMEOUT_MS,
      runOnLimitedConnection: true
    }, connection, {
      request: async () => this.#components.peerBoxes.seal(to, ulidBytes(id), item, [], { signal }),
      reply: async (bytes) => decodeSyncReply(bytes)
    }, { signal })
  }
}
