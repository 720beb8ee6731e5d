import { timeoutsOf } from '../../../src/lib/contract/define.ts'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Handlers } from '../../../src/lib/contract/define.ts'
import { textOfError } from '../../../src/lib/i18n/error-text.ts'
import { setLocale } from '../../../src/lib/i18n/index.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import type { RpcLog } from '../../../src/lib/rpc/guards.ts'
import type { NodeStatus } from '../../../src/lib/contract/index.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import { BroadcastPort } from '../../../src/lib/rpc/fallback/broadcast-port.ts'
import type { BroadcastPortOptions } from '../../../src/lib/rpc/fallback/broadcast-port.ts'
import { DedicatedNode } from '../../../src/lib/rpc/fallback/dedicated-node.ts'
import type { WorkerLike } from '../../../src/lib/rpc/fallback/dedicated-node.ts'
import {
  CLIENT_LOCK_PREFIX,
  describeEnvelope,
  estimateSize,
  isFromOwnerEnvelope,
  isToOwnerEnvelope,
  NoNodeOwnerError,
  OWNER_LOCK_NAME
} from '../../../src/lib/rpc/fallback/envelope.ts'
import { chooseWorkerMode } from '../../../src/lib/rpc/fallback/mode.ts'
import { OwnerRelay } from '../../../src/lib/rpc/fallback/owner-relay.ts'
import type { OwnerRelayOptions } from '../../../src/lib/rpc/fallback/owner-relay.ts'
import { ReconnectingClient } from '../../../src/lib/rpc/fallback/reconnecting-client.ts'
import { channelName, FakeLocks, STATUS, testContract, testHandlers, until } from '../../support/rpc-fixtures.ts'
import type { TestContract } from '../../support/rpc-fixtures.ts'

/*
 * The dedicated-Worker fallback over real BroadcastChannels and MessageChannels
 * (Node has both). Waits are conditions polled by `vi.waitFor`, never sleeps:
 * a BroadcastChannel hop, like a MessageChannel hop, takes well under a
 * millisecond, and messages from one sender arrive in order.
 */

/** Handlers that say which worker answered (`getInvite` → `{ invite: label }`, `getStatus` → its username). */
function handlers (label: string): Handlers<TestContract> {
  return testHandlers({ getStatus: () => ({ ...STATUS, username: label }) }, label)
}

const closers: Array<() => void> = []
afterEach(() => {
  for (const close of closers.splice(0).reverse()) close()
})

function open (name: string): BroadcastChannel {
  const channel = new BroadcastChannel(name)
  closers.push(() => { channel.close() })
  return channel
}

/** An owner relay in front of a real RpcServer, one MessageChannel per relayed client. */
function startOwner (name: string, label = 'w1', options: Partial<OwnerRelayOptions> = {}): {
  server: RpcServer<TestContract>
  relay: OwnerRelay
  log: ReturnType<typeof vi.fn<RpcLog>>
} {
  const log = vi.fn<RpcLog>()
  const server = new RpcServer(testContract, handlers(label), { log })
  const relay = new OwnerRelay(open(name), {
    connect: () => {
      const { port1, port2 } = new MessageChannel()
      server.addPort(port2)
      return port1
    },
    log,
    ...options
  })
  relay.start()
  closers.push(() => { relay.close(); server.close() })
  return { server, relay, log }
}

function remoteClient (name: string, options: BroadcastPortOptions = {}): { client: RpcClient<TestContract>, port: BroadcastPort, log: ReturnType<typeof vi.fn<RpcLog>> } {
  const log = vi.fn<RpcLog>()
  const port = new BroadcastPort(open(name), { log, ...options })
  const client = new RpcClient(timeoutsOf(testContract), port, { log })
  closers.push(() => { client.close() })
  return { client, port, log }
}

