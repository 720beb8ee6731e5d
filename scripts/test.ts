/**
 * `npm test`: installs Chromium and Firefox ESR (and what the NAT lab needs)
 * if missing, builds the app, holds the source and bundle budgets
 * (scripts/budgets.ts), runs the unit tests (vitest), the e2e tests
 * (playwright, inside a loopback-only network namespace: every spec in
 * Chromium, a core set in Firefox and in Chromium–Firefox pairs) and the NAT
 * lab's subset (tests/lab/, in network namespaces it makes itself), then
 * prints the 20 slowest tests of them all (scripts/lib/slowest.ts), one line
 * per suite (per browser project for e2e) and `N passed, N failed` as the
 * last line.
 *
 *   --unit-only   unit tests only (no browsers, no build)
 *   --e2e-only    browser check, build, e2e tests and the lab subset
 *
 * Exits non-zero if any test failed or any step failed.
 */
import { rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import {
  ensureSystemPackages, failedTestLines, isolatedCommand, readPlaywrightReport, readVitestReport, REPO_ROOT, run, runScript, step, tally, tallyByProject, type Tally
} from './lib/test-run.ts'
import { playwrightDurations, slowestLines, vitestDurations, type TestDuration } from './lib/slowest.ts'

const UNIT_REPORT = 'test-results/unit.json'
/** Must match the json reporter's outputFile in playwright.config.ts. */
const E2E_REPORT = 'test-results/e2e.json'
/** Must match the json reporter's outputFile in tests/lab/playwright.config.ts. */
const LAB_REPORT = 'test-results/lab.json'
const LAB_CONFIG = 'tests/lab/playwright.config.ts'

function parseArgs (argv: string[]): { unit: boolean, e2e: boolean } {
  const unknown = argv.filter((arg) => arg !== '--unit-only' && arg !== '--e2e-only')
  const unitOnly = argv.includes('--unit-only')
  const e2eOnly = argv.includes('--e2e-only')
  if (unknown.length > 0 || (unitOnly && e2eOnly)) {
    console.error(`usage: tsx scripts/test.ts [--unit-only | --e2e-only]${unknown.length > 0 ? ` (unknown: ${unknown.join(' ')})` : ''}`)
    process.exit(2)
  }
  return { unit: !e2eOnly, e2e: !unitOnly }
}

async function main (): Promise<number> {
  const { unit, e2e } = parseArgs(process.argv.slice(2))
  const failedSteps: string[] = []
  const tallies: Tally[] = []
  const durations: TestDuration[] = []
  let e2eReady = e2e

  if (e2e) {
    step('System packages (chromium, firefox-esr, iproute2, emoji font; nftables, coturn, python3 for the lab)')
    const error = await ensureSystemPackages({ lab: true, firefox: true })
    if (error != null) {
      console.error(error)
      failedSteps.push('system packages')
      e2eReady = false
    }
  }

  // lint and typecheck count as one check each in the totals, so a red
  // static check can never hide behind "N passed, 0 failed". Each keeps one
  // core busy, so they run side by side (about 40 s less on two cores), and
  // each one's output is printed whole when both have ended. The build needs
  // neither: it runs beside them and takes the core the shorter one leaves.
  step(`Static checks (npm run lint, npm run typecheck${e2e ? ', npx vite build' : ''}, side by side)`)
  const checks: Tally = { suite: 'checks', passed: 0, failed: 0 }
  const scripts = ['lint', 'typecheck'] as const
  const building = e2e ? run('npx', ['vite', 'build'], { buffer: true }) : undefined
  const results = await Promise.all(scripts.map(async (script) => await run('npm', ['run', '--silent', script], { buffer: true })))
  for (const [i, script] of scripts.entries()) {
    const result = results[i]
    console.log(`--- npm run ${script} ---\n${result?.output ?? ''}`)
    if (result !== undefined && result.failure == null) {
      checks.passed++
    } else {
      checks.failed++
      failedSteps.push(script)
    }
  }
  tallies.push(checks)

  if (building !== undefined) {
    const build = await building
    console.log(`--- npx vite build ---\n${build.output ?? ''}`)
    if (build.failure != null) {
      console.error(`build failed: ${build.failure}`)
      failedSteps.push('build')
      e2eReady = false
    }
  }

  // the budgets count as one check: source files under their line limit, and
  // (when the app was built) the gzip sizes of the shell, the workers and the lazy chunks
  step(`Budgets (tsx scripts/budgets.ts${e2eReady ? '' : ' --lines-only'})`)
  const budgets = await run('npx', ['tsx', 'scripts/budgets.ts', ...(e2eReady ? [] : ['--lines-only'])])
  if (budgets.failure == null) {
    checks.passed++
  } else {
    checks.failed++
    failedSteps.push('budgets')
  }

  if (unit) {
    step('Unit tests (vitest)')
    await rm(resolve(REPO_ROOT, UNIT_REPORT), { force: true })
    const result = await run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${UNIT_REPORT}`])
    if (result.failure != null) failedSteps.push('unit tests')
    tallies.push(tally('unit', await readVitestReport(UNIT_REPORT), result))
    durations.push(...await vitestDurations(UNIT_REPORT, 'unit'))
  }

  if (e2e) {
    step('E2E tests (playwright)')
    await rm(resolve(REPO_ROOT, E2E_REPORT), { force: true })
    if (e2eReady) {
      const { command, args } = await isolatedCommand([])
      const result = await run(command, args)
      if (result.failure != null) failedSteps.push('e2e tests')
      // one line per project: e2e chromium, e2e firefox, e2e chromium-firefox
      tallies.push(...tallyByProject('e2e', await readPlaywrightReport(E2E_REPORT), result))
      durations.push(...await playwrightDurations(E2E_REPORT, 'e2e'))
    } else {
      console.error('skipped: an earlier step failed')
      tallies.push({ suite: 'e2e', passed: 0, failed: 1, note: 'not run: an earlier step failed' })
    }

    step('NAT lab subset (playwright -c tests/lab/playwright.config.ts, LAB_MODE=subset)')
    await rm(resolve(REPO_ROOT, LAB_REPORT), { force: true })
    if (e2eReady) {
      // the lab makes its own namespaces; run it from an isolated one too, so nothing it starts can reach this machine's network
      const { command, args } = await isolatedCommand(['-c', LAB_CONFIG])
      const result = await run(command, args, { env: { ...process.env, LAB_MODE: 'subset' } })
      if (result.failure != null) failedSteps.push('lab subset')
      tallies.push(tally('lab', await readPlaywrightReport(LAB_REPORT), result))
      durations.push(...await playwrightDurations(LAB_REPORT, 'lab'))
    } else {
      console.error('skipped: an earlier step failed')
      tallies.push({ suite: 'lab', passed: 0, failed: 1, note: 'not run: an earlier step failed' })
    }
  }

  if (durations.length > 0) {
    step('Slowest tests')
    for (const line of slowestLines(durations)) console.log(line)
  }

  step('Summary')
  for (const t of tallies) {
    console.log(`${t.suite}: ${t.passed} passed, ${t.failed} failed${t.note != null ? ` (${t.note})` : ''}`)
  }
  for (const line of failedTestLines(tallies)) console.log(line)
  if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`)
  const passed = tallies.reduce((sum, t) => sum + t.passed, 0)
  const failed = tallies.reduce((sum, t) => sum + t.failed, 0)
  console.log(`${passed} passed, ${failed} failed`)
  return failed > 0 || failedSteps.length > 0 ? 1 : 0
}

runScript(main)
