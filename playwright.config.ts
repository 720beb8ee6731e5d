import { defineConfig } from '@playwright/test'
import { ARTIFACTS, chromiumLaunchOptions, firefoxLaunchOptions } from './tests/support/browsers.ts'
import type { Fixtures } from './tests/e2e/fixtures.ts'

/**
 * E2E runs one spec at a time: each test starts its own relay-node and static
 * server (see tests/e2e/fixtures.ts) and two browser contexts, and the machine
 * has two cores shared by all of them. No `webServer`: the fixtures own it.
 *
 * Run it inside a loopback-only network namespace (`npm test` does), so no
 * WebRTC candidate or relay traffic can leave `lo` (docs/testing.md).
 *
 * Three projects: every spec in Chromium; the tests tagged `@firefox` in
 * Firefox ESR; the tests tagged `@cross` with Alice in Chromium and Bob in
 * Firefox (docs/testing.md, "Firefox").
 */
const SECOND_MS = 1000

/**
 * The screenshot specs (tests/e2e/screenshots*.spec.ts) take the README's
 * pictures: they run under `npm run screenshots` (scripts/screenshots.ts,
 * which sets PARLEY_SCREENSHOTS_DIR), not in `npm test`; what they assert is
 * asserted by the ordinary specs too.
 */
const SCREENSHOTS = process.env['PARLEY_SCREENSHOTS_DIR'] !== undefined && process.env['PARLEY_SCREENSHOTS_DIR'] !== ''

/**
 * Context options wherever a Firefox context is made: no colour scheme
 * emulation (Playwright's default is 'light'), which Firefox ESR cannot do
 * (tests/support/firefox-bidi-shim.ts); headless Firefox is light anyway.
 */
const FIREFOX_CONTEXTS = { colorScheme: null }

export default defineConfig<Pick<Fixtures, 'bobBrowser'>>({
  testDir: 'tests/e2e',
  testIgnore: SCREENSHOTS ? [] : ['**/screenshots*.spec.ts'],
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90 * SECOND_MS,
  expect: { timeout: 15 * SECOND_MS },
  forbidOnly: true,
  // Not the bare `test-results/`: Playwright empties its outputDir at start,
  // which would delete the unit report that `npm test` wrote there first.
  outputDir: 'test-results/e2e-artifacts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: ARTIFACTS,
  projects: [
    {
      name: 'chromium',
      use: { browserName: 'chromium', launchOptions: chromiumLaunchOptions }
    },
    {
      name: 'firefox',
      grep: /@firefox/,
      use: { browserName: 'firefox', channel: 'moz-firefox', launchOptions: firefoxLaunchOptions(), ...FIREFOX_CONTEXTS }
    },
    {
      name: 'chromium-firefox',
      grep: /@cross/,
      use: { browserName: 'chromium', launchOptions: chromiumLaunchOptions, bobBrowser: 'firefox', ...FIREFOX_CONTEXTS }
    }
  ]
})
