/**
 * Relay capacity (issue 6): one relay-node process with its default
 * `--max-reservations`, and thousands of lean Node libp2p clients
 * (tests/bench/relay-clients.ts) in a few child processes, all over
 * WebSockets on loopback.
 *
 *   relay_reservations_held              reservations alive at once (the client lists the relay address and its
 *                                        relay connection answers a ping) after reserving until the relay refused
 *                                        a few, or until the time budget (RESERVE_BUDGET_MS) ran out
 *   relay_rss_mb_per_1000_reservations   (relay RSS with them held − relay RSS idle after start) / held × 1000
 *   relay_circuits_active                relayed connections (client → relay → client, no direct path) open at
 *                                        once, each carrying an echo round trip, all at the same moment
 *   relay_cpu_percent                    relay CPU (utime + stime) / wall time while reserving and while opening
 *                                        and using the circuits, in % of one core
 *   relay_circuits_dialed                of the CIRCUITS relayed connections dialed (DIAL_CONCURRENCY per client
 *                                        process at a time), those that opened
 *   relay_circuits_dial_ms               time from the first circuit dial to the last one settled
 *   relay_event_loop_p99_ms              the relay's event-loop delay (perf_hooks monitorEventLoopDelay, 10 ms
 *                                        resolution, read from its /metrics) over the circuit phase: dials and
 *                                        echoes; p99 of its samples
 *   relay_event_loop_max_ms              the same, longest single delay (a few long stalls hide in a p99 of
 *                                        thousands of 10 ms samples: read both)
 *
 * With PARLEY_BENCH_RELAY_CPU_PROF=<dir> the relay runs under `node --cpu-prof` and writes its profile to
 * <dir> when it stops; the `relay: profile window` line says where the circuit phase lies in it
 * (milliseconds before the process's exit), for tests/bench/cpuprofile-top.ts.
 *
 * The relay's per-IP and rate limits are lifted (only the flags its `--help`
 * lists), not its reservation cap. Details (timings, where refusals or errors
 * began, the relay's own counts and event-loop delay) go to stderr as
 * `relay: …` lines.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { spawnRelay, type RelayProcess } from '../../scripts/lib/relay-process.ts'
import { print } from './lib.ts'
import type { FromWorker, ToWorker } from './relay-clients.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const CLIENT_SCRIPT = join(import.meta.dirname, 'relay-clients.ts')

/** Used only if relay-node's `--help` does not show its default. */
const FALLBACK_MAX_RESERVATIONS = 5000
/** Refusals to see before stopping: they show where the cap is. */
const REFUSALS_TO_SEE = 16
/** Attempts allowed beyond the cap, for attempts that fail for other reasons. */
const ATTEMPT_MARGIN = 500
/** Relayed connections to open, each between two reservation holders. */
const CIRCUITS = 2000
const WORKERS = 4
/**
 * Reservations in flight per client process. Each waits on a few round trips through a relay whose
 * event loop lags behind thousands of connections: with 2 per process (8 in all) neither the relay
 * nor the clients used half a core here, and 10,000 took over six minutes.
 */
const RESERVE_CONCURRENCY = 8
/** Circuit dials in flight per client process. */
const DIAL_CONCURRENCY = 8
/** Time for the relay to finish its start-up work before its idle RSS is read. */
const IDLE_SETTLE_MS = 3_000
/** Time after the last reservation before the held count and RSS are read. */
const HELD_SETTLE_MS = 5_000
const PROGRESS_INTERVAL_MS = 20_000

const HELP_TIMEOUT_MS = 30_000
const WORKER_START_TIMEOUT_MS = 30_000
/**
 * After this the bench makes no more reservations and measures what it has
 * (on a 2-core machine the relay's cost per reservation grows with the number
 * it holds; see the `relay:` progress lines).
 */
const RESERVE_BUDGET_MS = 420_000
/** After this no more circuits are dialed. */
const DIAL_BUDGET_MS = 90_000
/** An attempt in flight when reserving stops may take this long (relay-clients.ts START_TIMEOUT_MS). */
const ATTEMPT_TIMEOUT_MS = 60_000
/** The dial budget and a dial still in flight (relay-clients.ts DIAL_TIMEOUT_MS). */
const DIAL_REPLY_TIMEOUT_MS = DIAL_BUDGET_MS + 30_000 + 10_000
const ECHO_TIMEOUT_MS = 90_000
const STATUS_TIMEOUT_MS = 120_000
const METRICS_TIMEOUT_MS = 10_000
/** The scrapes that bound the circuit phase wait out a stalled relay rather than lose its reading. */
const PHASE_METRICS_TIMEOUT_MS = 120_000
const LAG_MAX = 'ms longest event-loop delay'
const LAG_P99 = 'ms p99 event-loop delay'
const WORKER_STOP_TIMEOUT_MS = 20_000

