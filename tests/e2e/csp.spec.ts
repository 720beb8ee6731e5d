import { renderSVG } from 'uqr'
import { CSP_HEADER_POLICY, CSP_META_POLICY } from '../../scripts/lib/csp.ts'
import { expect, test } from './fixtures.ts'
import { attach, fileCard, png } from './helpers/files.ts'
import { onboard, scanImageFile } from './helpers/parley.ts'
import { prepareTour, showScreen, tourScreens } from './helpers/screens.ts'
import type { BrowserContext, Page } from '@playwright/test'

/**
 * The strict Content-Security-Policy (scripts/lib/csp.ts, issue 9 "Safe
 * rendering"): served as a header and as index.html's <meta>, and nothing the
 * app does on any screen is refused by it: the node's SharedWorker reaches the
 * relay, the QR reader's WebAssembly compiles, file thumbnails (blob: URLs)
 * show and the service worker controls the page.
 */

interface Violation {
  directive: string
  blocked: string
  sample: string
}

declare global {
  interface Window {
    __cspViolations?: Violation[]
  }
}

/** Records every `securitypolicyviolation` of the context's pages in `window.__cspViolations`. */
async function watchViolations (context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.__cspViolations = []
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations?.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample })
    })
  })
}

async function violations (page: Page): Promise<Violation[]> {
  return page.evaluate(() => window.__cspViolations ?? [])
}

/** Console lines in which Chromium reports a refusal (they also cover what no DOM event reports). */
function consoleRefusals (page: Page): string[] {
  const lines: string[] = []
  page.on('console', (msg) => {
    if (/Content Security Policy/i.test(msg.text())) lines.push(msg.text())
  })
  return lines
}

// the service worker's code and fetches are under the policy too
test.use({ serviceWorkers: 'allow' })

test('the policy is served as a header on every file and as the page\'s <meta>', async ({ app }) => {
  const index = await fetch(app.url)
  expect(index.headers.get('content-security-policy')).toBe(CSP_HEADER_POLICY)
  const html = await index.text()
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]
  expect(meta?.replaceAll('&#39;', "'")).toBe(CSP_META_POLICY)
  // before any script: a <meta> policy only governs what comes after it
  expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'))
  for (const path of ['sw.js', 'manifest.webmanifest', 'favicon.svg']) {
    const response = await fetch(new URL(path, app.url))
    expect(response.status, path).toBe(200)
    expect(response.headers.get('content-security-policy'), path).toBe(CSP_HEADER_POLICY)
  }
})

test('no screen, worker, QR scan, thumbnail or service worker trips the policy', async ({ alice, bob, carol }) => {
  test.setTimeout(180_000)
  for (const person of [alice, bob, carol]) {
    await watchViolations(person.context)
    await person.page.reload()
  }
  const refused = [alice, bob, carol].flatMap(person => consoleRefusals(person.page))

  // the SharedWorker's node reaches the relay (connect-src) and delivers messages
  const setup = await prepareTour(alice.page, bob.page, carol.page, { groups: true })
  for (const screen of tourScreens(setup)) await showScreen(alice.page, screen)

  // a photo: its thumbnail is a blob: URL on both sides
  await showScreen(alice.page, { name: 'chat', hash: `#/chat/${setup.bobContactId}` })
  await attach(alice.page, { name: 'dunes.png', mimeType: 'image/png', buffer: png(320, 200, (x, y) => [200, 150 + (x % 50), 90 + (y % 100)]) })
  for (const page of [alice.page, bob.page]) {
    const thumb = fileCard(page, 'dunes.png').getByTestId('file-thumb')
    await expect(thumb).toHaveAttribute('src', /^blob:/, { timeout: 30_000 })
    await expect.poll(async () => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true)
  }

  // a QR code from an image file: zxing-wasm where there is no BarcodeDetector ('wasm-unsafe-eval')
  const scratch = await carol.context.newPage()
  await scratch.setContent(`<body style="margin:0;background:#fff">${renderSVG('hello there', { border: 4, pixelSize: 6 })}</body>`)
  const qr = await scratch.locator('svg').screenshot()
  await scratch.close()
  await scanImageFile(carol.page, { name: 'hello.png', mimeType: 'image/png', buffer: qr })
  await expect(carol.page.getByRole('textbox', { name: 'Invite', exact: true })).toHaveValue('hello there')

  // the service worker installs and, after a reload, controls the page
  const beforeReload = await violations(alice.page)
  await alice.page.reload()
  await expect.poll(async () => alice.page.evaluate(async () => {
    await navigator.serviceWorker.ready
    return navigator.serviceWorker.controller !== null
  }), { timeout: 30_000 }).toBe(true)

  expect(beforeReload).toEqual([])
  for (const person of [alice, bob, carol]) expect(await violations(person.page)).toEqual([])
  expect(refused).toEqual([])
})

test('a newcomer\'s onboarding trips nothing', async ({ alice }) => {
  await watchViolations(alice.context)
  await alice.page.reload()
  const refused = consoleRefusals(alice.page)
  await onboard(alice.page, 'Alice')
  expect(await violations(alice.page)).toEqual([])
  expect(refused).toEqual([])
})
