/**
 * `release_update_verify_ms` (issue 61): an installed app's service worker
 * finds a new signed release (the browser's `updatefound`) → the release is
 * verified (manifest, signature, every new file's hash), its files cached, the
 * page's check of the new worker done, and "A new version of Parley is ready"
 * [Reload] offered. Two releases of this checkout, one the bench's `dist/`
 * and one built for the bench with a later build time (so that the worker
 * and the files that carry it are new), signed with one key and served in
 * turn from loopback; median of RUNS, each in a fresh context.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { buildApp, deploy, makeRelease, newKey } from '../support/releases.ts'
import { launch, median, newContext, print } from './lib.ts'

const RUNS = 5
const DIST = resolve(import.meta.dirname, '..', '..', 'dist')
const COMMIT = '0'.repeat(40)

export async function benchReleaseUpdate (): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-release-'))
  try {
    const newer = join(dir, 'build-new')
    await buildApp(newer, Math.floor(Date.now() / 1000) + 24 * 3600)
    const key = newKey()
    const v1 = await makeRelease({ dist: DIST, out: join(dir, 'v1'), key, version: '1.0.0', commit: COMMIT, builtAt: 0 })
    await makeRelease({ dist: newer, out: join(dir, 'v2'), key, version: '2.0.0', commit: COMMIT, builtAt: 0, previous: v1.bytes })
    const site = join(dir, 'site')
    await deploy(join(dir, 'v1'), site)
    const server = await startStaticServer({ root: site, config: { relays: [], iceServers: [] } })
    const browser = await launch()
    try {
      const samples: number[] = []
      for (let i = 0; i < RUNS; i++) {
        await deploy(join(dir, 'v1'), site)
        const context = await newContext(browser)
        const page = await context.newPage()
        await page.goto(server.url)
        // v1 installed, activated (its records written) and in control of the page
        await page.evaluate(async () => {
          const worker = (await navigator.serviceWorker.ready).active
          if (worker !== null && worker.state !== 'activated') {
            await new Promise<void>(resolve => { worker.addEventListener('statechange', () => { if (worker.state === 'activated') resolve() }) })
          }
          if (navigator.serviceWorker.controller === null) {
            await new Promise(resolve => { navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }) })
          }
        })
        // the banner that offers the update shows beside the app's screens, past the welcome
        await page.getByLabel('Your name').fill('Bench')
        await page.getByRole('button', { name: 'Continue' }).click()
        await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 60_000 })
        await deploy(join(dir, 'v2'), site)
        await page.evaluate(async () => {
          const registration = await navigator.serviceWorker.getRegistration()
          registration?.addEventListener('updatefound', () => { (window as unknown as { found: number }).found = performance.now() }, { once: true })
          await registration?.update()
        })
        const ms = await page.waitForFunction(() => {
          const found = (window as unknown as { found?: number }).found
          const offered = [...document.querySelectorAll('button')].some(b => b.textContent?.trim() === 'Reload')
          return found !== undefined && offered ? performance.now() - found : false
        }, null, { polling: 'raf', timeout: 60_000 }).then(async h => h.jsonValue() as Promise<number>)
        samples.push(ms)
        await context.close()
      }
      print('release_update_verify_ms', Math.round(median(samples)), 'ms')
    } finally {
      await browser.close()
      await server.close()
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