function detail (message: string): void {
  console.error(`relay: ${message}`)
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`

function rssMb (pid: number): number {
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
  if (!Number.isFinite(kib)) throw new Error(`no VmRSS for process ${pid}`)
  return kib / 1024
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100

/** utime + stime of a process, in seconds. */
function cpuSeconds (pid: number): number {
  // after "(comm) " come fields 3…; utime and stime are fields 14 and 15
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS
}

function openFiles (pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return NaN
  }
}

function openFilesLimit (): number {
  return Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? NaN)
}

/** relay-node's `--help`: which flags this version has, and its default reservation cap. */
function relayHelp (): string {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'relay-node/src/bin.ts', '--help'], {
    cwd: ROOT, encoding: 'utf8', timeout: HELP_TIMEOUT_MS
  })
  if (result.status !== 0) throw new Error(`relay-node --help failed (${String(result.status)}): ${result.stderr}`)
  return result.stdout
}

function relayArgs (help: string): string[] {
  // every client binds a loopback address of its own (relay-clients.ts), so the per-IP shares keep their
  // defaults (relay-node refuses a share as large as its total); lift the rates, not the reservation or
  // connection caps (the default connections hold every reservation holder)
  const wanted: Array<[string, string]> = [
    ['--connection-rate-per-ip', '1000000'],
    ['--reservation-rate-per-ip', '1000000'],
    // the relay's own counts, to check the clients' view against
    ['--metrics-port', '0']
  ]
  return wanted.filter(([flag]) => help.includes(`${flag} `)).flat()
}

/** The relay's `/metrics` base URL: from the ready line where spawnRelay reports it, else from its log. */
function opsUrlOf (relay: RelayProcess): string | undefined {
  const reported = (relay as { opsUrl?: unknown }).opsUrl
  if (typeof reported === 'string') return reported
  return /(http:\/\/[\d.:[\]]+)\/metrics/.exec(relay.output())?.[1]
}

/** `parley_relay_*` gauges from the relay's /metrics, or nothing if it has none. */
async function relayGauges (opsUrl: string | undefined, timeoutMs = METRICS_TIMEOUT_MS): Promise<Map<string, number>> {
  const gauges = new Map<string, number>()
  if (opsUrl == null) return gauges
  try {
    const text = await (await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(timeoutMs) })).text()
    for (const match of text.matchAll(/^parley_relay_(reservations|connections|circuits) (\d+)$/gm)) {
      gauges.set(match[1] ?? '', Number(match[2]))
    }
    const lagMax = /^nodejs_eventloop_lag_max_seconds ([\d.e+-]+)$/m.exec(text)?.[1]
    if (lagMax != null) gauges.set(LAG_MAX, Math.round(Number(lagMax) * 1000))
    const lagP99 = /^nodejs_eventloop_lag_p99_seconds ([\d.e+-]+)$/m.exec(text)?.[1]
    if (lagP99 != null) gauges.set(LAG_P99, Math.round(Number(lagP99) * 1000))
  } catch {
    // a relay too busy to answer in time: the clients' view stands alone
  }
  return gauges
}

function describeGauges (gauges: Map<string, number>): string {
  return gauges.size === 0 ? 'no relay metrics' : `relay reports ${[...gauges].map(([k, v]) => `${v} ${k}`).join(', ')}`
}

type Reply<T extends FromWorker['type']> = Extract<FromWorker, { type: T }>

/** One child process of clients. */
class ClientProcess {
  readonly child: ChildProcess
  readonly exited: Promise<void>
  #waiting: { type: FromWorker['type'], resolve(m: FromWorker): void, reject(e: Error): void } | undefined

  constructor (readonly index: number, onAttempt: (m: Reply<'attempt'>) => void) {
    this.child = fork(CLIENT_SCRIPT, [String(index)], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    this.exited = new Promise(resolve => this.child.once('exit', () => {
      this.#waiting?.reject(new Error(`client process ${index} exited`))
      resolve()
    }))
    this.child.on('message', (message: FromWorker) => {
      if (message.type === 'attempt') onAttempt(message)
      else if (message.type === 'failed') this.#waiting?.reject(new Error(`client process ${index}: ${message.message}`))
      else if (message.type === this.#waiting?.type) this.#waiting.resolve(message)
    })
  }

  notify (message: ToWorker): void {
    if (this.child.connected) this.child.send(message)
  }

  async request<T extends FromWorker['type']> (message: ToWorker, reply: T, timeoutMs: number): Promise<Reply<T>> {
    if (this.#waiting != null) throw new Error('one request at a time')
    let timer: NodeJS.Timeout | undefined
    try {
      return await new Promise<Reply<T>>((resolve, reject) => {
        this.#waiting = { type: reply, resolve: m => { resolve(m as Reply<T>) }, reject }
        timer = setTimeout(() => { reject(new Error(`client process ${this.index}: no "${reply}" within ${timeoutMs} ms`)) }, timeoutMs)
        this.child.send(message)
      })
    } finally {
      clearTimeout(timer)
      this.#waiting = undefined
    }
  }

  cpuSeconds (): number {
    try {
      return this.child.pid == null ? 0 : cpuSeconds(this.child.pid)
    } catch {
      return 0
    }
  }

  async stop (): Promise<void> {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    this.notify({ type: 'stop' })
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, WORKER_STOP_TIMEOUT_MS)
    await this.exited
    clearTimeout(timer)
  }
}

/** Reservation outcomes in the order they arrived. */
class Tally {
  ok = 0
  refused = 0
  errors = 0
  firstRefusalAfter?: number
  firstErrorAfter?: number
  readonly refusals = new Map<string, number>()
  readonly errorReasons = new Map<string, number>()
  /** Called with the number of refusals so far, after each one. */
  onRefusal?: (refusals: number) => void

  add (m: Reply<'attempt'>): void {
    if (m.outcome === 'ok') {
      this.ok++
      return
    }
    const reason = m.reason ?? 'unknown'
    if (m.outcome === 'refused') {
      this.refused++
      this.firstRefusalAfter ??= this.ok
      this.refusals.set(reason, (this.refusals.get(reason) ?? 0) + 1)
      this.onRefusal?.(this.refused)
    } else {
      this.errors++
      this.firstErrorAfter ??= this.ok
      this.errorReasons.set(reason, (this.errorReasons.get(reason) ?? 0) + 1)
    }
  }
}

function mergeCounts (into: Map<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into.set(key, (into.get(key) ?? 0) + n)
}

function describe (counts: Map<string, number>): string {
  return [...counts].map(([reason, n]) => `${n}× ${reason}`).join('; ')
}

function share (total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0)
}

async function status (workers: ClientProcess[]): Promise<{ listed: number, holding: number, circuits: number, maxLagMs: number }> {
  const replies = await Promise.all(workers.map(async w => w.request({ type: 'status' }, 'status', STATUS_TIMEOUT_MS)))
  const sum = (key: 'listed' | 'holding' | 'circuits'): number => replies.reduce((n, r) => n + r[key], 0)
  return { listed: sum('listed'), holding: sum('holding'), circuits: sum('circuits'), maxLagMs: Math.max(...replies.map(r => r.maxLagMs)) }
}

async function reserveUntilRefused (relay: RelayProcess, relayAddr: string, workers: ClientProcess[], maxReservations: number, tally: Tally): Promise<void> {
  const started = Date.now()
  const cpuAtStart = cpuSeconds(relay.pid)
  const clientsCpuAtStart = workers.reduce((n, w) => n + w.cpuSeconds(), 0)
  const halt = (why: string): void => {
    detail(`stopping reservations: ${why}`)
    for (const w of workers) w.notify({ type: 'halt' })
  }
  const budget = setTimeout(() => { halt(`the ${seconds(RESERVE_BUDGET_MS)} budget is spent`) }, RESERVE_BUDGET_MS)
  const progress = setInterval(() => {
    const wall = (Date.now() - started) / 1000
    const relayCpu = (cpuSeconds(relay.pid) - cpuAtStart) / wall * 100
    const clientsCpu = (workers.reduce((n, w) => n + w.cpuSeconds(), 0) - clientsCpuAtStart) / wall * 100
    detail(`${wall.toFixed(0)} s: ${tally.ok} granted, ${tally.refused} refused, ${tally.errors} failed; ` +
      `relay RSS ${rssMb(relay.pid).toFixed(0)} MB, CPU ${relayCpu.toFixed(0)} %; client processes CPU ${clientsCpu.toFixed(0)} %`)
  }, PROGRESS_INTERVAL_MS)
  tally.onRefusal = (refusals) => { if (refusals === REFUSALS_TO_SEE) halt(`${REFUSALS_TO_SEE} refusals`) }
  const attempts = maxReservations + ATTEMPT_MARGIN
  try {
    await Promise.all(workers.map(async (w, i) => w.request({
      type: 'reserve', relay: relayAddr, attempts: share(attempts, workers.length, i), concurrency: RESERVE_CONCURRENCY
    }, 'reserved', RESERVE_BUDGET_MS + ATTEMPT_TIMEOUT_MS + 30_000)))
  } finally {
    clearTimeout(budget)
    clearInterval(progress)
    tally.onRefusal = undefined
  }
  detail(`${tally.ok + tally.refused + tally.errors} reservation attempts in ${seconds(Date.now() - started)}: ` +
    `${tally.ok} granted, ${tally.refused} refused, ${tally.errors} failed`)
  if (tally.firstRefusalAfter != null) detail(`first refusal after ${tally.firstRefusalAfter} granted: ${describe(tally.refusals)}`)
  if (tally.firstErrorAfter != null) detail(`first error after ${tally.firstErrorAfter} granted: ${describe(tally.errorReasons)}`)
}

/** When the circuit phase began and ended (Date.now()), to find it in a CPU profile. */
interface Phases { circuitsFrom?: number, circuitsTo?: number }

async function measure (relay: RelayProcess, workers: ClientProcess[], maxReservations: number, tally: Tally, phases: Phases): Promise<void> {
  const relayAddr = relay.wsMultiaddrs[0]
  if (relayAddr == null) throw new Error('relay-node listens on no WebSocket address')
  const opsUrl = opsUrlOf(relay)
  const idleRss = rssMb(relay.pid)
  // relay CPU over the reservations and over the circuits (not the pauses and probes between)
  let cpuBusy = 0
  let wallBusy = 0
  const timed = async <T>(phase: () => Promise<T>): Promise<T> => {
    const cpu0 = cpuSeconds(relay.pid)
    const wall0 = Date.now()
    try {
      return await phase()
    } finally {
      cpuBusy += cpuSeconds(relay.pid) - cpu0
      wallBusy += (Date.now() - wall0) / 1000
    }
  }

  await timed(async () => { await reserveUntilRefused(relay, relayAddr, workers, maxReservations, tally) })
  if (tally.refused === 0) detail(`the relay refused nothing: the budget ran out before its cap of ${maxReservations}`)

  await sleep(HELD_SETTLE_MS)
  const heldRss = rssMb(relay.pid)
  const probeStarted = Date.now()
  const held = await status(workers)
  detail(`${held.holding} reservations alive (${held.listed} listed by their clients; probed in ${seconds(Date.now() - probeStarted)}; ` +
    `longest client event-loop delay ${held.maxLagMs.toFixed(0)} ms); ` +
    `${describeGauges(await relayGauges(opsUrl))}`)
  detail(`relay RSS ${idleRss.toFixed(0)} MB idle, ${heldRss.toFixed(0)} MB with the reservations held; ${openFiles(relay.pid)} open files`)
  if (held.holding < tally.ok * 0.95) {
    detail(`WARNING: ${tally.ok - held.holding} of the ${tally.ok} granted reservations died. Seen here when the relay's event loop ` +
      'stalled for seconds: its connection monitor then aborts every connection whose ping took over 5 s')
  }
  print('relay_reservations_held', held.holding, 'reservations')
  print('relay_rss_mb_per_1000_reservations', held.holding > 0 ? (heldRss - idleRss) / held.holding * 1000 : NaN, 'MB')

  // circuits between pairs of live reservation holders, then one round trip on all of them at once;
  // a scrape resets the relay's event-loop histogram, so the next one covers the circuit phase alone
  await relayGauges(opsUrl, PHASE_METRICS_TIMEOUT_MS)
  const dialStarted = Date.now()
  const circuitsCpu0 = cpuSeconds(relay.pid)
  phases.circuitsFrom = dialStarted
  const dialed = await timed(async () => Promise.all(workers.map(async (w, i) => w.request({
    type: 'dial', pairs: share(CIRCUITS, workers.length, i), concurrency: DIAL_CONCURRENCY, budgetMs: DIAL_BUDGET_MS
  }, 'dialed', DIAL_REPLY_TIMEOUT_MS))))
  const dialErrors = new Map<string, number>()
  for (const d of dialed) mergeCounts(dialErrors, d.errors)
  const dialedOk = dialed.reduce((n, d) => n + d.ok, 0)
  const dialMs = Date.now() - dialStarted
  detail(`${dialedOk} of ${CIRCUITS} circuits dialed in ${seconds(dialMs)}${dialErrors.size > 0 ? `; failures: ${describe(dialErrors)}` : ''}`)

  const echoStarted = Date.now()
  const echoed = await timed(async () => Promise.all(workers.map(async w => w.request({ type: 'echo' }, 'echoed', ECHO_TIMEOUT_MS))))
  const echoErrors = new Map<string, number>()
  for (const e of echoed) mergeCounts(echoErrors, e.errors)
  const active = echoed.reduce((n, e) => n + e.ok, 0)
  phases.circuitsTo = Date.now()
  const circuitsCpu = (cpuSeconds(relay.pid) - circuitsCpu0) / ((phases.circuitsTo - dialStarted) / 1000) * 100
  const during = await relayGauges(opsUrl, PHASE_METRICS_TIMEOUT_MS)
  detail(`relay CPU over the circuit phase ${circuitsCpu.toFixed(0)} % of one core; load average ${loadavg().map(n => n.toFixed(2)).join(' ')}`)
  detail(`echo on ${dialedOk} circuits at once: ${active} answered in ${seconds(Date.now() - echoStarted)}${echoErrors.size > 0 ? `; failures: ${describe(echoErrors)}` : ''}; ` +
    `${describeGauges(during)}; relay RSS ${rssMb(relay.pid).toFixed(0)} MB`)
  print('relay_circuits_active', active, 'circuits')
  print('relay_circuits_dialed', dialedOk, 'circuits')
  print('relay_circuits_dial_ms', dialMs, 'ms')
  print('relay_event_loop_p99_ms', during.get(LAG_P99) ?? NaN, 'ms')
  print('relay_event_loop_max_ms', during.get(LAG_MAX) ?? NaN, 'ms')
  print('relay_cpu_percent', cpuBusy / wallBusy * 100, '%')
}

