/**
 * History at scale (issue 9): a chat holding 100,000 messages in the real app
 * in Chromium, served from dist/ on loopback.
 *
 *   history_open_100k_ms    hash navigation to the chat → its newest message rendered
 *                           in view (median of OPEN_RUNS)
 *   history_search_100k_ms  a query typed on #/search → its results shown (median over
 *                           SEARCH_QUERIES; the screen searches at every change, with no
 *                           typing pause)
 *   history_search_short_100k_ms  the same for queries of one or two characters
 *                           (SHORT_QUERIES): prefixes that stand for many words
 *   export_100k_ms, export_peak_heap_mb  the big chat, with a gigabyte of files
 *                           added, exported as a ZIP (export.ts)
 *
 * The messages are written by `seedScript()`: tests/bench/history-seed.ts
 * bundled with Vite into one IIFE and evaluated in the page, so they go
 * through the app's own ParleyDb (schema, search-index middleware). The
 * shipped app has no test hooks.
 */
import { resolve } from 'node:path'
import { build } from 'vite'
import type { Page } from '@playwright/test'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { benchExport } from './export.ts'
import { launch, median, newContext, print } from './lib.ts'
import type { SeedChatInput, SeededChat, SeedImageInput } from './history-seed.ts'

const MESSAGES = 100_000
const OTHER_CHATS = 2
const OTHER_MESSAGES = 2_000
const OPEN_RUNS = 5
const SEARCH_QUERIES = ['встреча завтра', 'coffee', 'projec', 'needle', 'photo garden']
/** The start of a word, as typed first: letters of both alphabets and a digit (every message has a number). */
const SHORT_QUERIES = ['c', 'з', 'pr', 'в', '1', '12']
const DAY_MS = 24 * 60 * 60 * 1000

let bundled: string | undefined

/** The page-side seeder (history-seed.ts) as one IIFE script, built once per process. */
export async function seedScript (): Promise<string> {
  if (bundled !== undefined) return bundled
  const output = await build({
    configFile: false,
    logLevel: 'warn',
    root: resolve(import.meta.dirname, '..', '..'),
    build: {
      write: false,
      minify: false,
      target: 'es2022',
      lib: { entry: resolve(import.meta.dirname, 'history-seed.ts'), formats: ['iife'], name: 'parleySeedBundle' }
    }
  })
  const results = Array.isArray(output) ? output : [output]
  for (const result of results) {
    if (!('output' in result)) continue
    for (const chunk of result.output) {
      if (chunk.type === 'chunk' && chunk.isEntry) bundled = chunk.code
    }
  }
  if (bundled === undefined) throw new Error('the seed bundle has no entry chunk')
  return bundled
}

/** Loads the seeder into `page` (evaluate: not subject to the app's CSP). */
export async function installSeeder (page: Page): Promise<void> {
  await page.evaluate(await seedScript())
}

/** Seeds one chat in `page` (installSeeder first). */
export async function seedChat (page: Page, input: SeedChatInput): Promise<SeededChat> {
  return page.evaluate(async (arg) => {
    const seeder = window.parleySeed
    if (seeder === undefined) throw new Error('installSeeder first')
    return seeder.seedChat(arg)
  }, input)
}

/** Seeds one received image at the end of a chat (installSeeder first); returns its message id. */
export async function seedImage (page: Page, input: SeedImageInput): Promise<string> {
  return page.evaluate(async (arg) => {
    const seeder = window.parleySeed
    if (seeder === undefined) throw new Error('installSeeder first')
    return seeder.seedImage(arg)
  }, input)
}

/** ms from a hash navigation to `#/chat/<id>` until message `lastId` is rendered in view. */
async function timeOpen (page: Page, contactId: number, lastId: string): Promise<number> {
  // a string, not a function: tsx would wrap inner functions in a `__name` helper the page lacks
  return page.evaluate(`new Promise((resolve, reject) => {
    const start = performance.now()
    location.hash = '#/chat/${contactId}'
    const check = () => {
      const el = document.querySelector('[data-message-id="${lastId}"]')
      const log = document.querySelector('[role="log"]')
      if (el !== null && log !== null) {
        const r = el.getBoundingClientRect()
        const l = log.getBoundingClientRect()
        if (r.height > 0 && r.top >= l.top - 1 && r.bottom <= l.bottom + 1) { resolve(performance.now() - start); return }
      }
      if (performance.now() - start > 60000) { reject(new Error('chat did not open in 60 s')); return }
      requestAnimationFrame(check)
    }
    requestAnimationFrame(check)
  })`)
}

