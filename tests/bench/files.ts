import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { relayedFileAllowance } from '@parley/protocol/file/relayed'
import { attach, transferRecord } from '../e2e/helpers/files.ts'
import { befriend, expectPath } from '../e2e/helpers/parley.ts'
import { browserCpuSeconds } from './cpu.ts'
import { launch, median, print, sharedWorkerHeaps, twoPeople, withRelayAndApp } from './lib.ts'
import { checkAgainstBaseline, printCpuRatio } from './raw-channel.ts'
import type { Browser, Page } from '@playwright/test'

const MIB = 1024 * 1024
const THROUGHPUT_BYTES = 64 * MIB
const THROUGHPUT_RUNS = 3
const HEAP_BYTES = 256 * MIB
const HEAP_SAMPLE_MS = 250

/**
 * Records, in the receiver's page, when the file card of `name` first shows
 * the transfer active and when it shows it complete (performance.now()).
 */
export async function watchTransfer (page: Page, name: string): Promise<void> {
  // a string, not a function: tsx would wrap the inner named function in a
  // `__name` helper that does not exist in the page
  await page.evaluate(`(() => {
    const fileName = ${JSON.stringify(name)}
    const times = {}
    window.__transfer = times
    const observer = new MutationObserver(() => { check() })
    function check () {
      for (const card of document.querySelectorAll('[data-testid="file-card"]')) {
        if (!(card.textContent ?? '').includes(fileName)) continue
        const state = card.dataset.state
        if (state === 'active' || state === 'verifying') times.active ??= performance.now()
        if (state === 'complete') {
          times.active ??= performance.now()
          times.complete ??= performance.now()
          observer.disconnect()
        }
      }
    }
    observer.observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] })
    check()
  })()`)
}

export async function transferMs (page: Page): Promise<number> {
  const handle = await page.waitForFunction(() => {
    const times = (window as unknown as { __transfer?: { active?: number, complete?: number } }).__transfer
    return times?.complete != null && times.active != null ? times.complete - times.active : false
  }, null, { timeout: 600_000, polling: 100 })
  return handle.jsonValue() as Promise<number>
}

/** Sends a random file of `bytes` from A to B and returns B's active → complete time in ms. */
async function sendOne (pageA: Page, pageB: Page, dir: string, name: string, bytes: number): Promise<number> {
  const path = join(dir, name)
  await writeFile(path, randomBytes(bytes))
  await watchTransfer(pageB, name)
  await attach(pageA, path)
  const ms = await transferMs(pageB)
  await rm(path)
  return ms
}

/** Two befriended people in `browser` whose chat is on `path` (relayed: contexts that cannot do WebRTC). */
async function pairOn (browser: Browser, url: string, path: 'direct' | 'relayed'): ReturnType<typeof twoPeople> {
  const people = await twoPeople(browser, url, { webrtc: path === 'direct' })
  await befriend(people.pageA, people.pageB)
  await expectPath(people.pageA, path)
  await expectPath(people.pageB, path)
  return people
}

/** Like {@link sendOne}, in Mbit/s, and fails unless B pulled the file over `path`. */
async function sendOneOver (path: 'direct' | 'relayed', pageA: Page, pageB: Page, dir: string, name: string, bytes: number): Promise<number> {
  const ms = await sendOne(pageA, pageB, dir, name, bytes)
  const went = (await transferRecord(pageB, name))?.path
  if (went !== path) throw new Error(`${name} went ${String(went)}, not ${path}`)
  return bytes * 8 / 1e6 / (ms / 1000)
}

/** The largest JS heap (node worker + tab, per person) seen while `work` runs, in MiB. */
async function peakHeap (browser: Browser, pages: Page[], work: Promise<unknown>): Promise<number> {
  let peak = 0
  let finished = false
  const done = work.finally(() => { finished = true })
  const sessions = await Promise.all(pages.map(async page => page.context().newCDPSession(page)))
  while (!finished) {
    const workers = await sharedWorkerHeaps(browser)
    const tabs = await Promise.all(sessions.map(async s => (await s.send('Runtime.getHeapUsage')).usedSize))
    // one shared worker per context; pair them with the tabs by size order is not possible, so take the worst worker + the worst tab
    peak = Math.max(peak, (Math.max(...workers) + Math.max(...tabs)) / MIB)
    await Promise.race([done, new Promise(resolve => setTimeout(resolve, HEAP_SAMPLE_MS))]) // a sampling interval, not a wait for a condition
  }
  await done
  return peak
}

/**
 * `file_throughput_mbps`: a 64 MiB file from A to B over the direct path
 * through the whole app (worker bridge, file protocol, OPFS, the final
 * whole-file check), timed in B from the transfer turning active to complete.
 * `file_vs_raw_ratio` against the raw RTCDataChannel figure of the same run.
 * `file_peak_heap_mb`: the highest JS heap of one person (node worker + tab)
 * during a 256 MiB transfer; `file_peak_heap_64mib_mb` the same during the
 * 64 MiB ones, to show it does not grow with the file.
 */
