import { afterEach, describe, expect, it, vi } from 'vitest'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import type { RpcClientOptions } from '../../../src/lib/rpc/client.ts'
import { describeMessage, isTabToWorker, isWorkerToTab } from '../../../src/lib/rpc/guards.ts'
import type { RpcLog, RpcPort } from '../../../src/lib/rpc/guards.ts'
import type { MessageId } from '../../../src/lib/db/types.ts'
import type { NodeMethod, NodeStatus } from '../../../src/lib/rpc/protocol.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import type { HandlerContext, RpcHandlers, RpcServerOptions } from '../../../src/lib/rpc/server.ts'

/*
 * Acceptance suite in the automerge-repo style: `runRpcTests(setup)` runs over
 * whatever transport `setup` builds. Waits are deterministic because messages on
 * one port arrive in order: once a later reply is seen, every earlier message on
 * that port has been handled. Timeouts are driven by short real timers, observed
 * through conditions (`vi.waitFor`), never by sleeping.
 */

/** Waits for a condition, polling often: MessageChannel hops take well under a millisecond. */
async function until (check: () => void): Promise<void> {
  await vi.waitFor(check, { interval: 2, timeout: 5_000 })
}

const STATUS: NodeStatus = { phase: 'online', peerId: '12D3KooWtest', addresses: [], relays: [], paths: {} }

class InvalidInviteError extends Error { override name = 'InvalidInviteError' }

/** A sendMessage handler that hangs until released or aborted, remembering each signal. */
function gate (): { handler: RpcHandlers['sendMessage'], signals: AbortSignal[], releaseAll: () => void } {
  const signals: AbortSignal[] = []
  const releases: Array<() => void> = []
  const handler = (_: unknown, { signal }: HandlerContext): Promise<{ messageId: MessageId }> =>
    new Promise((resolve, reject) => {
      signals.push(signal)
      releases.push(() => { resolve({ messageId: `m${releases.length}` as MessageId }) })
      signal.addEventListener('abort', () => { reject(signal.reason) })
    })
  return { handler, signals, releaseAll: () => { for (const r of releases) r() } }
}

function makeHandlers (overrides: Partial<RpcHandlers> = {}): RpcHandlers {
  return {
    getStatus: () => STATUS,
    createProfile: ({ username }) => ({ ...STATUS, username }),
    getInvite: async () => ({ invite: 'parley:invite' }),
    addContact: ({ invite }) => {
      if (invite === 'bad') throw new InvalidInviteError('invite has no address')
      return { contactId: 7 }
    },
    acceptContact: () => null,
    declineContact: () => null,
    updateContact: () => null,
    setBlocked: () => null,
    deleteContact: () => null,
    getSafetyNumber: () => ({ groups: [], qr: '' }),
    checkSafetyCode: () => ({ result: 'match' }),
    setVerified: () => null,
    exportIdentity: () => ({ file: new Uint8Array(1) }),
    importIdentity: () => STATUS,
    sendMessage: () => ({ messageId: 'm0' as MessageId }),
    sendFile: () => ({ messageId: 'f0' as MessageId }),
    cancelTransfer: () => null,
    retryTransfer: () => null,
    getFile: () => ({ file: new Blob([]) }),
    speedTest: ({ bytes }) => ({ bytes, ms: 1 }),
    addTurnServer: () => ({ id: 1 }),
    removeTurnServer: () => null,
    setNearby: () => null,
    listNearby: () => ({ people: [] }),
    addNearby: () => ({ contactId: 1 }),
    getNetwork: () => ({ addresses: [], reachability: 'unreachable', reservations: 0, directConnections: 0, dht: { running: false }, connections: [], relays: [] }),
    listRelays: () => ({ relays: [] }),
    addRelay: ({ multiaddr }) => ({ multiaddr, peerId: '12D3KooWrelay', source: 'user', active: true, state: 'connecting', failures: 0 }),
    testRelay: () => ({ rtt: 5 }),
    setRelayActive: () => null,
    removeRelay: () => ({ outcome: 'removed' }),
    setLocale: () => null,
    ...overrides
  }
}

interface Connection { client: RpcClient, workerPort: MessagePort, attach: () => void }
interface RpcTestContext {
  server: RpcServer
  log: ReturnType<typeof vi.fn<RpcLog>>
  /** a client on a fresh channel; `attach: false` delays `server.addPort` */
  connect: (opts?: RpcClientOptions & { attach?: boolean }) => Connection
  /** the tab end of a fresh channel whose other end the server serves, with received messages */
  rawPort: () => { port: MessagePort, received: unknown[], closed: () => boolean }
  teardown: () => void
}
type RpcSetup = (handlers: RpcHandlers, options?: RpcServerOptions) => RpcTestContext

