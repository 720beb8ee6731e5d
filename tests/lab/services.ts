/**
 * What runs in the lab: relay-node, coturn and the web server in the public
 * namespace, and one Chromium per person in that person's host namespace.
 * Each is a real process; the test drives Chromium over Playwright's pipe.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { chromium, firefox, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { FAKE_MEDIA_ARGS, firefoxLaunchOptions, type BrowserName } from '../support/browsers.ts'
import { recordPeerConnections as keepPagePeerConnections } from '../support/peer-connections.ts'
import { startRelayFixture, type RelayFixture } from '../support/relay.ts'
import { inNs, LabError, PUBLIC_IP, type NatType, type NetLab, type Site } from './netlab.ts'
import type { AppConfig } from '../../scripts/lib/app-config.ts'

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const FIREFOX_IN_NETNS = fileURLToPath(new URL('firefox-in-netns.ts', import.meta.url))
/** Fixed: the lab's public address is the lab's own, so fixed ports cannot clash. */
export const RELAY_PORT = 9090
export const STUN_PORT = 3478
/** The app without TURN (STUN only), and the same app whose /config.json adds coturn as TURN. */
export const WEB_PORT = 8080
export const WEB_PORT_TURN = 8081
export const TURN_USER = 'parley'
export const TURN_PASSWORD = 'lab-only'
const START_TIMEOUT_MS = 20_000
/** coturn's log of the last lab run */
export const COTURN_LOG = resolve(REPO_ROOT, 'test-results/lab-coturn.log')

/** Waits for a line of `child`'s stdout that `match` accepts, and returns it. */
async function waitForLine (child: ChildProcess, what: string, match: (line: string) => boolean): Promise<string> {
  if (child.stdout == null) throw new LabError(`${what}: no stdout`)
  const lines = createInterface({ input: child.stdout })
  const seen: string[] = []
  return await new Promise<string>((resolveLine, rejectLine) => {
    const timer = setTimeout(() => { done(new LabError(`${what} did not start within ${START_TIMEOUT_MS} ms:\n${seen.join('\n')}`)) }, START_TIMEOUT_MS)
    const onExit = (code: number | null): void => { done(new LabError(`${what} exited (${String(code)}) before it was ready:\n${seen.join('\n')}`)) }
    const onLine = (line: string): void => {
      seen.push(line)
      if (seen.length > 200) seen.shift()
      if (match(line)) done(undefined, line)
    }
    function done (err: Error | undefined, line?: string): void {
      clearTimeout(timer)
      lines.off('line', onLine)
      child.off('exit', onExit)
      // keep draining, so a chatty child never blocks on a full pipe
      child.stdout?.resume()
      if (err != null) rejectLine(err)
      else resolveLine(line ?? '')
    }
    lines.on('line', onLine)
    child.once('exit', onExit)
  })
}

async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return
  const exited = new Promise(resolveExit => child.once('exit', resolveExit))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** What {@link withPair} needs of the lab (tests/lab/fixtures.ts). */
export interface LabNet {
  readonly net: NetLab
  readonly workDir: string
}

/** The lab's relay: the suites' one relay fixture (tests/support/relay.ts), on the public address. */
export type LabRelay = RelayFixture

export async function startRelay (lab: NetLab): Promise<LabRelay> {
  return startRelayFixture({ host: PUBLIC_IP, port: RELAY_PORT, webrtcDirectPort: 'off', netns: lab.publicNs, dataDirPrefix: 'parley-lab-relay-' })
}

