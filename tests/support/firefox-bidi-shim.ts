/**
 * Lets Playwright drive Debian's Firefox ESR over WebDriver BiDi
 * (docs/testing.md, "Firefox"). Playwright's `moz-firefox` channel speaks a
 * newer BiDi than Firefox ESR 153 does, in two places that matter here:
 *
 * - every new browser context sends `emulation.setMediaFeaturesOverride`,
 *   which ESR 153 answers with "unknown command", so `newContext()` fails;
 * - ESR 153's download events carry `navigation: null`, and Playwright drops
 *   a download without an id, so `page.waitForEvent('download')` never fires.
 *
 * This program stands where Playwright expects the browser binary
 * (tests/support/firefox-esr.sh runs it): it starts Firefox with the same
 * arguments, and sits on the BiDi WebSocket between the two. It answers a
 * media-features override that only clears overrides (every feature null, what
 * Playwright sends when a test emulates nothing) as done, refuses any real
 * override (so no test can believe it emulated a colour scheme in Firefox),
 * and gives each download an id that its start and end events share.
 * Everything else passes through untouched.
 *
 *   firefox-bidi-shim.ts <firefox binary> <firefox arguments…>
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { createInterface } from 'node:readline'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import type { AddressInfo } from 'node:net'
import type { Readable, Writable } from 'node:stream'
import { answerCommand, DownloadIds, parse } from './firefox-bidi.ts'

const LISTENING = /^WebDriver BiDi listening on (ws:\/\/\S+)$/

/**
 * Accepts Playwright's connections and joins each to Firefox's endpoint
 * `upstream`. On 127.0.0.1, or on the Unix socket `$BIDI_SHIM_UNIX` when set
 * (the NAT lab runs Firefox in a network namespace whose loopback Playwright
 * cannot reach; tests/lab/firefox-in-netns.ts forwards a port to the socket).
 */
function serve (upstream: string, announce: (line: string) => void): WebSocketServer {
  const unixPath = process.env['BIDI_SHIM_UNIX']
  let server: WebSocketServer
  if (unixPath === undefined || unixPath === '') {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false })
    server.on('listening', () => {
      announce(`WebDriver BiDi listening on ws://127.0.0.1:${(server.address() as AddressInfo).port}`)
    })
  } else {
    const http = createServer()
    server = new WebSocketServer({ server: http, perMessageDeflate: false })
    http.listen(unixPath, () => { announce(`WebDriver BiDi listening on unix:${unixPath}`) })
  }
  server.on('connection', (client, request) => {
    const firefox = new WebSocket(upstream + (request.url ?? ''), { perMessageDeflate: false })
    const downloads = new DownloadIds()
    const waiting: string[] = []
    const text = (data: RawData): string => Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8')
    firefox.on('open', () => { for (const data of waiting.splice(0)) firefox.send(data) })
    firefox.on('message', (data) => {
      const raw = text(data)
      const message = parse(raw)
      const rewritten = message === undefined ? message : downloads.rewrite(message)
      client.send(rewritten === message ? raw : JSON.stringify(rewritten))
    })
    client.on('message', (data) => {
      const raw = text(data)
      const message = parse(raw)
      const answer = message === undefined ? undefined : answerCommand(message)
      if (answer !== undefined) client.send(JSON.stringify(answer))
      else if (firefox.readyState === WebSocket.OPEN) firefox.send(raw)
      else waiting.push(raw)
    })
    firefox.on('close', () => { client.close() })
    firefox.on('error', () => { client.close() })
    client.on('close', () => { firefox.close() })
  })
  return server
}

/** Copies `from` to `to` line by line, replacing Firefox's endpoint line with the shim's. */
function relayLines (from: Readable, to: Writable, onEndpoint: (url: string) => void): void {
  createInterface({ input: from, crlfDelay: Infinity }).on('line', (line) => {
    const endpoint = LISTENING.exec(line)?.[1]
    if (endpoint === undefined) to.write(`${line}\n`)
    else onEndpoint(endpoint)
  })
}

function main (): void {
  const [binary, ...args] = process.argv.slice(2)
  if (binary === undefined) {
    console.error('usage: firefox-bidi-shim.ts <firefox binary> <arguments…>')
    process.exit(2)
  }
  const firefox = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let server: WebSocketServer | undefined
  const onEndpoint = (url: string): void => {
    server ??= serve(url, (line) => { process.stderr.write(`${line}\n`) })
  }
  relayLines(firefox.stdout, process.stdout, onEndpoint)
  relayLines(firefox.stderr, process.stderr, onEndpoint)
  firefox.on('error', (err) => {
    console.error(`cannot start ${binary}: ${err.message}`)
    process.exit(1)
  })
  firefox.on('exit', (code, signal) => {
    server?.close()
    process.exit(code ?? (signal !== null ? 1 : 0))
  })
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(signal, () => { firefox.kill(signal) })
  }
}

main()