const setupMessageChannel: RpcSetup = (handlers, options = {}) => {
  const log = vi.fn<RpcLog>()
  const server = new RpcServer(handlers, { log, ...options })
  const ports: MessagePort[] = []
  const clients: RpcClient[] = []
  return {
    server,
    log,
    connect: ({ attach = true, ...opts } = {}) => {
      const { port1, port2 } = new MessageChannel()
      ports.push(port1, port2)
      const client = new RpcClient(port1, { log, ...opts })
      clients.push(client)
      if (attach) server.addPort(port2)
      return { client, workerPort: port2, attach: () => { server.addPort(port2) } }
    },
    rawPort: () => {
      const { port1, port2 } = new MessageChannel()
      ports.push(port1, port2)
      const received: unknown[] = []
      let closed = false
      port1.addEventListener('message', (e) => { received.push(e.data) })
      port1.addEventListener('close', () => { closed = true })
      port1.start()
      server.addPort(port2)
      return { port: port1, received, closed: () => closed }
    },
    teardown: () => {
      for (const c of clients) c.close()
      server.close()
      for (const p of ports) p.close()
    }
  }
}

function runRpcTests (setup: RpcSetup): void {
  let ctx: RpcTestContext | undefined
  const start = (handlers = makeHandlers(), options?: RpcServerOptions): RpcTestContext => (ctx = setup(handlers, options))
  afterEach(() => { ctx?.teardown(); ctx = undefined })

  it('round-trips a call and its result', async () => {
    const { connect } = start()
    const { client } = connect()
    await expect(client.call('getStatus')).resolves.toEqual(STATUS)
    await expect(client.call('createProfile', { username: 'ann' })).resolves.toMatchObject({ username: 'ann' })
    await expect(client.call('getInvite')).resolves.toEqual({ invite: 'parley:invite' })
    expect(client.pendingCount).toBe(0)
  })

  it('brings a handler error back with its name and message only', async () => {
    const { connect, rawPort } = start()
    const err: unknown = await connect().client.call('addContact', { invite: 'bad' }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'InvalidInviteError', message: 'invite has no address' })
    const raw = rawPort()
    raw.port.postMessage({ type: 'call', id: 1, method: 'addContact', params: { invite: 'bad' } })
    await until(() => { expect(raw.received).toHaveLength(1) })
    expect(raw.received[0]).toEqual({
      type: 'result', id: 1, ok: false, error: { name: 'InvalidInviteError', message: 'invite has no address' }
    })
  })

  it('rejects unknown methods, including inherited property names', async () => {
    const { connect } = start()
    const { client } = connect()
    for (const method of ['nope', 'toString', 'constructor']) {
      await expect(client.call(method as NodeMethod as 'getStatus')).rejects.toMatchObject({ name: 'UnknownMethodError' })
    }
  })

  it('times out, drops the pending entry and cancels the handler', async () => {
    const g = gate()
    const { connect, server } = start(makeHandlers({ sendMessage: g.handler }))
    const { client } = connect()
    // after welcome the call is posted at once, so the cancel follows it on the same port
    await until(() => { expect(client.welcomed).toBe(true) })
    const call = client.call('sendMessage', { contactId: 1, text: 'hi' }, { timeoutMs: 20 })
    await expect(call).rejects.toMatchObject({ name: 'RpcTimeoutError' })
    expect(client.pendingCount).toBe(0)
    await until(() => { expect(g.signals[0]?.aborted).toBe(true) })
    expect(server.inflightCount).toBe(0)
  })

  it('aborts: rejects with the reason and aborts the handler signal', async () => {
    const g = gate()
    const { connect, server } = start(makeHandlers({ sendMessage: g.handler }))
    const { client } = connect()
    const controller = new AbortController()
    const call = client.call('sendMessage', { contactId: 1, text: 'hi' }, { signal: controller.signal })
    await until(() => { expect(g.signals).toHaveLength(1) })
    controller.abort()
    await expect(call).rejects.toMatchObject({ name: 'AbortError' })
    expect(client.pendingCount).toBe(0)
    await until(() => { expect(g.signals[0]?.aborted).toBe(true) })
    expect(server.inflightCount).toBe(0)
    await expect(client.call('getStatus', undefined, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' })
  })

  it('broadcasts events to every client; unsubscribe stops delivery', async () => {
    const { connect, server } = start()
    const clients = [connect().client, connect().client, connect().client]
    await until(() => { expect(clients.every(c => c.welcomed)).toBe(true) })
    const got = clients.map(() => [] as NodeStatus[])
    clients.forEach((c, i) => c.on('status', s => { got[i]?.push(s) }))
    const dropped: NodeStatus[] = []
    clients[0]?.on('status', s => { dropped.push(s) })()
    server.emit('status', STATUS)
    await until(() => { expect(got).toEqual([[STATUS], [STATUS], [STATUS]]) })
    expect(dropped).toEqual([])
  })

  it('a client that leaves is removed and hears no more events', async () => {
    const { connect, server, rawPort } = start()
    const [a, b, c] = [connect().client, connect().client, connect().client]
    await until(() => { expect(c.welcomed).toBe(true) })
    const heard = { a: 0, c: 0 }
    a.on('status', () => { heard.a++ })
    c.on('status', () => { heard.c++ })
    c.close()
    await until(() => { expect(server.portCount).toBe(2) })
    server.emit('status', STATUS)
    await until(() => { expect(heard.a).toBe(1) })
    expect(heard.c).toBe(0)
    await expect(c.call('getStatus')).rejects.toMatchObject({ name: 'RpcClosedError' })
    await expect(b.call('getStatus')).resolves.toEqual(STATUS)
    // a raw 'leave' alone (port left open by the tab) also removes it, and the server closes its end
    const raw = rawPort()
    raw.port.postMessage({ type: 'leave' })
    await until(() => { expect(raw.closed()).toBe(true) })
    expect(server.portCount).toBe(2)
  })

  it('removes a port whose tab end closes without leave', async () => {
    const { server, rawPort } = start()
    const raw = rawPort()
    expect(server.portCount).toBe(1)
    raw.port.close()
    await until(() => { expect(server.portCount).toBe(0) })
  })

  it('rejects pending calls with RpcClosedError when the worker side goes away', async () => {
    const g = gate()
    const { connect, server } = start(makeHandlers({ sendMessage: g.handler }))
    const { client } = connect()
    const call = client.call('sendMessage', { contactId: 1, text: 'hi' })
    await until(() => { expect(g.signals).toHaveLength(1) })
    server.close()
    await expect(call).rejects.toMatchObject({ name: 'RpcClosedError' })
    expect(g.signals[0]?.aborted).toBe(true)
    expect(client.pendingCount).toBe(0)
  })

  it('drops malformed messages on the worker side and keeps serving', async () => {
    const { connect, rawPort, log } = start()
    const raw = rawPort()
    const garbage: unknown[] = [
      null, 42, 'call', [], { type: 'call' }, { type: 'nope' },
      { type: 'call', id: 1.5, method: 'getStatus', params: undefined },
      { type: 'call', id: -1, method: 'getStatus', params: undefined },
      { type: 'call', id: 1, method: 'x'.repeat(65), params: undefined },
      { type: 'call', id: 1, method: 'getStatus', params: undefined, extra: true },
      { type: 'cancel', id: '1' }, { type: 'arrive', id: 1 }
    ]
    for (const g of garbage) raw.port.postMessage(g)
    raw.port.postMessage({ type: 'call', id: 2, method: 'getStatus', params: undefined })
    await until(() => { expect(raw.received).toHaveLength(1) })
    expect(raw.received[0]).toEqual({ type: 'result', id: 2, ok: true, result: STATUS })
    expect(log.mock.calls.filter(c => c[0].startsWith('dropped invalid'))).toHaveLength(garbage.length)
    await expect(connect().client.call('getStatus')).resolves.toEqual(STATUS)
  })

  it('drops malformed messages on the tab side and keeps working', async () => {
    const { connect, log } = start()
    const { client, workerPort } = connect()
    await until(() => { expect(client.welcomed).toBe(true) })
    const garbage: unknown[] = [
      null, { type: 'result', id: '0', ok: true, result: 1 }, { type: 'result', id: 0, ok: true },
      { type: 'result', id: 0, ok: false, error: { name: 'X' } }, { type: 'event', event: '', payload: 1 },
      { type: 'welcome', extra: 1 }
    ]
    for (const g of garbage) workerPort.postMessage(g)
    workerPort.postMessage({ type: 'result', id: 999, ok: true, result: 1 })
    await expect(client.call('getStatus')).resolves.toEqual(STATUS)
    expect(log.mock.calls.filter(c => c[0].startsWith('dropped invalid'))).toHaveLength(garbage.length)
    expect(log.mock.calls.some(c => c[0].startsWith('dropped result for unknown call id'))).toBe(true)
  })

  it('bounds the pending map and the per-port in-flight map', async () => {
    const g = gate()
    const { connect, server, rawPort } = start(makeHandlers({ sendMessage: g.handler }), { maxInflightPerPort: 2 })
    const { client } = connect({ maxPending: 2 })
    const calls = [1, 2].map(n => client.call('sendMessage', { contactId: n, text: 'hi' }))
    await expect(client.call('getStatus')).rejects.toMatchObject({ name: 'TooManyPendingCallsError' })
    expect(client.pendingCount).toBe(2)
    await until(() => { expect(g.signals).toHaveLength(2) })
    g.releaseAll()
    await expect(Promise.all(calls)).resolves.toHaveLength(2)
    expect(client.pendingCount).toBe(0)
    const raw = rawPort()
    for (const id of [1, 2, 3]) raw.port.postMessage({ type: 'call', id, method: 'sendMessage', params: {} })
    await until(() => { expect(raw.received).toHaveLength(1) })
    expect(raw.received[0]).toMatchObject({ id: 3, ok: false, error: { name: 'TooManyPendingCallsError' } })
    expect(server.inflightCount).toBe(2)
  })

  it('queues calls made before welcome and delivers them after it', async () => {
    const { connect } = start()
    const { client, attach } = connect({ attach: false })
    const calls = [client.call('getStatus'), client.call('getInvite')]
    expect(client.welcomed).toBe(false)
    expect(client.pendingCount).toBe(2)
    attach()
    await expect(Promise.all(calls)).resolves.toEqual([STATUS, { invite: 'parley:invite' }])
    expect(client.welcomed).toBe(true)
  })

  it('evicts the longest-silent port beyond maxPorts', async () => {
    const { server, rawPort } = start(makeHandlers(), { maxPorts: 2 })
    const [a, b] = [rawPort(), rawPort()]
    a.port.postMessage({ type: 'arrive' }) // a is now more recently active than b
    await until(() => { expect(a.received).toEqual([{ type: 'welcome' }]) })
    const c = rawPort()
    await until(() => { expect(b.closed()).toBe(true) })
    expect(server.portCount).toBe(2)
    c.port.postMessage({ type: 'call', id: 0, method: 'getStatus', params: undefined })
    await until(() => { expect(c.received).toHaveLength(1) })
    expect(a.closed()).toBe(false)
  })

  it('reports uncloneable params and results as DataCloneError', async () => {
    const { connect } = start(makeHandlers({ getInvite: () => ({ invite: (() => 'x') as unknown as string }) }))
    const { client } = connect()
    await expect(client.call('getInvite')).rejects.toMatchObject({ name: 'DataCloneError' })
    const bad = { username: (() => 'x') as unknown as string }
    await expect(client.call('createProfile', bad)).rejects.toMatchObject({ name: 'DataCloneError' })
    expect(client.pendingCount).toBe(0)
  })
}

describe('RPC over MessageChannel', () => { runRpcTests(setupMessageChannel) })

describe('RPC edge cases over a fake port', () => {
  function fakePort (postMessage: (m: unknown) => void = () => {}): RpcPort {
    return { postMessage, addEventListener () {}, removeEventListener () {}, start () {}, close () {} }
  }

  it('sends nothing but arrive before welcome', () => {
    const sent: unknown[] = []
    const client = new RpcClient(fakePort(m => { sent.push(m) }), { log: () => {} })
    void client.call('getStatus').catch(() => {})
    expect(sent).toEqual([{ type: 'arrive' }])
    client.close()
    expect(sent).toEqual([{ type: 'arrive' }, { type: 'leave' }])
    expect(client.pendingCount).toBe(0)
  })

  it('drops a port whose postMessage throws, and keeps broadcasting', () => {
    const server = new RpcServer(makeHandlers(), { log: () => {} })
    const got: unknown[] = []
    server.addPort(fakePort(() => { throw new Error('port is dead') }))
    server.addPort(fakePort(m => { got.push(m) }))
    server.emit('status', STATUS)
    expect(server.portCount).toBe(1)
    expect(got).toEqual([{ type: 'event', event: 'status', payload: STATUS }])
  })

  it('describeMessage clips long keys (found by fuzzing: a key of any length went whole into the log)', () => {
    const key = 'k'.repeat(100_000)
    expect(describeMessage({ type: 'call', [key]: 1 })).toBe(`object type=call keys=type,${'k'.repeat(32)}`)
  })

  it('guards accept the wire format exactly', () => {
    expect(isTabToWorker({ type: 'call', id: 0, method: 'getStatus', params: undefined })).toBe(true)
    expect(isTabToWorker({ type: 'welcome' })).toBe(false)
    expect(isWorkerToTab({ type: 'result', id: 3, ok: false, error: { name: 'E', message: '' } })).toBe(true)
    expect(isWorkerToTab({ type: 'result', id: 3, ok: false, error: { name: 'E', message: '', stack: 's' } })).toBe(false)
  })
})
