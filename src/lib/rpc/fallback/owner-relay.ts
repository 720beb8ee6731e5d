/**
 * The owner tab's relay in the dedicated-Worker fallback: serves every other
 * tab's {@link BroadcastPort} by giving it a MessageChannel of its own into the
 * Worker (a "session") and copying RPC messages between that channel and the
 * `parley-node` BroadcastChannel. The Worker's RpcServer therefore sees one
 * ordinary port per tab, exactly as in SharedWorker mode.
 *
 * Bounds: at most {@link MAX_RELAYED_CLIENTS} sessions (the longest-silent one
 * is dropped for a newcomer, as RpcServer does with ports), envelopes and
 * messages are validated and size-limited. A session ends when its client
 * sends `close`, when the client's lock is released (its tab is gone, even
 * without a goodbye), when the Worker closes its port, or when evicted.
 */

import { errorClass } from '../../contract/errors.ts'
import type { ErrorShape } from '../../contract/errors.ts'
import { defaultRpcLog, isWorkerToTab, describeMessage } from '../guards.ts'
import type { RpcLog, RpcPort } from '../guards.ts'
import type { WorkerToTab } from '../protocol.ts'
import {
  CLIENT_LOCK_PREFIX,
  describeEnvelope,
  estimateSize,
  isToOwnerEnvelope,
  MAX_ENVELOPE_BYTES,
  MAX_RELAYED_CLIENTS,
  newEndpointId
} from './envelope.ts'
import type { BroadcastChannelLike, FromOwnerEnvelope, LockManagerLike, ToOwnerEnvelope } from './envelope.ts'

/** A result too large for the BroadcastChannel: the caller gets this error instead (`rpcResultTooLarge`). */
export const ResultTooLargeError = errorClass('ResultTooLargeError')

export interface OwnerRelayOptions {
  /** opens a new RPC port into the Worker (the owner posts its other end with `{ type: 'connect' }`) */
  connect: () => RpcPort
  /** this owner's id (default: random); clients tell owners apart by it */
  id?: string
  /** when given, a session also ends when its client's lock is released (tab gone) */
  locks?: LockManagerLike
  /** {@link MAX_RELAYED_CLIENTS} */
  maxClients?: number
  /** {@link MAX_ENVELOPE_BYTES} */
  maxBytes?: number
  log?: RpcLog
}

interface Session {
  port: RpcPort
  lastActive: number
  onMessage: (event: MessageEvent) => void
  onClose: () => void
}

export class OwnerRelay {
  readonly id: string
  readonly #channel: BroadcastChannelLike
  readonly #connect: () => RpcPort
  readonly #locks: LockManagerLike | undefined
  readonly #maxClients: number
  readonly #maxBytes: number
  readonly #log: RpcLog
  readonly #sessions = new Map<string, Session>()
  #tick = 0
  #started = false
  #closed = false

  constructor (channel: BroadcastChannelLike, options: OwnerRelayOptions) {
    this.id = options.id ?? newEndpointId()
    this.#channel = channel
    this.#connect = options.connect
    this.#locks = options.locks
    this.#maxClients = Math.max(1, options.maxClients ?? MAX_RELAYED_CLIENTS)
    this.#maxBytes = options.maxBytes ?? MAX_ENVELOPE_BYTES
    this.#log = options.log ?? defaultRpcLog
  }

