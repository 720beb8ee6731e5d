/**
 * The tab side of the RPC layer: calls to the node worker and subscriptions
 * to its events over one `MessagePort`, typed by a contract (lib/contract),
 * whose timeouts table gives each method's default timeout.
 *
 * Every call has a timeout and may take an AbortSignal; its pending entry is
 * removed when it settles, times out, is aborted or the client closes, and the
 * pending map is bounded. Calls made before the worker's `welcome` are queued
 * (bounded by the same limit) and sent once it arrives.
 */

import { TypedEventEmitter } from 'main-event'
import {
  errorFromShape,
  RpcClosedError,
  RpcTimeoutError,
  TooManyPendingCallsError
} from './errors.ts'
import { defaultRpcLog, describeMessage, isWorkerToTab } from './guards.ts'
import type { RpcLog, RpcPort } from './guards.ts'
import type { CallArgsOf, ContractShape, ContractTimeouts, EventName, MethodName, PayloadOf, ResultOf } from '../contract/define.ts'
import type { CallMessage, TabToWorker, WorkerToTab } from './protocol.ts'
import type { TypedEventTarget } from 'main-event'

/** Timeout of a call whose options and contract entry give none. */
export const DEFAULT_CALL_TIMEOUT_MS = 15_000
/** Most calls in flight (queued or sent) at once; more are refused, not queued. */
export const DEFAULT_MAX_PENDING_CALLS = 256
/** setTimeout overflows past 2^31 - 1 ms and would fire at once; clamp to it. */
const MAX_TIMER_MS = 2 ** 31 - 1

/** Per-call options. */
export interface CallOptions {
  /** aborting rejects the call with `signal.reason` and cancels the handler in the worker */
  signal?: AbortSignal
  /** defaults to the method's `timeoutMs` in the contract, else the client's ({@link DEFAULT_CALL_TIMEOUT_MS}) */
  timeoutMs?: number
}

/** The arguments of `call(method, …)`: params are optional for methods that take none. */
export type CallArgs<C extends ContractShape, M extends MethodName<C>> = CallArgsOf<C, M, CallOptions>

/** Options of {@link RpcClient}. */
export interface RpcClientOptions {
  /** per-call timeout of methods whose contract entry gives none; {@link DEFAULT_CALL_TIMEOUT_MS} */
  timeoutMs?: number
  /** bound of the pending map; {@link DEFAULT_MAX_PENDING_CALLS} */
  maxPending?: number
  log?: RpcLog
}

interface Pending {
  /** false while the call waits in the pre-welcome outbox */
  sent: boolean
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
  timer: ReturnType<typeof setTimeout>
  signal?: AbortSignal
  onAbort?: () => void
}

/** The worker's events by name, each carrying its payload. */
export type WorkerEvents = Record<string, CustomEvent<unknown>>

/**
 * Adds `cb` for `event`, its throws logged: a throw would escape dispatch
 * and be lost. Returns the unsubscribe function.
 */
export function listen (events: TypedEventTarget<WorkerEvents>, event: string, cb: (payload: unknown) => void, log: RpcLog): () => void {
  const listener = (e: CustomEvent<unknown>): void => {
    try {
      cb(e.detail)
    } catch (err) {
      log('listener for event %s threw', event, err)
    }
  }
  events.addEventListener(event, listener)
  return () => { events.removeEventListener(event, listener) }
}

/**
 * A typed client for the node worker.
 *
 * @example
 * ```ts
 * const client = new RpcClient(CONTRACT_TIMEOUTS, worker.port)
 * const off = client.on('status', status => { console.log(status.phase) })
 * const { link } = await client.call('getInvite')
 * await client.call('sendMessage', { contactId, text: 'hi' }, { timeoutMs: 5_000 })
 * off(); client.close()
 * ```
 */
export class RpcClient<C extends ContractShape> {
  readonly #timeouts: ContractTimeouts<C>
  readonly #port: RpcPort
  readonly #log: RpcLog
  readonly #timeoutMs: number
  readonly #maxPending: number
  readonly #pending = new Map<number, Pending>()
  /** calls made before `welcome`, in call order; each one is also in #pending */
  readonly #outbox = new Map<number, CallMessage>()
  readonly #events = new TypedEventEmitter<WorkerEvents>()
  #nextId = 0
  #welcomed = false
  #closed = false

