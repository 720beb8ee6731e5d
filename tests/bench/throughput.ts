import { befriend, expectPath } from '../e2e/helpers/parley.ts'
import { browserCpuSeconds } from './cpu.ts'
import { median, print, twoPeople } from './lib.ts'
import { checkAgainstBaseline, printCpuRatio, THROUGHPUT_BYTES } from './raw-channel.ts'
import type { Browser, Page } from '@playwright/test'

const BRIDGE_RUNS = 3

/**
 * Calls the node's `speedTest` RPC from the page over a port of its own to
 * the app's SharedWorker (same script URL and name, so the same worker),
 * speaking the documented RPC wire format (src/lib/rpc/protocol.ts).
 */
export async function speedTestFromPage (page: Page, workerUrl: string, contactId: number, bytes: number): Promise<{ bytes: number, ms: number }> {
  return page.evaluate(async ({ workerUrl, contactId, bytes }) => {
    const worker = new SharedWorker(workerUrl, { type: 'module', name: 'parley-node' })
    const port = worker.port
    const reply = new Promise<{ bytes: number, ms: number }>((resolve, reject) => {
      port.onmessage = ({ data }: MessageEvent<{ type: string, id?: number, ok?: boolean, result?: { bytes: number, ms: number }, error?: { message: string } }>) => {
        if (data.type === 'welcome') port.postMessage({ type: 'call', id: 1, method: 'speedTest', params: { contactId, bytes } })
        if (data.type === 'result' && data.id === 1) {
          if (data.ok === true && data.result != null) resolve(data.result)
          else reject(new Error(data.error?.message ?? 'speed test failed'))
        }
      }
    })
    port.start()
    port.postMessage({ type: 'arrive' })
    try {
      return await reply
    } finally {
      port.postMessage({ type: 'leave' })
      port.close()
    }
  }, { workerUrl, contactId, bytes })
}

/** `bridge_throughput_mbps`: 64 MiB over a libp2p stream on the direct connection, through both workers' bridges. */
export async function benchBridgeThroughput (browser: Browser, url: string, raw: number): Promise<void> {
  const { pageA, pageB, close } = await twoPeople(browser, url)
  await befriend(pageA, pageB)
  await expectPath(pageA, 'direct')
  await expectPath(pageB, 'direct')

  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets')
  await cdp.detach()
  const workerUrl = targetInfos.find(t => t.type === 'shared_worker')?.url
  if (workerUrl == null) throw new Error('no shared worker found')
  // Alice's only contact is Bob: contact id 1 in her fresh database
  const runs: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < BRIDGE_RUNS; i++) {
    const cpuBefore = browserCpuSeconds() ?? NaN
    const result = await speedTestFromPage(pageA, workerUrl, 1, THROUGHPUT_BYTES)
    cpu.push((browserCpuSeconds() ?? NaN) - cpuBefore)
    runs.push(result.bytes * 8 / 1e6 / (result.ms / 1000))
  }
  await close()
  const value = median(runs)
  print('bridge_throughput_mbps', value, 'Mbit/s')
  print('bridge_vs_raw_ratio', value / raw, 'ratio')
  if (cpu.every(Number.isFinite)) print('bridge_cpu_s', median(cpu), 's')
  printCpuRatio('bridge_cpu_ratio', median(cpu))
  checkAgainstBaseline('bridge_throughput_mbps', value, raw)
}
