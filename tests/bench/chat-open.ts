/**
 * Opening a chat where the reader is (issue 22): a chat of 1,000 messages
 * whose newest is a received image, in the real app in Chromium on a phone's
 * viewport (360 × 780), served from dist/ on loopback.
 *
 *   chat_open_newest_ms  a click on the chat in the chat list → the first
 *                        painted frame in which the newest message, its
 *                        image loaded, lies wholly inside the message log's
 *                        visible area and above the composer (median of
 *                        OPEN_RUNS openings)
 *
 * The history is written through the app's own ParleyDb
 * (tests/bench/history-seed.ts, as the history figures are). The chat is
 * seen once before the runs, so nothing is unread and it opens at its
 * newest message.
 */
import type { Page } from '@playwright/test'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { installSeeder, seedChat, seedImage } from './history.ts'
import { launch, median, newContext, print } from './lib.ts'

const MESSAGES = 1_000
const OPEN_RUNS = 9
const PHONE = { width: 360, height: 780 }
const MINUTE_MS = 60_000

/**
 * ms from clicking the chat list's link to `#/chat/<contactId>` until message
 * `newestId` is fully in view with its image loaded. Checked after each
 * frame is painted (a task queued from requestAnimationFrame), so a frame
 * that was put right before painting counts, and one that only looked right
 * before layout does not.
 */
async function timeOpen (page: Page, contactId: number, newestId: string): Promise<number> {
  // a string, not a function: tsx would wrap inner functions in a `__name` helper the page lacks
  return page.evaluate(`new Promise((resolve, reject) => {
    const link = document.querySelector('main a[href="#/chat/${contactId}"]')
    if (link === null) { reject(new Error('the chat is not in the chat list')); return }
    const start = performance.now()
    link.click()
    const check = () => {
      const message = document.querySelector('[data-message-id="${newestId}"]')
      const log = document.querySelector('[role="log"]')
      const composer = document.getElementById('chat-message')?.closest('form')
      const img = message?.querySelector('img[data-testid="file-thumb"]')
      if (message != null && log !== null && composer != null && img != null && img.complete && img.naturalWidth > 0) {
        const m = message.getBoundingClientRect()
        const l = log.getBoundingClientRect()
        const c = composer.getBoundingClientRect()
        if (m.height > 0 && m.top >= l.top - 1 && m.bottom <= l.bottom + 1 && m.bottom <= c.top + 1) { resolve(performance.now() - start); return }
      }
      if (performance.now() - start > 60000) { reject(new Error('the newest message was not in view within 60 s')); return }
      requestAnimationFrame(() => setTimeout(check, 0))
    }
    requestAnimationFrame(() => setTimeout(check, 0))
  })`)
}

/** Onboards a person in a fresh context, seeds the chat and takes the figure. */
export async function benchChatOpen (url: string): Promise<void> {
  const browser = await launch()
  try {
    const context = await newContext(browser, { webrtc: false })
    const page = await context.newPage()
    await page.setViewportSize(PHONE)
    await page.goto(url)
    await page.getByLabel('Your name').fill('Bench')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('link', { name: 'Chats' }).waitFor()

    await installSeeder(page)
    const now = Date.now()
    // one message a minute, then the image as the newest
    const chat = await seedChat(page, { name: 'Photo Chat', count: MESSAGES - 1, firstAt: now - MESSAGES * MINUTE_MS, stepMs: MINUTE_MS, prefix: 'photo' })
    const newestId = await seedImage(page, { peerId: chat.peerId, sentAt: now - MINUTE_MS, name: 'garden.png', width: 4032, height: 3024 })

    await page.reload()
    // seen once (the messages came in while it was not on screen: they were unread), so it opens at its newest message
    const row = page.getByRole('main').getByRole('link', { name: /Photo Chat/ })
    await row.click()
    await page.getByRole('heading', { level: 1, name: 'Photo Chat' }).waitFor()
    await page.evaluate('location.hash = "#/"')
    await row.getByTestId('unread').waitFor({ state: 'detached' })
    const opens: number[] = []
    for (let run = 0; run < OPEN_RUNS; run++) {
      await page.evaluate('location.hash = "#/"')
      await page.getByRole('main').getByRole('link', { name: /Photo Chat/ }).waitFor()
      opens.push(await timeOpen(page, chat.contactId, newestId))
    }
    console.log(`# chat open: ${opens.map(ms => Math.round(ms)).join(', ')} ms`)
    print('chat_open_newest_ms', Math.round(median(opens)), 'ms')
    await context.close()
  } finally {
    await browser.close()
  }
}

/** `--only chat-open`: this bench alone, against dist/ (build first; run inside `unshare -n`). */
export async function benchChatOpenAlone (): Promise<void> {
  const app = await startStaticServer({ config: { relays: [], iceServers: [] } })
  try {
    await benchChatOpen(app.url)
  } finally {
    await app.close()
  }
}
