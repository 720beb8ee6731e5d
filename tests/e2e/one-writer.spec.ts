import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { expect, test } from './fixtures.ts'
import { message, onboard, send } from './helpers/parley.ts'
import { NOT_THE_APP } from '../support/origin-snapshot.ts'
import type { Page } from '@playwright/test'

/*
 * One writer per database (issue 57 item 9; src/lib/p2p/kernel/writer-lock.ts),
 * with the browser's own Web Locks, BroadcastChannel and SharedWorkers.
 * An app update leaves the old build's SharedWorker running beside the new
 * one (their scripts' URLs differ). Here the older build is the same bundle
 * started with `?build=1` (node-core.ts: a worker's URL may claim an older
 * build, never a newer one), which is to the browser another script URL, so
 * another SharedWorker on the same IndexedDB: as after an update.
 */

/** The built node worker's path (the static server serves dist/). */
function workerPath (): string {
  const name = readdirSync(join(process.cwd(), 'dist', 'assets')).find(f => /^node\.worker-.+\.js$/.test(f))
  if (name === undefined) throw new Error('no node worker in dist/assets: build first')
  return `/assets/${name}`
}

/**
 * Starts the node worker of the pretended older build in `page` and keeps
 * its port; `window.olderStatuses` collects the statuses it reports (the RPC
 * wire: src/lib/rpc/protocol.ts).
 */
async function startOlderWorker (page: Page, path: string): Promise<void> {
  await page.evaluate((url) => {
    const w = window as unknown as { olderStatuses: Array<{ phase: string, error?: { code: string } }>, olderWorker: SharedWorker }
    w.olderStatuses = []
    const worker = new SharedWorker(url, { type: 'module', name: 'parley-node' })
    w.olderWorker = worker
    worker.port.onmessage = (event: MessageEvent) => {
      const m = event.data as { type?: string, event?: string, id?: number, payload?: unknown, result?: unknown }
      if (m.type === 'event' && m.event === 'status') w.olderStatuses.push(m.payload as never)
      if (m.type === 'result' && m.id === 1) w.olderStatuses.push(m.result as never)
    }
    worker.port.start()
    // answered once the node has read the database, that is once it holds the lock or gave up
    worker.port.postMessage({ type: 'call', id: 1, method: 'getStatus', params: undefined })
  }, `${path}?build=1`)
}

async function olderPhase (page: Page): Promise<string> {
  return page.evaluate(() => {
    const statuses = (window as unknown as { olderStatuses: Array<{ phase: string, error?: { code: string } }> }).olderStatuses
    const last = statuses.at(-1)
    return last === undefined ? 'none' : `${last.phase}${last.error === undefined ? '' : ` ${last.error.code}`}`
  })
}

async function writerLocksHeld (page: Page): Promise<number> {
  return page.evaluate(async () => ((await navigator.locks.query()).held ?? []).filter(l => l.name === 'parley-writer:parley').length)
}

test.describe('one writer per database', () => {
  test.use({ prepared: 'pair' })

  test('an older build started while the app runs does not start; the app carries on', { tag: ['@firefox'] }, async ({ alice, bob }) => {
    await startOlderWorker(alice.page, workerPath())
    await expect.poll(async () => olderPhase(alice.page)).toBe('stopped newerVersionRunning')
    await expect(alice.page.getByTestId('node-stopped')).toHaveCount(0)
    expect(await writerLocksHeld(alice.page)).toBe(1)
    // the app's node still writes and delivers
    await send(alice.page, 'still here')
    await expect(message(bob.page, 'still here')).toBeVisible()
  })
})

test('an older build\'s worker steps down when the newer app starts: it says so, and the app runs', { tag: ['@firefox'] }, async ({ browser, app }) => {
  const context = await browser.newContext()
  try {
    // a same-origin document that is not the app (a 404 of the test's server; no service worker yet: a fresh context)
    const older = await context.newPage()
    await older.goto(new URL(NOT_THE_APP, app.url).href)
    await startOlderWorker(older, workerPath())
    await expect.poll(async () => olderPhase(older)).toBe('needs-profile')
    expect(await writerLocksHeld(older)).toBe(1)

    const page = await context.newPage()
    await page.goto(app.url)
    // the older one hears the newer's claim, stops and lets go; the app's node takes the database
    await expect.poll(async () => olderPhase(older)).toBe('stopped newerVersionRunning')
    await onboard(page, 'Dana')
    await expect(page.getByTestId('node-stopped')).toHaveCount(0)
    expect(await writerLocksHeld(page)).toBe(1)
    // the older one stays down: it never takes the database back
    expect(await olderPhase(older)).toBe('stopped newerVersionRunning')
  } finally {
    await context.close()
  }
})
