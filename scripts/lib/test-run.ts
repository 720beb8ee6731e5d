/**
 * Steps shared by `npm test` (scripts/test.ts) and `npm run lab`
 * (scripts/lab.ts): running commands, installing Debian packages, the
 * loopback-only network namespace, and reading test reports into counts.
 */
import { spawn, type StdioOptions } from 'node:child_process'
import { constants } from 'node:fs'
import { access, readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium'
/** Firefox ESR for the e2e tests' Firefox projects (tests/support/firefox-esr.sh reads the same variable). */
export const FIREFOX_PATH = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr'
const EMOJI_FONT = '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf'

export interface RunResult {
  /** Exit code; null when a signal ended the process or it could not start. */
  code: number | null
  /** Why the process did not exit 0, for the step log. */
  failure?: string
  stderr: string
  /** With `buffer`: what it wrote to stdout and stderr (each chunk as it came; the last 1 MiB). */
  output?: string
}

/** What `run` keeps of a buffered command's output. */
const MAX_BUFFERED_OUTPUT = 1 << 20

export interface Tally {
  suite: string
  passed: number
  failed: number
  note?: string
  /** Names of the failed tests (file › title), so the summary says which. */
  failedTests?: string[]
  /** why each failed, by its name in `failedTests`: the error's first lines */
  reasons?: Reasons
}

/** A failed test's name → the first lines of its error (no colour codes, paths relative to the repo). */
export type Reasons = Record<string, string[]>

export interface ReportCounts {
  passed: number
  failed: number
  failedTests: string[]
  reasons?: Reasons
  /** a Playwright report's counts per project (browser), in the config's order */
  projects?: ProjectCounts[]
}

export interface ProjectCounts {
  name: string
  passed: number
  failed: number
  failedTests: string[]
  reasons?: Reasons
}

export function step (name: string): void {
  console.log(`\n=== ${name} ===`)
}

export function warn (lines: string[]): void {
  const bar = '!'.repeat(78)
  console.error(`\n${bar}\n${lines.map((line) => `!! ${line}`).join('\n')}\n${bar}\n`)
}

/**
 * Runs a command from the repo root; output streams live unless `capture`
 * (stdout dropped, stderr's tail kept) or `buffer` (both kept, to
 * print once it ends: for commands run side by side) is set.
 */
export async function run (command: string, args: string[], options: { capture?: boolean, buffer?: boolean, env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const piped = options.capture === true || options.buffer === true
  const stdio: StdioOptions = piped ? ['ignore', 'pipe', 'pipe'] : 'inherit'
  return await new Promise<RunResult>((resolveRun) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio, env: options.env ?? process.env })
    let stderr = ''
    let output = ''
    const keep = (chunk: Buffer): void => { output = (output + chunk.toString('utf8')).slice(-MAX_BUFFERED_OUTPUT) }
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8192)
      if (options.buffer === true) keep(chunk)
    })
    if (options.buffer === true) child.stdout?.on('data', keep)
    else child.stdout?.resume()
    const result = (code: number | null, failure?: string): RunResult => ({
      code, stderr, ...(failure === undefined ? {} : { failure }), ...(options.buffer === true ? { output } : {})
    })
    child.once('error', (err) => {
      resolveRun(result(null, `could not run ${command}: ${err.message}`))
    })
    child.once('close', (code, signal) => {
      if (code === 0) {
        resolveRun(result(code))
      } else {
        resolveRun(result(code, signal != null ? `${command} killed by ${signal}` : `${command} exited with code ${String(code)}`))
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
export async function hasCommand (name: string): Promise<boolean> {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin']) {
    if (dir !== '' && await isExecutable(resolve(dir, name))) return true
  }
  return false
}

/**
 * Installs what e2e needs from Debian when it is missing: Chromium,
 * iproute2 (`ip`, to bring up `lo` in the test's network namespace) and a
 * colour emoji font; with `firefox`, Firefox ESR (the e2e Firefox projects,
 * docs/testing.md); with `lab`, also what the NAT lab needs: nftables (the
 * routers), coturn (STUN/TURN) and python3 (the delay/loss wire).
 * Returns an error message, or null when everything is (now) present.
 */
export async function ensureSystemPackages (options: { lab?: boolean, firefox?: boolean } = {}): Promise<string | null> {
  const missing: string[] = []
  if (await isExecutable(CHROMIUM_PATH)) {
    console.log(`Chromium found at ${CHROMIUM_PATH}`)
  } else {
    console.log(`Chromium not found at ${CHROMIUM_PATH}.`)
    missing.push('chromium')
  }
  if (options.firefox === true) {
    if (await isExecutable(FIREFOX_PATH)) {
      console.log(`Firefox found at ${FIREFOX_PATH}`)
    } else {
      console.log(`Firefox not found at ${FIREFOX_PATH}.`)
      missing.push('firefox-esr')
    }
  }
  if (!(await hasCommand('ip'))) missing.push('iproute2')
  // emoji in messages and the README screenshots render in colour (Chromium has no font of its own)
  if (!(await exists(EMOJI_FONT))) missing.push('fonts-noto-color-emoji')
  // the NAT lab (tests/lab/): routers' NAT rules, coturn as STUN/TURN, the impairment wire
  if (options.lab === true) {
    if (!(await hasCommand('nft'))) missing.push('nftables')
    if (!(await hasCommand('turnserver'))) missing.push('coturn')
    if (!(await hasCommand('python3'))) missing.push('python3')
  }
  if (missing.length === 0) return null

  console.log(`Installing with apt-get: ${missing.join(' ')}`)
  if (process.getuid?.() !== 0) {
    const paths = [missing.includes('chromium') ? 'CHROMIUM_PATH' : '', missing.includes('firefox-esr') ? 'FIREFOX_PATH' : ''].filter((v) => v !== '')
    return `${missing.join(' and ')} missing and this is not root, so apt-get cannot install it. Run \`apt-get install -y ${missing.join(' ')}\` as root${paths.length > 0 ? `, or set ${paths.join(' and ')}` : ''}.`
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  const update = await run('apt-get', ['update'], { env })
  if (update.failure != null) return `apt-get update failed: ${update.failure}`
  const install = await run('apt-get', ['install', '-y', ...missing], { env })
  if (install.failure != null) return `apt-get install -y ${missing.join(' ')} failed: ${install.failure}`
  if (!(await isExecutable(CHROMIUM_PATH))) {
    return `apt-get installed chromium, but ${CHROMIUM_PATH} is still missing (is CHROMIUM_PATH right?)`
  }
  if (options.firefox === true && !(await isExecutable(FIREFOX_PATH))) {
    return `apt-get installed firefox-esr, but ${FIREFOX_PATH} is still missing (is FIREFOX_PATH right?)`
  }
  return null
}

/**
 * `npx playwright test <args>` in a fresh network namespace that only has
 * `lo`: the e2e tests must not reach beyond loopback (docs/testing.md), and the
 * NAT lab starts from there too. Probe first, so that a failing test run is
 * never mistaken for a missing privilege. `args` must need no shell quoting.
 */
export async function isolatedCommand (playwrightArgs: string[]): Promise<{ command: string, args: string[] }> {
  // quoted for the shell: `-g "a|b"` must reach Playwright as one argument
  const quoted = playwrightArgs.map(arg => `'${arg.replaceAll("'", "'\\''")}'`).join(' ')
  const isolated = { command: 'unshare', args: ['-n', '--', 'sh', '-c', `ip link set lo up && exec npx playwright test ${quoted}`] }
  const plain = { command: 'npx', args: ['playwright', 'test', ...playwrightArgs] }
  if (process.getuid?.() !== 0) {
    warn([
      'Not root: running browser tests WITHOUT a loopback-only network namespace.',
      'WebRTC may pick non-loopback addresses and traffic may leave this machine.'
    ])
    return plain
  }
  const probe = await run('unshare', ['-n', '--', 'sh', '-c', 'ip link set lo up'], { capture: true })
  if (probe.failure != null) {
    warn([
      'Could not create a loopback-only network namespace',
      `(${probe.failure}${probe.stderr.trim() === '' ? '' : `: ${probe.stderr.trim()}`}).`,
      'Running browser tests WITHOUT it: traffic may leave loopback.'
    ])
    return plain
  }
  console.log('Running inside a loopback-only network namespace (unshare -n).')
  return isolated
}

function relativeToRepo (path: string): string {
  return path.startsWith(REPO_ROOT + '/') ? path.slice(REPO_ROOT.length + 1) : path
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
export function tally (suite: string, counts: ReportCounts | undefined, result: RunResult): Tally {
  if (counts == null) {
    return { suite, passed: 0, failed: 1, note: `no readable report${result.failure != null ? `; ${result.failure}` : ''}` }
  }
  if (result.failure != null && counts.failed === 0) {
    return { suite, passed: counts.passed, failed: 1, note: `${result.failure} with no failed test in the report` }
  }
  return { suite, passed: counts.passed, failed: counts.failed, failedTests: counts.failedTests, ...withReasons(counts.reasons) }
}

/** Lines of a failure's error that the summary shows under its name. */
const REASON_LINES = 8

/**
 * The first lines of the first non-empty error message: CI shows only the
 * output's tail, and a failure that does not reproduce here must say there
 * which wait or assertion broke.
 */
export function reasonOf (messages: unknown): string[] | undefined {
  const text = (Array.isArray(messages) ? messages : [messages]).find((m): m is string => typeof m === 'string' && m.trim() !== '')
  if (text === undefined) return undefined
  // without the colour codes a reporter leaves in its messages
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '').replaceAll(`${REPO_ROOT}/`, '')
  // and without the stack's frames in libraries and Node itself, so that the test's own line shows
  const library = (line: string): boolean => /^\s*at .*(node_modules|node:internal)/.test(line)
  return plain.split('\n').map((line) => line.trimEnd()).filter((line) => line.trim() !== '' && !library(line)).slice(0, REASON_LINES)
}

function withReasons (reasons: Reasons | undefined): { reasons?: Reasons } {
  return reasons === undefined || Object.keys(reasons).length === 0 ? {} : { reasons }
}

/**
 * A Playwright report as one tally per project (`e2e chromium`, `e2e
 * firefox`, …), or as {@link tally} when it has none. A runner that failed
 * with no failed test in the report adds one failure of its own.
 */
export function tallyByProject (suite: string, counts: ReportCounts | undefined, result: RunResult): Tally[] {
  const projects = counts?.projects ?? []
  if (counts == null || projects.length === 0) return [tally(suite, counts, result)]
  const tallies: Tally[] = projects.map((p) => ({ suite: `${suite} ${p.name}`, passed: p.passed, failed: p.failed, failedTests: p.failedTests, ...withReasons(p.reasons) }))
  if (result.failure != null && counts.failed === 0) {
    tallies.push({ suite, passed: 0, failed: 1, note: `${result.failure} with no failed test in the report` })
  }
  return tallies
}

interface VitestReport {
  numPassedTests?: unknown
  numFailedTests?: unknown
  testResults?: Array<{ name?: unknown, assertionResults?: Array<{ status?: unknown, fullName?: unknown, failureMessages?: unknown }> }>
}

export async function readVitestReport (path: string): Promise<ReportCounts | undefined> {
  const report = await readJson(path) as VitestReport | undefined
  if (report == null || !isCount(report.numPassedTests) || !isCount(report.numFailedTests)) return undefined
  const failedTests: string[] = []
  const reasons: Reasons = {}
  for (const file of Array.isArray(report.testResults) ? report.testResults : []) {
    const where = typeof file.name === 'string' ? relativeToRepo(file.name) : '?'
    for (const test of Array.isArray(file.assertionResults) ? file.assertionResults : []) {
      if (test.status !== 'failed') continue
      const name = `${where} › ${String(test.fullName)}`
      failedTests.push(name)
      const reason = reasonOf(test.failureMessages)
      if (reason !== undefined) reasons[name] = reason
    }
  }
  return { passed: report.numPassedTests, failed: report.numFailedTests, failedTests, ...withReasons(reasons) }
}

interface PlaywrightSuite {
  file?: unknown
  title?: unknown
  suites?: PlaywrightSuite[]
  specs?: Array<{ title?: unknown, line?: unknown, tests?: Array<{ status?: unknown, projectName?: unknown, results?: Array<{ errors?: Array<{ message?: unknown }> }> }> }>
}

interface PlaywrightReport {
  config?: { projects?: Array<{ name?: unknown }> }
  stats?: { expected?: unknown, unexpected?: unknown, flaky?: unknown }
  suites?: PlaywrightSuite[]
}

export async function readPlaywrightReport (path: string): Promise<ReportCounts | undefined> {
  const report = await readJson(path) as PlaywrightReport | undefined
  const stats = report?.stats
  if (stats == null || !isCount(stats.expected) || !isCount(stats.unexpected) || !isCount(stats.flaky)) return undefined
  const failedTests: string[] = []
  const reasons: Reasons = {}
  const projects = new Map<string, ProjectCounts>()
  for (const project of Array.isArray(report?.config?.projects) ? report.config.projects : []) {
    if (typeof project.name === 'string') projects.set(project.name, { name: project.name, passed: 0, failed: 0, failedTests: [] })
  }
  const visit = (suite: PlaywrightSuite, file: string): void => {
    const here = typeof suite.file === 'string' ? suite.file : file
    for (const spec of Array.isArray(suite.specs) ? suite.specs : []) {
      for (const test of Array.isArray(spec.tests) ? spec.tests : []) {
        const name = typeof test.projectName === 'string' ? test.projectName : undefined
        let project = name === undefined ? undefined : projects.get(name)
        if (name !== undefined && project === undefined) {
          project = { name, passed: 0, failed: 0, failedTests: [] }
          projects.set(name, project)
        }
        if (test.status === 'expected' && project !== undefined) project.passed++
        if (test.status === 'unexpected' || test.status === 'flaky') {
          const line = `${here}:${String(spec.line)} › ${String(spec.title)}${test.status === 'flaky' ? ' (passed only on retry)' : ''}`
          failedTests.push(line)
          // the first try's error: a flaky test's retry passed
          const reason = reasonOf((Array.isArray(test.results) ? test.results : []).flatMap((r) => Array.isArray(r.errors) ? r.errors.map((e) => e.message) : []))
          if (reason !== undefined) reasons[line] = reason
          if (project !== undefined) {
            project.failed++
            project.failedTests.push(line)
            if (reason !== undefined) project.reasons = { ...project.reasons, [line]: reason }
          }
        }
      }
    }
    for (const child of Array.isArray(suite.suites) ? suite.suites : []) visit(child, here)
  }
  for (const suite of Array.isArray(report?.suites) ? report.suites : []) visit(suite, '?')
  // A flaky test passed only on retry; CI treats it as a failure.
  const counts: ReportCounts = { passed: stats.expected, failed: stats.unexpected + stats.flaky, failedTests, ...withReasons(reasons) }
  // per project only when the projects account for every test the totals count
  const perProject = [...projects.values()]
  const sum = (key: 'passed' | 'failed'): number => perProject.reduce((n, p) => n + p[key], 0)
  return perProject.length > 0 && sum('passed') === counts.passed && sum('failed') === counts.failed ? { ...counts, projects: perProject } : counts
}

/**
 * Lines naming the failed tests, at most `limit` of them, for a summary's
 * tail; under each, indented, the first lines of its error.
 */
export function failedTestLines (tallies: Tally[], limit = 20): string[] {
  const failures = tallies.flatMap((t) => (t.failedTests ?? []).map((name) => [`failed (${t.suite}): ${name}`, ...(t.reasons?.[name] ?? []).map((line) => `    ${line}`)]))
  const lines = failures.slice(0, limit).flat()
  return failures.length > limit ? [...lines, `… and ${failures.length - limit} more`] : lines
}

/**
 * Runs a script's `main` and sets the exit code from it; a crash prints its
 * error and still ends with the `N passed, N failed` line CI looks for.
 */
export function runScript (main: () => Promise<number>): void {
  main().then(
    (code) => { process.exitCode = code },
    (err: unknown) => {
      console.error(err)
      console.log('0 passed, 1 failed')
      process.exitCode = 1
    }
  )
}
