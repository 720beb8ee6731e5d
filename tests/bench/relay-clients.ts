/**
 * A child process of tests/bench/relay.ts holding many lean libp2p clients of
 * one relay-node: WebSockets + circuit relay transport, Noise, yamux,
 * identify (the relay transport requires it) and ping (answers the relay's
 * connection monitor, as browsers do). Driven over IPC with {@link ToWorker}
 * commands; answers with {@link FromWorker} messages.
 *
 * Each WebSocket binds a loopback source address of its own (127.<10+w>.x.y),
 * so the clients look like distinct hosts, as browsers are.
 */
import '../../src/lib/polyfill/promise-with-resolvers.ts'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { byteStream } from '@libp2p/utils'
import { ROUND_TRIP_BYTES, roundTrip } from '../../relay-node/src/keepalive.ts'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { WebSocket as NodeWebSocket } from 'ws'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'

export type ToWorker =
  /**
   * Make reservations on `relay` (a `/ws/p2p/<id>` multiaddr), `concurrency`
   * at a time, until `attempts` were made or a `halt` arrives.
   */
  | { type: 'reserve', relay: string, attempts: number, concurrency: number }
  /** Start no more reservation attempts; the pending `reserve` then answers. */
  | { type: 'halt' }
  /**
   * Pair clients that hold a live reservation (as the last `status` found) and dial `pairs` circuits
   * through the relay, starting none after `budgetMs`.
   */
  | { type: 'dial', pairs: number, concurrency: number, budgetMs: number }
  /** One round trip on every open circuit, all at once. */
  | { type: 'echo' }
  /** Count the clients whose reservation is alive: a `/p2p-circuit` address and a relay connection that answers a ping. */
  | { type: 'status' }
  | { type: 'stop' }

export type Outcome = 'ok' | 'refused' | 'error'

export type FromWorker =
  | { type: 'attempt', outcome: Outcome, reason?: string }
  | { type: 'reserved' }
  | { type: 'dialed', ok: number, errors: Record<string, number> }
  | { type: 'echoed', ok: number, errors: Record<string, number> }
  /**
   * `listed`: clients that still list a relay address (their own view); `holding`: those whose relay
   * connection also answers a ping; `maxLagMs`: this process's longest event-loop delay so far
   */
  | { type: 'status', listed: number, holding: number, circuits: number, maxLagMs: number }
  | { type: 'failed', message: string }

const ECHO_PROTOCOL = '/parley-bench/echo/1.0.0'
/** A reservation (dial, Noise, yamux, identify, reserve) on a relay busy with thousands of others. */
const START_TIMEOUT_MS = 60_000
const DIAL_TIMEOUT_MS = 30_000
const ROUND_TRIP_TIMEOUT_MS = 30_000
const PROBE_CONCURRENCY = 32
const STOP_TIMEOUT_MS = 5_000

const workerIndex = Number(process.argv[2] ?? 0)

/**
 * Node 20 has no global WebSocket and @libp2p/websockets dials with the
 * global one: `ws`, as in tests/unit/setup.ts, plus a source address per socket.
 */
let sockets = 0
class SourceBoundWebSocket extends NodeWebSocket {
  constructor (address: string | URL) {
    const n = sockets++
    super(address, { localAddress: `127.${10 + workerIndex}.${Math.floor(n / 254) % 256}.${(n % 254) + 1}` })
    this.on('error', () => {})
  }
}
;(globalThis as { WebSocket?: unknown }).WebSocket = SourceBoundWebSocket

// a client process that stalls for seconds cannot answer the relay's pings in time
const lag = monitorEventLoopDelay({ resolution: 20 })
lag.enable()

const clients: Libp2p[] = []
const circuits: Connection[] = []
let relayPeer = ''
let relayAddr = ''
let halted = false
/** The clients the last `status` found alive: `dial` pairs these rather than probe all again. */
let lastAlive: Libp2p[] | undefined

function send (message: FromWorker): void {
  process.send?.(message)
}

function firstLine (err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  const lines = message.split('\n').map(l => l.trim()).filter(l => l !== '' && !l.startsWith('Some configured addresses'))
  // a failed listen names the address first: "<multiaddr>: <error>"
  return (lines[0] ?? message).replace(/^\/\S+: /, '').slice(0, 160)
}

function countError (errors: Record<string, number>, err: unknown): void {
  const key = firstLine(err)
  errors[key] = (errors[key] ?? 0) + 1
}

async function timeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`${what} timed out after ${ms} ms`)) }, ms)
    })])
  } finally {
    clearTimeout(timer)
  }
}

async function stopQuietly (node: Libp2p): Promise<void> {
  await timeout(Promise.resolve(node.stop()), STOP_TIMEOUT_MS, 'stop').catch(() => {})
}

const asError = (err: unknown): Error => err instanceof Error ? err : new Error(String(err))

async function echoHandler (stream: Stream): Promise<void> {
  const signal = AbortSignal.timeout(ROUND_TRIP_TIMEOUT_MS)
  try {
    const bytes = byteStream(stream)
    await bytes.write(await bytes.read({ bytes: ROUND_TRIP_BYTES, signal }), { signal })
    await stream.close({ signal })
  } catch (err) {
    stream.abort(asError(err))
  }
}

