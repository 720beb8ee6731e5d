import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeCycle, importCycles, importGraph, specifiersOf } from '../../../scripts/lib/import-graph.ts'

/**
 * The import-cycle check of `npm run lint` (scripts/import-cycles.ts): on a
 * fixture with cycles (one of them through a type-only import) and one
 * without.
 */
const FIXTURE = fileURLToPath(new URL('./fixtures/import-cycles/', import.meta.url))

describe('import cycles', () => {
  it('finds each cycle, a type-only import included, and names one loop through it', () => {
    const cycles = importCycles(importGraph(`${FIXTURE}with-cycles`))
    expect(cycles.map(c => describeCycle(c, `${FIXTURE}with-cycles`))).toEqual([
      'a.ts → b.ts → a.ts',
      'ring/index.ts → ring/p.ts → ring/q.ts → ring/r.ts → ring/index.ts'
    ])
  })

  it('finds none in a folder without one', () => {
    const graph = importGraph(`${FIXTURE}without`)
    expect(graph.imports.get(`${FIXTURE}without/a.ts`)).toEqual([`${FIXTURE}without/b.ts`, `${FIXTURE}without/c.ts`])
    expect(importCycles(graph)).toEqual([])
  })

  it('reads every kind of import, and only imports: a Svelte component\'s from its scripts', () => {
    const ts = [
      "import type { A } from './a.ts'",
      "export type { B } from './b.ts'",
      "export * from './c.ts'",
      "import './d.ts'",
      "const e: import('./e.ts').E = f",
      "void import('./f.ts')",
      "// import { no } from './comment.ts'",
      "const no = \"import { no } from './string.ts'\""
    ].join('\n')
    expect(specifiersOf('x.ts', ts)).toEqual(['./a.ts', './b.ts', './c.ts', './d.ts', './e.ts', './f.ts'])
    const svelte = "<script lang=\"ts\">\n  import Row from './Row.svelte'\n  import { t } from '../i18n/index.ts'\n</script>\n<p>import { no } from './markup.ts'</p>"
    expect(specifiersOf('View.svelte', svelte)).toEqual(['./Row.svelte', '../i18n/index.ts'])
  })
})