/** ms from typing `query` into the search box until its results list is shown. */
async function timeSearch (page: Page, query: string): Promise<number> {
  const box = page.getByRole('searchbox', { name: 'Search in all chats' })
  await box.fill('')
  await page.locator('ul.results').waitFor({ state: 'detached' })
  // strings evaluated by CDP, not by the page (its CSP forbids eval, so no waitForFunction)
  await page.evaluate(`(() => {
    const input = document.querySelector('#search-query')
    window.__searchDone = new Promise((resolve, reject) => {
      input.addEventListener('input', () => {
        const start = performance.now()
        const check = () => {
          const list = document.querySelector('ul.results')
          if (list !== null && list.dataset.query === ${JSON.stringify(query)} && list.querySelector('li') !== null) { resolve(performance.now() - start); return }
          if (performance.now() - start > 60000) { reject(new Error('no results in 60 s')); return }
          requestAnimationFrame(check)
        }
        requestAnimationFrame(check)
      }, { once: true })
    })
  })()`)
  await box.fill(query)
  return page.evaluate('window.__searchDone')
}

/** Onboards a person in a fresh context, seeds the chats and takes both figures. */
export async function benchHistory (url: string): Promise<void> {
  const browser = await launch()
  try {
    const context = await newContext(browser, { webrtc: false })
    const page = await context.newPage()
    await page.setViewportSize({ width: 1000, height: 800 })
    await page.goto(url)
    await page.getByLabel('Your name').fill('Bench')
    await page.getByRole('button', { name: 'Continue' }).click()
    await page.getByRole('link', { name: 'Chats' }).waitFor()

    const seedStart = Date.now()
    await installSeeder(page)
    const now = Date.now()
    // one message every 30 s: 100,000 of them span about 35 days
    const big = await seedChat(page, {
      name: 'Big Chat', count: MESSAGES, firstAt: now - MESSAGES * 30_000, stepMs: 30_000, prefix: 'big',
      special: { 12_345: 'the needle in the haystack', [MESSAGES - 1]: 'the newest message of the big chat' }
    })
    for (let i = 0; i < OTHER_CHATS; i++) {
      await seedChat(page, { name: `Other ${i}`, count: OTHER_MESSAGES, firstAt: now - 10 * DAY_MS, stepMs: 60_000, prefix: `other${i}` })
    }
    console.log(`# history seed: ${MESSAGES} + ${OTHER_CHATS * OTHER_MESSAGES} messages written in ${Date.now() - seedStart} ms`)
    const lastId = big.specialIds[MESSAGES - 1]
    if (lastId === undefined) throw new Error('the newest message was not seeded')

    await page.reload()
    await page.getByRole('link', { name: 'Chats' }).waitFor()
    // seen once (its messages came in while it was not on screen: unread, and a chat opens at its
    // first unread message), so it opens at its newest message
    const row = page.getByRole('main').getByRole('link', { name: /Big Chat/ })
    await row.click()
    await page.getByRole('heading', { level: 1, name: 'Big Chat' }).waitFor()
    await page.evaluate('location.hash = "#/"')
    await row.getByTestId('unread').waitFor({ state: 'detached' })
    const opens: number[] = []
    for (let run = 0; run < OPEN_RUNS; run++) {
      await page.evaluate('location.hash = "#/"')
      await page.getByRole('main').getByRole('link', { name: /Big Chat/ }).waitFor()
      opens.push(await timeOpen(page, big.contactId, lastId))
    }
    print('history_open_100k_ms', Math.round(median(opens)), 'ms')

    await page.evaluate('location.hash = "#/search"')
    const searches: number[] = []
    for (const query of SEARCH_QUERIES) searches.push(await timeSearch(page, query))
    console.log(`# history search: ${SEARCH_QUERIES.map((q, i) => `${q} ${Math.round(searches[i] ?? NaN)} ms`).join(', ')}`)
    print('history_search_100k_ms', Math.round(median(searches)), 'ms')
    const shorts: number[] = []
    for (const query of SHORT_QUERIES) shorts.push(await timeSearch(page, query))
    console.log(`# history search, short: ${SHORT_QUERIES.map((q, i) => `${q} ${Math.round(shorts[i] ?? NaN)} ms`).join(', ')}`)
    print('history_search_short_100k_ms', Math.round(median(shorts)), 'ms')
    // the seeder again: the page was reloaded since
    await installSeeder(page)
    await benchExport(page, { peerId: big.peerId, contactId: big.contactId, name: 'Big Chat' }, now)
    await context.close()
  } finally {
    await browser.close()
  }
}

/** `tsx tests/bench/history.ts`: this bench alone, against dist/ (build first; run inside `unshare -n`). */
export async function benchHistoryAlone (): Promise<void> {
  const app = await startStaticServer({ config: { relays: [], iceServers: [] } })
  try {
    await benchHistory(app.url)
  } finally {
    await app.close()
  }
}
