/**
 * `npm run lab`: the whole NAT lab (tests/lab/, docs/testing.md): every pair
 * of NAT types with STUN, the relayed ones again with TURN, a few pairs with
 * one side in Firefox ESR, a video call direct with STUN and one through TURN,
 * and the 1,000-message fault soak. Builds the app first. Root only (network
 * namespaces, nftables). Prints every `lab …` and `soak …` line, then
 * `N passed, N failed`; exits non-zero on any failure.
 *
 * Extra arguments go to Playwright, e.g. `npm run lab -- -g cone-symmetric`.
 */
import { readFile, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { ensureSystemPackages, failedTestLines, isolatedCommand, readPlaywrightReport, REPO_ROOT, run, runScript, step, tally } from './lib/test-run.ts'

const LAB_REPORT = 'test-results/lab.json'
/** Must match LINES_FILE in tests/lab/fixtures.ts. */
const LINES_FILE = 'test-results/lab-lines.txt'

async function main (): Promise<number> {
  step('System packages (chromium, firefox-esr, iproute2, nftables, coturn, python3)')
  const error = await ensureSystemPackages({ lab: true, firefox: true })
  if (error != null) {
    console.error(error)
    console.log('0 passed, 1 failed')
    return 1
  }
  step('Build (npx vite build)')
  const build = await run('npx', ['vite', 'build'])
  if (build.failure != null) {
    console.error(`build failed: ${build.failure}`)
    console.log('0 passed, 1 failed')
    return 1
  }

  step('NAT lab (playwright -c tests/lab/playwright.config.ts, LAB_MODE=full)')
  await rm(resolve(REPO_ROOT, LAB_REPORT), { force: true })
  await rm(resolve(REPO_ROOT, LINES_FILE), { force: true })
  const { command, args } = await isolatedCommand(['-c', 'tests/lab/playwright.config.ts', ...process.argv.slice(2)])
  const result = await run(command, args, { env: { ...process.env, LAB_MODE: 'full' } })
  const counts = tally('lab', await readPlaywrightReport(LAB_REPORT), result)

  step('Results')
  const lines = await readFile(resolve(REPO_ROOT, LINES_FILE), 'utf8').catch(() => '')
  process.stdout.write(lines === '' ? '(no result lines)\n' : lines)
  for (const line of failedTestLines([counts])) console.log(line)
  console.log(`${counts.passed} passed, ${counts.failed} failed${counts.note != null ? ` (${counts.note})` : ''}`)
  return counts.failed > 0 ? 1 : 0
}

runScript(main)
