import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { expect, test } from './fixtures.ts'
import { befriend, message, messages, openChat, send } from './helpers/parley.ts'
import type { Page } from '@playwright/test'

/** Resolves once a service worker controls `page` (after the first install it claims the page). */
async function expectControlled (page: Page): Promise<void> {
  await expect.poll(async () => page.evaluate(async () => {
    await navigator.serviceWorker.ready
    return navigator.serviceWorker.controller?.state ?? 'none'
  }), { timeout: 30_000 }).toBe('activated')
}

// what is installed is the service worker
test.use({ serviceWorkers: 'allow' })

test.describe('installable app (PWA)', () => {
  test('after one online visit the app opens with the network cut and shows the history', { tag: ['@firefox'] }, async ({ browser, relay, bob }) => {
    // Alice's copy of the app comes from a server of this test's own, so the test can stop it
    const server = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
    const context = await browser.newContext({ permissions: ['microphone'] })
    try {
      const alice = await context.newPage()
      await alice.goto(server.url)
      await befriend(alice, bob.page)
      await send(bob.page, 'kept for offline reading')
      await expect(message(alice, 'kept for offline reading')).toBeVisible()
      await send(alice, 'and my answer')
      await expect(message(alice, 'and my answer')).toHaveAttribute('data-state', /^(delivered|read)$/)
      await expectControlled(alice)

      // no network at all: the browser is offline and the server is gone
      await server.close()
      await context.setOffline(true)
      await alice.reload()

      await expect(alice.getByRole('navigation', { name: 'Main' })).toBeVisible({ timeout: 30_000 })
      await openChat(alice, 'Bob')
      await expect(message(alice, 'kept for offline reading')).toBeVisible()
      await expect(message(alice, 'and my answer')).toBeVisible()
      await expect(messages(alice)).toHaveCount(2)
      // the page really came from the service worker: a URL this browser never fetched opens as
      // well, which no HTTP cache can answer, only the worker's navigation route (src/sw.ts). (Not
      // the navigation's workerStart: Firefox reports 0 there even for pages the worker served.)
      expect(await alice.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
      await alice.goto(new URL('/?never-fetched', server.url).href)
      await openChat(alice, 'Bob')
      await expect(message(alice, 'kept for offline reading')).toBeVisible()
      expect(await alice.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
    } finally {
      await context.close()
      await server.close().catch(() => { /* already closed above */ })
    }
  })

  test('the manifest, its icons and the service worker pass the installability checks', async ({ alice, app, playwright, launchOptions }) => {
    const page = alice.page
    await expect(page.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
    await expectControlled(page)

    const manifestUrl = '/manifest.webmanifest'
    await expect(page.locator('link[rel="manifest"]')).toHaveAttribute('href', manifestUrl)
    const manifest = await page.evaluate(async (url) => {
      const response = await fetch(url)
      return { type: response.headers.get('content-type'), body: await response.json() as Record<string, unknown> }
    }, manifestUrl)
    expect(manifest.type).toContain('application/manifest+json')
    expect(manifest.body).toMatchObject({
      id: '/',
      name: 'Parley',
      short_name: 'Parley',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: '#0f766e',
      background_color: '#ffffff',
      lang: 'en',
      share_target: { action: '/share-target', method: 'POST', enctype: 'multipart/form-data' }
    })
    const shortcuts = manifest.body['shortcuts'] as Array<{ url: string, icons: Array<{ src: string, sizes: string }> }>
    expect(shortcuts.map(s => s.url)).toEqual(['/#/add', '/#/invite'])

    // every icon (app and shortcuts) is served and is as large as it says
    const icons = [...manifest.body['icons'] as Array<{ src: string, sizes: string, purpose: string }>, ...shortcuts.flatMap(s => s.icons)]
    expect(icons.filter(i => 'purpose' in i && i.purpose === 'maskable').map(i => i.sizes)).toEqual(['192x192', '512x512'])
    const served = await page.evaluate(async (srcs) => Promise.all(srcs.map(async (src) => {
      const response = await fetch(src)
      if (!response.ok) return `HTTP ${response.status}`
      const blob = await response.blob()
      // createImageBitmap decodes rasters only: the scalable SVG icon goes through an <img>
      if (blob.type === 'image/svg+xml') {
        const img = new Image()
        img.src = URL.createObjectURL(blob)
        await img.decode()
        return img.naturalWidth > 0 ? 'any' : 'empty'
      }
      const bitmap = await createImageBitmap(blob)
      return `${bitmap.width}x${bitmap.height}`
    })), icons.map(i => i.src))
    expect(served).toEqual(icons.map(i => i.sizes))

    // Chromium's own verdict, what it checks before offering "Install". Test contexts are
    // incognito-like, where Chromium never installs ("in-incognito"): ask in a real profile.
    const profile = await mkdtemp(join(tmpdir(), 'parley-e2e-profile-'))
    const installable = await playwright.chromium.launchPersistentContext(profile, launchOptions)
    try {
      const tab = installable.pages()[0] ?? await installable.newPage()
      await tab.goto(app.url)
      await expect(tab.getByRole('heading', { name: 'Welcome to Parley' })).toBeVisible()
      await expectControlled(tab)
      const cdp = await installable.newCDPSession(tab)
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors')
      expect(installabilityErrors).toEqual([])
      const { url, errors } = await cdp.send('Page.getAppManifest')
      expect(url).toBe(new URL('/manifest.webmanifest', app.url).href)
      expect(errors).toEqual([])
    } finally {
      await installable.close()
      await rm(profile, { recursive: true, force: true })
    }
  })
})