/** coturn as STUN (and TURN, long-term credentials) on {@link PUBLIC_IP}:{@link STUN_PORT}, UDP and TCP. */
export async function startCoturn (lab: NetLab, workDir: string): Promise<{ close(): Promise<void> }> {
  const [cmd, argv] = inNs(lab.publicNs, 'turnserver', [
    '-n', '--verbose', '--no-cli', '--no-tls', '--no-dtls', '--fingerprint', '--lt-cred-mech',
    `--listening-ip=${PUBLIC_IP}`, `--relay-ip=${PUBLIC_IP}`, `--listening-port=${STUN_PORT}`,
    '--min-port=49152', '--max-port=49999',
    `--user=${TURN_USER}:${TURN_PASSWORD}`, '--realm=parley.lab',
    '--log-file=stdout', `--pidfile=${join(workDir, 'turnserver.pid')}`, `--userdb=${join(workDir, 'turndb')}`
  ])
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stderr?.resume()
  // its log, for a scenario that fails: allocations, permissions, refused peers
  await mkdir(dirname(COTURN_LOG), { recursive: true })
  child.stdout?.pipe(createWriteStream(COTURN_LOG))
  await waitForLine(child, 'coturn', line => line.includes('Total General servers'))
  return { close: async () => { await stopChild(child) } }
}

export function labConfig (relays: string[], turn: boolean): AppConfig {
  const iceServers: NonNullable<AppConfig['iceServers']> = [{ urls: `stun:${PUBLIC_IP}:${STUN_PORT}` }]
  if (turn) {
    iceServers.push({
      urls: [`turn:${PUBLIC_IP}:${STUN_PORT}?transport=udp`, `turn:${PUBLIC_IP}:${STUN_PORT}?transport=tcp`],
      username: TURN_USER,
      credential: TURN_PASSWORD
    })
  }
  return { relays, iceServers }
}

