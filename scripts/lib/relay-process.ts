/**
 * Runs relay-node as a child process and waits until it listens. Used by
 * `npm start` and the e2e fixtures.
 *
 * relay-node logs JSON lines; exactly one says it listens:
 *   {"time":"…","level":"info","msg":"ready","peerId":"…","multiaddrs":["/ip4/127.0.0.1/tcp/…/ws/p2p/…",
 *     "/ip4/127.0.0.1/udp/…/webrtc-direct/certhash/…/p2p/…"],"tcpMultiaddrs":[…],"opsUrl":"http://…"}
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { resolve } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { RELAY_ENTRY, relayBundle } from './relay-bundle.ts'
import { REPO_ROOT } from './test-run.ts'

export interface SpawnRelayOptions {
  /** Default `127.0.0.1`. */
  host?: string
  /** WebSocket (TCP) port. Default `0` (any free port). */
  port?: number
  /**
   * WebRTC-Direct (UDP) port. Default `0` (any free port); `'off'` starts no
   * WebRTC-Direct listener. relay-node keeps its certificate in `dataDir`, so
   * the same port gives the same address (certhash included) after a restart.
   */
  webrtcDirectPort?: number | 'off'
  /** Where relay-node keeps its identity key; a relative path is resolved against the repo root. */
  dataDir: string
  /** Appended after the standard arguments. */
  extraArgs?: string[]
  /** Node's own options, before the script (e.g. `--cpu-prof`, which NODE_OPTIONS may not carry). */
  nodeArgs?: string[]
  /**
   * What node runs: `'bundle'` (the default), relay-node built into one module
   * for this process (relay-bundle.ts), ready in a fraction of the time; or
   * `'source'`, its TypeScript through tsx, as the relay bench keeps it so
   * that its figures and CPU profiles compare with earlier runs.
   */
  from?: 'bundle' | 'source'
  /** Environment for the child; default `process.env`. */
  env?: NodeJS.ProcessEnv
  /**
   * Run it inside this named network namespace (`ip netns exec <netns> node …`,
   * root only; the NAT lab, tests/lab/). `ip netns exec` execs node in place,
   * so signals and the pid are the relay's own.
   */
  netns?: string
}

export interface RelayProcess {
  peerId: string
  /** All listen addresses, each ending in `/p2p/<peerId>`: WebSocket ones first, then WebRTC-Direct. */
  multiaddrs: string[]
  /** The `/ws` subset of {@link multiaddrs}. */
  wsMultiaddrs: string[]
  /** The `/webrtc-direct/certhash/…` subset of {@link multiaddrs} (empty when off). */
  webrtcDirectMultiaddrs: string[]
  /** Plain TCP addresses (with `--tcp-port`), for other relay-nodes. */
  tcpMultiaddrs: string[]
  /** Base URL of `/metrics` and `/healthz` (with `--metrics-port`). */
  opsUrl?: string
  pid: number
  /**
   * Sends `signal` and resolves with the exit code once the process has exited
   * (`null` when a signal ended it). Escalates to SIGKILL after
   * {@link STOP_TIMEOUT_MS}. Resolves at once if it has already exited.
   */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  /** SIGKILL, without waiting. */
  kill(): void
  /** The last {@link MAX_OUTPUT_BYTES} of stdout and stderr, interleaved as received. */
  output(): string
  /** Settles with the exit code when the process exits, whoever caused it. */
  readonly exited: Promise<number | null>
  /** The signal that ended the process (a crash, or SIGKILL), null while it runs or when it exited by itself. */
  exitSignal(): NodeJS.Signals | null
}

const READY_MSG = 'ready'

/** Start-up includes libp2p loading (and, from source, tsx compiling relay-node) on a busy 2-core machine. */
export const READY_TIMEOUT_MS = 20_000
/** A graceful libp2p stop takes well under a second; past this the relay is hung. */
export const STOP_TIMEOUT_MS = 10_000
/** Enough for a crash's stack trace plus context, without growing for a long-lived relay. */
export const MAX_OUTPUT_BYTES = 64 * 1024

