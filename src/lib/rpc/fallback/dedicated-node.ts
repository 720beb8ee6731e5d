/**
 * One tab's part in the dedicated-Worker fallback (docs/architecture.md,
 * "Dedicated-Worker fallback"): used where SharedWorker is missing, or forced
 * with `?worker=dedicated`.
 *
 * Every tab asks for the exclusive Web Lock `parley-node-owner`. The holder
 * keeps it for the tab's life and is the **owner**: it starts the node as a
 * dedicated Worker, connects its own RPC client to it on a MessageChannel, and
 * relays every other tab through the `parley-node` BroadcastChannel
 * ({@link OwnerRelay}). The other tabs wait in the lock's queue and reach the
 * node through a {@link BroadcastPort}. When the owner tab goes, the lock
 * passes to the next tab, which starts a new Worker on the same IndexedDB (same
 * identity) and announces itself; the other tabs' clients reconnect to it.
 *
 * The code in here knows nothing of the DOM: the browser wiring (real Worker,
 * `navigator.locks`, the RTC host) is passed in by connect.ts, fakes by tests.
 */

import { defaultRpcLog } from '../guards.ts'
import type { RpcLog, RpcPort } from '../guards.ts'
import { BroadcastPort } from './broadcast-port.ts'
import type { BroadcastPortOptions } from './broadcast-port.ts'
import { OWNER_LOCK_NAME } from './envelope.ts'
import type { BroadcastChannelLike, LockManagerLike } from './envelope.ts'
import { OwnerRelay } from './owner-relay.ts'
import type { OwnerRelayOptions } from './owner-relay.ts'

/** The message that hands the dedicated Worker an RPC port (in `ports[0]`). */
export interface WorkerConnectMessage {
  type: 'connect'
}

/** The part of `Worker` used here. */
export interface WorkerLike {
  postMessage(message: unknown, transfer: Transferable[]): void
  terminate(): void
}

export type TabRole = 'deciding' | 'owner' | 'client'

export interface DedicatedNodeOptions {
  /** `navigator.locks`; without it this tab owns a node of its own (a warning is logged) */
  locks: LockManagerLike | undefined
  /** a new BroadcastChannel named `parley-node` (each port and the relay get their own) */
  createChannel: () => BroadcastChannelLike
  /** starts the node's dedicated Worker (called once, when this tab becomes the owner) */
  createWorker: () => WorkerLike
  /** called right after a Worker started (again, after {@link DedicatedNode.restartWorker}), e.g. to register this tab as its RTC host */
  onOwner?: (worker: WorkerLike) => void
  /** options for client ports (timeouts, limits) */
  port?: Omit<BroadcastPortOptions, 'locks' | 'log'>
  /** options for the owner relay (limits) */
  relay?: Omit<OwnerRelayOptions, 'connect' | 'locks' | 'log'>
  log?: RpcLog
}

export class DedicatedNode {
  readonly #options: DedicatedNodeOptions
  readonly #log: RpcLog
  readonly #roleListeners = new Set<(role: TabRole, previous: TabRole) => void>()
  readonly #decided: Promise<void>
  #resolveDecided!: () => void
  #releaseLock: (() => void) | undefined
  /** aborts this tab's place in the lock queue when it leaves */
  readonly #abort = new AbortController()
  #role: TabRole = 'deciding'
  #worker: WorkerLike | undefined
  #relay: OwnerRelay | undefined
  #started = false
  #closed = false

  constructor (options: DedicatedNodeOptions) {
    this.#options = options
    this.#log = options.log ?? defaultRpcLog
    this.#decided = new Promise((resolve) => { this.#resolveDecided = resolve })
  }

