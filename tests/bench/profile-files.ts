/**
 * Where a direct file transfer spends its time, and whether a change made it
 * faster. Not part of `npm run bench`; run it inside the loopback-only
 * namespace (as the bench runs), on builds of the app:
 *
 *   npx vite build --minify false --outDir /tmp/dist-profile
 *   unshare -n -- sh -c 'ip link set lo up && exec npx tsx tests/bench/profile-files.ts --dist /tmp/dist-profile --profile'
 *
 * - `--profile`: CPU profiles of both people's node worker (SharedWorker),
 *   channel pump worker and tab during the last run: each target's busiest
 *   functions by self time are printed, the `.cpuprofile` files (open them in
 *   DevTools) written to `--out` (default: a fresh directory under the temp
 *   dir). An unminified build names the functions.
 * - `--dist a --dist b --runs 4`: an A/B comparison on a busy machine: one
 *   pair of people per build, one relay, their transfers taking turns run by
 *   run, each build's median printed at the end.
 * - `--bridge`: the bridge's speed test (as `bridge_throughput_mbps`) instead
 *   of a file; `--mib` the size (default 64).
 * - `--trace <file>`: after the last run, writes each target's
 *   `globalThis.__trace` (an array a build instrumented by hand pushes
 *   `[label, performance.now(), …]` to) with its `performance.timeOrigin`, as
 *   JSON keyed by target (`A-node`, `B-pump`, …): the times line up across
 *   threads and processes, so where a chunk waits shows (a run over 64 MiB
 *   found the receiver's chunk writes and the sender's reads, not the window).
 *
 * Every run prints the CPU seconds the browser's processes used for it
 * (tests/bench/cpu.ts).
 *
 * A file is timed as `file_throughput_mbps` times it (tests/bench/files.ts):
 * B's file card from active to complete.
 */
import '../../src/lib/polyfill/promise-with-resolvers.ts'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { attach } from '../e2e/helpers/files.ts'
import { befriend, expectPath } from '../e2e/helpers/parley.ts'
import { startRelayFixture } from '../support/relay.ts'
import { browserCpuSeconds } from './cpu.ts'
import { transferMs, watchTransfer } from './files.ts'
import { launch, twoPeople } from './lib.ts'
import { speedTestFromPage } from './throughput.ts'
import type { CDPSession, Page } from '@playwright/test'

const MIB = 1024 * 1024
const TOP_FUNCTIONS = 25
/** Sampling interval of the profiler, in µs (the default 1000 misses short calls). */
const SAMPLING_US = 200

interface TargetInfo { targetId: string, type: string, url: string, browserContextId?: string }
interface CallFrame { functionName: string, url: string, lineNumber: number, columnNumber: number }
interface ProfileNode { id: number, callFrame: CallFrame, hitCount?: number }
interface Profile { nodes: ProfileNode[], startTime: number, endTime: number, samples?: number[], timeDeltas?: number[] }

/** One attached worker or page target, spoken to over the browser session (Target.sendMessageToTarget). */
class TargetSession {
  #next = 1
  readonly #pending = new Map<number, PromiseWithResolvers<unknown>>()

  constructor (readonly name: string, private readonly cdp: CDPSession, private readonly sessionId: string) {
    cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string, message: string }) => {
      if (e.sessionId !== this.sessionId) return
      const msg = JSON.parse(e.message) as { id?: number, result?: unknown, error?: { message: string } }
      const waiting = msg.id === undefined ? undefined : this.#pending.get(msg.id)
      if (waiting === undefined || msg.id === undefined) return
      this.#pending.delete(msg.id)
      if (msg.error != null) waiting.reject(new Error(`${this.name}: ${msg.error.message}`))
      else waiting.resolve(msg.result)
    })
  }

  async send<T> (method: string, params: object = {}): Promise<T> {
    const id = this.#next++
    const reply = Promise.withResolvers<unknown>()
    this.#pending.set(id, reply)
    await this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
    return reply.promise as Promise<T>
  }
}

/** The browser context id of `page` (to tell whose workers are whose). */
async function contextIdOf (page: Page): Promise<string> {
  const session = await page.context().newCDPSession(page)
  const { targetInfo } = await session.send('Target.getTargetInfo') as unknown as { targetInfo: TargetInfo }
  await session.detach()
  if (targetInfo.browserContextId === undefined) throw new Error('the page has no browser context id')
  return targetInfo.browserContextId
}

