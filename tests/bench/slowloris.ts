/**
 * `relay_connect_ok_under_slowloris`: a relay-node process with its default
 * limits, 300 silent TCP sockets to its WebSocket port from 127.0.0.2 (each
 * one the relay closes, refused at once or cut by the handshake timeout, is
 * opened again at once), and meanwhile a libp2p client on 127.0.0.3 that
 * connects again and again (WebSocket, Noise, yamux, one ping, hang up): the
 * figure is the fraction of those connects done within 1 s. The run spans
 * more than two handshake timeouts, so the attacker's sockets are cut and
 * re-opened during it. Loopback only (127/8 is all on `lo`, inside
 * `unshare -n` too).
 */
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@libp2p/noise'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import { spawnRelay } from '../../scripts/lib/relay-process.ts'
import { silentSockets } from '../../scripts/lib/silent-sockets.ts'
import { useWebSocketSource } from '../../scripts/lib/source-bound-websocket.ts'
import { median, percentile, print } from './lib.ts'
import type { RelayProcess } from '../../scripts/lib/relay-process.ts'

const ATTACKER = '127.0.0.2'
const HONEST = '127.0.0.3'
const SILENT_SOCKETS = 300
/** a connect counts when it is done within this */
const CONNECT_DEADLINE_MS = 1000
/** one connect starts this often: 4 a second, well below the relay's per-IP connection rate (20 a second) */
const CONNECT_EVERY_MS = 250
/** more than two of the relay's default handshake timeouts (10 s): the held sockets are cut and re-opened twice */
const MEASURE_MS = 25_000
const METRICS_TIMEOUT_MS = 10_000
const REASONS = ['pending-per-ip', 'pending', 'handshake-timeout', 'rate', 'per-ip'] as const

function detail (message: string): void {
  console.error(`slowloris: ${message}`)
}

/** CPU seconds (user + system) a process has used; clock ticks are 100 a second on Linux. */
function cpuSeconds (pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').at(-1)?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function refusals (relay: RelayProcess): Promise<string> {
  const text = await (await fetch(`${relay.opsUrl ?? ''}/metrics`, { signal: AbortSignal.timeout(METRICS_TIMEOUT_MS) })).text()
  return REASONS.map((reason) => {
    const sample = `parley_relay_connection_rejections_total{reason="${reason}"}`
    const line = text.split('\n').find(l => l.startsWith(`${sample} `))
    return `${reason} ${line?.slice(sample.length + 1) ?? '?'}`
  }).join(', ')
}

export async function benchSlowloris (): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-slowloris-'))
  let relay: RelayProcess | undefined
  const source = useWebSocketSource(HONEST)
  try {
    relay = await spawnRelay({ dataDir, webrtcDirectPort: 'off', extraArgs: ['--metrics-port', '0'] })
    const address = relay.wsMultiaddrs[0] ?? ''
    const [, , host = '', , port = ''] = address.split('/')
    const flood = silentSockets({ host, port: Number(port), localAddress: ATTACKER, count: SILENT_SOCKETS })
    const node = await createLibp2p({
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      services: { ping: ping() }
    })
    const times: number[] = []
    const failures = new Map<string, number>()
    let attempts = 0
    try {
      await flood.allConnected
      detail(`${SILENT_SOCKETS} silent sockets connected from ${ATTACKER}; relay refusals so far: ${await refusals(relay)}`)
      const started = Date.now()
      const cpuBefore = cpuSeconds(relay.pid)
      while (Date.now() - started < MEASURE_MS) {
        const begun = Date.now()
        attempts++
        try {
          const signal = AbortSignal.timeout(CONNECT_DEADLINE_MS)
          const connection = await node.dial(multiaddr(address), { signal })
          await node.services.ping.ping(connection.remotePeer, { signal })
          times.push(Date.now() - begun)
        } catch (err) {
          const name = err instanceof Error ? err.name : String(err)
          failures.set(name, (failures.get(name) ?? 0) + 1)
        }
        await node.hangUp(multiaddr(address)).catch(() => {})
        await sleep(Math.max(0, CONNECT_EVERY_MS - (Date.now() - begun)))
      }
      const busy = (cpuSeconds(relay.pid) - cpuBefore) / ((Date.now() - started) / 1000)
      detail(`attacker: ${flood.connects} connections made, ${flood.cuts} closed by the relay, ${flood.open} open at the end; ` +
        `relay CPU ${(busy * 100).toFixed(0)} % of one core`)
      detail(`relay refusals: ${await refusals(relay)}`)
    } finally {
      await node.stop()
      await flood.stop()
    }
    const failed = [...failures].map(([name, n]) => `${n} ${name}`).join(', ')
    detail(`${times.length} of ${attempts} connects from ${HONEST} within ${CONNECT_DEADLINE_MS} ms` +
      `${times.length > 0 ? ` (median ${median(times)} ms, p95 ${percentile(times, 95)} ms)` : ''}${failed === '' ? '' : `; failed: ${failed}`}`)
    if (!source.opened.every(a => a === HONEST)) throw new Error(`a connect left from another address than ${HONEST}: ${[...new Set(source.opened)].join(', ')}`)
    print('relay_connect_ok_under_slowloris', attempts === 0 ? 0 : times.length / attempts, 'fraction')
  } finally {
    source.restore()
    const code = await relay?.stop()
    if (relay != null && code !== 0) detail(`relay-node exited with ${String(code)}; its last output:\n${relay.output().slice(-4000)}`)
    await rm(dataDir, { recursive: true, force: true })
  }
}