export class RelayStartError extends Error {
  override name = 'RelayStartError'
}

/** Children still running, killed if this process exits first so no relay outlives a crashed test run. */
const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook (): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL')
  })
}

/** How many times a relay asked for any free UDP port starts again when the port it was given was taken first. */
const UDP_PORT_RACE_TRIES = 3

/**
 * Starts a relay-node and resolves once it is ready. With `webrtcDirectPort: 0`
 * libp2p's WebRTC-Direct listener picks a port that is free for TCP (get-port)
 * and binds it for UDP a moment later; a browser's ICE socket can take that UDP
 * port in between ("UDP socket binding failed … errno=98"). That start is tried
 * again, with a new port, up to {@link UDP_PORT_RACE_TRIES} times in all.
 */
export async function spawnRelay (options: SpawnRelayOptions): Promise<RelayProcess> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnRelayOnce(options)
    } catch (err) {
      const raced = (options.webrtcDirectPort ?? 0) === 0 && err instanceof RelayStartError &&
        err.message.includes('Failed to register ICE UDP mux listener')
      if (!raced || attempt >= UDP_PORT_RACE_TRIES) throw err
    }
  }
}

async function spawnRelayOnce (options: SpawnRelayOptions): Promise<RelayProcess> {
  const { host = '127.0.0.1', port = 0, webrtcDirectPort = 0, dataDir, extraArgs = [], nodeArgs = [], env = process.env, netns, from = 'bundle' } = options
  const script = from === 'bundle'
    ? [await relayBundle().catch((err: unknown) => { throw new RelayStartError(`relay-node could not be bundled: ${err instanceof Error ? err.message : String(err)}`) })]
    : ['--import', 'tsx', RELAY_ENTRY]
  const args = [
    ...nodeArgs,
    ...script,
    '--host', host,
    '--port', String(port),
    '--webrtc-direct-port', String(webrtcDirectPort),
    '--data-dir', resolve(REPO_ROOT, dataDir),
    ...extraArgs
  ]

  const [command, commandArgs] = netns == null
    ? [process.execPath, args]
    : ['ip', ['netns', 'exec', netns, process.execPath, ...args]]
  const child = spawn(command, commandArgs, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  installExitHook()
  live.add(child)

  const output = new OutputBuffer(MAX_OUTPUT_BYTES)
  let exitCode: number | null | undefined
  const exited = new Promise<number | null>((resolveExit) => {
    // 'close', not 'exit': by then stdout/stderr are drained, so output() is complete.
    child.once('close', (code) => {
      exitCode = code
      live.delete(child)
      resolveExit(code)
    })
  })

  return await new Promise<RelayProcess>((resolveReady, rejectReady) => {
    let settled = false
    let pending = ''
    const decoder = new StringDecoder('utf8')

    const fail = (message: string): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      rejectReady(new RelayStartError(`${message}\n--- relay-node output ---\n${output.text()}`))
    }

    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      fail(`relay-node did not log "${READY_MSG}" within ${READY_TIMEOUT_MS} ms`)
    }, READY_TIMEOUT_MS)

    child.once('error', (err) => {
      fail(`could not run relay-node: ${err.message}`)
    })
    void exited.then((code) => {
      fail(`relay-node exited with code ${String(code)} (signal ${String(child.signalCode)}) before it was ready`)
    })

    child.stderr?.on('data', (chunk: Buffer) => { output.push(chunk) })
    child.stdout?.on('data', (chunk: Buffer) => {
      // Keep draining after ready: a full pipe would block the relay's writes.
      output.push(chunk)
      if (settled) return
      pending += decoder.write(chunk)
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      if (pending.length > MAX_OUTPUT_BYTES) pending = ''
      for (const line of lines) {
        const ready = parseReadyLine(line)
        if (ready == null) continue
        if (ready instanceof Error) {
          child.kill('SIGKILL')
          fail(ready.message)
          return
        }
        settled = true
        clearTimeout(timer)
        pending = ''
        resolveReady({
          ...ready,
          pid: child.pid ?? -1,
          stop: async (signal = 'SIGTERM') => await stop(child, exited, () => exitCode, signal),
          kill: () => { child.kill('SIGKILL') },
          output: () => output.text(),
          exited,
          exitSignal: () => child.signalCode
        })
        return
      }
    })
  })
}

