/**
 * `tsx scripts/import-cycles.ts [folder …]` (default src/lib/p2p; part of
 * `npm run lint`): fails when files under a folder import each other in a
 * cycle, type-only imports included (scripts/lib/import-graph.ts), and
 * prints each cycle. Features in an order (docs/architecture.md) keep the
 * folders acyclic; this holds the files inside them too.
 */
import { importCycles, importGraph, describeCycle } from './lib/import-graph.ts'

const folders = process.argv.slice(2)
let failed = false
for (const folder of folders.length > 0 ? folders : ['src/lib/p2p']) {
  const graph = importGraph(folder)
  const cycles = importCycles(graph)
  for (const cycle of cycles) console.error(`import cycle: ${describeCycle(cycle, process.cwd())}`)
  console.log(`import cycles under ${folder}: ${cycles.length} (${graph.files.length} files)`)
  if (cycles.length > 0) failed = true
}
process.exitCode = failed ? 1 : 0
