/**
 * Parley as a real deployment serves it (issue 61): over HTTPS, with a relay
 * reached over WSS, both with certificates of a throwaway CA that the test's
 * Chromium trusts through its flag (tests/support/test-ca.ts); the path
 * `npm start`'s http://127.0.0.1 never takes (a secure context by its
 * certificate, no mixed content, WSS).
 *
 * - The installed app checks its updates (src/sw.ts, lib/pwa/release-guard.ts):
 *   a site deploys five releases in turn, and a prepared Alice, whose history
 *   is in her browser, takes the ones signed as they should be and refuses the
 *   others, in words, keeping the version she runs. Then the server sends a
 *   service worker that checks nothing, and the page she has open warns.
 * - Alice and Bob chat through that origin and relay, and go direct.
 *
 * Three builds of this checkout stand for three versions (each with its own
 * build time, scripts/lib/build-time.ts, so some of their files differ):
 * v1 the oldest, v2 the e2e suite's own `dist/`, v3–v5 the newest.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { keyFingerprint, MANIFEST_FILE } from '@parley/protocol/release/manifest'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import type { StaticServer } from '../../scripts/lib/serve.ts'
import { buildApp, deploy, makeRelease, newKey } from '../support/releases.ts'
import { newPerson } from '../support/person.ts'
import { chromiumTrustArgs, makeTestCa } from '../support/test-ca.ts'
import type { TestCa } from '../support/test-ca.ts'
import { expect, test as base } from './fixtures.ts'
import { expectOnline, expectPath, message, openChat, openScreen, send } from './helpers/parley.ts'
import type { Browser, Page } from '@playwright/test'

const test = base.extend<{ siteConfig: { relays: string[], iceServers: [] } }, { ca: TestCa, httpsBrowser: Browser }>({
  ca: [async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-e2e-ca-'))
    await use(await makeTestCa(dir))
    await rm(dir, { recursive: true, force: true })
  }, { scope: 'worker' }],
  // a Chromium that trusts the CA (the project's own browser does not)
  httpsBrowser: [async ({ playwright, ca, launchOptions }, use) => {
    const browser = await playwright.chromium.launch({ ...launchOptions, args: [...launchOptions.args ?? [], ...chromiumTrustArgs(ca)] })
    await use(browser)
    await browser.close()
  }, { scope: 'worker' }],
  // the relay listens on WSS too, with the CA's certificate
  relayArgs: async ({ ca }, use) => { await use(['--wss-port', '0', '--tls-cert', ca.certFile, '--tls-key', ca.keyFile]) },
  // what an https: page can reach: the relay's WSS addresses only
  siteConfig: async ({ relay }, use) => {
    const relays = relay.wsMultiaddrs.filter(ma => /\/(wss|tls\/ws)\//.test(ma))
    expect(relays).not.toHaveLength(0)
    await use({ relays, iceServers: [] })
  }
})

test.use({ prepared: 'pair', serviceWorkers: 'allow' })

const COMMIT = 'c0ffee'.padEnd(40, '0')
const DAY_S = 24 * 3600

/** `npx parley-verify <url>`, as anyone would run it, trusting the test's CA as a system would a public one. */
async function parleyVerify (url: string, ca: TestCa): Promise<{ code: number, out: string }> {
  return new Promise((resolve) => {
    execFile('npx', ['parley-verify', url], { env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caFile } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, out: stdout + stderr })
    })
  })
}

/** Asks the browser to look for a new service worker now, as it does on a navigation. */
async function checkForUpdate (page: Page): Promise<void> {
  await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration()
    // an install the worker refuses rejects here in some browsers: what it did shows on the page
    await registration?.update().catch(() => undefined)
  })
}

/** Changes one byte of a script `release` has and `before` has not (so a worker that installed `before` fetches it); resolves its name. */
async function changeOneByte (release: string, before: string): Promise<string> {
  const had = new Set(await readdir(join(before, 'assets')))
  const name = (await readdir(join(release, 'assets'))).find(f => f.endsWith('.js') && !had.has(f))
  if (name === undefined) throw new Error('the two builds have the same files')
  const bytes = await readFile(join(release, 'assets', name))
  bytes[0] = bytes[0] === 0x20 ? 0x0a : 0x20
  await writeFile(join(release, 'assets', name), bytes)
  return name
}

async function expectAbout (page: Page, version: string, fingerprint: string): Promise<void> {
  await openScreen(page, 'Settings')
  await expect(page.getByTestId('release-version')).toHaveText(version)
  await expect(page.getByTestId('release-commit')).toHaveText(COMMIT)
  await expect(page.getByTestId('release-key')).toHaveText(fingerprint)
}

