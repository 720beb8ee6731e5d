import { chromium, firefox } from '@playwright/test'
import { startStaticServer } from '../../scripts/lib/serve.ts'
import { chromiumLaunchOptions, firefoxLaunchOptions } from '../support/browsers.ts'
import { personContext } from '../support/person.ts'
import { startRelayFixture } from '../support/relay.ts'
import type { BrowserName } from '../support/browsers.ts'
import type { Browser, Page } from '@playwright/test'

/**
 * Debian's Chromium, or Firefox ESR through the BiDi shim, launched as the
 * e2e tests launch them (tests/support/browsers.ts). Firefox's pages can make
 * direct connections on loopback (its WebRTC is switched per browser).
 */
export async function launch (name: BrowserName = 'chromium'): Promise<Browser> {
  return name === 'chromium' ? chromium.launch(chromiumLaunchOptions) : firefox.launch(firefoxLaunchOptions())
}

/**
 * A person's browser context (tests/support/person.ts). With `webrtc: false`
 * WebRTC cannot connect on loopback: the chat then stays on the relayed connection.
 */
export const newContext = personContext

/** Prints `bench <name> <value> <unit>`, a fraction with `digits` decimals (2 unless said: 3 for a ratio whose target is 0.99, so that 0.985 does not read 0.99). */
export function print (name: string, value: number, unit: string, digits = 2): void {
  console.log(`bench ${name} ${Number.isInteger(value) ? value : value.toFixed(digits)} ${unit}`)
}

export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid] ?? NaN : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2
}

export function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)] ?? NaN
}

/** Two people, each in a context of their own, with the app open. `close()` ends both contexts. */
export async function twoPeople (browser: Browser, url: string, options: { webrtc?: boolean } = {}): Promise<{ pageA: Page, pageB: Page, close(): Promise<void> }> {
  const a = await newContext(browser, options)
  const b = await newContext(browser, options)
  const pageA = await a.newPage()
  const pageB = await b.newPage()
  await pageA.goto(url)
  await pageB.goto(url)
  return { pageA, pageB, close: async () => { await a.close(); await b.close() } }
}

interface TargetInfo { targetId: string, type: string, url: string }

/** JS heap in use of every SharedWorker of `browser`, in bytes. */
export async function sharedWorkerHeaps (browser: Browser): Promise<number[]> {
  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = await cdp.send('Target.getTargets') as unknown as { targetInfos: TargetInfo[] }
  const heaps: number[] = []
  for (const target of targetInfos.filter(t => t.type === 'shared_worker')) {
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false }) as { sessionId: string }
    const reply = new Promise<number>((resolve) => {
      cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string, message: string }) => {
        const msg = JSON.parse(e.message) as { id?: number, result?: { usedSize: number } }
        if (e.sessionId === sessionId && msg.id === 1 && msg.result != null) resolve(msg.result.usedSize)
      })
    })
    await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) })
    heaps.push(await reply)
  }
  await cdp.detach()
  return heaps
}

/**
 * Runs `work` against a relay-node of its own (started with `relayArgs`) and
 * the built app naming it, for the parts of the run that need their own relay
 * or run alone (`--only`).
 */
export async function withRelayAndApp (relayArgs: string[], work: (url: string) => Promise<void>): Promise<void> {
  const relay = await startRelayFixture({ extraArgs: relayArgs, dataDirPrefix: 'parley-bench-relay-' })
  try {
    const app = await startStaticServer({ config: { relays: relay.wsMultiaddrs, iceServers: [] } })
    try {
      await work(app.url)
    } finally {
      await app.close()
    }
  } finally {
    await relay.close()
  }
}

/** Records, in `page`, when each message text first appears in its chat's log (the page's clock); `arrival` reads it. */
export async function watchArrivals (page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen = new Map<string, number>()
    ;(window as unknown as { __seen: Map<string, number> }).__seen = seen
    new MutationObserver(() => {
      for (const li of document.querySelectorAll('[role="log"] li')) {
        const text = li.querySelector('.body')?.textContent ?? ''
        if (!seen.has(text)) seen.set(text, Date.now())
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true })
  })
}

/** When `text` first appeared in `page`'s log (watchArrivals), waiting for it up to 30 s. */
export async function arrival (page: Page, text: string): Promise<number> {
  const handle = await page.waitForFunction((t) => (window as unknown as { __seen: Map<string, number> }).__seen.get(t) ?? false, text, { polling: 'raf', timeout: 30_000 })
  return handle.jsonValue() as Promise<number>
}
