/**
 * The one person fixture of the test suites: a browser context of its own
 * (own IndexedDB, own SharedWorker) with the app open. By default the context
 * has the microphone permission, without which Chromium gathers no loopback
 * ICE candidates (docs/testing.md, "WebRTC on loopback"); `webrtc: false`
 * leaves it out, so that person's chats stay relayed. Firefox ignores a
 * context's permission here: its WebRTC is switched per browser
 * (tests/support/browsers.ts).
 */
import { loadOriginSnapshot, NOT_THE_APP, type OriginSnapshot } from './origin-snapshot.ts'
import type { Browser, BrowserContext, BrowserContextOptions, Page } from '@playwright/test'

/** A phone's screen for a person's context: its size, and touch and a mobile viewport (`meta viewport` honoured; Chromium only). */
export type PersonDevice = Required<Pick<BrowserContextOptions, 'viewport' | 'isMobile' | 'hasTouch'>>

export interface PersonOptions {
  /**
   * false: no media permission, so WebRTC cannot connect on loopback (default
   * true); 'absent': a browser without WebRTC at all (RTCPeerConnection is
   * removed before the app loads), like Debian's WebKitGTK
   */
  webrtc?: boolean | 'absent'
  /**
   * what the person's browser keeps for the app's origin, loaded before the
   * app first starts (tests/support/origin-snapshot.ts): a prepared person
   */
  restore?: OriginSnapshot
  /** a phone's screen (default: Playwright's desktop context) */
  device?: PersonDevice
  /**
   * 'block': the app runs without its service worker, as in a browser that
   * has none (default 'allow'). The e2e specs block it unless they say
   * otherwise (playwright.config.ts): docs/testing.md, "The service worker".
   */
  serviceWorkers?: 'allow' | 'block'
}

export interface Person {
  readonly context: BrowserContext
  readonly page: Page
  /** opens another tab of the same person at the app's URL */
  newTab(): Promise<Page>
}

/** A person's browser context, with or without what loopback WebRTC needs. */
export async function personContext (browser: Browser, options: PersonOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...(options.webrtc === undefined || options.webrtc === true ? { permissions: ['microphone'] } : {}),
    ...options.device,
    serviceWorkers: options.serviceWorkers ?? 'allow'
  })
  if (options.webrtc === 'absent') {
    await context.addInitScript(() => {
      for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'RTCDataChannel', 'RTCSessionDescription', 'RTCIceCandidate']) {
        Reflect.deleteProperty(globalThis, name)
      }
    })
  }
  return context
}

/** A person with the app at `url` open in their first tab. */
export async function newPerson (browser: Browser, url: string, options: PersonOptions = {}): Promise<Person> {
  const context = await personContext(browser, options)
  const page = await context.newPage()
  if (options.restore !== undefined) {
    // a 404 of the test's server is a page of the origin where the app has not run yet
    await page.goto(new URL(NOT_THE_APP, url).href)
    await loadOriginSnapshot(page, options.restore)
  }
  await page.goto(url)
  return {
    context,
    page,
    async newTab () {
      const tab = await context.newPage()
      await tab.goto(url)
      return tab
    }
  }
}
