import { defineConfig } from '@playwright/test'
import { ARTIFACTS } from '../support/browsers.ts'

/**
 * The NAT lab (tests/lab/, docs/testing.md): real Chromium per person, each in
 * a network namespace behind its own NAT router, relay-node and coturn in a
 * "public" namespace. Root only. One scenario at a time (two cores).
 *
 *   LAB_MODE=full (npm run lab)   the whole matrix and the 1,000-message soak
 *   LAB_MODE=subset (npm test)    the tests tagged @subset (a quick soak among them)
 *   neither                       everything
 */
const SECOND_MS = 1000

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 180 * SECOND_MS,
  expect: { timeout: 30 * SECOND_MS },
  forbidOnly: true,
  grep: process.env['LAB_MODE'] === 'subset' ? /@subset/ : undefined,
  grepInvert: process.env['LAB_MODE'] === 'full' ? /@quick/ : undefined,
  outputDir: '../../test-results/lab-artifacts',
  reporter: [['list'], ['json', { outputFile: '../../test-results/lab.json' }]],
  use: ARTIFACTS
})
