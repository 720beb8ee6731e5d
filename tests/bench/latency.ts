import { befriend, expectPath, message, send } from '../e2e/helpers/parley.ts'
import { arrival, median, percentile, print, twoPeople, watchArrivals } from './lib.ts'
import type { Browser, Page } from '@playwright/test'

const LATENCY_RUNS = 3
const MESSAGES_PER_RUN = 40

/** send in A → shown in B's DOM, for MESSAGES_PER_RUN messages sent one after another */
async function measure (pageA: Page, pageB: Page, label: string): Promise<number[]> {
  await watchArrivals(pageB)
  // "send" = the moment A's page sees the Enter key (capture phase, before the app's handler)
  await pageA.evaluate(() => {
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') (window as unknown as { __sentAt: number }).__sentAt = Date.now()
    }, { capture: true })
  })
  const latencies: number[] = []
  const box = pageA.getByRole('textbox', { name: 'Message', exact: true })
  for (let i = 0; i < MESSAGES_PER_RUN; i++) {
    const text = `${label} probe ${i}`
    await box.fill(text)
    await box.press('Enter')
    const sentAt = await pageA.evaluate(() => (window as unknown as { __sentAt: number }).__sentAt)
    const arrived = await arrival(pageB, text)
    latencies.push(arrived - sentAt)
  }
  return latencies
}

/**
 * `msg_latency_<path>_p50_ms<suffix>` / `_p99_ms<suffix>`: medians over
 * LATENCY_RUNS runs of each run's percentile, both people in `browser`.
 * Relayed runs use contexts that cannot do WebRTC (Chromium only: Firefox
 * switches WebRTC per browser, tests/support/browsers.ts).
 */
export async function benchLatency (browser: Browser, url: string, path: 'relayed' | 'direct', suffix = ''): Promise<void> {
  const p50s: number[] = []
  const p99s: number[] = []
  for (let run = 0; run < LATENCY_RUNS; run++) {
    const { pageA, pageB, close } = await twoPeople(browser, url, { webrtc: path === 'direct' })
    await befriend(pageA, pageB)
    // warm-up: the first message also opens the connection
    await send(pageA, 'warm-up')
    await message(pageB, 'warm-up').waitFor()
    await expectPath(pageA, path)
    await expectPath(pageB, path)
    const latencies = await measure(pageA, pageB, `${path} ${run}`)
    p50s.push(percentile(latencies, 50))
    p99s.push(percentile(latencies, 99))
    await close()
  }
  print(`msg_latency_${path}_p50_ms${suffix}`, median(p50s), 'ms')
  print(`msg_latency_${path}_p99_ms${suffix}`, median(p99s), 'ms')
}
