import { afterEach, describe, expect, it, vi } from 'vitest'
import { method, returns, timeoutsOf } from '../../../src/lib/contract/define.ts'
import type { HandlerContext } from '../../../src/lib/contract/define.ts'
import { v } from '../../../src/lib/contract/schema.ts'
import { RpcClient } from '../../../src/lib/rpc/client.ts'
import type { RpcClientOptions } from '../../../src/lib/rpc/client.ts'
import { describeMessage, isTabToWorker, isWorkerToTab } from '../../../src/lib/rpc/guards.ts'
import type { RpcLog, RpcPort } from '../../../src/lib/rpc/guards.ts'
import type { MessageId } from '../../../src/lib/db/types.ts'
import type { NodeStatus } from '../../../src/lib/contract/index.ts'
import { RpcServer } from '../../../src/lib/rpc/server.ts'
import type { RpcServerOptions } from '../../../src/lib/rpc/server.ts'
import {
  broadcastPorts, messageChannelPorts, STATUS, testContract, testHandlers, testServer, until
} from '../../support/rpc-fixtures.ts'
import type { PortType, TestContract } from '../../support/rpc-fixtures.ts'

/*
 * Acceptance suite in the automerge-repo style: `runRpcTests(ports)` runs over
 * every way a tab reaches the node — a real MessageChannel (the SharedWorker)
 * and the fallback's BroadcastPort through an OwnerRelay (a dedicated Worker
 * owned by another tab). Waits are deterministic because messages on one port
 * arrive in order: once a later reply is seen, every earlier message on that
 * port has been handled. Timeouts are driven by short real timers, observed
 * through conditions (`vi.waitFor`), never by sleeping.
 */

/** A sendMessage handler that hangs until released or aborted, remembering each signal. */
function gate (): { handler: (p: unknown, ctx: HandlerContext) => Promise<{ messageId: MessageId }>, signals: AbortSignal[], releaseAll: () => void } {
  const signals: AbortSignal[] = []
  const releases: Array<() => void> = []
  const handler = async (_: unknown, { signal }: HandlerContext): Promise<{ messageId: MessageId }> =>
    new Promise((resolve, reject) => {
      signals.push(signal)
      releases.push(() => { resolve({ messageId: `m${releases.length}` as MessageId }) })
      signal.addEventListener('abort', () => { reject(signal.reason) })
    })
  return { handler, signals, releaseAll: () => { for (const r of releases) r() } }
}

interface RpcTestContext {
  server: RpcServer<TestContract>
  log: ReturnType<typeof vi.fn<RpcLog>>
  /** a client over a fresh port of the suite's type */
  connect: (opts?: RpcClientOptions) => RpcClient<TestContract>
}

