/**
 * The slowest tests of a run, read from the same JSON reports as the counts
 * (scripts/lib/test-run.ts): `npm test` prints them before its last line, so
 * that a suite growing slower shows which tests did it.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { REPO_ROOT } from './test-run.ts'

export interface TestDuration {
  /** the suite as the summary names it: `unit`, `e2e chromium`, `lab`, … */
  suite: string
  /** file › title */
  name: string
  ms: number
}

async function readJson (path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(resolve(REPO_ROOT, path), 'utf8')) as unknown
  } catch {
    // missing or truncated: the counts already say the runner failed
    return undefined
  }
}

function relativeToRepo (path: string): string {
  return path.startsWith(REPO_ROOT + '/') ? path.slice(REPO_ROOT.length + 1) : path
}

function isDuration (value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0
}

interface VitestReport {
  testResults?: Array<{ name?: unknown, assertionResults?: Array<{ fullName?: unknown, duration?: unknown }> }>
}

/** Every test's duration in a vitest JSON report. */
export async function vitestDurations (path: string, suite: string): Promise<TestDuration[]> {
  const report = await readJson(path) as VitestReport | undefined
  const durations: TestDuration[] = []
  for (const file of Array.isArray(report?.testResults) ? report.testResults : []) {
    const where = typeof file.name === 'string' ? relativeToRepo(file.name) : '?'
    for (const test of Array.isArray(file.assertionResults) ? file.assertionResults : []) {
      if (isDuration(test.duration)) durations.push({ suite, name: `${where} › ${String(test.fullName)}`, ms: test.duration })
    }
  }
  return durations
}

interface PlaywrightSuite {
  file?: unknown
  suites?: PlaywrightSuite[]
  specs?: Array<{ title?: unknown, line?: unknown, tests?: Array<{ projectName?: unknown, results?: Array<{ duration?: unknown }> }> }>
}

/**
 * Every test's duration in a Playwright JSON report (its tries added up),
 * the suite named `<suite> <project>` when the test has a project.
 */
export async function playwrightDurations (path: string, suite: string): Promise<TestDuration[]> {
  const report = await readJson(path) as { suites?: PlaywrightSuite[] } | undefined
  const durations: TestDuration[] = []
  const visit = (node: PlaywrightSuite, file: string): void => {
    const here = typeof node.file === 'string' ? node.file : file
    for (const spec of Array.isArray(node.specs) ? node.specs : []) {
      for (const test of Array.isArray(spec.tests) ? spec.tests : []) {
        const ms = (Array.isArray(test.results) ? test.results : []).reduce((sum, r) => sum + (isDuration(r.duration) ? r.duration : 0), 0)
        const project = typeof test.projectName === 'string' && test.projectName !== '' ? ` ${test.projectName}` : ''
        durations.push({ suite: `${suite}${project}`, name: `${here}:${String(spec.line)} › ${String(spec.title)}`, ms })
      }
    }
    for (const child of Array.isArray(node.suites) ? node.suites : []) visit(child, here)
  }
  for (const node of Array.isArray(report?.suites) ? report.suites : []) visit(node, '?')
  return durations
}

/** The `count` slowest of `durations`, one line each: seconds, suite, name. */
export function slowestLines (durations: TestDuration[], count = 20): string[] {
  return [...durations]
    .sort((a, b) => b.ms - a.ms)
    .slice(0, count)
    .map((d) => `${(d.ms / 1000).toFixed(1).padStart(7)} s  ${d.suite}: ${d.name}`)
}
