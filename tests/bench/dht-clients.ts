/**
 * A child process of tests/bench/dht-records.ts that hosts some of the
 * simulation's browser-like clients, so that a thousand of them spread over
 * a few event loops. Each client is the federation bench's client
 * (federation-peers.ts: WebSockets, circuit relay v2 on `/p2p-circuit`,
 * kad-dht in client mode) with the app's peer record validator and selector,
 * and the app's own RecordPublisher (src/lib/p2p/presence/record-publisher.ts):
 * it publishes its signed record once it holds a reservation and again when
 * it moves; and the app's IdleConnections
 * (src/lib/p2p/relays/idle-connections.ts): the relay connections its DHT
 * lookups left behind close after a minute without a stream, as a browser's
 * do (the relay it joined through stands for the app's served relays). The parent sends requests over IPC; every request carries an
 * `id` and gets exactly one reply with the same `id` (or a `failed` one).
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { circuitRelayId } from '@parley/protocol/multiaddr'
import { RecordPublisher } from '../../src/lib/p2p/presence/record-publisher.ts'
import { IdleConnections } from '../../src/lib/p2p/relays/idle-connections.ts'
import { diagnostics, processCpuMicros } from './federation-host.ts'
import { reservedOn, startPeer, stopPeer } from './federation-peers.ts'
import { firstLine, pick, pool } from './federation.ts'
import type { FederationPeer } from './federation-peers.ts'
import type { DiagnosticsReply, DiagnosticsRequest } from './federation-host.ts'

export type ToClientHost =
  /** Start `count` clients, each joined through a random one of `relays` (`/ws/p2p/<id>`) and reserving there, `concurrency` at a time. */
  | { id: number, type: 'start', count: number, relays: string[], concurrency: number }
  /** Where every client here holds its reservations now, and whether its record was stored since it last moved. */
  | { id: number, type: 'status' }
  /** Each of `peers` hangs up on the relays it holds reservations on: its transport reserves on another relay it is connected to, and it publishes again. */
  | { id: number, type: 'move', peers: string[] }
  /** Each of `peers` stops (goes offline). */
  | { id: number, type: 'offline', peers: string[] }
  /** its event loop delay, a CPU profile (federation-host.ts) */
  | DiagnosticsRequest
  /** Stop every client, reply, then exit. */
  | { id: number, type: 'stop' }

export interface ClientStatus {
  peerId: string
  /** PeerIDs of the relays it holds reservations on */
  relays: string[]
  /** its record names exactly these relays, and a relay stored it */
  published: boolean
  /** its open connections */
  connections: number
}

/** What the clients of a process did since it began: connections opened (by who dialled) and closed, streams they opened (by protocol). */
export interface ClientActivity {
  dialled: number
  accepted: number
  closed: number
  streams: Record<string, number>
}

export type FromClientHost =
  /** `later`: of `started`, the clients that started only when tried again after the others; `failed`: why each of the rest did not */
  | { id: number, type: 'started', started: number, later: number, failed: string[] }
  /** and the resident memory and CPU time (user + system, µs) of this whole process, and what its clients did */
  | { id: number, type: 'status', clients: ClientStatus[], rssBytes: number, cpuMicros: number, activity: ClientActivity }
  | DiagnosticsReply
  | { id: number, type: 'moved', moved: number }
  | { id: number, type: 'offline-done', stopped: number }
  | { id: number, type: 'stopped' }
  | { id: number, type: 'failed', message: string }

interface Client {
  node: FederationPeer
  /** the app's services it runs beside its node (started after it, stopped before it) */
  services: [RecordPublisher, IdleConnections]
  /** the first of its services: what it last published (storedRelays) */
  publisher: RecordPublisher
}

const clients = new Map<string, Client>()
const answerDiagnostics = diagnostics()
const activity: ClientActivity = { dialled: 0, accepted: 0, closed: 0, streams: {} }

/** Counts what `node` does from now on into `activity`: its connections, and the streams it opens on them (by their first protocol). */
function watch (node: FederationPeer): void {
  node.addEventListener('connection:open', ({ detail: connection }) => {
    if (connection.direction === 'outbound') activity.dialled++
    else activity.accepted++
    const newStream = connection.newStream.bind(connection)
    connection.newStream = async (protocols, options) => {
      const protocol = [protocols].flat()[0] ?? '?'
      activity.streams[protocol] = (activity.streams[protocol] ?? 0) + 1
      return newStream(protocols, options)
    }
  })
  node.addEventListener('connection:close', () => { activity.closed++ })
}

const logger = defaultLogger()

function send (message: FromClientHost, then?: () => void): void {
  if (process.send == null) throw new Error('dht-clients.ts runs as a child process of tests/bench/dht-records.ts')
  process.send(message, undefined, {}, () => { then?.() })
}

