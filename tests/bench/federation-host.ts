/**
 * The parent's side of tests/bench/federation-relays.ts: the child processes
 * that host the federation's relay-nodes, and the federation's bookkeeping
 * (which relay runs where, under which PeerID, whether it still runs).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { join, resolve } from 'node:path'
import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { FromRelayHost, RelayStatus, ToRelayHost } from './federation-relays.ts'

const ROOT = resolve(import.meta.dirname, '..', '..')
const PROFILE_DIR = process.env.PARLEY_BENCH_FEDERATION_CPU_PROF
const RELAY_HOST_SCRIPT = join(import.meta.dirname, 'federation-relays.ts')

/** This process's CPU time so far, user + system, in µs (the child processes report theirs with their status). */
export function processCpuMicros (): number {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

/** How late a process's event loop ran its callbacks (p99 and max, ms): every handshake of every peer in that process waits that long. */
export interface LoopDelay { p99Ms: number, maxMs: number }

/** Watches this process's event loop (10 ms resolution) from now on; each `take` returns what it saw since the last and starts over. */
export function loopDelayMonitor (): { take(): LoopDelay } {
  const histogram = monitorEventLoopDelay({ resolution: 10 })
  histogram.enable()
  return {
    take: () => {
      const delay = { p99Ms: histogram.percentile(99) / 1e6, maxMs: histogram.max / 1e6 }
      histogram.reset()
      return delay
    }
  }
}

/**
 * V8's CPU profiler on this process, between `start` and `stop` (through
 * node:inspector): `stop` writes the profile to `file`, which
 * tests/bench/cpuprofile-top.ts reads. Unlike `--cpu-prof`, it covers only
 * the window asked for.
 */
export function cpuProfiler (): { start(): Promise<void>, stop(file: string): Promise<void> } {
  // connected only when asked: an inspector session costs the process nothing until then
  let session: Session | undefined
  return {
    start: async () => {
      if (session != null) throw new Error('the profiler is running already')
      session = new Session()
      session.connect()
      await session.post('Profiler.enable')
      await session.post('Profiler.start')
    },
    stop: async (file) => {
      if (session == null) throw new Error('the profiler is not running')
      const { profile } = await session.post('Profiler.stop')
      session.disconnect()
      session = undefined
      await writeFile(file, JSON.stringify(profile))
    }
  }
}

/** What a child process (relays or clients) is asked about itself: its event loop delay, a CPU profile. */
export type DiagnosticsRequest =
  /** How late this process's event loop ran since the last such request. */
  | { id: number, type: 'loop-delay' }
  /** Start profiling this process's CPU ({@link cpuProfiler}). */
  | { id: number, type: 'profile-start' }
  /** Stop profiling and write the profile to `file`. */
  | { id: number, type: 'profile-stop', file: string }

export type DiagnosticsReply =
  | ({ id: number, type: 'loop-delay' } & LoopDelay)
  | { id: number, type: 'profiling' }
  | { id: number, type: 'profiled' }

/** The answers of a child process to {@link DiagnosticsRequest}s; its event loop is watched from this call on. */
export function diagnostics (): (message: DiagnosticsRequest) => Promise<DiagnosticsReply> {
  const loopDelay = loopDelayMonitor()
  const profiler = cpuProfiler()
  return async (message) => {
    switch (message.type) {
      case 'loop-delay':
        return { id: message.id, type: 'loop-delay', ...loopDelay.take() }
      case 'profile-start':
        await profiler.start()
        return { id: message.id, type: 'profiling' }
      case 'profile-stop':
        await profiler.stop(message.file)
        return { id: message.id, type: 'profiled' }
    }
  }
}

/** A child process, relays or clients, as far as its diagnostics go. */
type DiagnosedHost = Pick<ChildHost<Message, Message>, 'diagnose' | 'index'>
const DIAGNOSTICS_TIMEOUT_MS = 10_000

/** Each of `hosts`' event loop delays since the last call. */
export async function loopDelaysOf (hosts: readonly DiagnosedHost[]): Promise<LoopDelay[]> {
  return Promise.all(hosts.map(async h => h.diagnose({ type: 'loop-delay' }, 'loop-delay')))
}

/** Every one of `hosts` starts its CPU profiler ({@link cpuProfiler}). */
export async function startProfiles (hosts: readonly DiagnosedHost[]): Promise<void> {
  await Promise.all(hosts.map(async h => h.diagnose({ type: 'profile-start' }, 'profiling')))
}

/** Every one of `hosts` stops its profiler and writes its profile to `dir`/`<name>-<process>.cpuprofile`. */
export async function stopProfiles (hosts: readonly DiagnosedHost[], dir: string, name: string): Promise<void> {
  await Promise.all(hosts.map(async h => h.diagnose({ type: 'profile-stop', file: join(dir, `${name}-${h.index}.cpuprofile`) }, 'profiled')))
}

/** A relay process loads relay-node through tsx before it answers. */
const HOST_START_TIMEOUT_MS = 60_000
const RELAY_START_TIMEOUT_MS = 30_000
const STATUS_TIMEOUT_MS = 10_000
const RELAY_STOP_TIMEOUT_MS = 20_000
const HOST_STOP_TIMEOUT_MS = 30_000
/** Time a relay process is given to answer beyond the work it was asked to do. */
export const HOST_REPLY_MARGIN_MS = 10_000

/** `n` of `items`, picked at random. */
export function sample<T> (items: readonly T[], n: number): T[] {
  const copy = [...items]
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1))
    ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
  }
  return copy.slice(0, n)
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never
interface Message { id: number, type: string }