async function stop (
  child: ChildProcess,
  exited: Promise<number | null>,
  exitCode: () => number | null | undefined,
  signal: NodeJS.Signals
): Promise<number | null> {
  const code = exitCode()
  if (code !== undefined) return code
  child.kill(signal)
  const escalate = setTimeout(() => { child.kill('SIGKILL') }, STOP_TIMEOUT_MS)
  try {
    return await exited
  } finally {
    clearTimeout(escalate)
  }
}

/** True for a `/webrtc-direct` (UDP) relay address, false for a WebSocket one. */
export function isWebRTCDirect (multiaddr: string): boolean {
  return multiaddr.includes('/webrtc-direct')
}

/** The port of a relay address (`/ip4/<host>/tcp|udp/<port>/…`). */
export function portOf (multiaddr: string): number {
  const port = Number(/^\/ip[46]\/[^/]+\/(?:tcp|udp)\/(\d+)\//.exec(multiaddr)?.[1])
  if (!Number.isInteger(port)) throw new Error(`no port in ${multiaddr}`)
  return port
}

type ReadyLine = Pick<RelayProcess, 'peerId' | 'multiaddrs' | 'wsMultiaddrs' | 'webrtcDirectMultiaddrs' | 'tcpMultiaddrs' | 'opsUrl'>

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every(v => typeof v === 'string')

/** `null` for any other log line, an Error for a malformed ready line. */
function parseReadyLine (raw: string): ReadyLine | Error | null {
  const line = raw.replace(/\r$/, '')
  if (!line.startsWith('{') || !line.includes(`"msg":"${READY_MSG}"`)) return null
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch (err) {
    return new Error(`malformed relay-node ready line (${(err as Error).message}): ${line}`)
  }
  if (typeof value !== 'object' || value == null || (value as { msg?: unknown }).msg !== READY_MSG) return null
  const { peerId, multiaddrs, tcpMultiaddrs, opsUrl } = value as { peerId?: unknown, multiaddrs?: unknown, tcpMultiaddrs?: unknown, opsUrl?: unknown }
  if (typeof peerId !== 'string' || peerId === '' || !isStringList(multiaddrs) || multiaddrs.length === 0) {
    return new Error(`relay-node ready line lacks peerId or multiaddrs: ${line}`)
  }
  const wsMultiaddrs = multiaddrs.filter(ma => !isWebRTCDirect(ma))
  const webrtcDirectMultiaddrs = multiaddrs.filter(isWebRTCDirect)
  return {
    peerId,
    multiaddrs: [...wsMultiaddrs, ...webrtcDirectMultiaddrs],
    wsMultiaddrs,
    webrtcDirectMultiaddrs,
    tcpMultiaddrs: isStringList(tcpMultiaddrs) ? tcpMultiaddrs : [],
    ...(typeof opsUrl === 'string' ? { opsUrl } : {})
  }
}

/** Keeps the newest `limit` bytes. */
class OutputBuffer {
  readonly #limit: number
  #chunks: Buffer[] = []
  #size = 0

  constructor (limit: number) {
    this.#limit = limit
  }

  push (chunk: Buffer): void {
    this.#chunks.push(chunk)
    this.#size += chunk.length
    while (this.#size > this.#limit) {
      const head = this.#chunks[0]
      if (head == null) break
      const excess = this.#size - this.#limit
      if (head.length <= excess) {
        this.#chunks.shift()
        this.#size -= head.length
      } else {
        this.#chunks[0] = head.subarray(excess)
        this.#size -= excess
      }
    }
  }

  text (): string {
    return Buffer.concat(this.#chunks).toString('utf8')
  }
}
