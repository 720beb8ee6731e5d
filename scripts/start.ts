/**
 * `npm start`: runs a relay-node and serves the built app (`dist/`) pointed
 * at it. `npm start` builds first.
 *
 * Environment: PARLEY_PORT (web, default 5173), PARLEY_RELAY_PORT (WebSockets,
 * default 9090), PARLEY_RELAY_WEBRTC_DIRECT_PORT (UDP, default 9091).
 * Both listen on 127.0.0.1 only. Ctrl-C (SIGINT) or SIGTERM stops both, exit 0.
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
const RELAY_DATA_DIR = resolve(REPO_ROOT, '.relay-data')
const DIST_DIR = resolve(REPO_ROOT, 'dist')

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

  let stopping = false
  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting.`)
      relay.kill()
      process.exit(1)
    }
    stopping = true
    console.log(`\n${signal}: stopping...`)
    await Promise.all([server.close(), relay.stop('SIGTERM')])
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

function onFatal (err: unknown): void {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
}

main().catch(onFatal)
