/**
 * Federation (issue 8): a simulated federation of 20 relay-nodes on loopback,
 * 10 to a child process (tests/bench/federation-relays.ts, driven through
 * federation-host.ts), each bootstrapped
 * from a few relays started before it so that they form one Kademlia DHT
 * (`/parley/kad/1.0.0`), and browser-like Node clients in this process
 * (tests/bench/federation-peers.ts: WebSockets, circuit relay transport on
 * `/p2p-circuit`, kad-dht in client mode).
 *
 *   dht_lookup_p50_ms    a searcher that joined the DHT through one random relay looks up the PeerID of
 *                        a target holding a reservation on another random relay (`peerRouting.findPeer`,
 *                        from the network, not its cache) until it has the target's circuit address
 *                        through that relay; one lookup at a time; p50 of the lookups that succeeded
 *   dht_lookup_p99_ms    the same, p99
 *   relay_failover_ms    a relay holding targets' reservations stops → each of them lists a circuit
 *                        address through another relay (its transport found one by itself: relays it
 *                        knows, else a random walk of the DHT); median over every target of several rounds
 *
 * A failed lookup is counted, not timed. A share of the found addresses is also
 * dialled, and a ping sent over the circuit, to show the address works. Every
 * client connects from 127.0.0.1: the relays' per-IP limits are lifted
 * (federation-relays.ts). Details go to stderr as `federation: …` lines.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { multiaddr } from '@multiformats/multiaddr'
import { Federation, HOST_REPLY_MARGIN_MS, RelayHost } from './federation-host.ts'
import { describePeer, relaysIn, reservedOn, startPeer, stopPeer, until } from './federation-peers.ts'
import { median, percentile, print } from './lib.ts'
import { roundTrip } from '../../relay-node/src/keepalive.ts'
import type { FederationRelay } from './federation-host.ts'
import type { FederationPeer } from './federation-peers.ts'
import type { Connection } from '@libp2p/interface'

const RELAYS = 20
const RELAY_PROCESSES = 2
/** Relays started before it that a new relay is told about (`--bootstrap`). */
const BOOTSTRAP_PEERS = 3
/** Clients holding a reservation on a random relay: what the lookups look for. */
const TARGETS = 40
/** Clients joined through a random relay that do the lookups (no reservation of their own). */
const SEARCHERS = 10
/** Enough for a p99 that is not the single slowest lookup. */
const LOOKUPS = 200
/** Lookups whose found address is also dialled and pinged. */
const DIAL_CHECKS = 20
/** Relays stopped one after the other (none restarted); each round times every target it held. */
const FAILOVER_ROUNDS = 6
/** Clients started at once. */
const START_CONCURRENCY = 4

/** Time for the relays' routing tables to fill by themselves (bootstrap, the self-query after start). */
const DHT_SETTLE_TIMEOUT_MS = 20_000
/** Then relays still behind look themselves up once more (as kad-dht does every 5 minutes), bounded by this. */
const SELF_QUERY_TIMEOUT_MS = 30_000
const SELF_QUERY_ROUNDS = 2
const STATUS_POLL_MS = 250
const LOOKUP_TIMEOUT_MS = 10_000
/** No lookup is started after this (a machine too loaded to finish them still reports what it measured). */
const LOOKUP_BUDGET_MS = 90_000
const LOOKUP_PROGRESS_EVERY = 25
const DIAL_CHECK_TIMEOUT_MS = 10_000
/** A target that holds no reservation elsewhere this long after its relay stopped has not moved on its own. */
const FAILOVER_TIMEOUT_MS = 60_000

/**
 * The clients share this process's event loop: its delays are part of every
 * time measured here, so each phase says how long the longest one was.
 */
const loopDelay = monitorEventLoopDelay({ resolution: 10 })

function loopDelayText (): string {
  const text = `longest event-loop delay of the clients' process ${ms(loopDelay.max / 1e6)}, p99 ${ms(loopDelay.percentile(99) / 1e6)}`
  loopDelay.reset()
  return text
}

export function detail (message: string): void {
  console.error(`federation: ${message}`)
}

