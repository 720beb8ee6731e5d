import { median, newContext, print } from './lib.ts'
import type { Browser, Page } from '@playwright/test'

const ONLINE_RUNS = 7
const FIRST_PAINT_RUNS = 7

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
 * With `firstPaint` (Chromium) then `first_paint_ms`: the same returning
 * user's chats list with a cold cache, median of FIRST_PAINT_RUNS.
 */
export async function benchOnline (browser: Browser, url: string, name = 'online_ms', firstPaint = false): Promise<void> {
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
  print(name, Math.round(median(samples)), 'ms')
  if (firstPaint) {
    const paints: number[] = []
    for (let i = 0; i < FIRST_PAINT_RUNS; i++) paints.push(await timeToChatsList(await context.newPage(), url))
    print('first_paint_ms', Math.round(median(paints)), 'ms')
  }
  await context.close()
}

/**
 * ms from navigation start until the frame in which a returning user's chats
 * list has its content (its rows, or the words for none), by the page's own
 * clock, with a cold cache: the browser's HTTP cache emptied and the service
 * worker's precache bypassed (Chromium's DevTools protocol), the node's worker
 * started cold (the page before it closed). Closes the page.
 */
async function timeToChatsList (page: Page, url: string): Promise<number> {
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setBypassServiceWorker', { bypass: true })
  await cdp.send('Network.clearBrowserCache')
  await page.goto(url)
  const at = await page.waitForFunction(() => {
    const list = document.querySelector('section.chats')
    return list?.querySelector('ul.list, .empty') != null ? performance.now() : false
  }, null, { polling: 'raf', timeout: 60_000 }).then(async h => h.jsonValue() as Promise<number>)
  await cdp.detach()
  await page.close()
  return at
}
