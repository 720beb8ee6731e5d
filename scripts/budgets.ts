/**
 * `tsx scripts/budgets.ts [--lines-only]`: holds the source line budget and
 * (after `vite build`) the gzip budgets of dist/ (scripts/lib/budgets.ts).
 * Prints one line per budget checked and what broke it; exits 1 if any did.
 */
import { resolve } from 'node:path'
import { bundleSizes } from './lib/bundle-sizes.ts'
import { bundleBudgetResults, lineBudgetResults, lineCounts, MAX_SOURCE_LINES } from './lib/budgets.ts'
import { REPO_ROOT, runScript } from './lib/test-run.ts'

async function main (): Promise<number> {
  const linesOnly = process.argv.includes('--lines-only')
  const counts = await lineCounts(REPO_ROOT)
  const results = lineBudgetResults(counts)
  if (results.length === 0) console.log(`budget lines: ${counts.size} source files, none over ${MAX_SOURCE_LINES} lines`)
  if (!linesOnly) results.push(...bundleBudgetResults(await bundleSizes(resolve(REPO_ROOT, 'dist'))))
  for (const r of results) console.log(`budget ${r.name}: ${r.ok ? 'ok' : 'OVER'} (${r.detail})`)
  return results.every(r => r.ok) ? 0 : 1
}

runScript(main)