/** Attaches to every shared worker, dedicated worker and page of the two people. */
async function attachAll (cdp: CDPSession, people: Record<string, Page>): Promise<TargetSession[]> {
  const owners = new Map<string, string>()
  for (const [name, page] of Object.entries(people)) owners.set(await contextIdOf(page), name)
  const { targetInfos } = await cdp.send('Target.getTargets') as unknown as { targetInfos: TargetInfo[] }
  const sessions: TargetSession[] = []
  for (const target of targetInfos) {
    const owner = target.browserContextId === undefined ? undefined : owners.get(target.browserContextId)
    if (owner === undefined || !['shared_worker', 'worker', 'page'].includes(target.type)) continue
    const kind = target.type === 'shared_worker' ? 'node' : target.type === 'worker' ? 'pump' : 'tab'
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false }) as { sessionId: string }
    sessions.push(new TargetSession(`${owner}-${kind}`, cdp, sessionId))
  }
  return sessions
}

/** The script URL of the shared worker in the browser context `contextId`. */
async function sharedWorkerUrl (cdp: CDPSession, contextId: string): Promise<string> {
  const { targetInfos } = await cdp.send('Target.getTargets') as unknown as { targetInfos: TargetInfo[] }
  const url = targetInfos.find(t => t.type === 'shared_worker' && t.browserContextId === contextId)?.url
  if (url === undefined) throw new Error('no shared worker found')
  return url
}

/** Self time per function (name and place), in ms, busiest first. */
function selfTimes (profile: Profile): Array<{ where: string, ms: number }> {
  const byNode = new Map(profile.nodes.map(n => [n.id, n]))
  const totals = new Map<string, number>()
  const samples = profile.samples ?? []
  const deltas = profile.timeDeltas ?? []
  for (let i = 0; i < samples.length; i++) {
    const node = byNode.get(samples[i] ?? -1)
    if (node === undefined) continue
    const { functionName, url, lineNumber } = node.callFrame
    const file = url.split('/').pop() ?? ''
    const where = `${functionName === '' ? '(anonymous)' : functionName} ${file}:${lineNumber + 1}`
    // a sample's time is the delta to the next one
    totals.set(where, (totals.get(where) ?? 0) + (deltas[i + 1] ?? 0) / 1000)
  }
  return [...totals].map(([where, ms]) => ({ where, ms })).sort((a, b) => b.ms - a.ms)
}

interface Pair {
  name: string
  app: { url: string, close(): Promise<void> }
  pageA: Page
  pageB: Page
  close(): Promise<void>
  workerUrl: string
  results: number[]
}

/** One 64 MiB run on `pair`: the file A → B (B's active → complete), or the bridge's speed test. In Mbit/s. */
async function runOnce (pair: Pair, path: string, bytes: number, bridge: boolean, name: string): Promise<number> {
  if (bridge) {
    // Alice's only contact is Bob: contact id 1 in her fresh database
    const { ms } = await speedTestFromPage(pair.pageA, pair.workerUrl, 1, bytes)
    return bytes * 8 / 1e6 / (ms / 1000)
  }
  // watched as file_throughput_mbps watches it (a MutationObserver, polled every 100 ms): a
  // locator's waitFor polls on every animation frame, which makes the tab render all along
  await watchTransfer(pair.pageB, name)
  const started = performance.now()
  await attach(pair.pageA, path)
  const seconds = await transferMs(pair.pageB) / 1000
  console.log(`  ${pair.name}: attach → complete in B ${((performance.now() - started) / 1000).toFixed(2)} s, active → complete ${seconds.toFixed(2)} s`)
  return bytes * 8 / 1e6 / seconds
}