async function newClient (): Promise<Libp2p> {
  const node = await createLibp2p({
    start: false,
    addresses: { listen: [`${relayAddr}/p2p-circuit`] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // Browsers also ping the relay every 10 s (libp2p's connection monitor). Thousands of
    // clients doing that would need more CPU than a small machine has beside the relay;
    // the relay's own monitor still pings every client every 10 s, which ping() answers.
    connectionMonitor: { enabled: false },
    services: { identify: identify(), ping: ping() }
  })
  await node.handle(ECHO_PROTOCOL, echoHandler, { runOnLimitedConnection: true })
  return node
}

async function reserveOne (): Promise<void> {
  let node: Libp2p | undefined
  try {
    node = await newClient()
    // start() listens on <relay>/p2p-circuit: it dials the relay and makes the reservation, or throws
    await timeout(Promise.resolve(node.start()), START_TIMEOUT_MS, 'reservation')
    clients.push(node)
    send({ type: 'attempt', outcome: 'ok' })
  } catch (err) {
    if (node != null) await stopQuietly(node)
    const status = /reservation failed with status (\w+)/.exec(err instanceof Error ? err.message : '')?.[1]
    send(status === 'RESERVATION_REFUSED'
      ? { type: 'attempt', outcome: 'refused', reason: status }
      : { type: 'attempt', outcome: 'error', reason: status ?? firstLine(err) })
  }
}

function circuitAddr (node: Libp2p): string | undefined {
  return node.getMultiaddrs().map(ma => ma.toString()).find(ma => ma.startsWith(`${relayAddr}/p2p-circuit/`))
}

function relayConnection (node: Libp2p): Connection | undefined {
  return node.getConnections().find(c => c.status === 'open' && c.limits == null && c.remotePeer.toString() === relayPeer)
}

/** Clients that list a relay address and whose relay connection answers a ping now. */
async function alive (): Promise<Libp2p[]> {
  const listed = clients.filter(node => circuitAddr(node) != null)
  const ok = new Set<Libp2p>()
  await pool(listed.length, PROBE_CONCURRENCY, async (i) => {
    const node = listed[i]
    const connection = node == null ? undefined : relayConnection(node)
    if (node == null || connection == null) return
    try {
      await roundTrip(connection, AbortSignal.timeout(ROUND_TRIP_TIMEOUT_MS))
      ok.add(node)
    } catch {
      // a connection the relay has dropped (its muxer is closed) or that does not answer
    }
  })
  return listed.filter(node => ok.has(node))
}

async function pool (count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    for (let i = next++; i < count; i = next++) await task(i)
  }))
}

async function reserve (attempts: number, concurrency: number): Promise<void> {
  let started = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, attempts) }, async () => {
    while (!halted && started < attempts) {
      started++
      await reserveOne()
    }
  }))
}

async function dial (pairs: number, concurrency: number, budgetMs: number): Promise<FromWorker> {
  const holding = (lastAlive ?? await alive()).filter(node => circuitAddr(node) != null)
  const deadline = Date.now() + budgetMs
  const n = Math.min(pairs, Math.floor(holding.length / 2))
  const errors: Record<string, number> = {}
  let ok = 0
  let late = 0
  await pool(n, concurrency, async (i) => {
    if (Date.now() > deadline) {
      late++
      return
    }
    const listener = holding[i]
    const dialer = holding[n + i]
    const target = listener == null ? undefined : circuitAddr(listener)
    try {
      if (dialer == null || target == null) throw new Error('the listener lost its reservation before the dial')
      const connection = await dialer.dial(multiaddr(target), { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      if (connection.limits == null) throw new Error('expected a limited (relayed) connection')
      circuits.push(connection)
      ok++
    } catch (err) {
      countError(errors, err)
    }
  })
  if (n < pairs) errors[`only ${holding.length} clients here hold a live reservation`] = pairs - n
  if (late > 0) errors[`not dialed within ${budgetMs} ms`] = late
  return { type: 'dialed', ok, errors }
}

async function echo (): Promise<FromWorker> {
  const errors: Record<string, number> = {}
  let ok = 0
  await Promise.all(circuits.map(async (connection) => {
    try {
      await roundTrip(connection, AbortSignal.timeout(ROUND_TRIP_TIMEOUT_MS), ECHO_PROTOCOL)
      if (connection.status !== 'open') throw new Error(`the circuit is ${connection.status} after the echo`)
      ok++
    } catch (err) {
      countError(errors, err)
    }
  }))
  return { type: 'echoed', ok, errors }
}

async function handle (message: ToWorker): Promise<void> {
  switch (message.type) {
    case 'reserve':
      relayAddr = message.relay
      relayPeer = message.relay.split('/p2p/').at(-1) ?? ''
      await reserve(message.attempts, message.concurrency)
      send({ type: 'reserved' })
      return
    case 'halt':
      halted = true
      return
    case 'dial':
      send(await dial(message.pairs, message.concurrency, message.budgetMs))
      return
    case 'echo':
      send(await echo())
      return
    case 'status':
      lastAlive = await alive()
      send({
        type: 'status',
        listed: clients.filter(node => circuitAddr(node) != null).length,
        holding: lastAlive.length,
        circuits: circuits.filter(c => c.status === 'open').length,
        maxLagMs: lag.max / 1e6
      })
      return
    case 'stop':
      await Promise.all(clients.map(stopQuietly))
      process.disconnect?.()
      process.exit(0)
  }
}

// the parent owns this process: without it, exit
process.on('disconnect', () => { process.exit(1) })
process.on('message', (message: ToWorker) => {
  handle(message).catch((err: unknown) => { send({ type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) }) })
})