export async function benchFiles (url: string, raw: number): Promise<void> {
  // a browser of its own, so that only these two people's workers are counted
  const browser = await launch()
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-files-'))
  try {
    const { pageA, pageB, close } = await pairOn(browser, url, 'direct')
    const runs: number[] = []
    const cpu: number[] = []
    let peak64 = 0
    for (let i = 0; i < THROUGHPUT_RUNS; i++) {
      const cpuBefore = browserCpuSeconds() ?? NaN
      const transfer = sendOne(pageA, pageB, dir, `bench-${i}.bin`, THROUGHPUT_BYTES)
      peak64 = Math.max(peak64, await peakHeap(browser, [pageA, pageB], transfer))
      runs.push(THROUGHPUT_BYTES * 8 / 1e6 / (await transfer / 1000))
      cpu.push((browserCpuSeconds() ?? NaN) - cpuBefore)
    }
    const throughput = median(runs)
    print('file_throughput_mbps', throughput, 'Mbit/s')
    print('file_vs_raw_ratio', throughput / raw, 'ratio')
    // from attach to complete: the sender's hashing and the heap sampling included
    if (cpu.every(Number.isFinite)) print('file_cpu_s', median(cpu), 's')
    printCpuRatio('file_cpu_ratio', median(cpu))
    checkAgainstBaseline('file_throughput_mbps', throughput, raw)

    const big = sendOne(pageA, pageB, dir, 'bench-256.bin', HEAP_BYTES)
    print('file_peak_heap_mb', await peakHeap(browser, [pageA, pageB], big), 'MB')
    print('file_peak_heap_64mib_mb', peak64, 'MB')
    await close()
  } finally {
    await browser.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * `file_throughput_mbps_firefox`: the 64 MiB file of `file_throughput_mbps`,
 * Firefox → Firefox on the direct path, in the Firefox `browser`. Firefox
 * cannot transfer an RTCDataChannel to a worker, so there the app drives the
 * data channels from the tab's main thread, not from the channel pump worker
 * (docs/testing.md, "Firefox"): this measures that main-thread path. No heap
 * figures: they are read over CDP, which Firefox does not speak.
 */
export async function benchFilesFirefox (browser: Browser, url: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-files-'))
  try {
    const { pageA, pageB, close } = await pairOn(browser, url, 'direct')
    const runs: number[] = []
    for (let i = 0; i < THROUGHPUT_RUNS; i++) runs.push(await sendOneOver('direct', pageA, pageB, dir, `bench-ff-${i}.bin`, THROUGHPUT_BYTES))
    await close()
    print('file_throughput_mbps_firefox', median(runs), 'Mbit/s')
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** The relay's data limit per relayed connection (both directions) for `file_relayed_throughput_mbps`. */
const RELAYED_CIRCUIT_BYTES = 24 * MIB
/** Within what that relay allows a file (relayedFileAllowance: the limit less a 1 MiB reserve and 2 %, about 22.5 MiB). */
const RELAYED_FILE_BYTES = 16 * MIB
const RELAYED_RUNS = 3

/**
 * `file_relayed_throughput_mbps`: a 16 MiB file Chromium → Chromium over a
 * relayed connection (contexts without the media permission gather no ICE
 * candidates, so no direct path exists), through a relay-node of its own that
 * allows 24 MiB per relayed connection. Timed in B from the transfer turning
 * active (the pull begins, after any wait for a direct connection) to
 * complete. A fresh pair each run: each file uses up most of its connection's
 * data limit.
 */
export async function benchRelayedFile (): Promise<void> {
  if (RELAYED_FILE_BYTES > relayedFileAllowance({ bytes: BigInt(RELAYED_CIRCUIT_BYTES) })) {
    throw new Error('the relayed bench file does not fit the relay\'s data limit')
  }
  await withRelayAndApp(['--circuit-data-bytes', String(RELAYED_CIRCUIT_BYTES)], async (url) => {
    const browser = await launch()
    const dir = await mkdtemp(join(tmpdir(), 'parley-bench-files-'))
    try {
      const runs: number[] = []
      for (let i = 0; i < RELAYED_RUNS; i++) {
        const { pageA, pageB, close } = await pairOn(browser, url, 'relayed')
        runs.push(await sendOneOver('relayed', pageA, pageB, dir, `bench-relayed-${i}.bin`, RELAYED_FILE_BYTES))
        await close()
      }
      print('file_relayed_throughput_mbps', median(runs), 'Mbit/s')
    } finally {
      await browser.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
}