/** The built app on {@link WEB_PORT} (STUN) and {@link WEB_PORT_TURN} (STUN + TURN), in the public namespace. */
export async function startWebServer (lab: NetLab, relays: string[]): Promise<{ url: string, turnUrl: string, close(): Promise<void> }> {
  const [cmd, argv] = inNs(lab.publicNs, process.execPath, [
    '--import', 'tsx', resolve(REPO_ROOT, 'tests/lab/serve.ts'), PUBLIC_IP,
    String(WEB_PORT), JSON.stringify(labConfig(relays, false)),
    String(WEB_PORT_TURN), JSON.stringify(labConfig(relays, true))
  ])
  const child = spawn(cmd, argv, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await waitForLine(child, 'web server', l => l.startsWith('{'))
  const { urls } = JSON.parse(line) as { urls: string[] }
  const [url, turnUrl] = urls
  if (url == null || turnUrl == null) throw new LabError(`web server printed ${line}`)
  return { url, turnUrl, close: async () => { await stopChild(child) } }
}

/** One person: a browser of their own (Chromium or Firefox ESR), running in their site's host namespace. */
export interface LabPerson {
  readonly site: Site
  readonly browserName: BrowserName
  readonly browser: Browser
  readonly context: BrowserContext
  readonly page: Page
  /** the page's console errors, failed requests and crashes, newest last (at most {@link PAGE_LOG_LINES}) */
  readonly log: readonly string[]
  close(): Promise<void>
}

/** How many lines of a page's own log {@link LabPerson.log} keeps for a failed scenario's report. */
const PAGE_LOG_LINES = 50

/**
 * Launches a browser inside `site.host` with a fresh profile and opens `url`:
 * Chromium through a two-line wrapper that does `ip netns exec`, Firefox ESR
 * through tests/lab/firefox-in-netns.ts (its WebDriver BiDi socket must be
 * carried out of the namespace). The web origin is plain http on the lab's
 * public address, so it is declared secure for this browser only (service
 * worker, WebCrypto, WebRTC need a secure context).
 */
export async function launchPerson (site: Site, url: string, workDir: string, browserName: BrowserName = 'chromium', options: { calls?: boolean } = {}): Promise<LabPerson> {
  if (options.calls === true && browserName !== 'chromium') throw new LabError('lab calls run in Chromium (its fake camera and microphone)')
  const hosts = [WEB_PORT, WEB_PORT_TURN].map(p => `${PUBLIC_IP}:${p}`)
  let browser: Browser
  let context: BrowserContext
  if (browserName === 'chromium') {
    const wrapper = join(workDir, `chromium-${site.host}.sh`)
    await writeFile(wrapper, `#!/bin/sh\nexec ip netns exec '${site.host}' '${CHROMIUM_PATH}' "$@"\n`)
    await chmod(wrapper, 0o755)
    browser = await chromium.launch({
      executablePath: wrapper,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        `--unsafely-treat-insecure-origin-as-secure=${hosts.map(h => `http://${h}`).join(',')}`,
        ...(options.calls === true ? FAKE_MEDIA_ARGS : [])
      ]
    })
    // the microphone permission makes Chromium show real host candidates instead of mDNS names
    context = await browser.newContext({ permissions: options.calls === true ? ['microphone', 'camera'] : ['microphone'] })
    // a call's media counters are read from these (tests/support/peer-connections.ts)
    if (options.calls === true) await keepPagePeerConnections(context)
  } else {
    const wrapper = join(workDir, `firefox-${site.host}.sh`)
    await writeFile(wrapper, `#!/bin/sh\ncd '${REPO_ROOT}' && exec node --import tsx '${FIREFOX_IN_NETNS}' '${site.host}' "$@"\n`)
    await chmod(wrapper, 0o755)
    const options = firefoxLaunchOptions()
    browser = await firefox.launch({
      ...options,
      executablePath: wrapper,
      firefoxUserPrefs: {
        ...options.firefoxUserPrefs,
        // the lab's plain-http origin counts as secure, as Chromium's flag above makes it
        'dom.securecontext.allowlist': PUBLIC_IP,
        'dom.serviceWorkers.testing.enabled': true
      }
    })
    // no colour-scheme emulation: Firefox ESR cannot (docs/testing.md, "Firefox")
    context = await browser.newContext({ colorScheme: null })
  }
  await context.addInitScript(recordPeerConnections)
  const page = await context.newPage()
  const log: string[] = []
  const note = (line: string): void => { log.push(line); if (log.length > PAGE_LOG_LINES) log.shift() }
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') note(`console.${m.type()}: ${m.text()}`) })
  page.on('pageerror', e => { note(`page error: ${e.message}`) })
  page.on('requestfailed', r => { note(`request failed: ${r.url()} (${r.failure()?.errorText ?? '?'})`) })
  page.on('crash', () => { note('page crashed') })
  context.on('weberror', e => { note(`web error: ${e.error().message}`) })
  await page.goto(url)
  return {
    site,
    browserName,
    browser,
    context,
    page,
    log,
    async close () { await browser.close() }
  }
}

/** How {@link withPair} opens its two people. */
export interface PairOptions {
  /** the app: the lab's STUN-only one, or the one that also offers TURN */
  url: string
  /** Alice's and Bob's browsers (default: Chromium both) */
  browsers?: [BrowserName, BrowserName]
  /** fake camera and microphone for calls (Chromium only), see {@link launchPerson} */
  calls?: boolean
}

/**
 * Alice behind a new `nats[0]` router and Bob behind a `nats[1]` one, each in
 * a browser of their own with the app open: runs `scenario` with them, then
 * closes both browsers and removes both sites. If the scenario fails, first
 * prints what WebRTC did in each page (for the report).
 */
