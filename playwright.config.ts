import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from '@playwright/test'
import { ARTIFACTS, chromiumLaunchOptions, firefoxLaunchOptions } from './tests/support/browsers.ts'
import type { Fixtures } from './tests/e2e/fixtures.ts'
import { PREPARED_DIR_ENV } from './tests/e2e/prepared-dir.ts'

/**
 * E2E runs two spec files at a time where the machine has two cores or more
 * (each worker its own prepared people, relay-nodes, static servers and
 * browser contexts: tests/e2e/fixtures.ts), one at a time on one core. With
 * one worker the two cores were 64 % busy on average over the run (a test
 * waits on its peers, its relay and its timers much of the time); with two
 * the same 143 tests took 14.9 min instead of 20.7 (2026-11-29), each test
 * about 1.5 times as long. No `webServer`: the fixtures own it.
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

/**
 * Where the run's workers keep the prepared people they make, so that a later
 * worker on the same slice of ports takes them rather than onboarding and
 * befriending again (tests/e2e/prepared.ts). Set here in the runner, before
 * any worker starts, so every worker of the run inherits the one directory
 * (a worker loads this file again and keeps it); the global teardown removes it.
 */
process.env[PREPARED_DIR_ENV] ??= join(tmpdir(), `parley-e2e-prepared-run-${process.pid}-${Date.now()}`)

export default defineConfig<Pick<Fixtures, 'bobBrowser'>>({
  testDir: 'tests/e2e',
  testIgnore: SCREENSHOTS ? [] : ['**/screenshots*.spec.ts'],
  workers: Math.min(2, availableParallelism()),
  fullyParallel: false,
  retries: 0,
  timeout: 90 * SECOND_MS,
  expect: { timeout: 15 * SECOND_MS },
  forbidOnly: true,
  // Not the bare `test-results/`: Playwright empties its outputDir at start,
  // which would delete the unit report that `npm test` wrote there first.
  outputDir: 'test-results/e2e-artifacts',
  globalTeardown: './tests/e2e/prepared-teardown.ts',
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  // without the service worker unless a spec asks for it: installing it precaches every file of the
  // app in each new context, an eighth of the suite's CPU (docs/testing.md, "The service worker")
  use: { ...ARTIFACTS, serviceWorkers: 'block' },
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