function runRpcTests (makePorts: () => PortType): void {
  let ports: PortType | undefined
  const clients: Array<RpcClient<TestContract>> = []
  let server: RpcServer<TestContract> | undefined
  const start = (handlers = testHandlers(), options?: RpcServerOptions): RpcTestContext => {
    const made = testServer(handlers, options)
    server = made.server
    const portType = ports = makePorts()
    return {
      server: made.server,
      log: made.log,
      connect: (opts = {}) => {
        const client = new RpcClient(timeoutsOf(testContract), portType.newPort(made.server), { log: made.log, ...opts })
        clients.push(client)
        return client
      }
    }
  }
  afterEach(() => {
    for (const c of clients.splice(0)) c.close()
    server?.close()
    ports?.close()
  })

  it('round-trips a call and its result', async () => {
    const { connect } = start()
    const client = connect()
    await expect(client.call('getStatus')).resolves.toEqual(STATUS)
    await expect(client.call('createProfile', { username: 'ann' })).resolves.toMatchObject({ username: 'ann' })
    await expect(client.call('getInvite')).resolves.toEqual({ invite: 'parley:invite' })
    expect(client.pendingCount).toBe(0)
  })

  it('brings a handler error back as name, code and params, never a stack', async () => {
    const { connect } = start()
    const client = connect()
    const plain: unknown = await client.call('addContact', { invite: 'bad' }).catch((e: unknown) => e)
    expect(plain).toBeInstanceOf(Error)
    expect(plain).toMatchObject({ name: 'InvalidInviteError', code: 'unexpected', params: { message: 'invite has no address' }, message: 'invite has no address' })
    expect((plain as Error).stack).not.toMatch(/rpc-fixtures/)
    const coded: unknown = await client.call('addContact', { invite: 'busy' }).catch((e: unknown) => e)
    expect(coded).toMatchObject({ name: 'BusyNodeError', code: 'rpcTooManyCalls', params: { pending: 3 } })
  })

  it('rejects unknown methods, including inherited property names', async () => {
    const { connect } = start()
    const client = connect()
    for (const name of ['nope', 'toString', 'constructor', '__proto__']) {
      await expect(client.call(name as 'getStatus')).rejects.toMatchObject({ name: 'UnknownMethodError', code: 'rpcUnknownMethod', params: { method: name } })
    }
  })

  it('checks params against the contract at the edge: a bad call gets invalidParams and its handler never runs', async () => {
    const sendMessage = vi.fn(() => ({ messageId: 'x' as MessageId }))
    const { connect } = start(testHandlers({ sendMessage }))
    const client = connect()
    const bad: unknown[] = [undefined, null, 'hi', { contactId: 1 }, { contactId: 0, text: 'hi' }, { contactId: 1.5, text: 'hi' },
      { contactId: '1', text: 'hi' }, { contactId: 1, text: 7 }, { contactId: 1, text: 'hi', extra: true }]
    for (const params of bad) {
      await expect(client.call('sendMessage', params as { contactId: number, text: string })).rejects.toMatchObject({
        name: 'InvalidParamsError', code: 'invalidParams', params: { method: 'sendMessage', problem: expect.stringMatching(/^params/) }
      })
    }
    await expect(client.call('getStatus', { unexpected: 1 } as never)).rejects.toMatchObject({ code: 'invalidParams' })
    expect(sendMessage).not.toHaveBeenCalled()
    await expect(client.call('sendMessage', { contactId: 1, text: 'hi' })).resolves.toEqual({ messageId: 'x' })
  })

  it('times out, drops the pending entry and cancels the handler', async () => {
    const g = gate()
    const { connect, server } = start(testHandlers({ sendMessage: g.handler }))
    const client = connect()
    // after welcome the call is posted at once, so the cancel follows it on the same port
    await until(() => { expect(client.welcomed).toBe(true) })
    const call = client.call('sendMessage', { contactId: 1, text: 'hi' }, { timeoutMs: 20 })
    await expect(call).rejects.toMatchObject({ name: 'RpcTimeoutError', code: 'rpcTimeout' })
    expect(client.pendingCount).toBe(0)
    await until(() => { expect(g.signals[0]?.aborted).toBe(true) })
    expect(server.inflightCount).toBe(0)
  })

  it('takes a call\'s default timeout from its contract entry', async () => {
    const { connect, server } = start()
    const client = connect({ timeoutMs: 60_000 })
    await expect(client.call('slow')).rejects.toMatchObject({ name: 'RpcTimeoutError' })
    await until(() => { expect(server.inflightCount).toBe(0) })
  })

  it('aborts: rejects with the reason and aborts the handler signal', async () => {
    const g = gate()
    const { connect, server } = start(testHandlers({ sendMessage: g.handler }))
    const client = connect()
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
    const clients = [connect(), connect(), connect()]
    await until(() => { expect(clients.every(c => c.welcomed)).toBe(true) })
    const got = clients.map(() => [] as NodeStatus[])
    clients.forEach((c, i) => c.on('status', s => { got[i]?.push(s) }))
    const dropped: NodeStatus[] = []
    clients[0]?.on('status', s => { dropped.push(s) })()
    server.emit('status', STATUS)
    await until(() => { expect(got).toEqual([[STATUS], [STATUS], [STATUS]]) })
    expect(dropped).toEqual([])
  })

  it('a listener that throws is logged, and the listeners after it still hear the event', async () => {
    const { connect, server, log } = start()
    const client = connect()
    await until(() => { expect(client.welcomed).toBe(true) })
    const heard: NodeStatus[] = []
    client.on('status', () => { throw new Error('a broken widget') })
    client.on('status', s => { heard.push(s) })
    server.emit('status', STATUS)
    await until(() => { expect(heard).toEqual([STATUS]) })
    expect(log.mock.calls.filter(c => c[0] === 'listener for event %s threw').map(c => c[1])).toEqual(['status'])
  })

  it('a client that leaves is removed and hears no more events', async () => {
    const { connect, server } = start()
    const [a, b, c] = [connect(), connect(), connect()]
    await until(() => { expect(c.welcomed && b.welcomed && a.welcomed).toBe(true) })
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
  })

  it('rejects pending calls with RpcClosedError when the worker side goes away', async () => {
    const g = gate()
    const { connect, server } = start(testHandlers({ sendMessage: g.handler }))
    const client = connect()
    const call = client.call('sendMessage', { contactId: 1, text: 'hi' })
    await until(() => { expect(g.signals).toHaveLength(1) })
    server.close()
    await expect(call).rejects.toMatchObject({ name: 'RpcClosedError', code: 'rpcClosed' })
    expect(g.signals[0]?.aborted).toBe(true)
    expect(client.pendingCount).toBe(0)
  })

  it('bounds the pending map and the per-port in-flight map', async () => {
    const g = gate()
    const { connect, server } = start(testHandlers({ sendMessage: g.handler }), { maxInflightPerPort: 2 })
    const client = connect({ maxPending: 2 })
    const calls = [1, 2].map(async n => client.call('sendMessage', { contactId: n, text: 'hi' }))
    await expect(client.call('getStatus')).rejects.toMatchObject({ name: 'TooManyPendingCallsError', params: { pending: 2 } })
    expect(client.pendingCount).toBe(2)
    await until(() => { expect(g.signals).toHaveLength(2) })
    g.releaseAll()
    await expect(Promise.all(calls)).resolves.toHaveLength(2)
    expect(client.pendingCount).toBe(0)
    const wide = connect({ maxPending: 10 })
    const held = [1, 2].map(async n => wide.call('sendMessage', { contactId: n, text: 'hi' }))
    await until(() => { expect(g.signals).toHaveLength(4) })
    await expect(wide.call('sendMessage', { contactId: 3, text: 'hi' })).rejects.toMatchObject({ name: 'TooManyPendingCallsError' })
    expect(server.inflightCount).toBe(2)
    g.releaseAll()
    await expect(Promise.all(held)).resolves.toHaveLength(2)
  })

  it('queues calls made before welcome and delivers them after it', async () => {
    const { connect } = start()
    const client = connect()
    const calls = [client.call('getStatus'), client.call('getInvite')]
    expect(client.welcomed).toBe(false)
    expect(client.pendingCount).toBe(2)
    await expect(Promise.all(calls)).resolves.toEqual([STATUS, { invite: 'parley:invite' }])
    expect(client.welcomed).toBe(true)
  })

  it('reports uncloneable params and results as DataCloneError', async () => {
    const { connect } = start(testHandlers({ getInvite: () => ({ invite: (() => 'x') as unknown as string }) }))
    const client = connect()
    await until(() => { expect(client.welcomed).toBe(true) })
    await expect(client.call('getInvite')).rejects.toMatchObject({ name: 'DataCloneError' })
    const bad = { username: (() => 'x') as unknown as string }
    await expect(client.call('createProfile', bad)).rejects.toMatchObject({ name: 'DataCloneError' })
    expect(client.pendingCount).toBe(0)
  })

  it('serves a made-up method with nothing but a contract entry and a handler', async () => {
    const contract = {
      methods: { ...testContract.methods, shout: method({ params: v.object({ text: v.string({ max: 10 }) }), result: returns<{ text: string }>() }) },
      events: testContract.events
    }
    const extended = new RpcServer(contract, { ...testHandlers(), shout: ({ text }) => ({ text: text.toUpperCase() }) }, { log: () => {} })
    const portType = makePorts()
    const client = new RpcClient(timeoutsOf(contract), portType.newPort(extended as unknown as RpcServer<TestContract>), { log: () => {} })
    try {
      await expect(client.call('shout', { text: 'hi' })).resolves.toEqual({ text: 'HI' })
      await expect(client.call('shout', { text: 'x'.repeat(11) })).rejects.toMatchObject({ code: 'invalidParams' })
    } finally {
      client.close()
      extended.close()
      portType.close()
    }
  })
}