export const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`
export const ms = (value: number): string => `${value.toFixed(0)} ms`
export const firstLine = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0]?.slice(0, 200) ?? ''

export function pick<T> (items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)]
  if (item === undefined) throw new Error('nothing to pick from')
  return item
}

export async function pool (count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    for (let i = next++; i < count; i = next++) await task(i)
  }))
}

export function count (counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1)
}

export const describeCounts = (counts: Map<string, number>): string => [...counts].map(([reason, n]) => `${n}× ${reason}`).join('; ')

interface Target {
  node: FederationPeer
  /** the relay it was told about and first reserved on */
  relay: FederationRelay
}

interface Searcher {
  node: FederationPeer
  relay: FederationRelay
}

/** Starts `relays` relays, first one, then the others one per process at a time, each bootstrapped from some of those already up. */
export async function startRelays (federation: Federation, relays = RELAYS): Promise<void> {
  const started = performance.now()
  await federation.ready()
  await federation.startRelay(0, BOOTSTRAP_PEERS)
  await pool(relays - 1, federation.hosts.length, async (i) => { await federation.startRelay(i + 1, BOOTSTRAP_PEERS) })
  detail(`${relays} relays up in ${federation.hosts.length} processes in ${seconds(performance.now() - started)}, each bootstrapped from ${BOOTSTRAP_PEERS} started before it`)
}

/** Polls until every relay's routing table holds `want` peers or `timeoutMs` passed; returns the sizes last seen. */
async function routingTablesReach (federation: Federation, want: number, timeoutMs: number): Promise<number[]> {
  const started = performance.now()
  let sizes: number[] = []
  while (performance.now() - started < timeoutMs) {
    sizes = (await federation.status()).map(s => s.routingTable)
    if (sizes.length === federation.relays.length && Math.min(...sizes) >= want) break
    await new Promise(resolve => setTimeout(resolve, STATUS_POLL_MS)) // the next look at the relays' routing tables
  }
  return sizes
}

/**
 * Waits (bounded) until every relay's routing table holds every other relay.
 * On a loaded machine a relay's first self-query (5 s budget in kad-dht) can
 * run out before it has met everyone, and the next one is due 5 minutes later:
 * relays still behind after DHT_SETTLE_TIMEOUT_MS run that self-query now,
 * as a federation that has been up for a while would have. Says how far they got.
 */
export async function settleDht (federation: Federation, want = RELAYS - 1): Promise<void> {
  const started = performance.now()
  let sizes = await routingTablesReach(federation, want, DHT_SETTLE_TIMEOUT_MS)
  for (let round = 0; round < SELF_QUERY_ROUNDS && Math.min(...sizes) < want; round++) {
    detail(`routing table sizes after ${seconds(performance.now() - started)}: ${sizes.join(' ')}; the relays behind look themselves up again`)
    const replies = await Promise.all(federation.hosts.map(async h => h.request({ type: 'self-query', want, timeoutMs: SELF_QUERY_TIMEOUT_MS }, 'self-queried', SELF_QUERY_TIMEOUT_MS + HOST_REPLY_MARGIN_MS)))
    detail(`${replies.reduce((n, r) => n + r.relays, 0)} relays looked themselves up`)
    sizes = await routingTablesReach(federation, want, HOST_REPLY_MARGIN_MS)
  }
  if (Math.min(...sizes) >= want) detail(`every relay's routing table holds ${want} others or more after ${seconds(performance.now() - started)}`)
  else detail(`WARNING: not every relay's routing table holds ${want} others: sizes ${sizes.join(' ')} (min ${Math.min(...sizes)}); measuring anyway`)
}

