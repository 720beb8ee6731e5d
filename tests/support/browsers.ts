/**
 * How the e2e tests launch each browser (playwright.config.ts's projects and
 * the second browser of the cross-browser pairs, tests/e2e/fixtures.ts):
 * Debian's Chromium, and Debian's Firefox ESR through Playwright's
 * `moz-firefox` channel (WebDriver BiDi) behind tests/support/firefox-esr.sh.
 * docs/testing.md, "WebRTC on loopback" and "Firefox", says why each option
 * is there.
 */
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserType, LaunchOptions } from '@playwright/test'

export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

export type BrowserName = 'chromium' | 'firefox'

/**
 * What Playwright keeps of a test (playwright.config.ts and the lab's): a
 * screenshot of a failure, and a trace only when asked for with
 * PARLEY_E2E_TRACE=1. Recording traces made every test slower by a quarter
 * in Chromium and more than half in Firefox (chat.spec.ts with two people:
 * 13 s without one, 17 s with it in Chromium and 32 s in Firefox): a large
 * part of why `npm test` ran past CI's 90 min. CI shows only what the run
 * prints, never a trace.
 */
export const ARTIFACTS = {
  trace: process.env['PARLEY_E2E_TRACE'] === '1' ? 'retain-on-failure' : 'off',
  screenshot: 'only-on-failure'
} as const

export const chromiumLaunchOptions: LaunchOptions = {
  executablePath: CHROMIUM_PATH,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // WebRTC between two contexts on 127.0.0.1; also needs a media
    // permission on each context (docs/testing.md, "WebRTC on loopback").
    '--allow-loopback-in-peer-connection'
  ]
}

/** Chromium's fake camera and microphone (a test pattern and a tone), given to a page without a prompt: for calls. */
export const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] as const

/**
 * Firefox ESR through the BiDi shim (it starts `$FIREFOX_PATH`, default
 * /usr/bin/firefox-esr). Firefox gathers ICE host candidates on
 * loopback only with `media.peerconnection.ice.loopback` and a media
 * permission that every page has (`permissions.default.microphone`: allow);
 * a granted context permission does not count. So `webrtc: false` is a
 * browser of its own without that default, whose pages gather no candidate
 * and stay relayed. Every Firefox has fake media devices that are given
 * without a prompt (a test pattern and a tone, as Chromium's
 * `--use-fake-device-for-media-stream` and `--use-fake-ui-for-media-stream`
 * in the calls specs): no Firefox test is refused them.
 */
export function firefoxLaunchOptions (options: { webrtc?: boolean } = {}): LaunchOptions {
  return {
    channel: 'moz-firefox',
    executablePath: fileURLToPath(new URL('firefox-esr.sh', import.meta.url)),
    firefoxUserPrefs: {
      'media.peerconnection.ice.loopback': true,
      'media.navigator.streams.fake': true,
      'media.navigator.permission.disabled': true,
      ...(options.webrtc === false ? {} : { 'permissions.default.microphone': 1 })
    }
  }
}

/** The browser a person runs in: its engine and whether its pages can make direct (WebRTC) connections. */
export interface PersonBrowser {
  name: BrowserName
  webrtc: boolean
}

/**
 * The browsers of one Playwright worker beyond the project's own: launched
 * when a person first needs one (a Firefox Bob beside a Chromium Alice, a
 * Firefox without WebRTC), kept for the worker's later tests, closed at its end.
 */
export class BrowserPool {
  private readonly launched = new Map<string, Promise<Browser>>()

  constructor (private readonly types: Record<BrowserName, BrowserType>) {}

  /** `own` (the project's browser) when it fits `wanted`, else a launched one. */
  async forPerson (own: Browser, wanted: PersonBrowser): Promise<Browser> {
    const ownName = own.browserType().name()
    // Chromium's WebRTC is switched per context (tests/support/person.ts), Firefox's per browser
    if (wanted.name === ownName && (wanted.name === 'chromium' || wanted.webrtc)) return own
    const key = wanted.name === 'chromium' ? 'chromium' : `firefox webrtc=${String(wanted.webrtc)}`
    let browser = this.launched.get(key)
    if (browser === undefined) {
      browser = this.types[wanted.name].launch(wanted.name === 'chromium' ? chromiumLaunchOptions : firefoxLaunchOptions({ webrtc: wanted.webrtc }))
      this.launched.set(key, browser)
    }
    return browser
  }

  async close (): Promise<void> {
    const browsers = await Promise.allSettled(this.launched.values())
    this.launched.clear()
    await Promise.all(browsers.map(async (b) => { if (b.status === 'fulfilled') await b.value.close() }))
  }
}
