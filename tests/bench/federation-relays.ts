/**
 * A child process of tests/bench/federation.ts that hosts some of the
 * federation's relay-nodes (createRelayNode, the same code as the relay-node
 * binary), so that the relays run beside the measuring process rather than on
 * its event loop. The parent sends requests over IPC; every request carries an
 * `id` and gets exactly one reply with the same `id` (or a `failed` one).
 */
import { createRelayNode, parseConfig } from '../../relay-node/src/index.ts'
import type { RelayConfig, RelayNode } from '../../relay-node/src/index.ts'
import { diagnostics, processCpuMicros } from './federation-host.ts'
import type { DiagnosticsReply, DiagnosticsRequest } from './federation-host.ts'

export type ToRelayHost =
  /** Start relay `index` with its data in `dataDir`, joining the DHT through `bootstrap` (`/ws/p2p/<id>` multiaddrs). */
  | { id: number, type: 'start', index: number, dataDir: string, bootstrap: string[] }
  /** Routing table size, reservations and connections of every running relay here. */
  | { id: number, type: 'status' }
  /** its event loop delay, a CPU profile (federation-host.ts) */
  | DiagnosticsRequest
  /** Stop relay `index` (as on SIGTERM without the drain: its connections close). */
  | { id: number, type: 'stop-relay', index: number }
  /**
   * Every relay here whose routing table holds fewer than `want` peers looks
   * itself up in the DHT now (what kad-dht's self-query does 1 s after start
   * and every 5 minutes), learning its closest peers and being learnt by them.
   */
  | { id: number, type: 'self-query', want: number, timeoutMs: number }
  /** Stop every relay, reply, then exit. */
  | { id: number, type: 'stop' }

export interface RelayStatus {
  index: number
  peerId: string
  /** peers in the relay's Kademlia routing table */
  routingTable: number
  reservations: number
  connections: number
}

export type FromRelayHost =
  | { id: number, type: 'started', index: number, peerId: string, wsAddr: string }
  /** the relays here, the resident memory and CPU time (user + system, µs) of this whole process, and the connections its relays accepted and dialled since it began */
  | { id: number, type: 'status', relays: RelayStatus[], rssBytes: number, cpuMicros: number, opened: { accepted: number, dialled: number } }
  | DiagnosticsReply
  | { id: number, type: 'relay-stopped', index: number, stopMs: number }
  | { id: number, type: 'self-queried', relays: number }
  | { id: number, type: 'stopped' }
  | { id: number, type: 'failed', message: string }

/**
 * Every client of the simulated federation connects from 127.0.0.1, so the
 * per-IP limits that protect a real relay (256 connections, 20 new ones per
 * second, 32 reservations and 32 pending handshakes per address) would
 * measure the simulation, not the DHT: they are lifted to these values. The
 * reservation cap is left as it is.
 */
const SIMULATION_LIMITS = {
  maxConnectionsPerIp: 100_000,
  // all but one of the pending-handshake slots (256)
  maxPendingConnectionsPerIp: 255,
  connectionRatePerIp: 1_000_000,
  reservationRatePerIp: 1_000_000
} satisfies Partial<RelayConfig>
/** A relay's stop gives up after this long (the parent then kills the process at the end). */
const RELAY_STOP_TIMEOUT_MS = 10_000

const relays = new Map<number, RelayNode>()
const answerDiagnostics = diagnostics()
const opened = { accepted: 0, dialled: 0 }

function send (message: FromRelayHost, then?: () => void): void {
  if (process.send == null) throw new Error('federation-relays.ts runs as a child process of tests/bench/federation.ts')
  // the callback runs once the message is handed to the channel: exiting before would lose it
  process.send(message, undefined, {}, () => { then?.() })
}

async function withTimeout<T> (promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => { reject(new Error(`${what} did not finish within ${ms} ms`)) }, ms)
    })])
  } finally {
    clearTimeout(timer)
  }
}