/** Starts `n` clients, each joined through a random running relay, START_CONCURRENCY at a time; failures are counted, not fatal. */
async function startClients (federation: Federation, n: number, reserve: boolean, what: string): Promise<Array<{ node: FederationPeer, relay: FederationRelay }>> {
  const started = performance.now()
  const clients: Array<{ node: FederationPeer, relay: FederationRelay }> = []
  const failures = new Map<string, number>()
  let notJoined = 0
  await pool(n, START_CONCURRENCY, async () => {
    const relay = pick(federation.running)
    try {
      const peer = await startPeer({ relayAddr: relay.wsAddr, reserve })
      if (!peer.joined) notJoined++
      clients.push({ node: peer.node, relay })
    } catch (err) {
      count(failures, firstLine(err))
    }
  })
  detail(`${clients.length} of ${n} ${what} started in ${seconds(performance.now() - started)}` +
    (notJoined > 0 ? ` (${notJoined} without a finished first DHT self-query: they know fewer relays)` : ', all joined the DHT') +
    (failures.size > 0 ? `; failed: ${describeCounts(failures)}` : ''))
  return clients
}

/** The circuit address of `target` through `relayId` among `found`, if any. */
function circuitThrough (found: string[], relayId: string): string | undefined {
  return found.find(ma => ma.includes(`/p2p/${relayId}/p2p-circuit`))
}

/** Dials the target at the found circuit address and pings it over that (relayed) connection; returns the ms taken. */
async function dialCheck (searcher: FederationPeer, target: FederationPeer, address: string): Promise<number> {
  const started = performance.now()
  const signal = AbortSignal.timeout(DIAL_CHECK_TIMEOUT_MS)
  const withTarget = address.includes(`/p2p/${target.peerId.toString()}`) ? address : `${address}/p2p/${target.peerId.toString()}`
  const connection = await searcher.dial(multiaddr(withTarget), { signal })
  try {
    if (connection.limits == null) throw new Error(`expected a relayed (limited) connection, got ${connection.remoteAddr.toString()}`)
    // on this connection: the ping crosses the relay
    await roundTrip(connection, signal)
    return performance.now() - started
  } finally {
    await connection.close({ signal }).catch((err: unknown) => { connection.abort(err instanceof Error ? err : new Error(String(err))) })
  }
}

async function benchLookups (targets: Target[], searchers: Searcher[]): Promise<void> {
  const times: number[] = []
  const dialTimes: number[] = []
  const failures = new Map<string, number>()
  const dialFailures = new Map<string, number>()
  const started = performance.now()
  loopDelay.reset()
  const dialEvery = Math.max(1, Math.floor(LOOKUPS / DIAL_CHECKS))
  let dialAttempts = 0
  let done = 0
  for (let i = 0; i < LOOKUPS; i++) {
    if (performance.now() - started > LOOKUP_BUDGET_MS) {
      detail(`WARNING: the ${seconds(LOOKUP_BUDGET_MS)} budget for lookups ran out after ${i} lookups`)
      break
    }
    if (i > 0 && i % LOOKUP_PROGRESS_EVERY === 0) {
      detail(`${i} lookups in ${seconds(performance.now() - started)}: ${times.length} found, median ${times.length > 0 ? ms(median(times)) : '-'}` +
        (failures.size > 0 ? `; failed: ${describeCounts(failures)}` : ''))
    }
    done++
    const searcher = searchers[i % searchers.length]
    if (searcher == null) throw new Error('no searcher')
    // a target reserved on another relay than the one the searcher joined through
    const candidates = targets.filter(t => t.relay !== searcher.relay)
    const target = pick(candidates.length > 0 ? candidates : targets)
    const relayId = target.relay.peerId
    const t0 = performance.now()
    let address: string | undefined
    try {
      // useCache: false — from the network even if an earlier lookup or dial left the target in the peer store
      const found = await searcher.node.peerRouting.findPeer(target.node.peerId, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS), useCache: false })
      const elapsed = performance.now() - t0
      if (!found.id.equals(target.node.peerId)) throw new Error('found another peer')
      address = circuitThrough(found.multiaddrs.map(String), relayId)
      if (address == null) throw new Error(`no circuit address through the target's relay among ${found.multiaddrs.length} found`)
      times.push(elapsed)
    } catch (err) {
      count(failures, firstLine(err))
      continue
    }
    if (i % dialEvery === 0 && dialAttempts < DIAL_CHECKS) {
      dialAttempts++
      try {
        dialTimes.push(await dialCheck(searcher.node, target.node, address))
      } catch (err) {
        count(dialFailures, firstLine(err))
      }
    }
  }
  const failed = done - times.length
  detail(`${done} lookups in ${seconds(performance.now() - started)} (one at a time, ${searchers.length} searchers, ${targets.length} targets): ` +
    `${times.length} found the circuit address, ${failed} failed${failures.size > 0 ? `: ${describeCounts(failures)}` : ''}; ${loopDelayText()}`)
  if (times.length > 0) {
    detail(`lookup ms: min ${ms(Math.min(...times))}, p50 ${ms(percentile(times, 50))}, p90 ${ms(percentile(times, 90))}, ` +
      `p99 ${ms(percentile(times, 99))}, max ${ms(Math.max(...times))}`)
  }
  detail(`${dialTimes.length} of ${dialAttempts} found addresses dialled and pinged over the circuit` +
    (dialTimes.length > 0 ? ` (median ${ms(median(dialTimes))} for dial + ping)` : '') +
    (dialFailures.size > 0 ? `; failed: ${describeCounts(dialFailures)}` : ''))
  if (times.length === 0) throw new Error('no DHT lookup succeeded: no dht_lookup figures')
  print('dht_lookup_p50_ms', percentile(times, 50), 'ms')
  print('dht_lookup_p99_ms', percentile(times, 99), 'ms')
}

