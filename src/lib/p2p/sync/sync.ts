/**
 * Own devices in step (issue 58, increment 5b; docs/protocols.md, "Own
 * devices in step"): what the person does on this device (`own:change`) is
 * queued for every sibling and sent (courier.ts); what a sibling did is taken
 * here (listener.ts). A sibling's queue goes out when the node starts, when
 * something new is queued, when the sibling connects (its identify lists
 * the protocol) and on the courier's back-off; when our list changes, the
 * items of a device it no longer names are dropped.
 */
import {
  decodeSyncRequest, encodeSyncReply, MAX_SYNC_FRAME_BYTES, MAX_SYNC_PREFIX_BYTES, SYNC_EXCHANGE_TIMEOUT_MS, SYNC_PROTOCOL, SYNC_REQUESTS_PER_MINUTE
} from '@parley/protocol/sync/wire'
import { keepSyncFor, siblingsWithItems } from '../../db/sync-queue.ts'
import { DeskService } from '../kernel/desk-service.ts'
import { siblingsOf, SyncCourier } from './courier.ts'
import { itemsOf } from './items.ts'
import { SyncListener } from './listener.ts'
import type { DeskProtocol } from '../kernel/desk-service.ts'
import type { OwnChange, ParleyEventTarget } from '../kernel/events.ts'
import type { SyncCourierComponents } from './courier.ts'
import type { SyncListenerComponents } from './listener.ts'
import type { BackoffOptions } from '@parley/protocol/scheduling/backoff'
import type { SyncReply } from '@parley/protocol/sync/wire'
import type { IdentifyResult, Libp2p, Logger, Startable } from '@libp2p/interface'

/** Exchanges at once per connection, each way. */
export const MAX_SYNC_STREAMS = 2

const SYNC: DeskProtocol<Uint8Array, SyncReply | Uint8Array> = {
  name: 'sync',
  protocol: SYNC_PROTOCOL,
  timeoutMs: SYNC_EXCHANGE_TIMEOUT_MS,
  requestsPerMinute: SYNC_REQUESTS_PER_MINUTE,
  maxStreams: MAX_SYNC_STREAMS,
  maxFrameBytes: MAX_SYNC_FRAME_BYTES,
  maxPrefixBytes: MAX_SYNC_PREFIX_BYTES,
  encode: (frame) => frame instanceof Uint8Array ? frame : encodeSyncReply(frame),
  decodeRequest: decodeSyncRequest,
  // the dialer is SyncCourier's, not the desk service's
  decodeReply: () => { throw new Error('sync replies are read by SyncCourier') },
  invalid: { type: 'reject', reason: 'invalid' },
  rateLimited: { type: 'reject', reason: 'rate-limited' }
}

export type SyncComponents = SyncCourierComponents & SyncListenerComponents & {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'getConnections' | 'addEventListener' | 'removeEventListener'>
  events: Pick<ParleyEventTarget, 'addEventListener' | 'removeEventListener' | 'safeDispatchEvent'>
}

export interface SyncInit {
  /** the clock items are stamped and taken by (tests give their own) */
  now?: () => number
  backoff?: BackoffOptions
}

export class Sync implements Startable {
  readonly #components: SyncComponents
  readonly #now: () => number
  readonly #courier: SyncCourier
  readonly #listener: SyncListener
  /** what a sibling left in our mailbox goes here */
  readonly intake: SyncListener
  readonly #log: Logger
  #desk: DeskService<Uint8Array, SyncReply | Uint8Array> | undefined

  constructor (components: SyncComponents, init: SyncInit = {}) {
    this.#components = components
    this.#now = init.now ?? Date.now
    this.#courier = new SyncCourier(components, init.backoff === undefined ? {} : { backoff: init.backoff })
    this.#listener = new SyncListener(components, this.#now)
    this.intake = this.#listener
    this.#log = components.logger.forComponent('parley:sync')
  }

  async start (): Promise<void> {
    this.#courier.start()
    this.#desk = new DeskService({ registrar: this.#components.libp2p, logger: this.#components.logger }, SYNC, this.#listener)
    await this.#desk.start()
    this.#components.libp2p.addEventListener('peer:identify', this.#onIdentify)
    this.#components.events.addEventListener('own:change', this.#onChange)
    this.#components.events.addEventListener('devices:changed', this.#onDevices)
    this.#components.events.addEventListener('online', this.#onOnline)
    for (const peer of await siblingsWithItems(this.#components.db)) this.#courier.kick(peer)
  }

  async stop (): Promise<void> {
    this.#components.libp2p.removeEventListener('peer:identify', this.#onIdentify)
    this.#components.events.removeEventListener('own:change', this.#onChange)
    this.#components.events.removeEventListener('devices:changed', this.#onDevices)
    this.#components.events.removeEventListener('online', this.#onOnline)
    this.#courier.stop()
    await this.#desk?.stop()
    this.#desk = undefined
  }

  readonly #onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    if (evt.detail.protocols.includes(SYNC_PROTOCOL)) this.#courier.kick(evt.detail.peerId.toString())
  }

  /** Reachable again: each sibling is dialled, so that what it queued for us while we were away comes (its identify of us kicks its courier), and ours goes. */
  readonly #onOnline = (): void => {
    for (const peer of siblingsOf(this.#components)) this.#courier.greet(peer)
  }

  readonly #onChange = (evt: CustomEvent<OwnChange>): void => {
    void this.#queue(evt.detail)
  }

  readonly #onDevices = (): void => {
    const siblings = siblingsOf(this.#components)
    void keepSyncFor(this.#components.db, siblings).then(() => { for (const peer of siblings) this.#courier.kick(peer) })
      .catch((err: unknown) => { this.#log.error('could not drop the sync items of removed devices - %e', err) })
  }

  async #queue (change: OwnChange): Promise<void> {
    try {
      if (siblingsOf(this.#components).length === 0) return
      for (const item of await itemsOf(this.#components.db, change, this.#now)) await this.#courier.queue(item)
    } catch (err) {
      this.#log.error('could not queue %s for our other devices - %e', change.kind, err)
    }
  }
}
