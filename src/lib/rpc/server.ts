/**
 * The worker side of the RPC layer: serves a contract's handlers to every
 * connected tab and broadcasts its events to them. Every call's params are
 * checked against the contract before its handler runs (the worker's edge):
 * a call that does not match gets an `invalidParams` error and changes nothing.
 *
 * Ports come from the SharedWorker `connect` event. A port is dropped on
 * `leave`, on its `close` event (Chromium fires it when the tab's document goes
 * away), when postMessage throws, or when it is evicted to make room (see
 * {@link RpcServer.addPort}). Nothing thrown by a handler or by a malformed
 * message escapes a 'message' listener.
 */

import { SchemaError } from '../contract/schema.ts'
import { InvalidParamsError, RpcClosedError, TooManyPendingCallsError, toErrorShape, UnknownMethodError } from './errors.ts'
import { defaultRpcLog, describeMessage, isTabToWorker } from './guards.ts'
import type { ContractShape, EventName, HandlerContext, Handlers, MethodName, PayloadOf } from '../contract/define.ts'
import type { RpcLog, RpcPort } from './guards.ts'
import type { CallMessage, ResultErr, ResultOk, TabToWorker, WorkerToTab } from './protocol.ts'

export type { HandlerContext }

/** Most tabs served at once; beyond that the longest-silent port is dropped. */
export const DEFAULT_MAX_PORTS = 64
/** Most calls in flight per port; matches the client's pending bound, so only a misbehaving client hits it. */
export const DEFAULT_MAX_INFLIGHT_PER_PORT = 256

/** Options of {@link RpcServer}. */
export interface RpcServerOptions {
  /**
   * Messages on an RPC port that are not RPC (`type` not one of the RPC
   * types) go here first; return true when handled. The worker uses it for
   * the tab's offer to host WebRTC, which carries a MessagePort in `ports`.
   */
  onOtherMessage?: (data: unknown, ports: readonly MessagePort[]) => boolean
  /** {@link DEFAULT_MAX_PORTS} */
  maxPorts?: number
  /** {@link DEFAULT_MAX_INFLIGHT_PER_PORT} */
  maxInflightPerPort?: number
  log?: RpcLog
}

interface PortState {
  /** value of the server's activity counter at this port's last message (or its arrival) */
  lastActive: number
  inflight: Map<number, AbortController>
  onMessage: (event: MessageEvent) => void
  onClose: () => void
}

type AnyHandler = (params: unknown, ctx: HandlerContext) => unknown

/**
 * @example
 * ```ts
 * const server = new RpcServer(nodeContract, { getStatus: () => node.status, … })
 * self.addEventListener('connect', e => { for (const p of e.ports) server.addPort(p) })
 * node.addEventListener('status', () => { server.emit('status', node.status) })
 * ```
 */
export class RpcServer<C extends ContractShape> {
  readonly #contract: C
  readonly #handlers: Handlers<C>
  readonly #onOtherMessage: RpcServerOptions['onOtherMessage']
  readonly #maxPorts: number
  readonly #maxInflight: number
  readonly #log: RpcLog
  readonly #ports = new Map<RpcPort, PortState>()
  /** monotonic activity counter: deterministic, unlike a clock */
  #tick = 0
  #closed = false

  constructor (contract: C, handlers: Handlers<C>, options: RpcServerOptions = {}) {
    this.#contract = contract
    this.#handlers = handlers
    this.#maxPorts = Math.max(1, options.maxPorts ?? DEFAULT_MAX_PORTS)
    this.#maxInflight = options.maxInflightPerPort ?? DEFAULT_MAX_INFLIGHT_PER_PORT
    this.#log = options.log ?? defaultRpcLog
    this.#onOtherMessage = options.onOtherMessage
  }

