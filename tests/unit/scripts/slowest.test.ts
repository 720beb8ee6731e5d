import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { playwrightDurations, slowestLines, vitestDurations } from '../../../scripts/lib/slowest.ts'
import { REPO_ROOT } from '../../../scripts/lib/test-run.ts'

describe('the slowest tests of a run, from its reports', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'parley-slowest-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('reads each vitest test\'s duration, named by file (relative to the repo) and full name', async () => {
    const path = join(dir, 'unit.json')
    await writeFile(path, JSON.stringify({
      testResults: [{ name: `${REPO_ROOT}/tests/unit/a.test.ts`, assertionResults: [{ fullName: 'a works', duration: 12.5 }, { fullName: 'a never ran' }] }]
    }))
    expect(await vitestDurations(path, 'unit')).toEqual([{ suite: 'unit', name: 'tests/unit/a.test.ts › a works', ms: 12.5 }])
  })

  it('adds up a playwright test\'s tries and names its project, however deep its suite', async () => {
    const path = join(dir, 'e2e.json')
    await writeFile(path, JSON.stringify({
      suites: [{
        file: 'chat.spec.ts',
        suites: [{ title: 'inner', specs: [{ title: 'sends', line: 9, tests: [{ projectName: 'firefox', results: [{ duration: 1000 }, { duration: 500 }] }] }] }]
      }]
    }))
    expect(await playwrightDurations(path, 'e2e')).toEqual([{ suite: 'e2e firefox', name: 'chat.spec.ts:9 › sends', ms: 1500 }])
  })

  it('a missing report has no durations', async () => {
    expect(await vitestDurations(join(dir, 'none.json'), 'unit')).toEqual([])
    expect(await playwrightDurations(join(dir, 'none.json'), 'e2e')).toEqual([])
  })

  it('lists the slowest first, at most the count asked for, in seconds', () => {
    const lines = slowestLines([
      { suite: 'unit', name: 'fast', ms: 10 },
      { suite: 'e2e chromium', name: 'slow', ms: 61_234 },
      { suite: 'lab', name: 'middle', ms: 5_000 }
    ], 2)
    expect(lines).toEqual(['   61.2 s  e2e chromium: slow', '    5.0 s  lab: middle'])
  })
})