export async function withPair<T> (lab: LabNet, nats: [NatType, NatType], options: PairOptions, scenario: (alice: LabPerson, bob: LabPerson) => Promise<T>): Promise<T> {
  const sites = [await lab.net.addSite(nats[0]), await lab.net.addSite(nats[1])] as const
  const browsers = options.browsers ?? ['chromium', 'chromium']
  const launched = await Promise.allSettled(sites.map(async (site, i) => await launchPerson(site, options.url, lab.workDir, browsers[i], { calls: options.calls })))
  const people = launched.flatMap(l => l.status === 'fulfilled' ? [l.value] : [])
  try {
    const [alice, bob] = launched.map(l => { if (l.status === 'rejected') throw l.reason; return l.value })
    if (alice == null || bob == null) throw new LabError('two people were not launched')
    try {
      return await scenario(alice, bob)
    } catch (err) {
      for (const [who, person] of [['Alice', alice], ['Bob', bob]] as const) {
        console.log(`  ${who}'s peer connections:\n    ${(await connectionHistory(person.page).catch(() => ['(page gone)'])).join('\n    ')}`)
        const shown = await person.page.locator('body').innerText({ timeout: 2000 }).catch(() => '(page gone)')
        console.log(`  ${who}'s page (${person.page.url()}) shows: ${JSON.stringify(shown.slice(0, 300))}`)
        console.log(`  ${who}'s page log:\n    ${person.log.length === 0 ? '(nothing)' : person.log.join('\n    ')}`)
      }
      throw err
    }
  } finally {
    await Promise.allSettled(people.map(async p => await p.close()))
    for (const site of sites) await site.remove()
  }
}

/**
 * Test instrumentation, in every page before the app's scripts: keeps the
 * page's RTCPeerConnections (the app's windows own them, docs/testing.md) so the
 * test can read which ICE candidate pair each one selected, and whether a
 * connection attempt ended without ever connecting (a failed upgrade).
 */
function recordPeerConnections (): void {
  interface Entry { pc: RTCPeerConnection, connected: boolean, ended: boolean, history: string[] }
  const Native = globalThis.RTCPeerConnection
  const list: Entry[] = []
  // close() finds its record here (the list drops old ones)
  const records = new WeakMap<RTCPeerConnection, { entry: Entry, note: (what: string) => void }>()
  Object.defineProperty(globalThis, '__labPeerConnections', { value: list })
  globalThis.RTCPeerConnection = class extends Native {
    constructor (config?: RTCConfiguration) {
      super(config)
      // the app's capability probe makes one with no configuration, no network, and closes it: not an attempt
      if (config === undefined) return
      const born = performance.now()
      const entry: Entry = { pc: this, connected: false, ended: false, history: [`born at ${(born / 1000).toFixed(1)} s`] }
      const note = (what: string): void => {
        if (entry.history.length < 100) entry.history.push(`${Math.round(performance.now() - born)}ms ${what}`)
      }
      records.set(this, { entry, note })
      this.addEventListener('iceconnectionstatechange', () => { note(`ice:${this.iceConnectionState}`) })
      // which side: the dialler makes the offer, the recipient answers one
      this.addEventListener('signalingstatechange', () => {
        if (this.signalingState === 'have-local-offer') note('offer (dialler)')
        if (this.signalingState === 'have-remote-offer') note('answer (recipient)')
      })
      list.push(entry)
      if (list.length > 64) list.shift()
      // the data channels' progress (whoever holds them, a worker included), noted when it changes, for 15 s
      let channels = ''
      const watch = setInterval(() => {
        if (performance.now() - born > 15_000 || this.connectionState === 'closed') {
          clearInterval(watch)
          return
        }
        void this.getStats().then(stats => {
          // noted when a channel appears or changes state, with the messages each sent/received so far
          const states: string[] = []
          const shown: string[] = []
          stats.forEach((s: { type: string, label?: string, dataChannelIdentifier?: number, state?: string, messagesSent?: number, messagesReceived?: number }) => {
            if (s.type !== 'data-channel') return
            states.push(`${s.label ?? ''}#${s.dataChannelIdentifier ?? '?'} ${s.state ?? '?'}`)
            shown.push(`${s.label ?? ''}#${s.dataChannelIdentifier ?? '?'} ${s.state ?? '?'} ${s.messagesSent ?? 0}/${s.messagesReceived ?? 0}`)
          })
          const key = states.join('; ')
          if (key !== channels) {
            channels = key
            note(`channels [${shown.join('; ')}]`)
          }
        }, () => {})
      }, 100)
      this.addEventListener('connectionstatechange', () => {
        note(this.connectionState)
        if (this.connectionState === 'connected') {
          entry.connected = true
          // which pair carried it: candidate types and addresses
          void this.getStats().then(stats => {
            stats.forEach((t: { type: string, selectedCandidatePairId?: string }) => {
              if (t.type !== 'transport' || t.selectedCandidatePairId == null) return
              const pair = stats.get(t.selectedCandidatePairId) as { localCandidateId: string, remoteCandidateId: string } | undefined
              const side = (id: string | undefined): string => {
                const c = id == null ? undefined : stats.get(id) as { candidateType?: string, address?: string, port?: number, protocol?: string, relayProtocol?: string } | undefined
                return `${c?.candidateType ?? '?'}(${c?.protocol ?? ''}${c?.relayProtocol != null ? `/${c.relayProtocol}` : ''} ${c?.address ?? ''}:${c?.port ?? ''})`
              }
              note(`pair ${side(pair?.localCandidateId)} -> ${side(pair?.remoteCandidateId)}`)
            })
          })
        }
        if (this.connectionState === 'failed' || this.connectionState === 'closed') entry.ended = true
      })
    }

    override close (): void {
      const record = records.get(this)
      if (record != null) {
        record.entry.ended = true
        record.note('close() called')
      }
      super.close()
    }
  }
}

