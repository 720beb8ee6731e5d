/**
 * A non-owner tab's end of the RPC link in the dedicated-Worker fallback: an
 * {@link RpcPort} whose messages travel as envelopes (envelope.ts) over the
 * `parley-node` BroadcastChannel to the tab that owns the Worker, which relays
 * them into the Worker on a MessageChannel of their own (owner-relay.ts).
 *
 * Life of a port: `start()` takes the client lock (when Web Locks exist) so
 * the owner can tell when this tab is gone, then sends `open` until an owner
 * acknowledges it (at once when a new owner announces itself). Messages posted
 * before that wait in a bounded queue. Once acknowledged, the port talks only
 * to that owner. It fires `close` (with {@link closeReason}) when the owner
 * leaves, a different owner announces itself, the owner drops this client, or
 * no owner answers within the timeout; the RPC client then reconnects through
 * a fresh port (reconnecting-client.ts).
 */

import { defaultRpcLog } from '../guards.ts'
import type { RpcLog, RpcPort } from '../guards.ts'
import type { TabToWorker } from '../protocol.ts'
import { isTabToWorker } from '../guards.ts'
import {
  CLIENT_LOCK_PREFIX,
  describeEnvelope,
  estimateSize,
  isFromOwnerEnvelope,
  MAX_ENVELOPE_BYTES,
  MAX_QUEUED_ENVELOPES,
  newEndpointId,
  NodeOwnerLostError,
  NoNodeOwnerError,
  OPEN_RETRY_MS,
  OWNER_TIMEOUT_MS
} from './envelope.ts'
import type { BroadcastChannelLike, FromOwnerEnvelope, LockManagerLike, ToOwnerEnvelope } from './envelope.ts'

export interface BroadcastPortOptions {
  /** this port's endpoint id (default: random) */
  id?: string
  /** when given, the port holds `parley-node-client:<id>` while it lives */
  locks?: LockManagerLike
  /** {@link OWNER_TIMEOUT_MS} */
  ownerTimeoutMs?: number
  /** {@link OPEN_RETRY_MS} */
  openRetryMs?: number
  /** {@link MAX_QUEUED_ENVELOPES} */
  maxQueued?: number
  /** {@link MAX_ENVELOPE_BYTES} */
  maxBytes?: number
  log?: RpcLog
}

type State = 'idle' | 'locking' | 'opening' | 'open' | 'closed'
type Listener = (event: MessageEvent) => void

export class BroadcastPort implements RpcPort {
  readonly id: string
  readonly #channel: BroadcastChannelLike
  readonly #locks: LockManagerLike | undefined
  readonly #ownerTimeoutMs: number
  readonly #openRetryMs: number
  readonly #maxQueued: number
  readonly #maxBytes: number
  readonly #log: RpcLog
  readonly #events = new EventTarget()
  readonly #queue: TabToWorker[] = []
  #state: State = 'idle'
  #ownerId: string | undefined
  #retryTimer: ReturnType<typeof setInterval> | undefined
  #ownerTimer: ReturnType<typeof setTimeout> | undefined
  #releaseLock: (() => void) | undefined
  #closeReason: Error | undefined

