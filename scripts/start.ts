/**
 * `npm start`: runs a relay-node and serves the built app (`dist/`) pointed
 * at it. `npm start` builds first.
 *
 * Environment: PARLEY_PORT (web, default 5173), PARLEY_RELAY_PORT (WebSockets,
 * default 9090), PARLEY_RELAY_WEBRTC_DIRECT_PORT (UDP, default 9091),
 * PARLEY_DIST_DIR (what is served, default `dist`), PARLEY_RELAY_DATA_DIR (the
 * relay's identity and mailboxes, default `.relay-data`). Both listen on
 * 127.0.0.1 only.
 *
 * Ctrl-C (SIGINT) or SIGTERM drains and stops the relay and stops serving,
 * exit 0; a second Ctrl-C later than {@link SAME_SIGNAL_MS} exits without
 * waiting. `npm run serve` runs this file in node itself (`node --import tsx`),
 * not under tsx's command, which is a process of its own that passes a Ctrl-C
 * on to its child when the child does not report it within 30 ms: on a busy
 * machine the child then had it twice, and took the second for an impatient
 * user's (issue 56). A terminal's Ctrl-C reaches every process of the
 * foreground group (npm, its shells, this one, the relay): npm passes it on
 * to its own child, the shell, which does not pass it further.
 */
import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnRelay } from './lib/relay-process.ts'
import { startStaticServer, type StaticServer } from './lib/serve.ts'

const HOST = '127.0.0.1'
const DEFAULT_WEB_PORT = 5173
const DEFAULT_RELAY_PORT = 9090
const DEFAULT_RELAY_WEBRTC_DIRECT_PORT = 9091
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
const RELAY_DATA_DIR = resolve(REPO_ROOT, process.env.PARLEY_RELAY_DATA_DIR ?? '.relay-data')
const DIST_DIR = resolve(REPO_ROOT, process.env.PARLEY_DIST_DIR ?? 'dist')
/**
 * The same signal again within this long is the same Ctrl-C, delivered once
 * more by a process in between (a wrapper that passes signals on), not a
 * second press.
 */
const SAME_SIGNAL_MS = 1000

function portFromEnv (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw == null || raw === '') return fallback
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`${name} must be a port number (0-65535), got "${raw}"`)
  }
  return port
}

async function main (): Promise<void> {
  const webPort = portFromEnv('PARLEY_PORT', DEFAULT_WEB_PORT)
  const relayPort = portFromEnv('PARLEY_RELAY_PORT', DEFAULT_RELAY_PORT)
  const relayWebrtcDirectPort = portFromEnv('PARLEY_RELAY_WEBRTC_DIRECT_PORT', DEFAULT_RELAY_WEBRTC_DIRECT_PORT)

  await mkdir(RELAY_DATA_DIR, { recursive: true })
  const relay = await spawnRelay({ host: HOST, port: relayPort, webrtcDirectPort: relayWebrtcDirectPort, dataDir: RELAY_DATA_DIR })

  let server: StaticServer
  try {
    server = await startStaticServer({ root: DIST_DIR, host: HOST, port: webPort, config: { relays: relay.multiaddrs, iceServers: [] } })
  } catch (err) {
    await relay.stop()
    const hint = (err as { code?: unknown }).code === 'ENOENT' ? ' (no dist/: run `npm run build` first)' : ''
    throw new Error(`could not serve ${DIST_DIR}${hint}: ${(err as Error).message}`)
  }

  let stopping: { signal: NodeJS.Signals, at: number } | undefined
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping !== undefined) {
      if (signal === stopping.signal && performance.now() - stopping.at < SAME_SIGNAL_MS) return
      console.error(`${signal} again: exiting without waiting.`)
      relay.kill()
      process.exit(1)
    }
    stopping = { signal, at: performance.now() }
    console.log(`\n${signal}: stopping...`)
    const [, code] = await Promise.all([server.close(), relay.stop('SIGTERM')])
    const stop = relayStopLines(relay.output())
    if (code !== 0 || stop.stopped === undefined) {
      console.error(`relay-node did not stop cleanly (code ${String(code)}). Its last output:\n${relay.output()}`)
      process.exit(1)
    }
    console.log(`Relay drained (${stop.circuitsCut ?? 0} circuit(s) cut) and stopped.`)
    console.log('Stopped.')
    process.exit(0)
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => { void shutdown(signal).catch(onFatal) })
  }

  // announced only once Ctrl-C is handled
  console.log(`Parley is running at ${server.url}`)
  console.log(`Relay ${relay.peerId} listening on:`)
  for (const addr of relay.multiaddrs) console.log(`  ${addr}`)
  console.log('Press Ctrl-C to stop.')

  void relay.exited.then(async (code) => {
    if (stopping) return
    console.error(`relay-node exited unexpectedly (code ${String(code)}). Its last output:\n${relay.output()}`)
    await server.close()
    process.exit(1)
  }).catch(onFatal)
}

/** What relay-node's JSON lines say of its stop: the `drained` line's circuits cut, and whether it logged `stopped`. */
function relayStopLines (output: string): { circuitsCut?: number, stopped?: true } {
  const found: { circuitsCut?: number, stopped?: true } = {}
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    let entry: { msg?: unknown, circuitsCut?: unknown }
    try {
      entry = JSON.parse(line) as typeof entry
    } catch {
      continue
    }
    if (entry.msg === 'drained' && typeof entry.circuitsCut === 'number') found.circuitsCut = entry.circuitsCut
    if (entry.msg === 'stopped') found.stopped = true
  }
  return found
}

function onFatal (err: unknown): void {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}

main().catch(onFatal)
