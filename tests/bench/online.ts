import { median, newContext, print } from './lib.ts'
import type { Browser, Page } from '@playwright/test'

const ONLINE_RUNS = 7

/** ms from navigation start until the status says online, measured by the page's own clock */
async function timeToOnline (page: Page, url: string): Promise<number> {
  await page.goto(url)
  return page.waitForFunction(() => {
    const el = document.querySelector('[role="status"][aria-label="Connection status"]')
    return el?.textContent?.trim() === 'online' ? performance.now() : false
  }, null, { polling: 'raf', timeout: 60_000 }).then(async h => h.jsonValue() as Promise<number>)
}

/**
 * `online_ms` (or `name`): page navigation → relay reservation held, for a
 * returning user whose node starts cold; median of ONLINE_RUNS in `browser`.
 */
export async function benchOnline (browser: Browser, url: string, name = 'online_ms'): Promise<void> {
  const context = await newContext(browser)
  const first = await context.newPage()
  await first.goto(url)
  await first.getByLabel('Your name').fill('Bench')
  await first.getByRole('button', { name: 'Continue' }).click()
  await first.getByRole('status', { name: 'Connection status' }).getByText('online').waitFor({ timeout: 60_000 })
  await first.close()
  const samples: number[] = []
  for (let i = 0; i < ONLINE_RUNS; i++) {
    // the only page closed, so the SharedWorker (and its node) is gone: a cold start of the node
    const page = await context.newPage()
    samples.push(await timeToOnline(page, url))
    await page.close()
  }
  await context.close()
  print(name, Math.round(median(samples)), 'ms')
}
