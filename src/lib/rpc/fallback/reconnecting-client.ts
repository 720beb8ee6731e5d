/**
 * An RPC client that survives the loss of its port: in the dedicated-Worker
 * fallback the node moves to another tab when its owner tab closes, so the
 * port (a {@link BroadcastPort}, or a MessagePort in the owner tab) is
 * replaced, and each new port gets a fresh {@link RpcClient} with its own
 * `arrive`/`welcome` handshake. Subscriptions carry over; `onReconnect`
 * listeners hear about each new connection (the node's status may have
 * changed meanwhile, so NodeManager asks for it again).
 *
 * Calls made while no port is connected wait for the next one (bounded). A
 * call that failed because its port closed before the node ever welcomed it
 * was never sent, so it is retried on the next port (at most
 * {@link MAX_CALL_RETRIES} times); a call that may have reached the node is
 * not repeated and rejects. When no owner answers in time, the waiting calls
 * reject with the port's clear reason ({@link NoNodeOwnerError}).
 */

import { TypedEventEmitter } from 'main-event'
import { RpcClient, listen } from '../client.ts'
import type { CallArgs, RpcClientOptions, WorkerEvents } from '../client.ts'
import { RpcClosedError, TooManyPendingCallsError } from '../errors.ts'
import { defaultRpcLog } from '../guards.ts'
import type { RpcLog, RpcPort } from '../guards.ts'
import type { ContractShape, ContractTimeouts, EventName, MethodName, PayloadOf, ResultOf } from '../../contract/define.ts'
import { NoNodeOwnerError } from './envelope.ts'

/** First wait before reconnecting after a port was lost; doubles per quick failure. */
export const RECONNECT_MIN_DELAY_MS = 100
/** Longest wait between reconnection attempts. */
export const RECONNECT_MAX_DELAY_MS = 5_000
/** A connection that lived this long resets the back-off. */
const STABLE_AFTER_MS = 10_000
/** Retries of a call whose port was lost before the node welcomed it. */
export const MAX_CALL_RETRIES = 2
/** Most calls waiting for a connection at once. */
export const MAX_WAITING_CALLS = 256

export interface ReconnectingClientOptions<C extends ContractShape> {
  /** the contract's timeouts table (each inner {@link RpcClient} is typed by it) */
  timeouts: ContractTimeouts<C>
  /** a new port to the node; may reject (the client retries with back-off) */
  openPort: () => Promise<RpcPort>
  /** options of each inner {@link RpcClient} */
  client?: RpcClientOptions
  log?: RpcLog
}

interface Connection<C extends ContractShape> {
  port: RpcPort
  client: RpcClient<C>
  openedAt: number
  offs: Array<() => void>
  onClose: () => void
}

export class ReconnectingClient<C extends ContractShape> {
  readonly #timeouts: ContractTimeouts<C>
  readonly #openPort: () => Promise<RpcPort>
  readonly #clientOptions: RpcClientOptions
  readonly #log: RpcLog
  readonly #events = new TypedEventEmitter<WorkerEvents>()
  /** the events forwarded from each connection's client: those ever listened to */
  readonly #forwarded = new Set<EventName<C>>()
  readonly #reconnectListeners = new Set<() => void>()
  #current: Connection<C> | undefined
  #waiters: Array<{ resolve: (c: Connection<C>) => void, reject: (e: unknown) => void }> = []
  /** bumped by every connection attempt; an attempt that is no longer the latest gives up */
  #generation = 0
  #connections = 0
  #delayMs = RECONNECT_MIN_DELAY_MS
  #timer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  /** Starts connecting at once. */
  constructor (options: ReconnectingClientOptions<C>) {
    this.#timeouts = options.timeouts
    this.#openPort = options.openPort
    this.#log = options.log ?? defaultRpcLog
    this.#clientOptions = { log: this.#log, ...options.client }
    void this.#connect()
  }

