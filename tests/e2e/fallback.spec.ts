import { expect, test } from './fixtures.ts'
import { befriend, expectOnline, expectPath, expectTabsShareChat, message, openChat, send } from './helpers/parley.ts'
import { newPerson } from '../support/person.ts'
import type { Browser, Page } from '@playwright/test'

/*
 * The dedicated-Worker fallback (docs/architecture.md), forced with
 * `?worker=dedicated`. The app routes with the hash, so the query stays on
 * every navigation. Each person is a context of their own, made here (the
 * `alice`/`bob` fixtures open the normal SharedWorker mode).
 */

/** The page says which mode it runs, and it is the fallback. */
async function expectDedicatedMode (page: Page): Promise<void> {
  await expect(page.locator('html')).toHaveAttribute('data-worker-mode', 'dedicated')
}

/** Proof from the browser itself: no SharedWorker anywhere, and the node runs as dedicated Workers. */
async function expectNoSharedWorker (browser: Browser, pages: Page[]): Promise<void> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { targetInfos } = await cdp.send('Target.getTargets')
    // (in SharedWorker mode the node shows up here as a 'shared_worker' target)
    expect(targetInfos.filter(t => t.type === 'shared_worker')).toEqual([])
    expect(targetInfos.filter(t => t.type === 'worker').length).toBeGreaterThanOrEqual(pages.length)
  } finally {
    await cdp.detach()
  }
  for (const page of pages) {
    await expect.poll(() => page.workers().length).toBe(1)
  }
}

test.describe('dedicated-Worker fallback (?worker=dedicated)', () => {
  test('the two-person chat passes in the forced dedicated-Worker fallback mode', async ({ browser, app }) => {
    const url = `${app.url}?worker=dedicated`
    const alice = await newPerson(browser, url)
    const bob = await newPerson(browser, url)
    try {
      await befriend(alice.page, bob.page)
      await expectDedicatedMode(alice.page)
      await expectDedicatedMode(bob.page)
      // each person's only tab owns their node's Worker
      await expectNoSharedWorker(browser, [alice.page, bob.page])

      await send(bob.page, 'Hi Alice, it is Bob')
      await expect(message(alice.page, 'Hi Alice, it is Bob')).toBeVisible()
      await expect(message(bob.page, 'Hi Alice, it is Bob')).toHaveAttribute('data-state', /^(delivered|read)$/)
      await send(alice.page, 'Hello Bob!')
      await expect(message(bob.page, 'Hello Bob!')).toBeVisible()
      await expect(message(alice.page, 'Hello Bob!')).toHaveAttribute('data-state', /^(delivered|read)$/)

      // the owner tab hosts WebRTC for its Worker
      await expectPath(alice.page, 'direct')
      await expectPath(bob.page, 'direct')

      // a second tab is not the owner: it starts no Worker and reaches the node over the BroadcastChannel
      const aliceTab2 = await alice.context.newPage()
      await aliceTab2.goto(url)
      await expectDedicatedMode(aliceTab2)
      await expectOnline(aliceTab2)
      await openChat(aliceTab2, 'Bob')
      expect(aliceTab2.workers()).toHaveLength(0)
      expect(alice.page.workers()).toHaveLength(1)

      await expectTabsShareChat(alice.page, aliceTab2, bob.page)
      expect(aliceTab2.workers()).toHaveLength(0)
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  test('when the owner tab closes, another tab takes the node over and chat goes on', async ({ browser, app }) => {
    const url = `${app.url}?worker=dedicated`
    const alice = await newPerson(browser, url)
    const bob = await newPerson(browser, url)
    try {
      await befriend(alice.page, bob.page)
      await send(bob.page, 'before the hand-over')
      await expect(message(alice.page, 'before the hand-over')).toBeVisible()

      const aliceTab2 = await alice.context.newPage()
      await aliceTab2.goto(url)
      await expectOnline(aliceTab2)
      await openChat(aliceTab2, 'Bob')
      expect(aliceTab2.workers()).toHaveLength(0)

      // the owner goes: the lock passes to the second tab, which starts the node again (same identity)
      await alice.page.close()
      await expect.poll(() => aliceTab2.workers().length, { timeout: 15_000 }).toBe(1)
      await expectOnline(aliceTab2)

      await send(aliceTab2, 'after the hand-over')
      await expect(message(bob.page, 'after the hand-over')).toBeVisible({ timeout: 30_000 })
      await expect(message(aliceTab2, 'after the hand-over')).toHaveAttribute('data-state', /^(delivered|read)$/, { timeout: 30_000 })
      await send(bob.page, 'still there?')
      await expect(message(aliceTab2, 'still there?')).toBeVisible({ timeout: 30_000 })
      await expectPath(aliceTab2, 'direct')
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })
})