test('over HTTPS, the installed app takes updates signed by its key or one it endorsed, and refuses the others', async ({ httpsBrowser, ca, siteConfig, preparedPeople }) => {
  test.setTimeout(240_000)
  const dir = await mkdtemp(join(tmpdir(), 'parley-e2e-releases-'))
  let server: StaticServer | undefined
  try {
    const now = Math.floor(Date.now() / 1000)
    const older = join(dir, 'build-old')
    const newer = join(dir, 'build-new')
    await buildApp(older, now - 30 * DAY_S)
    await buildApp(newer, now + DAY_S)
    const first = newKey()
    const other = newKey()
    const next = newKey()
    const release = async (name: string, dist: string, version: string, key = first, more: { previous?: Uint8Array, endorsedBy?: typeof first } = {}): Promise<Uint8Array> =>
      (await makeRelease({ dist, out: join(dir, name), key, version, commit: COMMIT, builtAt: 0, ...more })).bytes
    const v1 = await release('v1', older, '1.0.0')
    const v2 = await release('v2', 'dist', '2.0.0', first, { previous: v1 })
    await release('v3', newer, '3.0.0', first, { previous: v2 })
    await release('v4', newer, '4.0.0', other)
    await release('v5', newer, '5.0.0', next, { previous: v2, endorsedBy: first })
    // v3 as a server changed it after it was signed
    const changed = await changeOneByte(join(dir, 'v3'), join(dir, 'v2'))

    const site = join(dir, 'site')
    await deploy(join(dir, 'v1'), site)
    server = await startStaticServer({ root: site, config: siteConfig, tls: { cert: ca.cert, key: ca.key } })
    expect(server.url).toMatch(/^https:/)
    const alice = await newPerson(httpsBrowser, server.url, { restore: preparedPeople?.snapshots.alice })
    const page = alice.page
    await expectOnline(page)
    expect(await page.evaluate(() => isSecureContext)).toBe(true)
    await openChat(page, 'Bob')
    await send(page, 'written under version 1')
    await expect(message(page, 'written under version 1')).toBeVisible()
    await expectAbout(page, '1.0.0', keyFingerprint(first.publicKey))

    /** Deploys a release the app must take: offered, taken on Reload, About shows it, the history is there. */
    const taken = async (name: string, version: string, key: typeof first): Promise<void> => {
      await deploy(join(dir, name), site)
      await checkForUpdate(page)
      await page.getByRole('button', { name: 'Reload' }).click()
      await expectAbout(page, version, keyFingerprint(key.publicKey))
      await openChat(page, 'Bob')
      await expect(message(page, 'written under version 1')).toBeVisible()
    }

    // v2, signed by the same key
    await taken('v2', '2.0.0', first)
    // and anyone can check what the URL serves
    const v2Check = await parleyVerify(server.url, ca)
    expect(v2Check.out).toContain('Parley 2.0.0, commit')
    expect(v2Check.out).toContain('verdict: every file is the signed release')
    expect(v2Check.code).toBe(0)

    // v3, one byte of one file changed after signing: refused, naming the file; v2 runs on
    await deploy(join(dir, 'v3'), site)
    await checkForUpdate(page)
    const v3Check = await parleyVerify(server.url, ca)
    expect(v3Check.out.split('\n').filter(line => !line.startsWith('ok ') && line.includes('assets/'))).toEqual([expect.stringMatching(new RegExp(`^changed +assets/${changed.replace(/[.-]/g, '\\$&')}  \\(served `))])
    expect(v3Check.out).toContain('verdict: NOT the signed release')
    expect(v3Check.code).toBe(1)
    const refusedFile = page.getByRole('alert').filter({ hasText: `whose file assets/${changed} is not the one its publisher signed` })
    await expect(refusedFile).toBeVisible()
    await page.reload()
    await expect(refusedFile).toBeVisible()
    await expectAbout(page, '2.0.0', keyFingerprint(first.publicKey))
    await page.getByRole('button', { name: 'Dismiss' }).click()

    // v4, a valid release signed by another key: refused
    await deploy(join(dir, 'v4'), site)
    await checkForUpdate(page)
    await expect(page.getByRole('alert').filter({ hasText: 'The server offered a version of Parley that its publisher did not sign' })).toBeVisible()
    await expect(page.getByRole('button', { name: 'Reload' })).toBeHidden()
    await expectAbout(page, '2.0.0', keyFingerprint(first.publicKey))

    // v5, signed by a new key that the pinned key endorsed: taken, and the new key pinned
    await taken('v5', '5.0.0', next)

    // a service worker that checks nothing, which browsers install as they would any: the open page warns
    await writeFile(join(site, 'sw.js'), 'self.addEventListener("install", () => { self.skipWaiting() })\n')
    expect(await readFile(join(site, MANIFEST_FILE), 'utf8')).toContain('"version": "5.0.0"')
    await checkForUpdate(page)
    await expect(page.getByRole('alert').filter({ hasText: 'the server replaced Parley’s service worker with one its publisher did not sign' })).toBeVisible()
    await alice.context.close()
  } finally {
    await server?.close()
    await rm(dir, { recursive: true, force: true })
  }
})

test('over HTTPS and a WSS relay, two people chat and their chat goes direct', async ({ httpsBrowser, ca, siteConfig, preparedPeople }) => {
  const server = await startStaticServer({ config: siteConfig, tls: { cert: ca.cert, key: ca.key } })
  const people = await Promise.all((['alice', 'bob'] as const).map(async who => newPerson(httpsBrowser, server.url, { restore: preparedPeople?.snapshots[who] })))
  try {
    const [alice, bob] = people.map(p => p.page) as [Page, Page]
    await Promise.all([expectOnline(alice), expectOnline(bob)])
    await openChat(alice, 'Bob')
    await openChat(bob, 'Alice')
    await send(alice, 'over https and wss')
    await expect(message(bob, 'over https and wss')).toBeVisible()
    await send(bob, 'and back')
    await expect(message(alice, 'and back')).toBeVisible()
    await expectPath(alice, 'direct')
    await expectPath(bob, 'direct')
  } finally {
    await Promise.all(people.map(async p => p.context.close()))
    await server.close()
  }
})