/**
 * After a failover: does a lookup now give the target's new address? Kademlia
 * answers from every relay that knows the target, and a relay that identified
 * it earlier may still hold its old circuit address: all answers are looked at.
 */
async function lookupAfterMove (federation: Federation, searcher: FederationPeer, target: FederationPeer, oldRelay: string, newRelay: string): Promise<string> {
  const answers: Array<{ from: string, through: string[] }> = []
  let error = ''
  try {
    for await (const event of searcher.services.dht.findPeer(target.peerId, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS), useCache: false })) {
      if (event.name === 'FINAL_PEER') answers.push({ from: event.from.toString(), through: relaysIn(event.peer.multiaddrs) })
    }
  } catch (err) {
    error = `; the lookup ended with ${firstLine(err)}`
  }
  const fresh = answers.filter(a => a.through.includes(newRelay)).length
  const stale = answers.filter(a => a.through.includes(oldRelay)).length
  const list = answers.map(a => `${federation.name(a.from)} → ${a.through.length === 0 ? 'no circuit address' : a.through.map(federation.name).join('+')}`)
  return `${answers.length} answers, ${fresh} with the new address, ${stale} with the old one (${list.join(', ')})${error}`
}

async function benchFailover (federation: Federation, targets: Target[], searchers: Searcher[]): Promise<void> {
  const samples: number[] = []
  const stuck: string[] = []
  for (let round = 0; round < FAILOVER_ROUNDS; round++) {
    // a running relay some targets hold their reservation on now
    const holding = new Map<FederationRelay, Target[]>()
    for (const target of targets) {
      for (const relayId of reservedOn(target.node)) {
        const relay = federation.relayOf(relayId)
        if (relay?.running === true) holding.set(relay, [...(holding.get(relay) ?? []), target])
      }
    }
    if (holding.size === 0) {
      detail(`round ${round + 1}: no running relay holds a target's reservation; rounds end`)
      break
    }
    const [relay, holders] = pick([...holding])
    const closedAt = new Map<Target, number>()
    const onClose = holders.map(target => {
      const listener = (event: CustomEvent<Connection>): void => {
        if (event.detail.remotePeer.toString() === relay.peerId && !closedAt.has(target)) closedAt.set(target, performance.now())
      }
      target.node.addEventListener('connection:close', listener)
      return () => { target.node.removeEventListener('connection:close', listener) }
    })
    const moved = holders.map(async target => until(target.node,
      () => reservedOn(target.node).some(r => r !== relay.peerId && federation.relayOf(r)?.running === true),
      FAILOVER_TIMEOUT_MS, `${federation.name(relay.peerId)} stopped, a reservation elsewhere`))
    loopDelay.reset()
    const t0 = performance.now()
    let stopText: string
    try {
      stopText = `its stop took ${ms(await federation.stopRelay(relay))}`
    } catch (err) {
      stopText = `its stop failed: ${firstLine(err)}`
    }
    const results = await Promise.allSettled(moved)
    for (const off of onClose) off()
    const lines: string[] = []
    for (const [i, result] of results.entries()) {
      const target = holders[i]
      if (target == null) continue
      const closed = closedAt.get(target)
      const closedText = closed == null ? 'its relay connection never closed' : `connection closed after ${ms(closed - t0)}`
      if (result.status === 'fulfilled') {
        samples.push(result.value - t0)
        const now = reservedOn(target.node).filter(r => r !== relay.peerId)
        lines.push(`${ms(result.value - t0)} (${closedText}; now on ${now.map(federation.name).join('+')})`)
      } else {
        const why = `${closedText}; ${await describePeer(target.node, federation.name)}`
        stuck.push(why)
        lines.push(`NOT MOVED within ${seconds(FAILOVER_TIMEOUT_MS)} (${why})`)
      }
    }
    detail(`round ${round + 1}: ${federation.name(relay.peerId)} stopped (${stopText}), ${holders.length} targets held a reservation there: ${lines.join('; ')}; ${loopDelayText()}`)
    const movedTarget = holders.find((_t, i) => results[i]?.status === 'fulfilled')
    const searcher = searchers.find(s => s.relay.running) ?? searchers[0]
    if (movedTarget != null && searcher != null) {
      const newRelay = reservedOn(movedTarget.node).find(r => r !== relay.peerId) ?? ''
      detail(`round ${round + 1}: a lookup of a moved target right after: ${await lookupAfterMove(federation, searcher.node, movedTarget.node, relay.peerId, newRelay)}`)
    }
    if (results.every(r => r.status === 'rejected')) {
      detail(`WARNING: no target moved its reservation on its own within ${seconds(FAILOVER_TIMEOUT_MS)}; the remaining rounds are skipped`)
      break
    }
  }
  detail(`failover ms: ${samples.map(s => s.toFixed(0)).join(' ')}${stuck.length > 0 ? `; ${stuck.length} targets did not move` : ''}`)
  if (samples.length === 0) throw new Error('no target moved its reservation to another relay: no relay_failover_ms figure')
  print('relay_failover_ms', median(samples), 'ms')
}

