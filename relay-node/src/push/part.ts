/**
 * Web Push as one of the relay's parts (lifecycle.ts): the VAPID key, the
 * subscriptions' database, the scheduler that sends pushes, the protocol,
 * and the hourly sweep of subscriptions not renewed. The mailbox tells it
 * of every item it stored (`deposited`), with the item's push hint: every
 * push is a version 2 payload (768 bytes) carrying the hints of the newest
 * items it says, filler where none came.
 */
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { encodePushPayloadV2 } from '@parley/protocol/push/payload'
import { PUSH_DIR, PUSH_SWEEP_INTERVAL_MS } from './constants.ts'
import { pushMetrics } from './metrics.ts'
import { PushScheduler } from './scheduler.ts'
import { postPush } from './send.ts'
import { startPush } from './service.ts'
import { PushStore } from './store.ts'
import { loadOrCreateVapid } from './vapid.ts'
import type { RelayComponents } from '../parts.ts'
import type { SchedulerClock } from './scheduler.ts'
import type { Startable } from '@libp2p/interface'

/** The wall clock, with timers that do not keep the process alive. */
function wallClock (now: () => number): SchedulerClock {
  return {
    now,
    setTimeout: (fn, ms) => {
      const timer = setTimeout(fn, ms)
      timer.unref()
      return () => { clearTimeout(timer) }
    }
  }
}

export class Push implements Startable {
  #store?: PushStore
  #scheduler?: PushScheduler
  #service?: { stop(): Promise<void> }
  #sweeper?: ReturnType<typeof setInterval>
  #vapidKey?: Uint8Array

  constructor (private readonly components: RelayComponents) {}

  /** The VAPID public key (uncompressed P-256), once started. */
  get vapidKey (): Uint8Array | undefined { return this.#vapidKey }

  async start (): Promise<void> {
    const { node, config, registry, log, state } = this.components
    const now = this.components.now ?? Date.now
    const { keys: vapid, created } = await loadOrCreateVapid(config.dataDir)
    if (created) log.info('made a VAPID key for Web Push', { file: 'push-vapid.json' })
    this.#vapidKey = vapid.publicKey
    const store = this.#store = await PushStore.open(join(config.dataDir, PUSH_DIR), config.pushMaxSubscriptions)
    const metrics = pushMetrics(registry, () => store.size)
    const relay = node.peerId.toString()
    const sender = { vapid, contact: config.pushContact }
    const scheduler = this.#scheduler = new PushScheduler({
      clock: wallClock(now),
      coalesceMs: config.pushCoalesceMs,
      perMinute: config.pushPerMinute,
      send: async (subscription, items, hints) => postPush(sender, subscription, encodePushPayloadV2({ relay, items, hints })),
      connected: (subject) => node.getConnections(peerIdFromString(subject)).some(c => c.status === 'open'),
      gone: (subscription) => {
        store.remove(subscription.subject, subscription.endpoint).then(
          (removed) => { if (removed) metrics.dropped('gone') },
          (err: unknown) => { log.error('cannot forget a push subscription', { error: err }) })
      },
      metrics
    })
    this.#service = await startPush(node, {
      store,
      scheduler,
      vapid,
      subscriptionDays: config.pushSubscriptionDays,
      perMinute: config.pushPerMinute,
      coalesceMs: config.pushCoalesceMs,
      allowInsecureLoopback: config.pushAllowInsecureLoopback,
      maxInboundStreams: config.maxInboundStreams,
      draining: () => state.draining,
      now,
      log,
      metrics
    })
    const sweep = (): void => {
      store.sweep(now()).then(
        (expired) => {
          for (const s of expired) scheduler.forget(s)
          if (expired.length > 0) { metrics.dropped('expired', expired.length); log.info('forgot push subscriptions not renewed', { count: expired.length }) }
        },
        (err: unknown) => { log.error('push subscription sweep failed', { error: err }) })
    }
    sweep()
    this.#sweeper = setInterval(sweep, PUSH_SWEEP_INTERVAL_MS)
    this.#sweeper.unref()
  }

  /** The mailbox stored an item for `recipient` (a PeerID), with the push hint its depositor attached, if any. */
  deposited (recipient: string, hint?: Uint8Array): void {
    const store = this.#store
    if (store === undefined) return
    const subscriptions = store.of(recipient).filter(s => s.expiresAt > (this.components.now ?? Date.now)())
    this.#scheduler?.deposited(recipient, subscriptions, hint)
  }

  async stop (): Promise<void> {
    clearInterval(this.#sweeper)
    this.#scheduler?.stop()
    await this.#service?.stop()
    await this.#store?.close()
  }
}
