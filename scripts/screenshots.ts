/**
 * `npm run screenshots`: regenerates docs/screenshots/*.png from the real UI.
 * It runs tests/e2e/screenshots*.spec.ts (built app, real relay-node, browser
 * contexts) with PARLEY_SCREENSHOTS_DIR=docs/screenshots, inside a
 * loopback-only network namespace like `npm test`. Run `npm run build` first.
 * Only this script runs those specs (playwright.config.ts leaves them out
 * unless PARLEY_SCREENSHOTS_DIR is set); their assertions live in the
 * ordinary specs too.
 */
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const SPEC = 'tests/e2e/screenshots' // screenshots.spec.ts and screenshots-calls.spec.ts
const OUT = 'docs/screenshots'

const inner = `ip link set lo up && exec npx playwright test ${SPEC}`
const run = spawnSync('unshare', ['-n', '--', 'sh', '-c', inner], {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PARLEY_SCREENSHOTS_DIR: OUT }
})
if (run.error !== undefined) {
  console.error(`could not run the screenshots spec: ${run.error.message}`)
  process.exit(1)
}
if (run.status === 0) console.log(`Screenshots written to ${OUT}/`)
process.exit(run.status ?? 1)