/**
 * One child process running `script` (through tsx), spoken to over IPC:
 * requests are matched to replies by id, each with a timeout; a reply of
 * type `failed` (with a `message`) rejects. The relays' processes
 * ({@link RelayHost}) and the DHT bench's clients' (dht-clients.ts) are such hosts.
 */
export class ChildHost<To extends Message, From extends Message> {
  readonly child: ChildProcess
  readonly exited: Promise<void>
  readonly #pending = new Map<number, { resolve(m: From): void, reject(e: Error): void }>()
  #nextId = 0

  /** `nodeOptions`: more of Node's own options for the child (a larger heap, say) */
  constructor (readonly index: number, script: string, readonly what: string, nodeOptions: string[] = []) {
    this.child = fork(script, [], {
      cwd: ROOT,
      // PARLEY_BENCH_FEDERATION_CPU_PROF=<dir>: each child writes a V8 CPU profile there when it exits (tests/bench/cpuprofile-top.ts reads it)
      execArgv: ['--import', 'tsx', ...nodeOptions, ...(PROFILE_DIR == null || PROFILE_DIR === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(PROFILE_DIR)}`])],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc']
    })
    this.exited = new Promise(resolve => this.child.once('exit', (code, signal) => {
      for (const waiting of this.#pending.values()) waiting.reject(new Error(`${what} process ${index} exited (${String(code ?? signal)})`))
      this.#pending.clear()
      resolve()
    }))
    this.child.on('message', (message: From) => {
      const waiting = this.#pending.get(message.id)
      if (waiting == null) return
      this.#pending.delete(message.id)
      if (message.type === 'failed') waiting.reject(new Error(`${what} process ${index}: ${String((message as Partial<{ message: string }>).message)}`))
      else waiting.resolve(message)
    })
  }

  async request<T extends From['type']> (request: WithoutId<To>, reply: T, timeoutMs: number): Promise<Extract<From, { type: T }>> {
    if (this.child.exitCode != null || this.child.signalCode != null) throw new Error(`${this.what} process ${this.index} has exited`)
    const id = this.#nextId++
    let timer: NodeJS.Timeout | undefined
    try {
      const message = await new Promise<From>((resolve, reject) => {
        this.#pending.set(id, { resolve, reject })
        timer = setTimeout(() => { reject(new Error(`${this.what} process ${this.index}: no "${reply}" within ${timeoutMs} ms`)) }, timeoutMs)
        this.child.send({ ...request, id })
      })
      if (message.type !== reply) throw new Error(`${this.what} process ${this.index}: "${message.type}" where "${reply}" was expected`)
      return message as Extract<From, { type: T }>
    } finally {
      clearTimeout(timer)
      this.#pending.delete(id)
    }
  }

  /** Asks the process about itself ({@link DiagnosticsRequest}: relay and client processes both answer them). */
  async diagnose<T extends DiagnosticsReply['type']> (request: WithoutId<DiagnosticsRequest>, reply: T): Promise<Extract<DiagnosticsReply, { type: T }>> {
    // every child script's requests and replies include the diagnostics ones (federation-relays.ts, dht-clients.ts)
    return await this.request(request as WithoutId<To>, reply as From['type'], DIAGNOSTICS_TIMEOUT_MS) as unknown as Extract<DiagnosticsReply, { type: T }>
  }

  /** Asks the process to stop (a `stop` request answered `stopped`), killing it when it does not. */
  async stop (): Promise<void> {
    if (this.child.exitCode != null || this.child.signalCode != null) return
    const timer = setTimeout(() => { this.child.kill('SIGKILL') }, HOST_STOP_TIMEOUT_MS)
    try {
      await this.request({ type: 'stop' } as WithoutId<To>, 'stopped' as From['type'], HOST_STOP_TIMEOUT_MS)
    } catch (err) {
      console.error(`federation: ${this.what} process ${this.index} did not stop cleanly (${err instanceof Error ? err.message : String(err)}); killing it`)
      this.child.kill('SIGKILL')
    }
    await this.exited
    clearTimeout(timer)
  }
}

/** One child process of relays (federation-relays.ts). */
export class RelayHost extends ChildHost<ToRelayHost, FromRelayHost> {
  constructor (index: number) {
    super(index, RELAY_HOST_SCRIPT, 'relay')
  }
}

export interface FederationRelay {
  index: number
  host: RelayHost
  peerId: string
  wsAddr: string
  running: boolean
}

export class Federation {
  readonly relays: FederationRelay[] = []
  readonly #byPeer = new Map<string, FederationRelay>()

  constructor (readonly hosts: RelayHost[], readonly dataDir: string) {}

  name = (peerId: string): string => {
    const relay = this.#byPeer.get(peerId)
    return relay == null ? `peer …${peerId.slice(-6)}` : `relay #${relay.index}`
  }

  relayOf (peerId: string): FederationRelay | undefined {
    return this.#byPeer.get(peerId)
  }

  get running (): FederationRelay[] {
    return this.relays.filter(r => r.running)
  }

  /** Resolves once every relay process has loaded relay-node and answers. */
  async ready (): Promise<void> {
    await Promise.all(this.hosts.map(async h => h.request({ type: 'status' }, 'status', HOST_START_TIMEOUT_MS)))
  }

  /** Starts relay `index` in process `index % processes`, bootstrapped from `bootstrapPeers` random relays started before it. */
  async startRelay (index: number, bootstrapPeers: number): Promise<void> {
    const host = this.hosts[index % this.hosts.length]
    if (host == null) throw new Error('no relay process')
    const bootstrap = sample(this.relays, bootstrapPeers).map(r => r.wsAddr)
    const started = await host.request({ type: 'start', index, dataDir: join(this.dataDir, `relay-${index}`), bootstrap }, 'started', RELAY_START_TIMEOUT_MS)
    const relay = { index, host, peerId: started.peerId, wsAddr: started.wsAddr, running: true }
    this.relays.push(relay)
    this.#byPeer.set(relay.peerId, relay)
  }

  /** Every relay process's status reply. */
  async #statusReplies (): Promise<Array<Extract<FromRelayHost, { type: 'status' }>>> {
    return Promise.all(this.hosts.map(async h => h.request({ type: 'status' }, 'status', STATUS_TIMEOUT_MS)))
  }

  async status (): Promise<RelayStatus[]> {
    return (await this.#statusReplies()).flatMap(r => r.relays).sort((a, b) => a.index - b.index)
  }

  /** CPU time (user + system, µs) the relay processes have used so far, and the connections the relays have accepted and dialled, all together, in one look. */
  async usage (): Promise<{ cpuMicros: number, accepted: number, dialled: number }> {
    return (await this.#statusReplies()).reduce((n, r) => ({ cpuMicros: n.cpuMicros + r.cpuMicros, accepted: n.accepted + r.opened.accepted, dialled: n.dialled + r.opened.dialled }), { cpuMicros: 0, accepted: 0, dialled: 0 })
  }

  /** CPU time (user + system, µs) the relay processes have used so far, all together. */
  async cpuMicros (): Promise<number> {
    return (await this.usage()).cpuMicros
  }

  /** Resident memory per running relay: each relay process's RSS over the relays it runs, in bytes (processes running none are left out). */
  async rssPerRelay (): Promise<number[]> {
    return (await this.#statusReplies()).filter(r => r.relays.length > 0).map(r => r.rssBytes / r.relays.length)
  }

  async stopRelay (relay: FederationRelay): Promise<number> {
    relay.running = false
    const reply = await relay.host.request({ type: 'stop-relay', index: relay.index }, 'relay-stopped', RELAY_STOP_TIMEOUT_MS)
    return reply.stopMs
  }
}