export async function benchFederation (): Promise<void> {
  const started = performance.now()
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-federation-'))
  const hosts = Array.from({ length: RELAY_PROCESSES }, (_x, i) => new RelayHost(i))
  const federation = new Federation(hosts, dataDir)
  const clients: FederationPeer[] = []
  loopDelay.enable()
  try {
    await startRelays(federation)
    await settleDht(federation)

    const targets: Target[] = []
    for (const { node, relay } of await startClients(federation, TARGETS, true, 'targets (reservation on a random relay)')) {
      clients.push(node)
      // the transport reserves on the first relay it connects to; the DHT's own dials come after
      const on = reservedOn(node)
      const relayNow = on.includes(relay.peerId) ? relay : federation.relayOf(on[0] ?? '')
      if (relayNow !== relay) detail(`a target reserved on ${on.map(federation.name).join('+')} instead of ${federation.name(relay.peerId)}`)
      if (relayNow != null) targets.push({ node, relay: relayNow })
    }
    const searchers: Searcher[] = []
    for (const { node, relay } of await startClients(federation, SEARCHERS, false, 'searchers')) {
      clients.push(node)
      searchers.push({ node, relay })
    }
    if (targets.length === 0 || searchers.length === 0) throw new Error('no targets or no searchers started')
    const spread = new Set(targets.map(t => t.relay.index)).size
    detail(`targets spread over ${spread} relays; relays: ${(await federation.status()).map(s => `#${s.index} ${s.reservations}r/${s.connections}c/${s.routingTable}rt`).join(' ')} ` +
      '(reservations/connections/routing table)')

    await benchLookups(targets, searchers)
    await benchFailover(federation, targets, searchers)
  } finally {
    await Promise.all(clients.map(stopPeer))
    await Promise.all(hosts.map(async h => h.stop()))
    await rm(dataDir, { recursive: true, force: true })
    loopDelay.disable()
    detail(`done in ${seconds(performance.now() - started)}`)
  }
}
