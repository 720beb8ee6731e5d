import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, test } from './fixtures.ts'
import { expectOnline, onboard, readInvite } from './helpers/parley.ts'
import type { BrowserContext } from '@playwright/test'

test.describe('identity', () => {
  test('the PeerID is the same after the browser restarts', async ({ playwright, app }, testInfo) => {
    const profileDir = await mkdtemp(join(tmpdir(), 'parley-e2e-profile-'))
    const launch = async (): Promise<BrowserContext> =>
      playwright.chromium.launchPersistentContext(profileDir, {
        ...testInfo.project.use.launchOptions,
        permissions: ['microphone']
      })
    try {
      let browser = await launch()
      let page = browser.pages()[0] ?? await browser.newPage()
      await page.goto(app.url)
      await onboard(page, 'Carol')
      const before = await readInvite(page)
      await browser.close()

      browser = await launch()
      page = browser.pages()[0] ?? await browser.newPage()
      await page.goto(app.url)
      await expectOnline(page)
      const after = await readInvite(page)
      expect(after.peerId).toBe(before.peerId)
      await expect(page.getByText('Carol').first()).toBeVisible()
      await browser.close()
    } finally {
      await rm(profileDir, { recursive: true, force: true })
    }
  })

  test('start-up does not fail while the relay is down: offline, then online when it returns', async ({ alice, relay, browser }) => {
    await onboard(alice.page, 'Alice')
    await alice.page.close()
    await relay.process.stop('SIGTERM')
    // the SharedWorker (and its node) ends with its last page: wait until it is
    // gone, so that the next page really starts a new node while no relay runs
    const cdp = await browser.newBrowserCDPSession()
    await expect.poll(async () => {
      const { targetInfos } = await cdp.send('Target.getTargets')
      return targetInfos.filter(t => t.type === 'shared_worker').length
    }).toBe(0)
    await cdp.detach()
    const page = await alice.newTab()
    await expect(page.getByRole('status', { name: 'Connection status' })).toHaveText('offline', { timeout: 30_000 })

    await relay.start()
    await expectOnline(page)
  })
})
