import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { failedTestLines, readPlaywrightReport, readVitestReport, REPO_ROOT, tally, tallyByProject } from '../../../scripts/lib/test-run.ts'

describe('test reports into counts and the names of what failed', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'parley-reports-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('names each failed vitest test by file (relative to the repo) and full name', async () => {
    const path = join(dir, 'unit.json')
    await writeFile(path, JSON.stringify({
      numPassedTests: 2,
      numFailedTests: 1,
      testResults: [
        { name: `${REPO_ROOT}/tests/unit/a.test.ts`, assertionResults: [{ status: 'passed', fullName: 'a works' }, { status: 'failed', fullName: 'a breaks' }] },
        { name: `${REPO_ROOT}/tests/unit/b.test.ts`, assertionResults: [{ status: 'passed', fullName: 'b works' }] }
      ]
    }))
    expect(await readVitestReport(path)).toEqual({ passed: 2, failed: 1, failedTests: ['tests/unit/a.test.ts › a breaks'] })
  })

  it('names unexpected and flaky playwright tests, however deep their suite', async () => {
    const path = join(dir, 'e2e.json')
    await writeFile(path, JSON.stringify({
      stats: { expected: 1, unexpected: 1, flaky: 1 },
      suites: [{
        file: 'chat.spec.ts',
        specs: [{ title: 'sends', line: 3, tests: [{ status: 'expected' }] }],
        suites: [{ title: 'inner', specs: [{ title: 'receives', line: 9, tests: [{ status: 'unexpected' }] }, { title: 'reloads', line: 20, tests: [{ status: 'flaky' }] }] }]
      }]
    }))
    expect(await readPlaywrightReport(path)).toEqual({
      passed: 1,
      failed: 2,
      failedTests: ['chat.spec.ts:9 › receives', 'chat.spec.ts:20 › reloads (passed only on retry)']
    })
  })

  it('counts a playwright report per project (browser), in the config\'s order, each naming its failed tests', async () => {
    const path = join(dir, 'e2e.json')
    const run = (projectName: string, status: string): { projectName: string, status: string } => ({ projectName, status })
    await writeFile(path, JSON.stringify({
      config: { projects: [{ name: 'chromium' }, { name: 'firefox' }, { name: 'chromium-firefox' }] },
      stats: { expected: 3, unexpected: 1, flaky: 1, skipped: 1 },
      suites: [{
        file: 'chat.spec.ts',
        specs: [
          { title: 'sends', line: 3, tests: [run('chromium', 'expected'), run('firefox', 'unexpected'), run('chromium-firefox', 'expected')] },
          { title: 'reloads', line: 9, tests: [run('chromium', 'flaky'), run('firefox', 'expected')] },
          { title: 'later', line: 20, tests: [run('chromium', 'skipped')] }
        ]
      }]
    }))
    const counts = await readPlaywrightReport(path)
    expect(counts?.projects).toEqual([
      { name: 'chromium', passed: 1, failed: 1, failedTests: ['chat.spec.ts:9 › reloads (passed only on retry)'] },
      { name: 'firefox', passed: 1, failed: 1, failedTests: ['chat.spec.ts:3 › sends'] },
      { name: 'chromium-firefox', passed: 1, failed: 0, failedTests: [] }
    ])
    const ok = { code: 0, stderr: '' }
    expect(tallyByProject('e2e', counts, ok).map(t => `${t.suite}: ${t.passed} passed, ${t.failed} failed`))
      .toEqual(['e2e chromium: 1 passed, 1 failed', 'e2e firefox: 1 passed, 1 failed', 'e2e chromium-firefox: 1 passed, 0 failed'])
    expect(failedTestLines(tallyByProject('e2e', counts, ok))).toEqual([
      'failed (e2e chromium): chat.spec.ts:9 › reloads (passed only on retry)',
      'failed (e2e firefox): chat.spec.ts:3 › sends'
    ])
  })

  it('a runner that failed with nothing failed in the report adds a failure; a report without projects stays one tally', () => {
    const counts = { passed: 2, failed: 0, failedTests: [], projects: [{ name: 'chromium', passed: 1, failed: 0, failedTests: [] }, { name: 'firefox', passed: 1, failed: 0, failedTests: [] }] }
    const crashed = tallyByProject('e2e', counts, { code: 1, failure: 'npx exited with code 1', stderr: '' })
    expect(crashed.reduce((n, t) => n + t.failed, 0)).toBe(1)
    expect(crashed.at(-1)).toMatchObject({ suite: 'e2e', failed: 1, note: expect.stringContaining('no failed test') as unknown as string })
    expect(tallyByProject('lab', { passed: 3, failed: 0, failedTests: [] }, { code: 0, stderr: '' })).toEqual([{ suite: 'lab', passed: 3, failed: 0, failedTests: [] }])
    expect(tallyByProject('e2e', undefined, { code: 1, failure: 'x', stderr: '' })).toMatchObject([{ suite: 'e2e', passed: 0, failed: 1 }])
  })

  it('the summary shows, under each failed test, the first lines of its error without colours, library frames or the repo\'s path', async () => {
    const unit = join(dir, 'unit.json')
    const message = `\u001b[31mAssertionError: expected [ 'a', 'c' ] not to include 'c'\u001b[39m\n\n    at Proxy.<anonymous> (file://${REPO_ROOT}/node_modules/@vitest/expect/dist/index.js:1319:15)\n    at ${REPO_ROOT}/tests/integration/x.test.ts:42:7\n    at process.processImmediate (node:internal/timers:454:9)\n${Array.from({ length: 12 }, (_, i) => `    at frame ${i}`).join('\n')}`
    await writeFile(unit, JSON.stringify({
      numPassedTests: 0,
      numFailedTests: 2,
      testResults: [{ name: `${REPO_ROOT}/tests/integration/x.test.ts`, assertionResults: [{ status: 'failed', fullName: 'x', failureMessages: [message] }, { status: 'failed', fullName: 'y', failureMessages: [] }] }]
    }))
    const lines = failedTestLines([tally('unit', await readVitestReport(unit), { code: 1, failure: 'exit code 1', stderr: '' })])
    expect(lines.slice(0, 3)).toEqual([
      'failed (unit): tests/integration/x.test.ts › x',
      "    AssertionError: expected [ 'a', 'c' ] not to include 'c'",
      '        at tests/integration/x.test.ts:42:7'
    ])
    // eight lines of it at most, and a test without a message gets its name alone
    expect(lines).toHaveLength(1 + 8 + 1)
    expect(lines.at(-1)).toBe('failed (unit): tests/integration/x.test.ts › y')

    const e2e = join(dir, 'e2e.json')
    await writeFile(e2e, JSON.stringify({
      config: { projects: [{ name: 'chromium' }, { name: 'firefox' }] },
      stats: { expected: 0, unexpected: 1, flaky: 1 },
      suites: [{
        file: 'chat.spec.ts',
        specs: [{ title: 'sends', line: 3, tests: [
          { projectName: 'chromium', status: 'unexpected', results: [{ errors: [{ message: 'Timed out 5000ms waiting for expect(locator).toBeVisible()' }] }] },
          { projectName: 'firefox', status: 'flaky', results: [{ errors: [{ message: 'page.goto: net::ERR_ABORTED' }] }, { errors: [] }] }
        ] }]
      }]
    }))
    expect(failedTestLines(tallyByProject('e2e', await readPlaywrightReport(e2e), { code: 1, stderr: '' }))).toEqual([
      'failed (e2e chromium): chat.spec.ts:3 › sends',
      '    Timed out 5000ms waiting for expect(locator).toBeVisible()',
      'failed (e2e firefox): chat.spec.ts:3 › sends (passed only on retry)',
      '    page.goto: net::ERR_ABORTED'
    ])
  })

  it('a missing report is one failure; the summary lists names up to a limit', async () => {
    expect(await readVitestReport(join(dir, 'absent.json'))).toBeUndefined()
    expect(tally('unit', undefined, { code: 1, failure: 'exit code 1', stderr: '' })).toMatchObject({ passed: 0, failed: 1 })
    const many = { suite: 'unit', passed: 0, failed: 3, failedTests: ['x', 'y', 'z'] }
    expect(failedTestLines([many], 2)).toEqual(['failed (unit): x', 'failed (unit): y', '… and 1 more'])
    expect(failedTestLines([{ suite: 'e2e', passed: 5, failed: 0, failedTests: [] }])).toEqual([])
  })
})