describe('RPC over MessageChannel (SharedWorker)', () => { runRpcTests(messageChannelPorts) })
describe('RPC over BroadcastPort + OwnerRelay (dedicated-Worker fallback)', () => { runRpcTests(() => broadcastPorts()) })

describe('RPC server over raw MessagePorts', () => {
  const closers: Array<() => void> = []
  afterEach(() => { for (const close of closers.splice(0)) close() })

  function rawPort (server: RpcServer<TestContract>): { port: MessagePort, received: unknown[], closed: () => boolean } {
    const { port1, port2 } = new MessageChannel()
    closers.push(() => { port1.close(); port2.close() })
    const received: unknown[] = []
    let closed = false
    port1.addEventListener('message', (e) => { received.push(e.data) })
    port1.addEventListener('close', () => { closed = true })
    port1.start()
    server.addPort(port2)
    return { port: port1, received, closed: () => closed }
  }

  function serve (...args: Parameters<typeof testServer>): ReturnType<typeof testServer> {
    const made = testServer(...args)
    closers.push(() => { made.server.close() })
    return made
  }

  it('answers a handler error with exactly { name, code, params, message }', async () => {
    const { server } = serve()
    const raw = rawPort(server)
    raw.port.postMessage({ type: 'call', id: 1, method: 'addContact', params: { invite: 'bad' } })
    await until(() => { expect(raw.received).toHaveLength(1) })
    expect(raw.received[0]).toEqual({
      type: 'result',
      id: 1,
      ok: false,
      error: { name: 'InvalidInviteError', code: 'unexpected', params: { message: 'invite has no address' }, message: 'invite has no address' }
    })
  })

  it('a raw leave (port left open by the tab) removes the port, and the server closes its end', async () => {
    const { server } = serve()
    const raw = rawPort(server)
    raw.port.postMessage({ type: 'leave' })
    await until(() => { expect(raw.closed()).toBe(true) })
    expect(server.portCount).toBe(0)
  })

  it('removes a port whose tab end closes without leave', async () => {
    const { server } = serve()
    const raw = rawPort(server)
    expect(server.portCount).toBe(1)
    raw.port.close()
    await until(() => { expect(server.portCount).toBe(0) })
  })

  it('drops malformed messages on the worker side and keeps serving', async () => {
    const { server, log } = serve()
    const raw = rawPort(server)
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
  })

  it('drops malformed messages on the tab side and keeps working', async () => {
    const { server, log } = serve()
    const { port1, port2 } = new MessageChannel()
    closers.push(() => { port1.close(); port2.close() })
    const client = new RpcClient(timeoutsOf(testContract), port1, { log })
    closers.push(() => { client.close() })
    server.addPort(port2)
    await until(() => { expect(client.welcomed).toBe(true) })
    const garbage: unknown[] = [
      null, { type: 'result', id: '0', ok: true, result: 1 }, { type: 'result', id: 0, ok: true },
      { type: 'result', id: 0, ok: false, error: { name: 'X' } },
      { type: 'result', id: 0, ok: false, error: { name: 'X', message: '' } },
      { type: 'result', id: 0, ok: false, error: { name: 'X', code: 'unexpected', params: { a: {} }, message: '' } },
      { type: 'event', event: '', payload: 1 },
      { type: 'welcome', extra: 1 }
    ]
    for (const g of garbage) port2.postMessage(g)
    port2.postMessage({ type: 'result', id: 999, ok: true, result: 1 })
    await expect(client.call('getStatus')).resolves.toEqual(STATUS)
    expect(log.mock.calls.filter(c => c[0].startsWith('dropped invalid'))).toHaveLength(garbage.length)
    expect(log.mock.calls.some(c => c[0].startsWith('dropped result for unknown call id'))).toBe(true)
  })

  it('refuses calls past the per-port in-flight bound with an error result', async () => {
    const g = gate()
    const { server } = serve(testHandlers({ sendMessage: g.handler }), { maxInflightPerPort: 2 })
    const raw = rawPort(server)
    for (const id of [1, 2, 3]) raw.port.postMessage({ type: 'call', id, method: 'sendMessage', params: { contactId: 1, text: 'hi' } })
    await until(() => { expect(raw.received).toHaveLength(1) })
    expect(raw.received[0]).toMatchObject({ id: 3, ok: false, error: { name: 'TooManyPendingCallsError', code: 'rpcTooManyCalls' } })
    expect(server.inflightCount).toBe(2)
    g.releaseAll()
  })

  it('answers ping with pong (the tab watches for a worker that died: rpc/watched-port.ts)', async () => {
    const { server } = serve(testHandlers())
    const raw = rawPort(server)
    raw.port.postMessage({ type: 'ping' })
    await until(() => { expect(raw.received).toEqual([{ type: 'pong' }]) })
    expect(isTabToWorker({ type: 'ping', extra: 1 })).toBe(false)
    expect(isWorkerToTab({ type: 'pong' })).toBe(true)
  })

  it('evicts the longest-silent port beyond maxPorts', async () => {
    const { server } = serve(testHandlers(), { maxPorts: 2 })
    const [a, b] = [rawPort(server), rawPort(server)]
    a.port.postMessage({ type: 'arrive' }) // a is now more recently active than b
    await until(() => { expect(a.received).toEqual([{ type: 'welcome' }]) })
    const c = rawPort(server)
    await until(() => { expect(b.closed()).toBe(true) })
    expect(server.portCount).toBe(2)
    c.port.postMessage({ type: 'call', id: 0, method: 'getStatus', params: undefined })
    await until(() => { expect(c.received).toHaveLength(1) })
    expect(a.closed()).toBe(false)
  })
})

