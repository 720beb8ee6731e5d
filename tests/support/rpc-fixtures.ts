/**
 * Fixtures for the RPC suites (tests/unit/rpc, tests/unit/fuzz): a small test
 * contract with its handlers, the port types an RpcClient runs over (a real
 * MessageChannel, and the dedicated-Worker fallback's BroadcastPort through an
 * OwnerRelay), an in-memory Web Locks manager, and a condition wait.
 */
import { UNKNOWN_CAPABILITIES } from '../../src/lib/contract/index.ts'
import { vi } from 'vitest'
import { event, method, returns } from '../../src/lib/contract/define.ts'
import type { Handlers } from '../../src/lib/contract/define.ts'
import { contactId, shortText } from '../../src/lib/contract/ids.ts'
import { v } from '../../src/lib/contract/schema.ts'
import type { IncomingMessageEvent, NodeStatus } from '../../src/lib/contract/types.ts'
import { errorClass } from '../../src/lib/contract/errors.ts'
import type { MessageId } from '../../src/lib/db/types.ts'
import { BroadcastPort } from '../../src/lib/rpc/fallback/broadcast-port.ts'
import type { BroadcastPortOptions } from '../../src/lib/rpc/fallback/broadcast-port.ts'
import type { LockManagerLike } from '../../src/lib/rpc/fallback/envelope.ts'
import { OwnerRelay } from '../../src/lib/rpc/fallback/owner-relay.ts'
import type { OwnerRelayOptions } from '../../src/lib/rpc/fallback/owner-relay.ts'
import type { RpcLog, RpcPort } from '../../src/lib/rpc/guards.ts'
import { RpcServer } from '../../src/lib/rpc/server.ts'
import type { RpcServerOptions } from '../../src/lib/rpc/server.ts'

/** Waits for a condition, polling often: a MessageChannel or BroadcastChannel hop takes well under a millisecond. */
export async function until (check: () => void): Promise<void> {
  await vi.waitFor(check, { interval: 2, timeout: 5_000 })
}

export const STATUS: NodeStatus = { phase: 'online', peerId: '12D3KooWtest', addresses: [], relays: [], paths: {}, capabilities: UNKNOWN_CAPABILITIES, direct: {} }

/** The contract the RPC suites speak: a few methods of each shape, the node's two events. */
export const testContract = {
  methods: {
    getStatus: method({ params: v.none(), result: returns<NodeStatus>() }),
    createProfile: method({ params: v.object({ username: shortText() }), result: returns<NodeStatus>() }),
    getInvite: method({ params: v.none(), result: returns<{ invite: string }>() }),
    addContact: method({ params: v.object({ invite: shortText() }), result: returns<{ contactId: number }>() }),
    sendMessage: method({ params: v.object({ contactId: contactId(), text: shortText() }), result: returns<{ messageId: MessageId }>() }),
    /** answers after the contract's own, short timeout */
    slow: method({ params: v.none(), result: returns<null>(), timeoutMs: 30 })
  },
  events: {
    status: event<NodeStatus>(),
    message: event<IncomingMessageEvent>()
  }
} as const

export type TestContract = typeof testContract

/** A handler's own error class that is not coded: it crosses as `unexpected` with its message. */
export class InvalidInviteError extends Error {
  override name = 'InvalidInviteError'
}

/** A coded error a handler throws (any catalog code will do for the transport). */
export const BusyNodeError = errorClass('BusyNodeError')

/** Handlers of the test contract; `label` says which worker answered (`getInvite` → `{ invite: label }`). */
export function testHandlers (overrides: Partial<Handlers<TestContract>> = {}, label = 'parley:invite'): Handlers<TestContract> {
  return {
    getStatus: () => STATUS,
    createProfile: ({ username }) => ({ ...STATUS, username }),
    getInvite: async () => ({ invite: label }),
    addContact: ({ invite }) => {
      if (invite === 'bad') throw new InvalidInviteError('invite has no address')
      if (invite === 'busy') throw new BusyNodeError('rpcTooManyCalls', { pending: 3 })
      return { contactId: 7 }
    },
    sendMessage: ({ text }) => ({ messageId: `${label}:${text}` as MessageId }),
    slow: async (_params, { signal }) => new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) }),
    ...overrides
  }
}