  /** 'deciding' until the first lock answer, then 'owner' or 'client' (a client may become the owner later). */
  get role (): TabRole { return this.#role }
  /** The owner's relay (tests and diagnostics). */
  get relay (): OwnerRelay | undefined { return this.#relay }

  /** Joins the election. Idempotent. */
  start (): void {
    if (this.#started || this.#closed) return
    this.#started = true
    const locks = this.#options.locks
    if (locks === undefined) {
      this.#log('Web Locks are missing: this tab runs a node of its own')
      this.#becomeOwner()
      return
    }
    const held = new Promise<void>((resolve) => { this.#releaseLock = resolve })
    const own = async (): Promise<void> => {
      if (this.#closed) return
      this.#becomeOwner()
      await held
    }
    const { signal } = this.#abort
    locks.request(OWNER_LOCK_NAME, { ifAvailable: true }, async (lock) => {
      if (lock !== null) {
        await own()
        return
      }
      this.#setRole('client')
      // wait in the queue: when the owner tab goes, the next one in line takes over
      await locks.request(OWNER_LOCK_NAME, { signal }, own)
    }).catch((err: unknown) => {
      if (!signal.aborted) this.#log('the node-owner lock failed', err)
    })
  }

  /** Hears every role change ('client' first when another tab owns the node, 'owner' when this tab takes over). */
  onRoleChange (cb: (role: TabRole, previous: TabRole) => void): () => void {
    this.#roleListeners.add(cb)
    return () => { this.#roleListeners.delete(cb) }
  }

  /**
   * A new RPC port to the node: a MessageChannel straight into the Worker when
   * this tab owns it, a {@link BroadcastPort} otherwise. Waits for the
   * election's first answer; rejects once closed.
   */
  async openPort (): Promise<RpcPort> {
    this.start()
    await this.#decided
    if (this.#closed) throw new Error('this tab left the node')
    if (this.#role === 'owner') return this.#connectWorker()
    return new BroadcastPort(this.#options.createChannel(), {
      ...this.#options.port,
      locks: this.#options.locks,
      log: this.#log
    })
  }

  /** The tab leaves: stops relaying (telling the other tabs), ends the Worker and releases the lock. Idempotent. */
  close (): void {
    if (this.#closed) return
    this.#closed = true
    this.#relay?.close()
    this.#relay = undefined
    this.#worker?.terminate()
    this.#worker = undefined
    this.#releaseLock?.()
    this.#abort.abort()
    this.#resolveDecided()
    this.#roleListeners.clear()
  }

  /**
   * The owner's Worker stopped answering (rpc/watched-port.ts noticed: a
   * crash, or the browser ended it): it is terminated, to be sure it is gone,
   * and a new one starts on the same IndexedDB; this tab's next port goes to
   * it, and the relay starts again, so that the other tabs reconnect to it.
   * Nothing for a client tab, whose owner does this. Call it from the owner's
   * watched port's `onGone`.
   */
  restartWorker (): void {
    if (this.#closed || this.#role !== 'owner') return
    this.#log('the node Worker stopped answering: starting a new one')
    this.#worker?.terminate()
    this.#startWorker()
    // the relayed tabs' connections led to the dead Worker (and a tab that noticed
    // first may have reconnected to it): they are dropped, and reconnect to the new one
    this.#relay?.close()
    this.#startRelay()
  }

  #startWorker (): void {
    const worker = this.#options.createWorker()
    this.#worker = worker
    try {
      this.#options.onOwner?.(worker)
    } catch (err) {
      this.#log('onOwner failed', err)
    }
  }

  #becomeOwner (): void {
    if (this.#closed || this.#role === 'owner') return
    this.#startWorker()
    this.#startRelay()
    this.#setRole('owner')
  }

  #startRelay (): void {
    const relay = new OwnerRelay(this.#options.createChannel(), {
      ...this.#options.relay,
      connect: () => this.#connectWorker(),
      locks: this.#options.locks,
      log: this.#log
    })
    this.#relay = relay
    relay.start()
  }

  #connectWorker (): MessagePort {
    const worker = this.#worker
    if (worker === undefined) throw new Error('this tab runs no node Worker')
    const { port1, port2 } = new MessageChannel()
    const message: WorkerConnectMessage = { type: 'connect' }
    worker.postMessage(message, [port2])
    return port1
  }

  #setRole (role: TabRole): void {
    const previous = this.#role
    if (previous === role) return
    this.#role = role
    this.#resolveDecided()
    for (const cb of [...this.#roleListeners]) {
      try {
        cb(role, previous)
      } catch (err) {
        this.#log('role listener threw', err)
      }
    }
  }
}