function relayConfig (dataDir: string, bootstrap: string[]): RelayConfig {
  const defaults = parseConfig([], {})
  if (defaults === 'help') throw new Error('relay-node parsed an empty command line as --help')
  return {
    ...defaults,
    ...SIMULATION_LIMITS,
    // every relay holds at most its cap from one address; the per-IP share may not exceed it
    maxReservationsPerIp: defaults.maxReservations,
    port: 0,
    dataDir,
    bootstrap,
    // no UDP listener (its port is released only when the process exits), no store, no HTTP server:
    // the federation measures the DHT and the relaying, nothing else
    webrtcDirectPort: null,
    mailbox: false,
    push: false,
    metricsPort: null
  }
}

function status (): RelayStatus[] {
  return [...relays].map(([index, relay]) => ({
    index,
    peerId: relay.peerId,
    routingTable: relay.node.services.dht.routingTable.size,
    reservations: relay.node.services.relay.reservations.size,
    connections: relay.node.getConnections().length
  }))
}

async function stopAll (): Promise<void> {
  const all = [...relays.values()]
  relays.clear()
  await Promise.all(all.map(async relay => withTimeout(relay.stop(), RELAY_STOP_TIMEOUT_MS, 'a relay stop').catch((err: unknown) => {
    console.error(`federation: a relay in process ${process.pid} did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`)
  })))
}

async function handle (message: ToRelayHost): Promise<FromRelayHost> {
  switch (message.type) {
    case 'start': {
      if (relays.has(message.index)) throw new Error(`relay ${message.index} is already running`)
      const relay = await createRelayNode(relayConfig(message.dataDir, message.bootstrap))
      relays.set(message.index, relay)
      relay.node.addEventListener('connection:open', ({ detail }) => {
        if (detail.direction === 'outbound') opened.dialled++
        else opened.accepted++
      })
      const wsAddr = relay.wsMultiaddrs[0]
      if (wsAddr == null) throw new Error(`relay ${message.index} listens on no WebSocket address`)
      return { id: message.id, type: 'started', index: message.index, peerId: relay.peerId, wsAddr }
    }
    case 'status':
      return { id: message.id, type: 'status', relays: status(), rssBytes: process.memoryUsage().rss, cpuMicros: processCpuMicros(), opened }
    case 'loop-delay':
    case 'profile-start':
    case 'profile-stop':
      return answerDiagnostics(message)
    case 'stop-relay': {
      const relay = relays.get(message.index)
      if (relay == null) throw new Error(`relay ${message.index} is not running here`)
      relays.delete(message.index)
      const started = performance.now()
      await withTimeout(relay.stop(), RELAY_STOP_TIMEOUT_MS, `relay ${message.index}'s stop`)
      return { id: message.id, type: 'relay-stopped', index: message.index, stopMs: performance.now() - started }
    }
    case 'self-query': {
      const behind = [...relays.values()].filter(r => r.node.services.dht.routingTable.size < message.want)
      await Promise.all(behind.map(async relay => {
        const signal = AbortSignal.timeout(message.timeoutMs)
        try {
          for await (const _event of relay.node.services.dht.getClosestPeers(relay.node.peerId.toMultihash().bytes, { signal })) {
            // the walk itself fills the routing tables (this relay's and those of the peers it asks)
          }
        } catch (err) {
          if (!signal.aborted) throw err
        }
      }))
      return { id: message.id, type: 'self-queried', relays: behind.length }
    }
    case 'stop':
      await stopAll()
      return { id: message.id, type: 'stopped' }
  }
}

// the parent owns this process: without it, stop
process.on('disconnect', () => {
  void stopAll().finally(() => process.exit(1))
})
process.on('message', (message: ToRelayHost) => {
  handle(message).then(
    (reply) => {
      send(reply, message.type === 'stop' ? () => process.exit(0) : undefined)
    },
    (err: unknown) => { send({ id: message.id, type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) }) })
})