  /** True while a port is connected (it may still await the node's `welcome`). */
  get connected (): boolean { return this.#current !== undefined }
  /** True after {@link close}. */
  get closed (): boolean { return this.#closed }
  /** How many connections were made so far (the first one included). */
  get connectionCount (): number { return this.#connections }

  /** Calls `method` on the node, waiting for a connection first if there is none. */
  async call<M extends MethodName<C>>(method: M, ...args: CallArgs<C, M>): Promise<ResultOf<C, M>> {
    const signal = args[1]?.signal
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#ready()
      if (signal?.aborted === true) throw signal.reason
      try {
        return await connection.client.call(method, ...args)
      } catch (err) {
        if (!(err instanceof RpcClosedError) || this.#closed) throw err
        const reason = (connection.port as { closeReason?: unknown }).closeReason
        if (reason instanceof NoNodeOwnerError) throw reason
        // never welcomed ⇒ never sent: safe to try again on the next port
        if (connection.client.welcomed || attempt >= MAX_CALL_RETRIES) throw reason instanceof Error ? reason : err
      }
    }
  }

  /** Subscribes to a node event across reconnections; returns the unsubscribe function. */
  on<E extends EventName<C>>(event: E, cb: (payload: PayloadOf<C, E>) => void): () => void {
    if (!this.#forwarded.has(event)) {
      this.#forwarded.add(event)
      const current = this.#current
      if (current !== undefined) current.offs.push(this.#forward(current.client, event))
    }
    return listen(this.#events, event, cb as (payload: unknown) => void, this.#log)
  }

  /** Hears about every connection after the first; returns the unsubscribe function. */
  onReconnect (cb: () => void): () => void {
    this.#reconnectListeners.add(cb)
    return () => { this.#reconnectListeners.delete(cb) }
  }

  /** Drops the current port (if any) and connects afresh now, e.g. when this tab became the node's owner. */
  reconnect (): void {
    if (this.#closed) return
    this.#drop()?.client.close()
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#delayMs = RECONNECT_MIN_DELAY_MS
    void this.#connect()
  }

  /** Closes the current client (it sends `leave`) and rejects waiting calls. Idempotent. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#timer)
    this.#drop()?.client.close()
    this.#forwarded.clear()
    this.#reconnectListeners.clear()
    const error = new RpcClosedError('rpcClosed')
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error)
  }

  #ready (): Promise<Connection<C>> {
    if (this.#closed) return Promise.reject(new RpcClosedError('rpcClosed'))
    if (this.#current !== undefined) return Promise.resolve(this.#current)
    if (this.#waiters.length >= MAX_WAITING_CALLS) {
      return Promise.reject(new TooManyPendingCallsError('rpcTooManyCalls', { pending: this.#waiters.length }))
    }
    return new Promise((resolve, reject) => { this.#waiters.push({ resolve, reject }) })
  }

  async #connect (): Promise<void> {
    if (this.#closed) return
    // a forced reconnect while a port is being opened supersedes that attempt
    const generation = ++this.#generation
    let port: RpcPort
    try {
      port = await this.#openPort()
    } catch (err) {
      if (generation !== this.#generation) return
      this.#log('cannot reach the node; retrying', err)
      this.#schedule()
      return
    }
    if (this.#closed || generation !== this.#generation || this.#current !== undefined) {
      port.close()
      return
    }
    const client = new RpcClient(this.#timeouts, port, this.#clientOptions)
    const connection: Connection<C> = {
      port,
      client,
      openedAt: Date.now(),
      offs: [],
      onClose: () => { this.#lost(connection) }
    }
    // added after the client's own listener: by the time this runs, its calls are rejected
    port.addEventListener('close', connection.onClose)
    for (const event of this.#forwarded) connection.offs.push(this.#forward(client, event))
    this.#current = connection
    this.#connections++
    for (const waiter of this.#waiters.splice(0)) waiter.resolve(connection)
    if (this.#connections > 1) {
      for (const cb of [...this.#reconnectListeners]) {
        try {
          cb()
        } catch (err) {
          this.#log('reconnect listener threw', err)
        }
      }
    }
  }

  #forward (client: RpcClient<C>, event: EventName<C>): () => void {
    return client.on(event, (payload) => { this.#events.safeDispatchEvent(event, { detail: payload }) })
  }

  #lost (connection: Connection<C>): void {
    if (connection !== this.#current || this.#closed) return
    this.#drop()
    const reason = (connection.port as { closeReason?: unknown }).closeReason
    this.#log('connection to the node lost; reconnecting', reason ?? '')
    if (Date.now() - connection.openedAt >= STABLE_AFTER_MS) this.#delayMs = RECONNECT_MIN_DELAY_MS
    this.#schedule()
  }

  /** Forgets the current connection (listeners off); returns it so the caller may close it. */
  #drop (): Connection<C> | undefined {
    const connection = this.#current
    if (connection === undefined) return undefined
    this.#current = undefined
    connection.port.removeEventListener('close', connection.onClose)
    for (const off of connection.offs) off()
    return connection
  }

  #schedule (): void {
    if (this.#closed || this.#timer !== undefined) return
    const delay = this.#delayMs
    this.#delayMs = Math.min(this.#delayMs * 2, RECONNECT_MAX_DELAY_MS)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      void this.#connect()
    }, delay)
  }
}