/** The relays (sorted, separated by spaces) that the last record a relay stored names. */
function storedRelays (publisher: RecordPublisher): string | undefined {
  const addresses = publisher.lastStored?.addresses
  if (addresses === undefined) return undefined
  return [...new Set(addresses.split(' ').flatMap(a => circuitRelayId(a) ?? []))].sort().join(' ')
}

/** Tries to start a client this many times (each through another random relay) before counting it failed. */
const START_TRIES = 3
/**
 * Clients that failed START_TRIES times are tried again once the others have
 * started, in up to this many more passes: a browser whose relays did not
 * answer redials them with back-off (RelayKeeper), and by then the rush of
 * the start, which made their handshakes time out, is over.
 */
const LATER_PASSES = 2

async function startClient (relays: string[]): Promise<void> {
  const privateKey = await generateKeyPair('Ed25519')
  let node: FederationPeer | undefined
  let joinedThrough = ''
  for (let attempt = 1; node === undefined; attempt++) {
    try {
      joinedThrough = pick(relays)
      // its first DHT self-query runs in the background: the publisher's first put waits for what it needs
      node = (await startPeer({ relayAddr: joinedThrough, reserve: true, privateKey, app: true, waitForJoin: false, refresh: false })).node
    } catch (err) {
      if (attempt >= START_TRIES) throw err
    }
  }
  watch(node)
  // the app's publisher, on this node
  const publisher = new RecordPublisher({ logger, identity: { privateKey: () => privateKey }, libp2p: node })
  const served = peerIdFromString(multiaddr(joinedThrough).getComponents().findLast(c => c.name === 'p2p')?.value ?? '')
  const idle = new IdleConnections({ logger, libp2p: node, keeper: { keepsPeer: (peerId) => peerId.equals(served) } })
  const client: Client = { node, services: [publisher, idle], publisher }
  for (const service of client.services) {
    service.start()
    service.afterStart()
  }
  clients.set(node.peerId.toString(), client)
}

async function stopClient (client: Client): Promise<void> {
  for (const service of client.services) service.stop()
  await stopPeer(client.node)
}

async function handle (message: ToClientHost): Promise<FromClientHost> {
  switch (message.type) {
    case 'start': {
      let failed: string[] = []
      let started = 0
      let later = 0
      for (let pass = 0, count = message.count; pass <= LATER_PASSES && count > 0; pass++, count = failed.length) {
        const failedNow: string[] = []
        await pool(count, message.concurrency, async () => {
          try {
            await startClient(message.relays)
            started++
            if (pass > 0) later++
            if (started % 50 === 0) process.stderr.write(`federation: ${started} clients started in a client process\n`)
          } catch (err) {
            failedNow.push(firstLine(err))
          }
        })
        failed = failedNow
      }
      return { id: message.id, type: 'started', started, later, failed }
    }
    case 'status':
      return {
        id: message.id,
        type: 'status',
        clients: [...clients].map(([peerId, c]) => {
          const relays = reservedOn(c.node).sort()
          return { peerId, relays, published: relays.length > 0 && storedRelays(c.publisher) === relays.join(' '), connections: c.node.getConnections().length }
        }),
        rssBytes: process.memoryUsage().rss,
        cpuMicros: processCpuMicros(),
        activity
      }
    case 'loop-delay':
    case 'profile-start':
    case 'profile-stop':
      return answerDiagnostics(message)
    case 'move': {
      let moved = 0
      await Promise.all(message.peers.map(async peer => {
        const client = clients.get(peer)
        if (client == null) return
        const from = reservedOn(client.node)
        await Promise.all(from.map(async relay => client.node.hangUp(peerIdFromString(relay)).catch(() => {})))
        moved++
      }))
      return { id: message.id, type: 'moved', moved }
    }
    case 'offline': {
      let stopped = 0
      await Promise.all(message.peers.map(async peer => {
        const client = clients.get(peer)
        if (client == null) return
        clients.delete(peer)
        await stopClient(client)
        stopped++
      }))
      return { id: message.id, type: 'offline-done', stopped }
    }
    case 'stop': {
      const all = [...clients.values()]
      clients.clear()
      await Promise.all(all.map(stopClient))
      return { id: message.id, type: 'stopped' }
    }
  }
}

process.on('disconnect', () => { process.exit(1) })
process.on('message', (message: ToClientHost) => {
  handle(message).then(
    (reply) => { send(reply, message.type === 'stop' ? () => process.exit(0) : undefined) },
    (err: unknown) => { send({ id: message.id, type: 'failed', message: err instanceof Error ? err.stack ?? err.message : String(err) }) })
})