describe('BroadcastPort + OwnerRelay', () => {
  it('carries RPC calls from a non-owner client to the server behind the relay', async () => {
    const name = channelName()
    const { server, relay } = startOwner(name)
    const { client, port } = remoteClient(name)
    await expect(client.call('getInvite')).resolves.toEqual({ invite: 'w1' })
    await expect(client.call('sendMessage', { contactId: 1, text: 'hi' })).resolves.toEqual({ messageId: 'w1:hi' })
    expect(port.ownerId).toBe(relay.id)
    expect(relay.clientIds).toEqual([port.id])
    expect(server.portCount).toBe(1)
  })

  it('queues calls made before any owner exists and sends them once one announces itself', async () => {
    const name = channelName()
    const { client, port } = remoteClient(name, { openRetryMs: 60_000 })
    const call = client.call('getInvite')
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(port.connected).toBe(false)
    // the owner's announcement makes the waiting client open at once (no retry timer needed)
    startOwner(name)
    await expect(call).resolves.toEqual({ invite: 'w1' })
  })

  it('fans events out to every relayed client', async () => {
    const name = channelName()
    const { server } = startOwner(name)
    const clients = [remoteClient(name).client, remoteClient(name).client, remoteClient(name).client]
    await until(() => { expect(clients.every(c => c.welcomed)).toBe(true) })
    const got = clients.map(() => [] as NodeStatus[])
    clients.forEach((c, i) => c.on('status', (s) => { got[i]?.push(s) }))
    server.emit('status', STATUS)
    await until(() => { expect(got).toEqual([[STATUS], [STATUS], [STATUS]]) })
  })

  it('drops malformed envelopes on both sides and keeps working', async () => {
    const name = channelName()
    const { relay, log: ownerLog } = startOwner(name)
    const { client, log: clientLog } = remoteClient(name)
    await until(() => { expect(client.welcomed).toBe(true) })
    const rogue = open(name)
    const bad: unknown[] = [
      'hello',
      null,
      [1, 2],
      { from: 'x1', to: 'owner', kind: 'open', data: null, extra: 1 },
      { from: 'x1', to: 'owner', kind: 'open', data: 'not null' },
      { from: 'x1', to: 'owner', kind: 'wave', data: null },
      { from: 'bad id!', to: 'owner', kind: 'open', data: null },
      { from: 'x'.repeat(65), to: 'owner', kind: 'open', data: null },
      { from: 'x1', to: 'owner', kind: 'data', data: { type: 'call', id: -1, method: 'getStatus', params: null } },
      { from: 'x1', to: 'owner', kind: 'data', data: { type: 'call', id: 1, method: 'sendMessage', params: { text: 'x'.repeat(600_000) } } }
    ]
    // looks like an owner's envelope to a client: the owner ignores it quietly, the clients drop it
    const badForClients = { from: 'x1', to: 'bogus', kind: 'data', data: { type: 'result', id: 1, ok: 'yes', result: 1 } }
    for (const message of [...bad, badForClients]) rogue.postMessage(message)
    // a later good call proves every one of them was handled (one sender's messages arrive in order)
    await expect(client.call('getInvite')).resolves.toEqual({ invite: 'w1' })
    const dropped = (log: ReturnType<typeof vi.fn<RpcLog>>): number =>
      log.mock.calls.filter(c => String(c[0]).startsWith('dropped invalid envelope')).length
    await until(() => { expect(dropped(ownerLog)).toBe(bad.length) })
    // the client ignores envelopes to the owner, and drops the rest
    await until(() => { expect(dropped(clientLog)).toBe(4) })
    expect(relay.clientCount).toBe(1)
  })

  it('refuses an oversized call locally and answers an oversized result with an error', async () => {
    const name = channelName()
    const log = vi.fn<RpcLog>()
    const server = new RpcServer(testContract, { ...handlers('w1'), getInvite: () => ({ invite: 'x'.repeat(40_000) }) }, { log })
    const relay = new OwnerRelay(open(name), {
      connect: () => {
        const { port1, port2 } = new MessageChannel()
        server.addPort(port2)
        return port1
      },
      maxBytes: 64 * 1024,
      log
    })
    relay.start()
    closers.push(() => { relay.close(); server.close() })
    const { client } = remoteClient(name, { maxBytes: 64 * 1024 })
    await expect(client.call('sendMessage', { contactId: 1, text: 'y'.repeat(40_000) })).rejects.toThrow(RangeError)
    const tooLarge: unknown = await client.call('getInvite').catch((err: unknown) => err)
    expect(tooLarge).toMatchObject({ name: 'ResultTooLargeError', code: 'rpcResultTooLarge', params: { max: 65536 } })
    setLocale('en')
    expect(textOfError(tooLarge)).toBe('The node’s answer is larger than 64 KiB.')
    await expect(client.call('getStatus')).resolves.toMatchObject({ phase: 'online' })
  })

  it('bounds the queue of a port that has no owner yet', async () => {
    const name = channelName()
    const { port } = remoteClient(name, { maxQueued: 3 })
    port.start()
    for (let id = 0; id < 2; id++) port.postMessage({ type: 'call', id, method: 'getStatus', params: undefined })
    expect(() => { port.postMessage({ type: 'call', id: 9, method: 'getStatus', params: undefined }) }).toThrow(RangeError)
    expect(() => { port.postMessage({ type: 'welcome' }) }).toThrow(TypeError)
  })

  it('removes a client whose tab leaves, with or without a goodbye', async () => {
    const name = channelName()
    const locks = new FakeLocks()
    const { server, relay } = startOwner(name, 'w1', { locks })
    const a = remoteClient(name, { locks })
    const b = remoteClient(name, { locks })
    const c = remoteClient(name, { locks })
    await until(() => { expect([a, b, c].every(x => x.client.welcomed)).toBe(true) })
    expect(relay.clientCount).toBe(3)
    expect(server.portCount).toBe(3)

    // a closes normally: `leave` then a `close` envelope
    a.client.close()
    await until(() => { expect(relay.clientCount).toBe(2) })
    await until(() => { expect(server.portCount).toBe(2) })

    // b's tab dies: no goodbye, but the browser frees its client lock
    expect(locks.held(CLIENT_LOCK_PREFIX + b.port.id)).toBe(true)
    locks.crash(CLIENT_LOCK_PREFIX + b.port.id)
    await until(() => { expect(relay.clientIds).toEqual([c.port.id]) })
    await until(() => { expect(server.portCount).toBe(1) })

    await expect(c.client.call('getInvite')).resolves.toEqual({ invite: 'w1' })
  })

  it('relays at most maxClients: the longest-silent client is dropped and told so', async () => {
    const name = channelName()
    const { relay } = startOwner(name, 'w1', { maxClients: 2 })
    const a = remoteClient(name)
    await until(() => { expect(a.client.welcomed).toBe(true) })
    const b = remoteClient(name)
    await until(() => { expect(b.client.welcomed).toBe(true) })
    await a.client.call('getStatus')
    const c = remoteClient(name)
    await until(() => { expect(c.client.welcomed).toBe(true) })
    expect(relay.clientIds.sort()).toEqual([a.port.id, c.port.id].sort())
    await until(() => { expect(b.client.closed).toBe(true) })
    expect(b.port.closeReason?.name).toBe('NodeOwnerLostError')
  })

  it('a client whose owner leaves closes with NodeOwnerLostError', async () => {
    const name = channelName()
    const { relay } = startOwner(name)
    const { client, port } = remoteClient(name)
    await until(() => { expect(client.welcomed).toBe(true) })
    relay.close()
    await until(() => { expect(client.closed).toBe(true) })
    expect(port.closeReason?.name).toBe('NodeOwnerLostError')
  })

  it('gives up with a clear NoNodeOwnerError when no owner answers in time', async () => {
    const name = channelName()
    const { client, port } = remoteClient(name, { ownerTimeoutMs: 50, openRetryMs: 10 })
    const call = client.call('getStatus')
    await expect(call).rejects.toMatchObject({ name: 'RpcClosedError' })
    expect(port.closeReason).toBeInstanceOf(NoNodeOwnerError)
    setLocale('en')
    expect(textOfError(port.closeReason)).toMatch(/^No Parley tab answered as the node's owner within 0\.05 s\./)
  })
})

describe('ReconnectingClient', () => {
  it('retries on the next port a call whose port was lost before the node welcomed it', async () => {
    const name = channelName()
    const ports: BroadcastPort[] = []
    const client = new ReconnectingClient({ timeouts: timeoutsOf(testContract),
      openPort: async () => {
        const port = new BroadcastPort(open(name), { log: () => {} })
        ports.push(port)
        return port
      },
      log: () => {}
    })
    closers.push(() => { client.close() })
    const call = client.call('getInvite')
    await until(() => { expect(ports).toHaveLength(1) })
    // an owner drops the first port before acknowledging it: the queued call was never sent
    open(name).postMessage({ from: 'o9', to: ports[0]?.id, kind: 'close', data: null })
    await until(() => { expect(ports).toHaveLength(2) })
    startOwner(name, 'w3')
    await expect(call).resolves.toEqual({ invite: 'w3' })
    expect(ports[0]?.closeReason?.name).toBe('NodeOwnerLostError')
  })

  it('surfaces the owner timeout as the call error', async () => {
    const name = channelName()
    const client = new ReconnectingClient({ timeouts: timeoutsOf(testContract),
      openPort: async () => new BroadcastPort(open(name), { ownerTimeoutMs: 50, log: () => {} }),
      log: () => {}
    })
    closers.push(() => { client.close() })
    await expect(client.call('getStatus')).rejects.toBeInstanceOf(NoNodeOwnerError)
  })

  it('a call made while the owner is gone waits for the next owner; subscribers hear onReconnect', async () => {
    const name = channelName()
    const first = startOwner(name, 'w1')
    const log = vi.fn<RpcLog>()
    const client = new ReconnectingClient({ timeouts: timeoutsOf(testContract), openPort: async () => new BroadcastPort(open(name), { log }), log })
    closers.push(() => { client.close() })
    const reconnects = vi.fn()
    client.onReconnect(reconnects)
    await expect(client.call('getInvite')).resolves.toEqual({ invite: 'w1' })
    first.relay.close()
    first.server.close()
    await until(() => { expect(client.connected).toBe(false) })
    // made while the owner is gone: waits, then runs on the next owner
    const call = client.call('getInvite')
    startOwner(name, 'w2')
    await expect(call).resolves.toEqual({ invite: 'w2' })
    expect(reconnects).toHaveBeenCalled()
    expect(client.connectionCount).toBeGreaterThanOrEqual(2)
  })
})

/** A browser tab in fallback mode: the election, its own client, and the workers it started. */
interface Tab {
  node: DedicatedNode
  client: ReconnectingClient<TestContract>
  statuses: NodeStatus[]
  reconnects: number
  close: () => void
}

function startTab (name: string, locks: FakeLocks, label: string, workers: Array<RpcServer<TestContract>>): Tab {
  const log = vi.fn<RpcLog>()
  const node = new DedicatedNode({
    locks,
    createChannel: () => new BroadcastChannel(name),
    createWorker: (): WorkerLike => {
      const server = new RpcServer(testContract, handlers(`${label}-worker`), { log })
      workers.push(server)
      return {
        postMessage: (message, transfer) => {
          const port = transfer[0]
          if ((message as { type?: unknown }).type === 'connect' && port instanceof MessagePort) server.addPort(port)
        },
        terminate: () => { server.close() }
      }
    },
    log
  })
  node.start()
  const client = new ReconnectingClient({ timeouts: timeoutsOf(testContract), openPort: async () => node.openPort(), log })
  node.onRoleChange((role, previous) => {
    if (role === 'owner' && previous === 'client') client.reconnect()
  })
  const tab: Tab = {
    node,
    client,
    statuses: [],
    reconnects: 0,
    close: () => {
      client.close()
      node.close()
    }
  }
  client.on('status', (s) => { tab.statuses.push(s) })
  client.onReconnect(() => { tab.reconnects++ })
  closers.push(tab.close)
  return tab
}

describe('DedicatedNode: owner election and hand-over', () => {
  it('one tab owns the worker; the others reach it; the next tab takes over when the owner closes', async () => {
    const name = channelName()
    const locks = new FakeLocks()
    const workers: Array<RpcServer<TestContract>> = []
    const a = startTab(name, locks, 'a', workers)
    await until(() => { expect(a.node.role).toBe('owner') })
    const b = startTab(name, locks, 'b', workers)
    const c = startTab(name, locks, 'c', workers)
    await until(() => { expect([b.node.role, c.node.role]).toEqual(['client', 'client']) })

    for (const tab of [a, b, c]) await expect(tab.client.call('getInvite')).resolves.toEqual({ invite: 'a-worker' })
    expect(workers).toHaveLength(1)
    expect(a.node.relay?.clientCount).toBe(2)
    expect(locks.held(OWNER_LOCK_NAME)).toBe(true)

    // events from the one worker reach every tab
    workers[0]?.emit('status', STATUS)
    await until(() => { expect([a, b, c].map(t => t.statuses.length)).toEqual([1, 1, 1]) })

    // the owner tab closes: b is next in the lock's queue, starts a new worker, c follows it
    a.close()
    await until(() => { expect(b.node.role).toBe('owner') })
    await expect(b.client.call('getInvite')).resolves.toEqual({ invite: 'b-worker' })
    await expect(c.client.call('getInvite')).resolves.toEqual({ invite: 'b-worker' })
    expect(workers).toHaveLength(2)
    expect(b.node.relay?.clientCount).toBe(1)
    expect(b.reconnects).toBeGreaterThanOrEqual(1)
    expect(c.reconnects).toBeGreaterThanOrEqual(1)

    // subscriptions carried over to the new connections
    workers[1]?.emit('status', { ...STATUS, username: 'again' })
    await until(() => { expect(c.statuses.at(-1)?.username).toBe('again') })
    expect(b.statuses.at(-1)?.username).toBe('again')

    // and once more: c is the last tab, it becomes the owner of a third worker
    b.close()
    await until(() => { expect(c.node.role).toBe('owner') })
    await expect(c.client.call('getInvite')).resolves.toEqual({ invite: 'c-worker' })
  })

  it('the owner\'s Worker dies: the owner starts a new one, and every tab reaches it', async () => {
    const name = channelName()
    const locks = new FakeLocks()
    const workers: Array<RpcServer<TestContract>> = []
    const a = startTab(name, locks, 'a', workers)
    await until(() => { expect(a.node.role).toBe('owner') })
    const b = startTab(name, locks, 'b', workers)
    await until(() => { expect(b.node.role).toBe('client') })
    await expect(b.client.call('getInvite')).resolves.toEqual({ invite: 'a-worker' })

    // a client tab has no Worker to restart: nothing happens
    b.node.restartWorker()
    expect(workers).toHaveLength(1)

    // the Worker is gone (its server answers nothing more); the owner's watched port said so
    workers[0]?.close()
    a.node.restartWorker()
    expect(workers).toHaveLength(2)
    // the owner's own client reconnects when its watched port closes; the others because the relay started again
    a.client.reconnect()
    await expect(a.client.call('getInvite')).resolves.toEqual({ invite: 'a-worker' })
    await expect(b.client.call('getInvite')).resolves.toEqual({ invite: 'a-worker' })
    // both reach the new Worker: its events reach both tabs
    workers[1]?.emit('status', { ...STATUS, username: 'restarted' })
    await until(() => { expect([a, b].map(t => t.statuses.at(-1)?.username)).toEqual(['restarted', 'restarted']) })
    expect(a.node.role).toBe('owner')
  })

  it('without Web Locks the tab runs a node of its own', async () => {
    const workers: Array<RpcServer<TestContract>> = []
    const name = channelName()
    const tab = startTab(name, undefined as unknown as FakeLocks, 'solo', workers)
    await expect(tab.client.call('getInvite')).resolves.toEqual({ invite: 'solo-worker' })
    expect(tab.node.role).toBe('owner')
  })
})

describe('envelopes, sizes and the mode flag', () => {
  it('describeEnvelope clips long keys (found by fuzzing: a key of any length went whole into the log)', () => {
    expect(describeEnvelope({ from: 'a1', [`k${'x'.repeat(100_000)}`]: 1 })).toBe(`envelope from=a1 to=undefined kind=undefined keys=from,k${'x'.repeat(23)}`)
  })

  it('validates envelopes strictly by direction', () => {
    const call = { type: 'call', id: 1, method: 'getStatus', params: undefined }
    const result = { type: 'result', id: 1, ok: true, result: 1 }
    expect(isToOwnerEnvelope({ from: 'a1', to: 'owner', kind: 'data', data: call })).toBe(true)
    expect(isToOwnerEnvelope({ from: 'a1', to: 'owner', kind: 'data', data: result })).toBe(false)
    expect(isToOwnerEnvelope({ from: 'owner', to: 'owner', kind: 'open', data: null })).toBe(false)
    expect(isFromOwnerEnvelope({ from: 'o1', to: 'a1', kind: 'data', data: result })).toBe(true)
    expect(isFromOwnerEnvelope({ from: 'o1', to: 'a1', kind: 'data', data: call })).toBe(false)
    expect(isFromOwnerEnvelope({ from: 'o1', to: '*', kind: 'open', data: null })).toBe(true)
    expect(isFromOwnerEnvelope({ from: 'o1', to: '*', kind: 'data', data: result })).toBe(false)
  })

  it('estimates sizes and stops counting past the limit', () => {
    expect(estimateSize('abcd')).toBe(8)
    expect(estimateSize({ a: new Uint8Array(100) })).toBe(102)
    // a File is passed as a handle: a 50 MB one fits an envelope like a small one
    expect(estimateSize({ file: new Blob([new Uint8Array(50_000_000)]) })).toBe(estimateSize({ file: new Blob(['x']) }))
    expect(estimateSize({ file: new Blob([new Uint8Array(50_000_000)]) })).toBeLessThan(1024)
    expect(estimateSize(new Array(10_000).fill('x'.repeat(1000)), 1000)).toBeLessThan(10_000)
    let deep: unknown = 1
    for (let i = 0; i < 40; i++) deep = [deep]
    expect(estimateSize(deep, 1000)).toBeGreaterThan(1000)
  })

  it('uses the dedicated Worker when forced or when SharedWorker is missing', () => {
    expect(chooseWorkerMode('', true)).toBe('shared')
    expect(chooseWorkerMode('?worker=dedicated', true)).toBe('dedicated')
    expect(chooseWorkerMode('?worker=shared', false)).toBe('dedicated')
    expect(chooseWorkerMode('?x=1&worker=dedicated', true)).toBe('dedicated')
  })
})