async function printProfiles (sessions: TargetSession[], out: string): Promise<void> {
  for (const s of sessions) {
    const { profile } = await s.send<{ profile: Profile }>('Profiler.stop')
    await writeFile(join(out, `${s.name}.cpuprofile`), JSON.stringify(profile))
    const times = selfTimes(profile)
    const total = times.reduce((sum, t) => sum + t.ms, 0)
    const idle = times.find(t => t.where.startsWith('(idle)'))?.ms ?? 0
    console.log(`\n${s.name}: busy ${(total - idle).toFixed(0)} ms of ${total.toFixed(0)} ms`)
    for (const t of times.filter(t => !t.where.startsWith('(idle)')).slice(0, TOP_FUNCTIONS)) {
      console.log(`  ${t.ms.toFixed(0).padStart(7)} ms  ${t.where}`)
    }
  }
  console.log(`\nprofiles in ${out}`)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

async function main (): Promise<void> {
  const { values } = parseArgs({
    options: {
      dist: { type: 'string', multiple: true },
      runs: { type: 'string', default: '1' },
      mib: { type: 'string', default: '64' },
      bridge: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      trace: { type: 'string' },
      out: { type: 'string' }
    }
  })
  const dists = values.dist ?? ['dist']
  const bytes = Number(values.mib) * MIB
  const runs = Number(values.runs)
  const relay = await startRelayFixture({ dataDirPrefix: 'parley-profile-relay-' })
  const browser = await launch()
  const dir = await mkdtemp(join(tmpdir(), 'parley-profile-files-'))
  const pairs: Pair[] = []
  try {
    const cdp = await browser.newBrowserCDPSession()
    for (const [i, dist] of dists.entries()) {
      const app = await startStaticServer({ root: resolve(dist), config: { relays: relay.wsMultiaddrs, iceServers: [] } })
      const { pageA, pageB, close } = await twoPeople(browser, app.url)
      await befriend(pageA, pageB)
      await expectPath(pageA, 'direct')
      await expectPath(pageB, 'direct')
      pairs.push({ name: dists.length > 1 ? `${i}` : '', app, pageA, pageB, close, workerUrl: await sharedWorkerUrl(cdp, await contextIdOf(pageA)), results: [] })
    }
    for (let run = 0; run < runs; run++) {
      for (const pair of pairs) {
        const name = `profile-${run}.bin`
        const path = join(dir, name)
        await writeFile(path, randomBytes(bytes))
        const profiling = (values.profile === true || values.trace !== undefined) && run === runs - 1
        const sessions = profiling ? await attachAll(cdp, { [`${pair.name}A`]: pair.pageA, [`${pair.name}B`]: pair.pageB }) : []
        for (const s of sessions) {
          if (values.trace !== undefined) continue
          await s.send('Profiler.enable')
          await s.send('Profiler.setSamplingInterval', { interval: SAMPLING_US })
          await s.send('Profiler.start')
        }
        const cpu0 = browserCpuSeconds() ?? NaN
        const mbps = await runOnce(pair, path, bytes, values.bridge === true, name)
        console.log(`  browser CPU ${((browserCpuSeconds() ?? NaN) - cpu0).toFixed(2)} s`)
        pair.results.push(mbps)
        console.log(`run ${run} ${dists[pairs.indexOf(pair)] ?? ''}: ${mbps.toFixed(1)} Mbit/s`)
        await rm(path)
        if (profiling && values.trace !== undefined) {
          const all: Record<string, unknown> = {}
          for (const s of sessions) {
            const r = await s.send<{ result: { value?: string } }>('Runtime.evaluate', { expression: 'JSON.stringify({ o: performance.timeOrigin, t: globalThis.__trace ?? [] })', returnByValue: true })
            all[s.name] = JSON.parse(r.result.value ?? '{}')
          }
          await writeFile(values.trace, JSON.stringify(all))
        } else if (profiling) {
          const out = values.out ?? await mkdtemp(join(tmpdir(), 'parley-profile-'))
          await mkdir(out, { recursive: true })
          await printProfiles(sessions, out)
        }
      }
    }
    for (const [i, pair] of pairs.entries()) {
      console.log(`${dists[i] ?? ''}: median ${median(pair.results).toFixed(1)} Mbit/s of ${pair.results.map(r => r.toFixed(1)).join(', ')}`)
    }
    await cdp.detach()
  } finally {
    for (const pair of pairs) {
      await pair.close()
      await pair.app.close()
    }
    await browser.close()
    await relay.close()
    await rm(dir, { recursive: true, force: true })
  }
}

await main()