export async function benchRelay (): Promise<void> {
  const started = Date.now()
  const help = relayHelp()
  const maxReservations = Number(/--max-reservations\s[^[]*\[PARLEY_RELAY_MAX_RESERVATIONS\]\s*\(default (\d+)\)/.exec(help)?.[1] ??
    FALLBACK_MAX_RESERVATIONS)
  // the relay holds a socket per client; a client process one per client it holds
  const files = openFilesLimit()
  const needed = maxReservations + ATTEMPT_MARGIN + 1024
  if (files < needed) throw new Error(`the open-files limit (${files}) is below the ${needed} the relay needs: raise ulimit -n`)
  detail(`open-files limit ${files}, inherited by the relay and the ${WORKERS} client processes; relay cap ${maxReservations} reservations`)

  const tally = new Tally()
  const phases: Phases = {}
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-relay-cap-'))
  let relay: RelayProcess | undefined
  const workers: ClientProcess[] = []
  try {
    const profileDir = process.env.PARLEY_BENCH_RELAY_CPU_PROF
    relay = await spawnRelay({
      dataDir,
      // from its sources, as in every earlier run: its RSS, CPU and profiles compare with theirs
      from: 'source',
      extraArgs: relayArgs(help),
      ...(profileDir == null || profileDir === ''
        ? {}
        : { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${resolve(profileDir)}`] })
    })
    for (let i = 0; i < WORKERS; i++) workers.push(new ClientProcess(i, (m) => { tally.add(m) }))
    // each client process answers once it has loaded libp2p
    await Promise.all(workers.map(async w => w.request({ type: 'status' }, 'status', WORKER_START_TIMEOUT_MS)))
    await sleep(IDLE_SETTLE_MS)
    await measure(relay, workers, maxReservations, tally, phases)
  } finally {
    await Promise.all(workers.map(async w => w.stop()))
    const code = await relay?.stop()
    const exitedAt = Date.now()
    if (phases.circuitsFrom != null && phases.circuitsTo != null) {
      detail(`profile window: the circuit phase from ${exitedAt - phases.circuitsFrom} to ${exitedAt - phases.circuitsTo} ms before the relay exited`)
    }
    if (relay != null && code !== 0) detail(`relay-node exited with ${String(code)}; its last output:\n${relay.output().slice(-4000)}`)
    await rm(dataDir, { recursive: true, force: true })
    detail(`done in ${seconds(Date.now() - started)}`)
  }
}