  /** Clients relayed now. */
  get clientCount (): number { return this.#sessions.size }
  /** Ids of the clients relayed now. */
  get clientIds (): string[] { return [...this.#sessions.keys()] }

  /** Listens, then announces this owner to every tab (waiting clients open at once). Idempotent. */
  start (): void {
    if (this.#started || this.#closed) return
    this.#started = true
    this.#channel.addEventListener('message', this.#onEnvelope)
    this.#post({ from: this.id, to: '*', kind: 'open', data: null })
  }

  /** Tells every tab this owner leaves, ends all sessions and stops. Idempotent. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#started) this.#post({ from: this.id, to: '*', kind: 'close', data: null })
    for (const clientId of [...this.#sessions.keys()]) this.#end(clientId, 'owner closed', false)
    this.#channel.removeEventListener('message', this.#onEnvelope)
    try {
      this.#channel.close()
    } catch (err) {
      this.#log('BroadcastChannel close() failed', err)
    }
  }

  readonly #onEnvelope = (event: MessageEvent): void => {
    // A throw here would escape dispatch and be lost: log and drop instead.
    try {
      const data: unknown = event.data
      if (!isToOwnerEnvelope(data, this.#maxBytes)) {
        // the owner's own envelopes to clients are not seen here (a channel does not hear
        // itself), but another owner's may be during a hand-over: drop those quietly
        if (!isFromSomeOwner(data)) this.#log('dropped invalid envelope: %s', describeEnvelope(data))
        return
      }
      this.#handle(data)
    } catch (err) {
      this.#log('error while handling an envelope', err)
    }
  }

  #handle (env: ToOwnerEnvelope): void {
    if (this.#closed) return
    const clientId = env.from
    switch (env.kind) {
      case 'open':
        // a repeated open (the client retries until acknowledged) keeps the session
        if (!this.#sessions.has(clientId)) this.#open(clientId)
        if (this.#sessions.has(clientId)) this.#post({ from: this.id, to: clientId, kind: 'open', data: null })
        return
      case 'data': {
        const session = this.#sessions.get(clientId)
        if (session === undefined) {
          // a session we do not know (evicted, or from before this owner): tell it to reconnect
          this.#post({ from: this.id, to: clientId, kind: 'close', data: null })
          return
        }
        session.lastActive = ++this.#tick
        try {
          session.port.postMessage(env.data)
        } catch (err) {
          this.#log('posting to the worker failed; dropping client %s', clientId, err)
          this.#end(clientId, 'worker port failed', true)
        }
        return
      }
      case 'close':
        this.#end(clientId, 'client left', false)
    }
  }

  #open (clientId: string): void {
    while (this.#sessions.size >= this.#maxClients) this.#evictLeastActive()
    let port: RpcPort
    try {
      port = this.#connect()
    } catch (err) {
      this.#log('cannot open a worker port for client %s', clientId, err)
      this.#post({ from: this.id, to: clientId, kind: 'close', data: null })
      return
    }
    const session: Session = {
      port,
      lastActive: ++this.#tick,
      onMessage: (event) => { this.#fromWorker(clientId, session, event) },
      onClose: () => { this.#end(clientId, 'worker closed the port', true) }
    }
    this.#sessions.set(clientId, session)
    port.addEventListener('message', session.onMessage)
    port.addEventListener('close', session.onClose)
    port.start()
    this.#watchClientLock(clientId, session)
  }

  #fromWorker (clientId: string, session: Session, event: MessageEvent): void {
    try {
      if (this.#sessions.get(clientId) !== session) return
      const data: unknown = event.data
      if (!isWorkerToTab(data)) {
        this.#log('dropped invalid message from the worker: %s', describeMessage(data))
        return
      }
      this.#post({ from: this.id, to: clientId, kind: 'data', data: this.#bounded(data) })
    } catch (err) {
      this.#log('error while relaying a message from the worker', err)
    }
  }

  /** An oversized result becomes an error result (the caller gets an answer); other oversized messages are not sent. */
  #bounded (msg: WorkerToTab): WorkerToTab {
    if (estimateSize(msg, this.#maxBytes) <= this.#maxBytes) return msg
    // the shape as toErrorShape makes it, written out: the tab's bundle need not carry that function
    const error: ErrorShape = { name: ResultTooLargeError.NAME, code: 'rpcResultTooLarge', params: { max: this.#maxBytes }, message: `rpcResultTooLarge (max: ${this.#maxBytes})` }
    if (msg.type === 'result') return { type: 'result', id: msg.id, ok: false, error }
    throw new RangeError(`${msg.type} message larger than ${this.#maxBytes} bytes`)
  }

  /** The client holds `parley-node-client:<id>` while it lives; being granted it means its tab is gone. */
  #watchClientLock (clientId: string, session: Session): void {
    const locks = this.#locks
    if (locks === undefined) return
    locks.request(CLIENT_LOCK_PREFIX + clientId, () => {
      if (this.#sessions.get(clientId) === session) this.#end(clientId, 'client tab gone', false)
    }).catch((err: unknown) => {
      this.#log('watching the lock of client %s failed', clientId, err)
    })
  }

  #evictLeastActive (): void {
    let victim: string | undefined
    let oldest = Infinity
    for (const [clientId, session] of this.#sessions) {
      if (session.lastActive < oldest) {
        oldest = session.lastActive
        victim = clientId
      }
    }
    if (victim !== undefined) this.#end(victim, 'evicted: too many clients', true)
  }

  /**
   * Ends a session: closes its worker port (the server drops it) and, when the
   * end is not the client's doing (`tellClient`), logs why and tells the client.
   */
  #end (clientId: string, why: string, tellClient: boolean): void {
    const session = this.#sessions.get(clientId)
    if (session === undefined) return
    this.#sessions.delete(clientId)
    session.port.removeEventListener('message', session.onMessage)
    session.port.removeEventListener('close', session.onClose)
    try {
      // speak for a client that could not say goodbye; a no-op if the server already dropped the port
      session.port.postMessage({ type: 'leave' })
      session.port.close()
    } catch (err) {
      this.#log('port.close() failed', err)
    }
    if (tellClient) {
      this.#log('relay session %s ended: %s', clientId, why)
      if (!this.#closed) this.#post({ from: this.id, to: clientId, kind: 'close', data: null })
    }
  }

  #post (env: FromOwnerEnvelope): void {
    try {
      this.#channel.postMessage(env)
    } catch (err) {
      this.#log('BroadcastChannel postMessage(%s) failed', env.kind, err)
    }
  }
}

function isFromSomeOwner (x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { to?: unknown }).to === 'string' &&
    (x as { to: string }).to !== 'owner'
}
