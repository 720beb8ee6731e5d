/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png from the real UI
 * (built app, real relay-node, two browser contexts), inside a loopback-only
 * network namespace. Run `npm run build` first.
 */
import '../src/lib/polyfill/promise-with-resolvers.ts'
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from '@playwright/test'
import { expect } from '@playwright/test'
import { attach, fileCard, png } from '../tests/e2e/helpers/files.ts'
import { addContact, befriend, expectPath, message, nav, onboard, readInvite, send } from '../tests/e2e/helpers/parley.ts'
import { spawnRelay } from './lib/relay-process.ts'
import { startStaticServer } from './lib/serve.ts'
import type { Page } from '@playwright/test'

const ROOT = resolve(import.meta.dirname, '..')
const OUT = join(ROOT, 'docs', 'screenshots')
const VIEWPORT = { width: 420, height: 720 }

if (process.env.PARLEY_IN_NETNS !== '1') {
  const inner = 'PARLEY_IN_NETNS=1 npx tsx scripts/screenshots.ts'
  const ns = spawnSync('unshare', ['-n', '--', 'sh', '-c', `ip link set lo up && exec env ${inner}`], { cwd: ROOT, stdio: 'inherit' })
  process.exit(ns.status ?? 1)
}

const shot = async (page: Page, name: string): Promise<void> => {
  await page.screenshot({ path: join(OUT, `${name}.png`) })
}

const dataDir = await mkdtemp(join(tmpdir(), 'parley-shots-'))
const relay = await spawnRelay({ port: 0, dataDir })
const app = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
// loopback WebRTC needs this flag and a media permission per context (ENVIRONMENT.md)
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--allow-loopback-in-peer-connection'] })
try {
  const [alice, bob, carol] = await Promise.all([0, 1, 2].map(async () => {
    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: 'light', permissions: ['microphone'] })
    const page = await context.newPage()
    await page.goto(app.url)
    return page
  })) as [Page, Page, Page]
  await alice.getByRole('heading', { name: 'Welcome to Parley' }).waitFor()
  await shot(alice, 'onboarding')
  await befriend(alice, bob)
  await send(bob, 'Hi Alice! Found you through the relay, now we talk directly.')
  await message(alice, 'Found you').waitFor()
  await send(alice, 'Hello Bob, this came straight from my browser.')
  await message(alice, 'straight from my browser').getByText('delivered').waitFor()
  await send(bob, 'Nice. Nothing stored anywhere but on our devices.')
  await message(bob, 'Nothing stored').getByText('delivered').waitFor()
  await expectPath(alice, 'direct')
  await shot(alice, 'chat')
  // a photo and a document: the photo's thumbnail travels with the offer, both arrive verified
  const sunset = png(960, 640, (x, y) => [255 - Math.round(y / 4), 120 + Math.round(x / 10), 60 + Math.round(y / 5)])
  await attach(alice, { name: 'sunset.png', mimeType: 'image/png', buffer: sunset })
  await attach(alice, { name: 'Trip plan (draft).pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4 a plan, not a real pdf') })
  await fileCard(bob, 'sunset.png').getByTestId('file-thumb').waitFor()
  for (const name of ['sunset.png', 'Trip plan (draft).pdf']) {
    await expect(fileCard(bob, name)).toHaveAttribute('data-state', 'complete', { timeout: 30_000 })
  }
  await shot(bob, 'files')
  await alice.getByRole('link', { name: 'Contact info for Bob' }).click()
  await alice.getByLabel('Safety number digits').waitFor({ timeout: 30_000 })
  await alice.getByRole('img', { name: 'Safety number QR code' }).waitFor()
  await alice.evaluate(() => { document.getElementById('safety-heading')?.scrollIntoView() })
  await shot(alice, 'contact-info')
  // Carol asks Alice to be her contact: a request waits in Alice's chats list
  await onboard(carol, 'Carol')
  const { invite } = await readInvite(alice)
  await addContact(carol, invite, 'Alice')
  await nav(alice).getByRole('link', { name: 'Chats' }).click()
  await alice.getByRole('button', { name: 'Accept Carol' }).waitFor({ timeout: 30_000 })
  await shot(alice, 'chats')
  await nav(alice).getByRole('link', { name: 'My invite' }).click()
  await alice.getByRole('img', { name: 'Invite QR code' }).waitFor()
  await shot(alice, 'invite')
  await nav(alice).getByRole('link', { name: 'Add contact' }).click()
  await alice.getByRole('textbox', { name: 'Invite', exact: true }).fill('http://127.0.0.1:5173/#/add/eyJ2IjoxLCJpZCI6')
  await alice.getByRole('button', { name: 'Add contact' }).click()
  await alice.getByRole('alert').waitFor()
  await shot(alice, 'bad-invite')
  // Nearby (Add contact): Carol and Alice opt in and see each other through their relay-node
  for (const page of [carol, alice]) {
    await nav(page).getByRole('link', { name: 'Add contact' }).click()
    await page.getByRole('switch', { name: 'Show me to people nearby' }).check()
  }
  await alice.getByRole('list', { name: 'People nearby' }).getByRole('listitem').filter({ hasText: 'Carol' }).waitFor({ timeout: 30_000 })
  await alice.getByRole('list', { name: 'People nearby' }).scrollIntoViewIfNeeded()
  await shot(alice, 'nearby')
  // the Network panel: relays with their state, own addresses, reachability, DHT, connections
  await nav(alice).getByRole('link', { name: 'Network' }).click()
  await expect(alice.getByRole('region', { name: 'Reachability' })).toContainText(/reservation/, { timeout: 30_000 })
  await shot(alice, 'network')
} finally {
  await browser.close()
  await app.close()
  await relay.stop()
  await rm(dataDir, { recursive: true, force: true })
}