/**
 * An in-memory Web Locks `LockManager`: exclusive locks, FIFO queues,
 * `ifAvailable` and `signal`. `crash(name)` frees a held lock the way a
 * browser does when the holder's tab dies.
 */
export class FakeLocks implements LockManagerLike {
  readonly #held = new Set<string>()
  readonly #queues = new Map<string, Array<() => void>>()

  request (name: string, a: unknown, b?: unknown): Promise<unknown> {
    const options = (typeof a === 'function' ? {} : a) as { ifAvailable?: boolean, signal?: AbortSignal }
    const callback = (typeof a === 'function' ? a : b) as (lock: unknown) => unknown
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        this.#held.add(name)
        Promise.resolve()
          .then(() => callback({ name }))
          .then(resolve, reject)
          .finally(() => { this.#release(name) })
      }
      if (!this.#held.has(name)) {
        grant()
      } else if (options.ifAvailable === true) {
        Promise.resolve().then(() => callback(null)).then(resolve, reject)
      } else {
        const queue = this.#queues.get(name) ?? []
        this.#queues.set(name, queue)
        queue.push(grant)
        options.signal?.addEventListener('abort', () => {
          const i = queue.indexOf(grant)
          if (i >= 0) queue.splice(i, 1)
          reject(options.signal?.reason)
        })
      }
    })
  }

  held (name: string): boolean { return this.#held.has(name) }

  crash (name: string): void { this.#release(name) }

  #release (name: string): void {
    if (!this.#held.delete(name)) return
    this.#queues.get(name)?.shift()?.()
  }
}

let channelCount = 0

/** A fresh BroadcastChannel name, so tests never hear each other. */
export function channelName (): string {
  return `parley-node-test-${process.pid}-${++channelCount}`
}

/**
 * The two ways a tab reaches the node, as the RPC acceptance suite runs them:
 * `newPort(server)` gives the tab end of a fresh connection to `server`
 * (attached at once), and `close()` ends what the port type set up.
 */
export interface PortType {
  name: string
  newPort(server: RpcServer<TestContract>): RpcPort
  close(): void
}

/** A real MessageChannel per tab: the SharedWorker's way. */
export function messageChannelPorts (): PortType {
  const ports: MessagePort[] = []
  return {
    name: 'MessagePort',
    newPort: (server) => {
      const { port1, port2 } = new MessageChannel()
      ports.push(port1, port2)
      server.addPort(port2)
      return port1
    },
    close: () => { for (const p of ports) p.close() }
  }
}

/**
 * The dedicated-Worker fallback's way: a BroadcastPort on a real
 * BroadcastChannel to an OwnerRelay, which gives the server a MessageChannel
 * per relayed tab.
 */
export function broadcastPorts (options: { port?: BroadcastPortOptions, relay?: Partial<OwnerRelayOptions>, log?: RpcLog } = {}): PortType {
  const channels: BroadcastChannel[] = []
  const closers: Array<() => void> = []
  const log = options.log ?? (() => {})
  const open = (name: string): BroadcastChannel => {
    const channel = new BroadcastChannel(name)
    channels.push(channel)
    return channel
  }
  const relays = new Map<RpcServer<TestContract>, string>()
  return {
    name: 'BroadcastPort',
    newPort: (server) => {
      let name = relays.get(server)
      if (name === undefined) {
        name = channelName()
        relays.set(server, name)
        const relay = new OwnerRelay(open(name), {
          connect: () => {
            const { port1, port2 } = new MessageChannel()
            server.addPort(port2)
            closers.push(() => { port1.close(); port2.close() })
            return port1
          },
          log,
          ...options.relay
        })
        relay.start()
        closers.push(() => { relay.close() })
      }
      return new BroadcastPort(open(name), { log, ...options.port })
    },
    close: () => {
      for (const close of closers.splice(0).reverse()) close()
      for (const channel of channels.splice(0)) channel.close()
    }
  }
}

/** A server of the test contract with a mocked log. */
export function testServer (handlers = testHandlers(), options: RpcServerOptions = {}): { server: RpcServer<TestContract>, log: ReturnType<typeof vi.fn<RpcLog>> } {
  const log = vi.fn<RpcLog>()
  return { server: new RpcServer(testContract, handlers, { log, ...options }), log }
}