  /**
   * Takes ownership of `port`: starts it and sends `arrive`. `timeouts` is the
   * contract's timeouts table (`timeoutsOf(contract)`), which also types the client.
   */
  constructor (timeouts: ContractTimeouts<C>, port: RpcPort, options: RpcClientOptions = {}) {
    this.#timeouts = timeouts
    this.#port = port
    this.#log = options.log ?? defaultRpcLog
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS
    this.#maxPending = options.maxPending ?? DEFAULT_MAX_PENDING_CALLS
    port.addEventListener('message', this.#onMessage)
    port.addEventListener('close', this.#onPortClose)
    port.start()
    this.#post({ type: 'arrive' })
  }

  /** Calls queued or awaiting a result. */
  get pendingCount (): number { return this.#pending.size }
  /** True once the worker answered `arrive` with `welcome`. */
  get welcomed (): boolean { return this.#welcomed }
  /** True after {@link close} or once the port closed. */
  get closed (): boolean { return this.#closed }

  /**
   * Calls `method` in the worker. Rejects with the worker's error (a plain
   * `Error` carrying the remote `name` and `message`), `RpcTimeoutError`,
   * `signal.reason` on abort, `TooManyPendingCallsError` or `RpcClosedError`.
   */
  call<M extends MethodName<C>>(method: M, ...args: CallArgs<C, M>): Promise<ResultOf<C, M>> {
    const [params, options = {}] = args
    const { signal } = options
    const timeoutMs = options.timeoutMs ?? (Object.hasOwn(this.#timeouts, method) ? this.#timeouts[method] : undefined) ?? this.#timeoutMs
    if (this.#closed) return Promise.reject(new RpcClosedError('rpcClosed'))
    if (signal?.aborted === true) return Promise.reject(signal.reason)
    if (!(timeoutMs > 0)) return Promise.reject(new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`))
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(new TooManyPendingCallsError('rpcTooManyCalls', { pending: this.#pending.size }))
    }

    const id = this.#nextId
    this.#nextId = id >= Number.MAX_SAFE_INTEGER ? 0 : id + 1
    const message: CallMessage = { type: 'call', id, method, params }

    return new Promise<ResultOf<C, M>>((resolve, reject) => {
      const entry: Pending = {
        sent: false,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: setTimeout(() => {
          this.#cancel(id, new RpcTimeoutError('rpcTimeout'))
        }, Math.min(timeoutMs, MAX_TIMER_MS))
      }
      if (signal !== undefined) {
        entry.signal = signal
        entry.onAbort = () => { this.#cancel(id, signal.reason) }
        signal.addEventListener('abort', entry.onAbort, { once: true })
      }
      this.#pending.set(id, entry)
      if (this.#welcomed) this.#send(id, message)
      else this.#outbox.set(id, message)
    })
  }

  /** Subscribes to a worker event; returns the unsubscribe function. */
  on<E extends EventName<C>>(event: E, cb: (payload: PayloadOf<C, E>) => void): () => void {
    return listen(this.#events, event, cb as (payload: unknown) => void, this.#log)
  }

  /** Sends `leave`, closes the port and rejects every pending call with `RpcClosedError`. Idempotent. */
  close (): void {
    if (this.#closed) return
    this.#post({ type: 'leave' })
    this.#shutdown(new RpcClosedError('rpcClosed'))
  }

  readonly #onMessage = (event: MessageEvent): void => {
    // A throw here would escape dispatch and be lost: log and drop instead.
    try {
      const data: unknown = event.data
      if (!isWorkerToTab(data)) {
        this.#log('dropped invalid message from worker: %s', describeMessage(data))
        return
      }
      this.#handle(data)
    } catch (err) {
      this.#log('error while handling a message from the worker', err)
    }
  }

  readonly #onPortClose = (): void => {
    this.#shutdown(new RpcClosedError('rpcClosed'))
  }

  #handle (msg: WorkerToTab): void {
    switch (msg.type) {
      case 'pong':
        // the port's watcher (watched-port.ts) counts it; nothing to do here
        return
      case 'welcome':
        if (this.#welcomed || this.#closed) return
        this.#welcomed = true
        for (const [id, call] of [...this.#outbox]) this.#send(id, call)
        return
      case 'result': {
        const entry = this.#settle(msg.id)
        if (entry === undefined) {
          // normal after a timeout or abort: the worker answered anyway
          this.#log('dropped result for unknown call id %d', msg.id)
          return
        }
        if (msg.ok) entry.resolve(msg.result)
        else entry.reject(errorFromShape(msg.error))
        return
      }
      case 'event':
        this.#events.safeDispatchEvent(msg.event, { detail: msg.payload })
    }
  }

  /** Posts a queued call; a postMessage failure (e.g. DataCloneError) rejects that call only. */
  #send (id: number, message: CallMessage): void {
    const entry = this.#pending.get(id)
    this.#outbox.delete(id)
    if (entry === undefined) return
    try {
      this.#port.postMessage(message)
      entry.sent = true
    } catch (err) {
      this.#settle(id)
      entry.reject(err)
    }
  }

  /** Removes a pending entry with everything it holds (timer, abort listener, outbox slot). */
  #settle (id: number): Pending | undefined {
    const entry = this.#pending.get(id)
    if (entry === undefined) return undefined
    this.#pending.delete(id)
    this.#outbox.delete(id)
    clearTimeout(entry.timer)
    if (entry.onAbort !== undefined) entry.signal?.removeEventListener('abort', entry.onAbort)
    return entry
  }

  /** Timeout or abort: settle locally and tell the worker to abort the handler. */
  #cancel (id: number, reason: unknown): void {
    const entry = this.#settle(id)
    if (entry === undefined) return
    if (entry.sent && !this.#closed) this.#post({ type: 'cancel', id })
    entry.reject(reason)
  }

  #post (message: TabToWorker): void {
    try {
      this.#port.postMessage(message)
    } catch (err) {
      // control messages hold no user data, so only a dead port can refuse them
      this.#log('postMessage(%s) failed', message.type, err)
    }
  }

  #shutdown (reason: Error): void {
    if (this.#closed) return
    this.#closed = true
    this.#port.removeEventListener('message', this.#onMessage)
    this.#port.removeEventListener('close', this.#onPortClose)
    try {
      this.#port.close()
    } catch (err) {
      this.#log('port.close() failed', err)
    }
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(reason)
  }
}