  /** Ports currently served. */
  get portCount (): number { return this.#ports.size }
  /** Handler calls in flight over all ports. */
  get inflightCount (): number {
    let n = 0
    for (const state of this.#ports.values()) n += state.inflight.size
    return n
  }

  /**
   * Starts serving `port`. When `maxPorts` are already served, the port that
   * has been silent longest is closed first. Why that one and not refusing the
   * newcomer: the new port belongs to a tab the user just opened, while the
   * longest-silent one most likely belongs to a tab that is gone without a
   * `close` event (only Chromium fires it). An evicted live tab sees its port
   * close (Chromium) or its calls time out, and can reconnect.
   */
  addPort (port: RpcPort): void {
    if (this.#closed) {
      this.#closePort(port)
      return
    }
    if (this.#ports.has(port)) return
    while (this.#ports.size >= this.#maxPorts) this.#evictLeastActive()
    const state: PortState = {
      lastActive: ++this.#tick,
      inflight: new Map(),
      onMessage: (event) => { this.#onMessage(port, state, event) },
      onClose: () => { this.#removePort(port, 'closed') }
    }
    this.#ports.set(port, state)
    port.addEventListener('message', state.onMessage)
    port.addEventListener('close', state.onClose)
    port.start()
  }

  /** Broadcasts an event to every port. */
  emit<E extends EventName<C>>(event: E, payload: PayloadOf<C, E>): void {
    for (const port of [...this.#ports.keys()]) {
      if (!this.#post(port, { type: 'event', event, payload })) return
    }
  }

  /** Drops every port (aborting their handlers) and refuses new ones. */
  close (): void {
    this.#closed = true
    for (const port of [...this.#ports.keys()]) this.#removePort(port, 'server closed')
  }

  #onMessage (port: RpcPort, state: PortState, event: MessageEvent): void {
    // A throw here would escape dispatch and be lost: log and drop instead.
    try {
      state.lastActive = ++this.#tick
      const data: unknown = event.data
      if (!isTabToWorker(data)) {
        if (this.#onOtherMessage?.(data, event.ports) === true) return
        this.#log('dropped invalid message from tab: %s', describeMessage(data))
        return
      }
      this.#handle(port, state, data)
    } catch (err) {
      this.#log('error while handling a message from a tab', err)
    }
  }

  #handle (port: RpcPort, state: PortState, msg: TabToWorker): void {
    switch (msg.type) {
      case 'arrive':
        this.#post(port, { type: 'welcome' })
        return
      case 'ping':
        this.#post(port, { type: 'pong' })
        return
      case 'leave':
        this.#removePort(port, 'left')
        return
      case 'cancel': {
        const controller = state.inflight.get(msg.id)
        // unknown id: the result crossed the cancel on the way; nothing to do
        if (controller === undefined) return
        state.inflight.delete(msg.id)
        controller.abort(new DOMException('RPC call cancelled by the caller', 'AbortError'))
        return
      }
      case 'call':
        this.#call(port, state, msg).catch((err: unknown) => {
          this.#log('unexpected failure serving %s', msg.method, err)
        })
    }
  }

  async #call (port: RpcPort, state: PortState, msg: CallMessage): Promise<void> {
    const { id, method } = msg
    if (state.inflight.has(id)) {
      this.#log('dropped call with duplicate id %d (%s)', id, method)
      return
    }
    if (state.inflight.size >= this.#maxInflight) {
      this.#postError(port, id, new TooManyPendingCallsError('rpcTooManyCalls', { pending: state.inflight.size }))
      return
    }
    if (!Object.hasOwn(this.#contract.methods, method) || !Object.hasOwn(this.#handlers, method)) {
      this.#postError(port, id, new UnknownMethodError('rpcUnknownMethod', { method }))
      return
    }
    const spec = this.#contract.methods[method as MethodName<C>]
    const handler = this.#handlers[method as MethodName<C>] as AnyHandler
    let params: unknown
    try {
      params = spec?.params.parse(msg.params, 'params')
    } catch (err) {
      if (!(err instanceof SchemaError)) throw err
      this.#log('call of %s refused: %s', method, err.message)
      this.#postError(port, id, new InvalidParamsError('invalidParams', { method, problem: err.message }))
      return
    }
    const controller = new AbortController()
    state.inflight.set(id, controller)
    let reply: ResultOk | ResultErr
    try {
      const result = await handler(params, { signal: controller.signal })
      reply = { type: 'result', id, ok: true, result }
    } catch (err) {
      this.#log('handler %s failed', method, err)
      reply = { type: 'result', id, ok: false, error: toErrorShape(err) }
    }
    // cancelled, or the port is gone: nobody waits for this result
    if (state.inflight.get(id) !== controller) return
    state.inflight.delete(id)
    if (!this.#post(port, reply) && reply.ok) {
      // the result could not be cloned: the caller still gets an answer
      this.#postError(port, id, new DOMException(`Result of ${method} could not be cloned`, 'DataCloneError'))
    }
  }

  #postError (port: RpcPort, id: number, err: Error): void {
    this.#post(port, { type: 'result', id, ok: false, error: toErrorShape(err) })
  }

  /**
   * Posts to one port. A DataCloneError is the payload's fault: it is logged and
   * `false` returned, the port stays. Any other throw means the port is dead:
   * it is removed (and `true` returned, so a broadcast goes on).
   */
  #post (port: RpcPort, message: WorkerToTab): boolean {
    try {
      port.postMessage(message)
      return true
    } catch (err) {
      if (isDataCloneError(err)) {
        this.#log('cannot clone %s message', message.type, err)
        return false
      }
      this.#log('postMessage failed; dropping port', err)
      this.#removePort(port, 'postMessage failed')
      return true
    }
  }

  #evictLeastActive (): void {
    let victim: RpcPort | undefined
    let oldest = Infinity
    for (const [port, state] of this.#ports) {
      if (state.lastActive < oldest) {
        oldest = state.lastActive
        victim = port
      }
    }
    if (victim !== undefined) this.#removePort(victim, 'evicted: too many ports')
  }

  #removePort (port: RpcPort, why: string): void {
    const state = this.#ports.get(port)
    if (state === undefined) return
    this.#ports.delete(port)
    port.removeEventListener('message', state.onMessage)
    port.removeEventListener('close', state.onClose)
    const reason = new RpcClosedError('rpcClosed', {}, { cause: `RPC port removed: ${why}` })
    for (const controller of state.inflight.values()) controller.abort(reason)
    state.inflight.clear()
    this.#closePort(port)
  }

  #closePort (port: RpcPort): void {
    try {
      port.close()
    } catch (err) {
      this.#log('port.close() failed', err)
    }
  }
}

function isDataCloneError (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'DataCloneError'
}