  constructor (channel: BroadcastChannelLike, options: BroadcastPortOptions = {}) {
    this.id = options.id ?? newEndpointId()
    this.#channel = channel
    this.#locks = options.locks
    this.#ownerTimeoutMs = options.ownerTimeoutMs ?? OWNER_TIMEOUT_MS
    this.#openRetryMs = options.openRetryMs ?? OPEN_RETRY_MS
    this.#maxQueued = options.maxQueued ?? MAX_QUEUED_ENVELOPES
    this.#maxBytes = options.maxBytes ?? MAX_ENVELOPE_BYTES
    this.#log = options.log ?? defaultRpcLog
    channel.addEventListener('message', this.#onEnvelope)
  }

  /** The id of the owner that acknowledged this port, once it did. */
  get ownerId (): string | undefined { return this.#ownerId }
  /** True once an owner acknowledged this port (and until it closes). */
  get connected (): boolean { return this.#state === 'open' }
  /** Why the port closed on its own ({@link NoNodeOwnerError} or {@link NodeOwnerLostError}); undefined otherwise. */
  get closeReason (): Error | undefined { return this.#closeReason }

  addEventListener (type: 'message' | 'close', listener: Listener): void {
    this.#events.addEventListener(type, listener as EventListener)
  }

  removeEventListener (type: 'message' | 'close', listener: Listener): void {
    this.#events.removeEventListener(type, listener as EventListener)
  }

  /** Begins looking for the owner. Idempotent. */
  start (): void {
    if (this.#state !== 'idle') return
    this.#ownerTimer = setTimeout(() => {
      this.#lose(new NoNodeOwnerError('noNodeOwner', { seconds: this.#ownerTimeoutMs / 1000 }))
    }, this.#ownerTimeoutMs)
    const locks = this.#locks
    if (locks === undefined) {
      this.#beginOpening()
      return
    }
    this.#state = 'locking'
    const held = new Promise<void>((resolve) => { this.#releaseLock = resolve })
    locks.request(CLIENT_LOCK_PREFIX + this.id, async () => {
      if (this.#state === 'locking') this.#beginOpening()
      await held
    }).catch((err: unknown) => {
      this.#log('client lock failed; continuing without it', err)
      if (this.#state === 'locking') this.#beginOpening()
    })
  }

  /**
   * Sends one RPC message to the node. Throws `RangeError` when it is too large
   * or when the queue for a not-yet-acknowledged port is full, and
   * `InvalidStateError` once closed (as a closed MessagePort would drop it).
   */
  postMessage (message: unknown): void {
    if (this.#state === 'closed') return
    if (!isTabToWorker(message)) throw new TypeError('BroadcastPort carries RPC messages only')
    if (estimateSize(message, this.#maxBytes) > this.#maxBytes) {
      throw new RangeError(`RPC message larger than ${this.#maxBytes} bytes`)
    }
    if (this.#state === 'open') {
      // a message that cannot be cloned is its caller's to hear about (RpcClient rejects that
      // call at once, as over a MessagePort); a queued one can only be logged when flushed
      this.#channel.postMessage({ from: this.id, to: 'owner', kind: 'data', data: message } satisfies ToOwnerEnvelope)
      return
    }
    if (this.#queue.length >= this.#maxQueued) {
      throw new RangeError(`${this.#queue.length} messages already wait for the node's owner`)
    }
    this.#queue.push(message)
  }

  /** Tells the owner this client leaves and stops listening. Fires no `close` on this side. Idempotent. */
  close (): void {
    if (this.#state === 'closed') return
    if (this.#state === 'opening' || this.#state === 'open') {
      this.#send({ from: this.id, to: 'owner', kind: 'close', data: null })
    }
    this.#shutdown()
  }

  #beginOpening (): void {
    this.#state = 'opening'
    this.#sendOpen()
    this.#retryTimer = setInterval(() => { this.#sendOpen() }, this.#openRetryMs)
  }

  #sendOpen (): void {
    this.#send({ from: this.id, to: 'owner', kind: 'open', data: null })
  }

  readonly #onEnvelope = (event: MessageEvent): void => {
    // A throw here would escape dispatch and be lost: log and drop instead.
    try {
      const data: unknown = event.data
      if (!isFromOwnerEnvelope(data, this.#maxBytes)) {
        // clients' envelopes to the owner reach every tab: not ours, and not an error
        if (!isAddressedToOwner(data)) this.#log('dropped invalid envelope: %s', describeEnvelope(data))
        return
      }
      if (data.to !== this.id && data.to !== '*') return
      this.#handle(data)
    } catch (err) {
      this.#log('error while handling an envelope', err)
    }
  }

  #handle (env: FromOwnerEnvelope): void {
    const state = this.#state
    if (state === 'closed' || state === 'idle') return
    if (env.to === '*') {
      if (env.kind === 'open') {
        // a (new) owner announced itself
        if (state === 'opening') this.#sendOpen()
        else if (state === 'open' && env.from !== this.#ownerId) this.#lose(new NodeOwnerLostError('nodeOwnerLost', {}, { cause: 'The node moved to another tab' }))
      } else if (state === 'open' && env.from === this.#ownerId) {
        this.#lose(new NodeOwnerLostError('nodeOwnerLost', {}, { cause: 'The tab running the node closed' }))
      }
      return
    }
    switch (env.kind) {
      case 'open':
        if (state === 'opening') this.#accept(env.from)
        return
      case 'data':
        if (state === 'open' && env.from === this.#ownerId) {
          this.#events.dispatchEvent(new MessageEvent('message', { data: env.data }))
        }
        return
      case 'close':
        if (state === 'open' ? env.from === this.#ownerId : state === 'opening') {
          this.#lose(new NodeOwnerLostError('nodeOwnerLost', {}, { cause: 'The node closed this connection' }))
        }
    }
  }

  #accept (ownerId: string): void {
    this.#state = 'open'
    this.#ownerId = ownerId
    this.#clearTimers()
    const queued = this.#queue.splice(0)
    for (const data of queued) this.#send({ from: this.id, to: 'owner', kind: 'data', data })
  }

  /** Closes on its own and tells the RPC client (`close` event) why. */
  #lose (reason: Error): void {
    if (this.#state === 'closed') return
    this.#closeReason = reason
    this.#shutdown()
    this.#events.dispatchEvent(new Event('close'))
  }

  #send (env: ToOwnerEnvelope): void {
    try {
      this.#channel.postMessage(env)
    } catch (err) {
      this.#log('BroadcastChannel postMessage(%s) failed', env.kind, err)
    }
  }

  #clearTimers (): void {
    clearInterval(this.#retryTimer)
    clearTimeout(this.#ownerTimer)
    this.#retryTimer = undefined
    this.#ownerTimer = undefined
  }

  #shutdown (): void {
    this.#state = 'closed'
    this.#clearTimers()
    this.#queue.length = 0
    this.#channel.removeEventListener('message', this.#onEnvelope)
    try {
      this.#channel.close()
    } catch (err) {
      this.#log('BroadcastChannel close() failed', err)
    }
    this.#releaseLock?.()
  }
}

function isAddressedToOwner (x: unknown): boolean {
  return typeof x === 'object' && x !== null && (x as { to?: unknown }).to === 'owner'
}