describe('RPC edge cases over a fake port', () => {
  function fakePort (postMessage: (m: unknown) => void = () => {}): RpcPort {
    return { postMessage, addEventListener () {}, removeEventListener () {}, start () {}, close () {} }
  }

  it('sends nothing but arrive before welcome', () => {
    const sent: unknown[] = []
    const client = new RpcClient(timeoutsOf(testContract), fakePort(m => { sent.push(m) }), { log: () => {} })
    void client.call('getStatus').catch(() => {})
    expect(sent).toEqual([{ type: 'arrive' }])
    client.close()
    expect(sent).toEqual([{ type: 'arrive' }, { type: 'leave' }])
    expect(client.pendingCount).toBe(0)
  })

  it('drops a port whose postMessage throws, and keeps broadcasting', () => {
    const server = new RpcServer(testContract, testHandlers(), { log: () => {} })
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
    const error = { name: 'E', code: 'unexpected', params: { message: '' }, message: '' }
    expect(isWorkerToTab({ type: 'result', id: 3, ok: false, error })).toBe(true)
    expect(isWorkerToTab({ type: 'result', id: 3, ok: false, error: { ...error, stack: 's' } })).toBe(false)
    expect(isWorkerToTab({ type: 'result', id: 3, ok: false, error: { name: 'E', message: '' } })).toBe(false)
  })
})
