/**
 * Firefox ESR for one NAT-lab person, run inside that person's network
 * namespace (tests/lab/services.ts `launchPerson`). Playwright reaches
 * Chromium there through a pipe, but Firefox only over WebDriver BiDi, a
 * WebSocket on the loopback of the namespace it runs in, which Playwright
 * (in the root namespace) cannot reach. So this program stands where
 * Playwright expects the browser binary: it starts the BiDi shim
 * (tests/support/firefox-esr.sh) inside the namespace, listening on a Unix
 * socket (file systems are shared across namespaces), and forwards a port of
 * its own on 127.0.0.1 to that socket, announcing it as Firefox would.
 *
 *   firefox-in-netns.ts <namespace> <firefox arguments…>
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Readable, Writable } from 'node:stream'

const SHIM = fileURLToPath(new URL('../support/firefox-esr.sh', import.meta.url))
const UNIX_LISTENING = /^WebDriver BiDi listening on unix:(\S+)$/

/** A TCP port on 127.0.0.1 whose every connection is joined, byte for byte, to the Unix socket `path`. */
async function forward (path: string): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection(path)
    client.pipe(upstream).pipe(client)
    const end = (): void => { client.destroy(); upstream.destroy() }
    client.on('error', end)
    upstream.on('error', end)
  })
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  return server
}

/** Copies `from` to `to` line by line; the shim's Unix endpoint line becomes this program's TCP one. */
function relayLines (from: Readable, to: Writable, onEndpoint: (path: string) => void): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    const path = UNIX_LISTENING.exec(line)?.[1]
    if (path === undefined) to.write(`${line}\n`)
    else onEndpoint(path)
  })
}

async function main (): Promise<void> {
  const [namespace, ...args] = process.argv.slice(2)
  if (namespace === undefined) {
    console.error('usage: firefox-in-netns.ts <namespace> <firefox arguments…>')
    process.exit(2)
  }
  const dir = await mkdtemp(join(tmpdir(), 'parley-lab-bidi-'))
  const child = spawn('ip', ['netns', 'exec', namespace, SHIM, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, BIDI_SHIM_UNIX: join(dir, 'bidi.sock') }
  })
  let server: Server | undefined
  const onEndpoint = (path: string): void => {
    if (server !== undefined) return
    void forward(path).then((s) => {
      server = s
      process.stderr.write(`WebDriver BiDi listening on ws://127.0.0.1:${(s.address() as AddressInfo).port}\n`)
    })
  }
  relayLines(child.stdout, process.stdout, onEndpoint)
  relayLines(child.stderr, process.stderr, onEndpoint)
  child.on('error', (err) => {
    console.error(`cannot start Firefox in ${namespace}: ${err.message}`)
    process.exit(1)
  })
  child.on('exit', (code, signal) => {
    server?.close()
    void rm(dir, { recursive: true, force: true }).finally(() => { process.exit(code ?? (signal !== null ? 1 : 0)) })
  })
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => { child.kill(signal) })
  }
}

void main()
