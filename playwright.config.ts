import { defineConfig } from '@playwright/test'

/**
 * E2E runs one spec at a time: each test starts its own relay-node and static
 * server (see tests/e2e/fixtures.ts) and two browser contexts, and the machine
 * has two cores shared by all of them. No `webServer`: the fixtures own it.
 *
 * Run it inside a loopback-only network namespace (`npm test` does), so no
 * WebRTC candidate or relay traffic can leave `lo` (docs/testing.md).
 */
const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'

const SECOND_MS = 1000

export default defineConfig({
  testDir: 'tests/e2e',
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
  use: { trace: 'retain-on-failure' },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
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
      }
    }
  ]
})
