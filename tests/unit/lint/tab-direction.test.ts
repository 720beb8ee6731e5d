import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'

/**
 * The tab flows one way (docs/architecture.md, "Who may import whom"):
 * routes → state managers → widgets, with src/lib/model under both, the
 * contract under the database and the RPC layer without the WebRTC host.
 * eslint.config.js holds it; each fixture here is linted as if it sat in
 * the layer it names, and exactly the lines it marks "fires" must be refused,
 * so a rule that stops firing, or fires on what is allowed, fails here.
 */
const eslint = new ESLint({ cwd: process.cwd() })
const FIXTURES = join(import.meta.dirname, 'fixtures')

/** The rules that hold the layers (the others, unused variables and such, do not matter to a fixture). */
const BOUNDARY_RULES = new Set(['@typescript-eslint/no-restricted-imports', 'no-restricted-imports', 'no-restricted-globals', 'no-restricted-syntax'])

/** The lines of `fixture` the boundary rules refuse, linted as `filePath`. */
async function refusedLines (fixture: string, filePath: string): Promise<number[]> {
  const [result] = await eslint.lintText(readFileSync(join(FIXTURES, fixture), 'utf8'), { filePath })
  const fatal = result?.messages.find(m => m.fatal === true)
  if (fatal !== undefined) throw new Error(`${fixture} does not parse: ${fatal.message}`)
  return [...new Set((result?.messages ?? []).filter(m => m.ruleId !== null && BOUNDARY_RULES.has(m.ruleId)).map(m => m.line))].sort((a, b) => a - b)
}

/** The lines `fixture` marks as refused. */
function markedLines (fixture: string): number[] {
  return readFileSync(join(FIXTURES, fixture), 'utf8').split('\n').flatMap((line, i) => /\/\/ fires\b/.test(line) ? [i + 1] : [])
}

describe('the tab in one direction', () => {
  it.each([
    ['widget-runs-queries.svelte', 'src/lib/ui/Fixture.svelte', 'a widget reaches no query: Dexie, the handle, db/ values, live(), state managers, RPC, IndexedDB, import()'],
    ['route-reads-database.svelte', 'src/routes/Fixture.svelte', 'a route imports no db/ value, no live() or getDb(), no Dexie, no handle'],
    ['state-imports.ts', 'src/lib/state/fixture.svelte.ts', 'state/ imports nothing from ui/ or the routes'],
    ['contract-imports.ts', 'src/lib/contract/methods/fixture.ts', 'contract/ imports nothing from db/'],
    ['model-imports.ts', 'src/lib/model/fixture.ts', 'model/ stays below the tab and the worker'],
    ['rpc-imports.ts', 'src/lib/rpc/fixture.ts', 'rpc/ imports nothing of the WebRTC bridge']
  ])('%s (as %s): %s', async (fixture, filePath) => {
    const marked = markedLines(fixture)
    expect(marked.length).toBeGreaterThan(0)
    expect(await refusedLines(fixture, filePath)).toEqual(marked)
  })

  it.each([
    ['widget-takes-props.svelte', 'src/lib/ui/Fixture.svelte'],
    ['route-through-state.svelte', 'src/routes/Fixture.svelte'],
    // the app's shell is a route too
    ['route-through-state.svelte', 'src/App.svelte']
  ])('%s (as %s) passes', async (fixture, filePath) => {
    expect(await refusedLines(fixture, filePath)).toEqual([])
  })

  it('holds App.svelte to the routes\' rules', async () => {
    expect(await refusedLines('route-reads-database.svelte', 'src/App.svelte')).toEqual(markedLines('route-reads-database.svelte'))
  })
})
