/**
 * `reaction_latency_direct_p50_ms`: a reaction chosen in A's picker → its
 * chip shown under the message in B's DOM, over the direct WebRTC
 * connection (median over REACTION_RUNS runs of each run's p50).
 */
import { befriend, expectPath, message, send } from '../e2e/helpers/parley.ts'
import { median, percentile, print, twoPeople } from './lib.ts'
import type { Browser, Page } from '@playwright/test'

const REACTION_RUNS = 3
const REACTIONS_PER_RUN = 20
/** Alternated, so that every reaction replaces the last one and B's chip changes each time. */
const EMOJI = ['👍', '❤️']

/** Records, in B's page, when each chip text first appears under any message (B's clock). */
async function watchChips (page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = new Map<string, number>()
    ;(window as unknown as { __chips: Map<string, number> }).__chips = seen
    new MutationObserver(() => {
      const now = Date.now()
      for (const group of document.querySelectorAll('[role="group"][aria-label="Reactions"]')) {
        const text = group.textContent?.replace(/\s+/g, ' ').trim() ?? ''
        if (!seen.has(text)) seen.set(text, now)
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

async function measure (pageA: Page, pageB: Page, text: string): Promise<number[]> {
  await watchChips(pageB)
  const latencies: number[] = []
  for (let i = 0; i < REACTIONS_PER_RUN; i++) {
    const emoji = EMOJI[i % EMOJI.length] ?? '👍'
    await pageB.evaluate(() => { (window as unknown as { __chips: Map<string, number> }).__chips.clear() })
    await message(pageA, text).locator('.bubble').click({ button: 'right' })
    await pageA.getByRole('menu', { name: 'Message actions' }).getByRole('menuitem', { name: 'React', exact: true }).click()
    const button = pageA.getByRole('dialog', { name: 'React to the message' }).getByRole('button', { name: emoji })
    await button.waitFor()
    // "react" = the moment A's page sees the click (capture phase, before the app's handler)
    await pageA.evaluate(() => {
      document.addEventListener('click', () => { (window as unknown as { __reactedAt: number }).__reactedAt = Date.now() }, { capture: true, once: true })
    })
    await button.click()
    const reactedAt = await pageA.evaluate(() => (window as unknown as { __reactedAt: number }).__reactedAt)
    const shown = await pageB.waitForFunction((e) => {
      for (const [chip, at] of (window as unknown as { __chips: Map<string, number> }).__chips) if (chip.includes(e)) return at
      return false
    }, emoji, { polling: 'raf', timeout: 30_000 }).then(async h => h.jsonValue() as Promise<number>)
    latencies.push(shown - reactedAt)
  }
  return latencies
}

export async function benchReaction (browser: Browser, url: string): Promise<void> {
  const p50s: number[] = []
  for (let run = 0; run < REACTION_RUNS; run++) {
    const { pageA, pageB, close } = await twoPeople(browser, url, { webrtc: true })
    await befriend(pageA, pageB)
    const text = `react to me ${run}`
    await send(pageB, text)
    await message(pageA, text).waitFor()
    await expectPath(pageA, 'direct')
    await expectPath(pageB, 'direct')
    p50s.push(percentile(await measure(pageA, pageB, text), 50))
    await close()
  }
  print('reaction_latency_direct_p50_ms', median(p50s), 'ms')
}
