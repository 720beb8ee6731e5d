import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundleBudgetResults, countLines, lineBudgetResults, lineCounts, MAX_SOURCE_LINES } from '../../../scripts/lib/budgets.ts'

/*
 * The budgets `npm test` holds (scripts/budgets.ts): the rules on made-up
 * trees and sizes; the real tree and dist/ are checked by the script itself.
 */

const lines = (n: number): string => 'x\n'.repeat(n)

describe('line budget', () => {
  it('counts lines as wc -l does, plus a last line without a newline', () => {
    expect([countLines(''), countLines('a'), countLines('a\n'), countLines('a\nb'), countLines(lines(400))]).toEqual([0, 1, 1, 2, 400])
  })

  it('holds .ts and .svelte files under src, packages and relay-node/src to the limit; string tables are exempt', async () => {
    const root = await mkdtemp(join(tmpdir(), 'parley-budget-'))
    try {
      for (const [path, n] of [
        ['src/lib/ok.ts', MAX_SOURCE_LINES], ['src/routes/Big.svelte', MAX_SOURCE_LINES + 1], ['packages/p/src/big.ts', 500],
        ['relay-node/src/x.ts', 10], ['src/lib/i18n/messages/errors.ts', 900], ['src/lib/notes.md', 900],
        ['packages/p/node_modules/dep/big.ts', 900], ['packages/p/dist/big.ts', 900], ['tests/big.ts', 900]
      ] as const) {
        await mkdir(join(root, path, '..'), { recursive: true })
        await writeFile(join(root, path), lines(n))
      }
      const counts = await lineCounts(root)
      expect([...counts.keys()]).toEqual(['packages/p/src/big.ts', 'relay-node/src/x.ts', 'src/lib/i18n/messages/errors.ts', 'src/lib/ok.ts', 'src/routes/Big.svelte'])
      expect(lineBudgetResults(counts).map(r => [r.name, r.ok])).toEqual([['lines packages/p/src/big.ts', false], ['lines src/routes/Big.svelte', false]])
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  })

  it('says by how much a file is over, and has no exceptions but the string tables', () => {
    const counts = new Map([['src/a.ts', MAX_SOURCE_LINES], ['src/lib/p2p/root/root.ts', 401], ['src/lib/i18n/messages/ui.ts', 2000]])
    expect(lineBudgetResults(counts)).toEqual([
      { name: 'lines src/lib/p2p/root/root.ts', ok: false, detail: `401 lines, more than ${MAX_SOURCE_LINES}` }
    ])
  })
})

describe('bundle budgets', () => {
  it('passes sizes within their budget and names the one over it', () => {
    const budgets = { shell: 100, worker: 200, pump: 5, lazy: 400, serviceWorker: 10 }
    const results = bundleBudgetResults({ shell: 100 * 1024, worker: 200 * 1024 + 1, pump: 0, lazy: 1024, serviceWorker: 10 * 1024 + 1 }, budgets)
    expect(results.map(r => [r.name, r.ok])).toEqual([['bundle shell', true], ['bundle worker', false], ['bundle pump', true], ['bundle lazy', true], ['bundle serviceWorker', false]])
    expect(results[1]?.detail).toBe('200.0 KiB gzip, budget 200 KiB')
  })
})