interface RecordedConnection { pc: RTCPeerConnection, connected: boolean, ended: boolean, history: string[] }

/** What happened to each peer connection in `page`, oldest first (for a failed scenario's report). */
export async function connectionHistory (page: Page): Promise<string[]> {
  return await page.evaluate(() => {
    const list = (globalThis as unknown as { __labPeerConnections?: RecordedConnection[] }).__labPeerConnections ?? []
    return list.map((e, i) => `#${i}: ${e.history.join(', ')}`)
  })
}

/** How many WebRTC attempts in `page` ended without ever connecting (failed ICE, or the app gave up). */
export async function failedAttempts (page: Page): Promise<number> {
  return await page.evaluate(() => {
    const list = (globalThis as unknown as { __labPeerConnections?: RecordedConnection[] }).__labPeerConnections ?? []
    return list.filter(e => e.ended && !e.connected).length
  })
}

/**
 * `local/remote` candidate types (host, srflx, prflx, relay) of the connected
 * peer connections in `page`: the chat's (no media), or with 'calls' those
 * that carry media (a call's).
 */
export async function selectedCandidates (page: Page, which: 'chat' | 'calls' = 'chat'): Promise<string[]> {
  return await page.evaluate(async (which) => {
    const list = (globalThis as unknown as { __labPeerConnections?: RecordedConnection[] }).__labPeerConnections ?? []
    const pairs: string[] = []
    for (const { pc } of list) {
      if (pc.connectionState !== 'connected' || (pc.getTransceivers().length > 0) !== (which === 'calls')) continue
      const stats = await pc.getStats()
      let pairId: string | undefined
      stats.forEach((s: { type: string, selectedCandidatePairId?: string }) => {
        if (s.type === 'transport' && s.selectedCandidatePairId != null) pairId = s.selectedCandidatePairId
      })
      const pair = pairId == null ? undefined : stats.get(pairId) as { localCandidateId: string, remoteCandidateId: string } | undefined
      if (pair == null) continue
      const local = stats.get(pair.localCandidateId) as { candidateType?: string } | undefined
      const remote = stats.get(pair.remoteCandidateId) as { candidateType?: string } | undefined
      pairs.push(`${local?.candidateType ?? '?'}/${remote?.candidateType ?? '?'}`)
    }
    return pairs
  }, which)
}

export async function makeWorkDir (): Promise<{ dir: string, remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-lab-'))
  return { dir, remove: async () => { await rm(dir, { recursive: true, force: true }) } }
}
