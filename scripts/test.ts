/**
 * `npm test`: installs Chromium if missing, builds the app, runs the unit
 * tests (vitest) and the e2e tests (playwright, inside a loopback-only network
 * namespace), then prints `N passed, N failed` as the last line.
 *
 *   --unit-only   unit tests only (no Chromium, no build)
 *   --e2e-only    Chromium check, build, e2e tests
 *
 * Exits non-zero if any test failed or any step failed.
 */
import { spawn, type StdioOptions } from 'node:child_process'
import { constants } from 'node:fs'
import { access, readFile, rm } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..')
const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
const EMOJI_FONT = '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf'
const UNIT_REPORT = 'test-results/unit.json'
/** Must match the json reporter's outputFile in playwright.config.ts. */
const E2E_REPORT = 'test-results/e2e.json'
const E2E_COMMAND = 'ip link set lo up && exec npx playwright test'

interface RunResult {
  /** Exit code; null when a signal ended the process or it could not start. */
  code: number | null
  /** Why the process did not exit 0, for the step log. */
  failure?: string
  stderr: string
}

interface Tally {
  suite: string
  passed: number
  failed: number
  note?: string
}

function step (name: string): void {
  console.log(`\n=== ${name} ===`)
}

function warn (lines: string[]): void {
  const bar = '!'.repeat(78)
  console.error(`\n${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n`)
}

/** Runs a command from the repo root; output streams live unless `capture` is set. */
async function run (command: string, args: string[], options: { capture?: boolean, env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const stdio: StdioOptions = options.capture === true ? ['ignore', 'pipe', 'pipe'] : 'inherit'
  return await new Promise<RunResult>((resolveRun) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio, env: options.env ?? process.env })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-8192) })
    child.stdout?.resume()
    child.once('error', (err) => {
      resolveRun({ code: null, failure: `could not run ${command}: ${err.message}`, stderr })
    })
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolveRun({ code, stderr })
      } else {
        const failure = signal != null ? `${command} killed by ${signal}` : `${command} exited with code ${String(code)}`
        resolveRun({ code, failure, stderr })
      }
    })
  })
}

async function exists (path: string): Promise<boolean> {
  try {
    await access(path, constants.R_OK)
    return true
  } catch {
    return false
  }
}

async function isExecutable (path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK)
    return true
  } catch {
    // Missing or not executable: both mean "install it".
    return false
  }
}

/** True when `name` is a command on PATH (or in /usr/sbin, where `ip` lives). */
async function hasCommand (name: string): Promise<boolean> {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    if (dir !== '' && await isExecutable(resolve(dir, name))) return true
  }
  return false
}

/**
 * Installs what e2e needs from Debian when it is missing: Chromium,
 * iproute2 (`ip`, to bring up `lo` in the test's network namespace) and a
 * colour emoji font.
 * Returns an error message, or null when everything is (now) present.
 */
async function ensureSystemPackages (): Promise<string | null> {
  const missing: string[] = []
  if (await isExecutable(CHROMIUM_PATH)) {
    console.log(`Chromium found at ${CHROMIUM_PATH}`)
  } else {
    console.log(`Chromium not found at ${CHROMIUM_PATH}.`)
    missing.push('chromium')
  }
  if (!(await hasCommand('ip'))) missing.push('iproute2')
  // emoji in messages and the README screenshots render in colour (Chromium has no font of its own)
  if (!(await exists(EMOJI_FONT))) missing.push('fonts-noto-color-emoji')
  if (missing.length === 0) return null

  console.log(`Installing with apt-get: ${missing.join(' ')}`)
  if (process.getuid?.() !== 0) {
    return `${missing.join(' and ')} missing and this is not root, so apt-get cannot install it. Run \`apt-get install -y ${missing.join(' ')}\` as root${missing.includes('chromium') ? ', or set CHROMIUM_PATH' : ''}.`
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const update = await run('apt-get', ['update'], { env })
  if (update.failure != null) return `apt-get update failed: ${update.failure}`
  const install = await run('apt-get', ['install', '-y', ...missing], { env })
  if (install.failure != null) return `apt-get install -y ${missing.join(' ')} failed: ${install.failure}`
  if (!(await isExecutable(CHROMIUM_PATH))) {
    return `apt-get installed chromium, but ${CHROMIUM_PATH} is still missing (is CHROMIUM_PATH right?)`
  }
  return null
}

/**
 * The e2e tests must not reach beyond loopback (ENVIRONMENT.md): run them in a
 * fresh network namespace that only has `lo`. Probe first, so that a failing
 * test run is never mistaken for a missing privilege.
 */
async function e2eCommand (): Promise<{ command: string, args: string[] }> {
  const isolated = { command: 'unshare', args: ['-n', '--', 'sh', '-c', E2E_COMMAND] }
  const plain = { command: 'npx', args: ['playwright', 'test'] }
  if (process.getuid?.() !== 0) {
    warn([
      'Not root: running e2e tests WITHOUT a loopback-only network namespace.',
      'WebRTC may pick non-loopback addresses and traffic may leave this machine.'
    ])
    return plain
  }
  const probe = await run('unshare', ['-n', '--', 'sh', '-c', 'ip link set lo up'], { capture: true })
  if (probe.failure != null) {
    warn([
      'Could not create a loopback-only network namespace',
      `(${probe.failure}${probe.stderr.trim() === '' ? '' : `: ${probe.stderr.trim()}`}).`,
      'Running e2e tests WITHOUT it: traffic may leave loopback.'
    ])
    return plain
  }
  console.log('Running inside a loopback-only network namespace (unshare -n).')
  return isolated
}

function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0
}

async function readJson (path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(resolve(REPO_ROOT, path), 'utf8')) as unknown
  } catch {
    // Missing or truncated: the runner crashed before writing it; the caller counts a failure.
    return undefined
  }
}

/**
 * Turns a report into counts. A missing or unreadable report, or a runner that
 * failed while reporting no failed test (a file that does not load, a global
 * setup error, "no tests found"), counts as at least one failure.
 */
function tally (suite: string, counts: { passed: number, failed: number } | undefined, result: RunResult): Tally {
  if (counts == null) {
    return { suite, passed: 0, failed: 1, note: `no readable report${result.failure != null ? `; ${result.failure}` : ''}` }
  }
  if (result.failure != null && counts.failed === 0) {
    return { suite, passed: counts.passed, failed: 1, note: `${result.failure} with no failed test in the report` }
  }
  return { suite, ...counts }
}

async function readVitestReport (): Promise<{ passed: number, failed: number } | undefined> {
  const report = await readJson(UNIT_REPORT) as { numPassedTests?: unknown, numFailedTests?: unknown } | undefined
  if (report == null || !isCount(report.numPassedTests) || !isCount(report.numFailedTests)) return undefined
  return { passed: report.numPassedTests, failed: report.numFailedTests }
}

async function readPlaywrightReport (): Promise<{ passed: number, failed: number } | undefined> {
  const report = await readJson(E2E_REPORT) as { stats?: { expected?: unknown, unexpected?: unknown, flaky?: unknown } } | undefined
  const stats = report?.stats
  if (stats == null || !isCount(stats.expected) || !isCount(stats.unexpected) || !isCount(stats.flaky)) return undefined
  // A flaky test passed only on retry; CI treats it as a failure.
  return { passed: stats.expected, failed: stats.unexpected + stats.flaky }
}

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
  let e2eReady = e2e

  // lint and typecheck count as one check each in the totals, so a red
  // static check can never hide behind "N passed, 0 failed"
  step('Static checks (npm run lint, npm run typecheck)')
  const checks: Tally = { suite: 'checks', passed: 0, failed: 0 }
  for (const script of ['lint', 'typecheck']) {
    const result = await run('npm', ['run', '--silent', script])
    if (result.failure == null) {
      checks.passed++
    } else {
      checks.failed++
      failedSteps.push(script)
    }
  }
  tallies.push(checks)

  if (e2e) {
    step('System packages (chromium, iproute2, emoji font)')
    const error = await ensureSystemPackages()
    if (error != null) {
      console.error(error)
      failedSteps.push('system packages')
      e2eReady = false
    }

    step('Build (npx vite build)')
    const build = await run('npx', ['vite', 'build'])
    if (build.failure != null) {
      console.error(`build failed: ${build.failure}`)
      failedSteps.push('build')
      e2eReady = false
    }
  }

  if (unit) {
    step('Unit tests (vitest)')
    await rm(resolve(REPO_ROOT, UNIT_REPORT), { force: true })
    const result = await run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${UNIT_REPORT}`])
    if (result.failure != null) failedSteps.push('unit tests')
    tallies.push(tally('unit', await readVitestReport(), result))
  }

  if (e2e) {
    step('E2E tests (playwright)')
    await rm(resolve(REPO_ROOT, E2E_REPORT), { force: true })
    if (e2eReady) {
      const { command, args } = await e2eCommand()
      const result = await run(command, args)
      if (result.failure != null) failedSteps.push('e2e tests')
      tallies.push(tally('e2e', await readPlaywrightReport(), result))
    } else {
      console.error('skipped: an earlier step failed')
      tallies.push({ suite: 'e2e', passed: 0, failed: 1, note: 'not run: an earlier step failed' })
    }
  }

  step('Summary')
  for (const t of tallies) {
    console.log(`${t.suite}: ${t.passed} passed, ${t.failed} failed${t.note != null ? ` (${t.note})` : ''}`)
  }
  if (failedSteps.length > 0) console.log(`failed steps: ${failedSteps.join(', ')}`)
  const passed = tallies.reduce((sum, t) => sum + t.passed, 0)
  const failed = tallies.reduce((sum, t) => sum + t.failed, 0)
  console.log(`${passed} passed, ${failed} failed`)
  return failed > 0 || failedSteps.length > 0 ? 1 : 0
}

main().then(
  (code) => { process.exitCode = code },
  (err: unknown) => {
    console.error(err)
    console.log('0 passed, 1 failed')
    process.exitCode = 1
  }
)
